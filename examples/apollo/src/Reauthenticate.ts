// Leaving needs a recent sign-in of this session (the backend's REAUTHENTICATION_MAX_AGE_SECONDS):
// a token taken from a device's memory, or a device someone else picks up, cannot delete the
// account. An older session proves it is still the person by signing in to Kakao again.
import { goToKakao } from './authorize';
import { REAUTHENTICATION_MAX_AGE_SECONDS } from './config';

/** Whether this session's sign-in (me.kakao.authenticatedAt) is too old, as far as the page knows. */
export function signInTooOld(authenticatedAt: string | null | undefined, now = Date.now()): boolean {
  if (!authenticatedAt) return false; // unknown here: the backend's answer decides
  return now - Date.parse(authenticatedAt) > REAUTHENTICATION_MAX_AGE_SECONDS * 1000;
}

/** Off to Kakao, which asks for the password again (prompt=login); back, kakaoReauthenticate. */
export function confirmWithKakao(): Promise<void> {
  return goToKakao({ purpose: 'REAUTHENTICATE' });
}
