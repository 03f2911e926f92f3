import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { from, mergeMap, of, timer } from 'rxjs';

import { GRAPHQL_URL } from './config';
import { REFRESH } from './operations';

// The access token lives in memory only: never in localStorage, where any script
// could read it. The refresh token is an HttpOnly cookie the browser sends itself.
let accessToken: string | null = null;

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

const withAccessToken = new ApolloLink((operation, forward) => {
  if (accessToken) {
    operation.setContext(({ headers = {} }) => ({ headers: { ...headers, Authorization: `Bearer ${accessToken}` } }));
  }
  return forward(operation);
});

// Told when the backend says this session has ended (SESSION_ENDED: signed out here
// or on another device, or the account is gone): refreshing cannot help, so the app
// forgets the person at once.
let sessionEnded: (() => void) | null = null;

export function onSessionEnded(listener: (() => void) | null): void {
  sessionEnded = listener;
}

/** What a refresh came to: a new access token, no session (signed out), or no answer. */
export type RefreshOutcome = { token: string } | { ended: true } | { failed: unknown };

// One refresh at a time: two failing queries presenting the same refresh cookie at
// once would look like a replayed (stolen) token to the backend, which then revokes it.
let refreshing: Promise<RefreshOutcome> | null = null;

/** A new access token from the refresh cookie (which the backend rotates). */
export function refreshSession(): Promise<RefreshOutcome> {
  refreshing ??= client
    .mutate({ mutation: REFRESH, fetchPolicy: 'no-cache' })
    .then(({ data }): RefreshOutcome => {
      const token = data?.refreshToken?.token;
      // INVALID_REFRESH_TOKEN: no cookie, or its session was ended (here, on another
      // device, by Kakao's unlink notice): this browser is signed out.
      return token ? { token } : { ended: true };
    })
    .catch((failed: unknown): RefreshOutcome => ({ failed }))
    .then((outcome) => {
      setAccessToken('token' in outcome ? outcome.token : null);
      return outcome;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The `extensions.code` of the first error in a non-2xx JSON answer (403 CSRF_REJECTED, 503 …). */
export function serverErrorCode(error: ServerError): string | null {
  try {
    const code: unknown = JSON.parse(error.bodyText)?.errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

const MAX_RETRY_AFTER_SECONDS = 5;
// Operations that spend what they are sent: never sent twice.
const SINGLE_USE_INPUT = new Set(['KakaoLogin']);

/** Seconds to wait before retrying a 503: its Retry-After header, capped; 1 when unreadable. */
function retryAfterSeconds(error: ServerError): number {
  // Cross-origin, a script sees Retry-After only if the API lists it in
  // Access-Control-Expose-Headers; without it, wait one second.
  const seconds = Number(error.response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_RETRY_AFTER_SECONDS) : 1;
}

// Apollo Client 4's error model: GraphQL errors in a 200 answer arrive as
// CombinedGraphQLErrors, a non-2xx answer as ServerError, an unreachable server as
// the fetch's own TypeError. SESSION_ENDED signs this browser out (no refresh: the
// session is gone). Two others are worth one more try:
//  - TOKEN_EXPIRED: refresh once (shared by every operation that hit it), then retry
//    with the new token. If the refresh fails, the original answer goes through.
//  - 503 SERVICE_UNAVAILABLE (the database is down): retry once after Retry-After;
//    not KakaoLogin, whose code may already be spent at Kakao (a retry would only
//    turn "try again shortly" into INVALID_CODE).
// A 403 CSRF_REJECTED is not retried: the same request would be refused again.
const recover = new ErrorLink(({ error, result, operation, forward }) => {
  const context = operation.getContext();
  if (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'SESSION_ENDED')) {
    setAccessToken(null);
    sessionEnded?.();
    return undefined;
  }
  if (
    CombinedGraphQLErrors.is(error) &&
    error.errors.some((e) => e.extensions?.code === 'TOKEN_EXPIRED') &&
    operation.operationName !== 'Refresh' &&
    !context.refreshed
  ) {
    return from(refreshSession()).pipe(
      mergeMap((outcome) => {
        if (!('token' in outcome)) return of(result!);
        operation.setContext({ refreshed: true });
        return forward(operation);
      }),
    );
  }
  if (
    ServerError.is(error) &&
    error.statusCode === 503 &&
    serverErrorCode(error) === 'SERVICE_UNAVAILABLE' &&
    !SINGLE_USE_INPUT.has(operation.operationName ?? '') &&
    !context.retriedUnavailable
  ) {
    operation.setContext({ retriedUnavailable: true });
    return timer(retryAfterSeconds(error) * 1000).pipe(mergeMap(() => forward(operation)));
  }
  return undefined;
});

export const client = new ApolloClient({
  link: ApolloLink.from([
    recover,
    withAccessToken, // after recover, so that a retry carries the new token
    new HttpLink({
      uri: GRAPHQL_URL,
      // The HttpOnly cookies travel to the backend's origin.
      credentials: 'include',
      // Queries go as GET (cacheable, no body). Apollo still sends them with
      // Content-Type: application/json, which the backend's CSRF rule requires of a
      // request that carries cookies: no page can make a browser send that header
      // cross-site without a CORS preflight.
      useGETForQueries: true,
    }),
  ]),
  cache: new InMemoryCache(),
});
