import { client, setAccessToken } from './apollo';
import { takeExpectedState } from './authorize';
import { REDIRECT_URI } from './config';
import { describe, explain } from './messages';
import { KAKAO_LOGIN } from './operations';

/** How the way back from Kakao ended: a message in plain words, or signed in. */
export type LoginOutcome = { error: string } | { created: boolean };

// A code is single-use, and React StrictMode runs effects twice in development: keep
// one exchange per callback URL, outside React, and give every caller the same promise.
const exchanges = new Map<string, Promise<LoginOutcome>>();

/** Finish the login Kakao redirected back with. */
export function finishKakaoLogin(search: string): Promise<LoginOutcome> {
  let exchange = exchanges.get(search);
  if (!exchange) {
    exchange = exchangeCode(new URLSearchParams(search));
    exchanges.set(search, exchange);
  }
  return exchange;
}

async function exchangeCode(params: URLSearchParams): Promise<LoginOutcome> {
  const expectedState = takeExpectedState();
  // The code leaves the address bar (and the history) at once.
  window.history.replaceState(null, '', '/');

  const kakaoError = params.get('error');
  if (kakaoError) return { error: describe(kakaoError, params.get('error_description')) };
  const code = params.get('code');
  const state = params.get('state');
  if (!code) return { error: describe('INVALID_INPUT') };
  if (!expectedState || state !== expectedState) return { error: describe('STATE_MISMATCH') };

  try {
    const { data } = await client.mutate({
      mutation: KAKAO_LOGIN,
      variables: { code, state, redirectUri: REDIRECT_URI },
      fetchPolicy: 'no-cache',
    });
    // Expected failures (a spent code, a refused state …) are not exceptions: they
    // come back in the payload's errors, with a typed code.
    const result = data?.kakaoLogin;
    const failure = result?.errors[0];
    if (failure) return { error: describe(failure.code, failure.message) };
    if (!result?.token) return { error: describe('KAKAO_ERROR') };
    setAccessToken(result.token);
    return { created: result.created === true };
  } catch (error) {
    return { error: explain(error) };
  }
}
