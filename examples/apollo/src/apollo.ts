import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable } from '@apollo/client';
import { onError } from '@apollo/client/link/error';

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
    operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => ({
      headers: { ...headers, Authorization: `Bearer ${accessToken}` },
    }));
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
    .then(({ data }) => data?.refreshToken.token ?? null)
    .catch(() => null)
    .then((token) => {
      setAccessToken(token);
      return token;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

// An expired access token: refresh once, then retry the operation once. If the
// refresh fails, the original answer (me: null + TOKEN_EXPIRED) goes through.
const refreshOnExpiry = onError(({ graphQLErrors, operation, forward, response }) => {
  const expired = graphQLErrors?.some((e) => e.extensions?.code === 'TOKEN_EXPIRED');
  if (!expired || operation.operationName === 'Refresh' || operation.getContext().retried) {
    return undefined;
  }
  return new Observable((observer) => {
    let subscription: { unsubscribe(): void } | undefined;
    refreshSession().then((token) => {
      if (!token) {
        if (response) observer.next(response);
        observer.complete();
        return;
      }
      operation.setContext({ retried: true });
      subscription = forward(operation).subscribe(observer);
    });
    return () => subscription?.unsubscribe();
  });
});

export const client = new ApolloClient({
  link: ApolloLink.from([
    refreshOnExpiry,
    withAccessToken, // after refreshOnExpiry, so that a retry carries the new token
    // credentials: 'include' so the HttpOnly cookies travel to the backend's origin.
    new HttpLink({ uri: GRAPHQL_URL, credentials: 'include' }),
  ]),
  cache: new InMemoryCache(),
  defaultOptions: { query: { errorPolicy: 'all' }, watchQuery: { errorPolicy: 'all' } },
});
