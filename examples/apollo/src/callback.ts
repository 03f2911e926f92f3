import { client, setAccessToken } from './apollo';
import { takeExpectedState } from './authorize';
import { REDIRECT_URI } from './config';
import { describe } from './messages';
import { KAKAO_LOGIN } from './operations';

// A code is single-use, and React StrictMode runs effects twice in development: keep
// one exchange per callback URL, outside React, and give every caller the same promise.
const exchanges = new Map<string, Promise<string | null>>();

/** Finish the login Kakao redirected back with; resolves to a message, or null on success. */
export function finishKakaoLogin(search: string): Promise<string | null> {
  let exchange = exchanges.get(search);
  if (!exchange) {
    exchange = exchangeCode(new URLSearchParams(search));
    exchanges.set(search, exchange);
  }
  return exchange;
}

async function exchangeCode(params: URLSearchParams): Promise<string | null> {
  const expectedState = takeExpectedState();
  // The code leaves the address bar (and the history) at once.
  window.history.replaceState(null, '', '/');

  const kakaoError = params.get('error');
  if (kakaoError) return describe(kakaoError, params.get('error_description'));
  const code = params.get('code');
  const state = params.get('state');
  if (!code) return describe('INVALID_INPUT');
  if (!expectedState || state !== expectedState) return describe('STATE_MISMATCH');

  try {
    const { data } = await client.mutate({
      mutation: KAKAO_LOGIN,
      variables: { code, state, redirectUri: REDIRECT_URI },
      fetchPolicy: 'no-cache',
    });
    const result = data?.kakaoLogin;
    if (!result) return describe('KAKAO_ERROR');
    if (result.errors.length) return describe(result.errors[0].code, result.errors[0].message);
    setAccessToken(result.token);
    return null;
  } catch {
    return describe('NETWORK_ERROR');
  }
}
