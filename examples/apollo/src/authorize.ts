import { client } from './apollo';
import { AUTHORIZE_MODE, KAKAO_AUTH_URL, KAKAO_CLIENT_ID, REDIRECT_URI } from './config';
import { describe, explain } from './messages';
import { KAKAO_AUTHORIZE } from './operations';

const STATE_KEY = 'kakao-oauth-state';

/** A login that could not start, with its message in plain words. */
export class LoginError extends Error {}

/** Kakao's authorize URL and the state in it: the one place that decides how it is made. */
export async function kakaoAuthorizeUrl(scope?: string[]): Promise<{ url: string; state: string }> {
  if (AUTHORIZE_MODE === 'local') {
    const state = randomState();
    const url = new URL('/oauth/authorize', KAKAO_AUTH_URL);
    url.search = new URLSearchParams({
      client_id: KAKAO_CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state,
      ...(scope?.length ? { scope: scope.join(',') } : {}),
    }).toString();
    return { url: url.toString(), state };
  }
  // The backend makes a single-use state and binds it to this browser with an
  // HttpOnly cookie (credentials: 'include' keeps it); kakaoLogin checks it again.
  // A mutation, not a query: a cached answer would hand out a spent state.
  const answer = await client
    .mutate({ mutation: KAKAO_AUTHORIZE, variables: { redirectUri: REDIRECT_URI, scope }, fetchPolicy: 'no-cache' })
    .then(({ data }) => data?.kakaoAuthorize)
    .catch((error: unknown) => {
      throw new LoginError(explain(error));
    });
  if (answer?.url && answer.state) return { url: answer.url, state: answer.state };
  const first = answer?.errors[0];
  throw new LoginError(describe(first?.code ?? 'KAKAO_ERROR', first?.message));
}

/** Off to Kakao; the state waits in this tab's sessionStorage for the way back. */
export async function startKakaoLogin(): Promise<void> {
  const { url, state } = await kakaoAuthorizeUrl();
  sessionStorage.setItem(STATE_KEY, state);
  window.location.assign(url);
}

/** The state this tab sent to Kakao, once: reading it forgets it. */
export function takeExpectedState(): string | null {
  const state = sessionStorage.getItem(STATE_KEY);
  sessionStorage.removeItem(STATE_KEY);
  return state;
}

function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
