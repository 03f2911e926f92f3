import { client } from './apollo';
import { AUTHORIZE_MODE, KAKAO_AUTH_URL, KAKAO_CLIENT_ID, REDIRECT_URI } from './config';
import type { AuthorizePurpose, KakaoPrompt } from './gql/graphql';
import { describe, explain } from './messages';
import { KAKAO_AUTHORIZE } from './operations';

const STATE_KEY = 'kakao-oauth-state';
// What the round trip is for: the way back (callback.ts) sends the code to the mutation
// of that purpose, and the backend's state serves that purpose only.
const PURPOSE_KEY = 'kakao-oauth-purpose';

/** A login that could not start, with its message in plain words. */
export class LoginError extends Error {}

/** One trip to Kakao: what for, and what Kakao's page should ask. */
export type KakaoTrip = {
  /** SIGN_IN (default), GRANT (more consent items) or REAUTHENTICATE (the password again). */
  purpose?: AuthorizePurpose;
  /** Consent items to ask for, e.g. ['talk_message'] (GRANT needs some). */
  scope?: string[];
  /** Kakao Sync service terms to ask for, e.g. the ones TERMS_REQUIRED named. */
  serviceTerms?: string[];
  /** e.g. ['SELECT_ACCOUNT']: Kakao lets the person pick another account. */
  prompt?: KakaoPrompt[];
};

/** Kakao's authorize URL and the state in it: the one place that decides how it is made. */
export async function kakaoAuthorizeUrl(trip: KakaoTrip = {}): Promise<{ url: string; state: string }> {
  const purpose = trip.purpose ?? 'SIGN_IN';
  // Only a sign-in may be made here: GRANT and REAUTHENTICATE always need the backend's
  // state, bound to the signed-in person.
  if (AUTHORIZE_MODE === 'local' && purpose === 'SIGN_IN') return localUrl(trip);
  // The backend makes a single-use state and binds it to this browser with an
  // HttpOnly cookie (credentials: 'include' keeps it); kakaoLogin checks it again.
  // A mutation, not a query: a cached answer would hand out a spent state.
  const answer = await client
    .mutate({
      mutation: KAKAO_AUTHORIZE,
      variables: { redirectUri: REDIRECT_URI, ...trip, purpose },
      fetchPolicy: 'no-cache',
    })
    .then(({ data }) => data?.kakaoAuthorize)
    .catch((error: unknown) => {
      throw new LoginError(explain(error));
    });
  if (answer?.url && answer.state) return { url: answer.url, state: answer.state };
  const first = answer?.errors[0];
  throw new LoginError(describe(first?.code ?? 'KAKAO_ERROR', first?.message));
}

/** Off to Kakao; the state and the purpose wait in this tab's sessionStorage for the way back. */
export async function goToKakao(trip: KakaoTrip = {}): Promise<void> {
  const { url, state } = await kakaoAuthorizeUrl(trip);
  sessionStorage.setItem(STATE_KEY, state);
  sessionStorage.setItem(PURPOSE_KEY, trip.purpose ?? 'SIGN_IN');
  window.location.assign(url);
}

/** The state this tab sent to Kakao and what for, once: reading them forgets them. */
export function takeExpectedTrip(): { state: string | null; purpose: AuthorizePurpose } {
  const state = sessionStorage.getItem(STATE_KEY);
  const purpose = sessionStorage.getItem(PURPOSE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  sessionStorage.removeItem(PURPOSE_KEY);
  const known: AuthorizePurpose[] = ['SIGN_IN', 'GRANT', 'REAUTHENTICATE'];
  return { state, purpose: known.find((p) => p === purpose) ?? 'SIGN_IN' };
}

function localUrl(trip: KakaoTrip): { url: string; state: string } {
  const state = randomState();
  const url = new URL('/oauth/authorize', KAKAO_AUTH_URL);
  url.search = new URLSearchParams({
    client_id: KAKAO_CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state,
    ...(trip.scope?.length ? { scope: trip.scope.join(',') } : {}),
    ...(trip.serviceTerms?.length ? { service_terms: trip.serviceTerms.join(',') } : {}),
    ...(trip.prompt?.length ? { prompt: trip.prompt.map((p) => p.toLowerCase()).join(',') } : {}),
  }).toString();
  return { url: url.toString(), state };
}

function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
