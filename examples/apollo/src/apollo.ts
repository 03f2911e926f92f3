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

// One refresh at a time: two failing queries presenting the same refresh cookie at
// once would look like a replayed (stolen) token to the backend, which then revokes it.
let refreshing: Promise<string | null> | null = null;

/** A new access token from the refresh cookie (which the backend rotates), or null. */
export function refreshSession(): Promise<string | null> {
  refreshing ??= client
    .mutate({ mutation: REFRESH, fetchPolicy: 'no-cache' })
    .then(({ data }) => data?.refreshToken?.token ?? null)
    .catch(() => null) // unreachable or refused: the next query says why, once
    .then((token) => {
      setAccessToken(token);
      return token;
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

/** Seconds to wait before retrying a 503: its Retry-After header, capped; 1 when unreadable. */
function retryAfterSeconds(error: ServerError): number {
  // Cross-origin, a script sees Retry-After only if the API lists it in
  // Access-Control-Expose-Headers; without it, wait one second.
  const seconds = Number(error.response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_RETRY_AFTER_SECONDS) : 1;
}

// Apollo Client 4's error model: GraphQL errors in a 200 answer arrive as
// CombinedGraphQLErrors, a non-2xx answer as ServerError, an unreachable server as
// the fetch's own TypeError. Two of them are worth one more try:
//  - TOKEN_EXPIRED: refresh once (shared by every operation that hit it), then retry
//    with the new token. If the refresh fails, the original answer goes through.
//  - 503 SERVICE_UNAVAILABLE (the database is down): retry once after Retry-After.
// A 403 CSRF_REJECTED is not retried: the same request would be refused again.
const recover = new ErrorLink(({ error, result, operation, forward }) => {
  const context = operation.getContext();
  if (
    CombinedGraphQLErrors.is(error) &&
    error.errors.some((e) => e.extensions?.code === 'TOKEN_EXPIRED') &&
    operation.operationName !== 'Refresh' &&
    !context.refreshed
  ) {
    return from(refreshSession()).pipe(
      mergeMap((token) => {
        if (!token) return of(result!);
        operation.setContext({ refreshed: true });
        return forward(operation);
      }),
    );
  }
  if (
    ServerError.is(error) &&
    error.statusCode === 503 &&
    serverErrorCode(error) === 'SERVICE_UNAVAILABLE' &&
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
