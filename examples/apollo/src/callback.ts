import { client, refreshSession, setAccessToken } from './apollo';
import { takeExpectedTrip } from './authorize';
import { REDIRECT_URI } from './config';
import type { AuthorizePurpose } from './gql/graphql';
import { describe, explain } from './messages';
import { KAKAO_GRANT, KAKAO_LOGIN, KAKAO_REAUTHENTICATE } from './operations';

/** What the round trip did: signed up or in, recorded more consent, or proved it is still you. */
export type Done = 'created' | 'signed-in' | 'granted' | 'reauthenticated';

/**
 * How the way back from Kakao ended: done (and so signed in), or a message in plain words.
 * `termsRequired`: the service terms still missing (TERMS_REQUIRED), to ask Kakao for.
 * `signedIn`: known either way once a refresh has run (GRANT and REAUTHENTICATE need one).
 */
export type KakaoOutcome = { done: Done } | { error: string; termsRequired?: string[]; signedIn?: boolean };

type Returned = { code: string; state: string; purpose: AuthorizePurpose };

// A code is single-use, and React StrictMode runs effects twice in development: keep
// one exchange per callback URL, outside React, and give every caller the same promise.
const exchanges = new Map<string, Promise<KakaoOutcome>>();

/** Finish the round trip Kakao redirected back from, by the purpose this tab started it for. */
export function finishKakao(search: string): Promise<KakaoOutcome> {
  let exchange = exchanges.get(search);
  if (!exchange) {
    exchange = finish(new URLSearchParams(search)).catch((error: unknown) => ({ error: explain(error) }));
    exchanges.set(search, exchange);
  }
  return exchange;
}

async function finish(params: URLSearchParams): Promise<KakaoOutcome> {
  const expected = takeExpectedTrip();
  // The code leaves the address bar (and the history) at once.
  window.history.replaceState(null, '', '/');

  const kakaoError = params.get('error');
  if (kakaoError) return { error: describe(kakaoError, params.get('error_description')) };
  const code = params.get('code');
  const state = params.get('state');
  if (!code) return { error: describe('INVALID_INPUT') };
  if (!expected.state || state !== expected.state) return { error: describe('STATE_MISMATCH') };
  const returned = { code, state, purpose: expected.purpose };
  return returned.purpose === 'SIGN_IN' ? signIn(returned) : asSignedIn(returned);
}

async function signIn({ code, state }: Returned): Promise<KakaoOutcome> {
  const { data } = await client.mutate({
    mutation: KAKAO_LOGIN,
    variables: { code, state, redirectUri: REDIRECT_URI },
    fetchPolicy: 'no-cache',
  });
  // Expected failures (a spent code, a refused state …) are not exceptions: they
  // come back in the payload's errors, with a typed code.
  const result = data?.kakaoLogin;
  const failure = result?.errors[0];
  if (failure?.code === 'TERMS_REQUIRED') {
    return { error: describe(failure.code), termsRequired: missingTerms(failure.message) };
  }
  if (failure) return { error: describe(failure.code, failure.message) };
  if (!result?.token) return { error: describe('KAKAO_ERROR') };
  setAccessToken(result.token);
  return { done: result.created === true ? 'created' : 'signed-in' };
}

/** GRANT and REAUTHENTICATE are for the person signed in here: the refresh cookie says who. */
async function asSignedIn({ code, state, purpose }: Returned): Promise<KakaoOutcome> {
  const session = await refreshSession();
  if ('failed' in session) return { error: explain(session.failed) }; // the page load tries again
  if ('ended' in session) return { error: describe('UNAUTHENTICATED'), signedIn: false };
  const variables = { code, state, redirectUri: REDIRECT_URI };
  let failure: { code: string; message: string } | undefined;
  if (purpose === 'GRANT') {
    // The answer's user carries the new consent record: the cache, and so the card, update.
    const { data } = await client.mutate({ mutation: KAKAO_GRANT, variables });
    failure = data?.kakaoGrant?.errors[0] ?? (data?.kakaoGrant?.user ? undefined : { code: 'NOT_DONE', message: '' });
  } else {
    const { data } = await client.mutate({ mutation: KAKAO_REAUTHENTICATE, variables, fetchPolicy: 'no-cache' });
    failure = data?.kakaoReauthenticate?.errors[0] ?? (data?.kakaoReauthenticate?.ok ? undefined : { code: 'NOT_DONE', message: '' });
  }
  if (failure) return { error: describe(failure.code, failure.message), signedIn: true };
  return { done: purpose === 'GRANT' ? 'granted' : 'reauthenticated' };
}

/** TERMS_REQUIRED's message names the missing tags: "Required service terms not agreed: a, b". */
function missingTerms(message: string): string[] {
  const listed = message.slice(message.lastIndexOf(':') + 1);
  return listed.split(',').map((tag) => tag.trim()).filter((tag) => /^[\w.-]{1,64}$/.test(tag));
}
