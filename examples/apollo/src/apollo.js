import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, Observable } from '@apollo/client';
import { onError } from '@apollo/client/link/error';

import { GRAPHQL_URL } from './config';
import { REFRESH } from './operations';

// The access token lives in memory only: never in localStorage, where any script
// could read it. The refresh token is an HttpOnly cookie the browser sends itself.
let accessToken = null;

export function setAccessToken(token) {
  accessToken = token;
}

const withAccessToken = new ApolloLink((operation, forward) => {
  if (accessToken) {
    operation.setContext(({ headers = {} }) => ({
      headers: { ...headers, Authorization: `Bearer ${accessToken}` },
    }));
  }
  return forward(operation);
});

// One refresh at a time: two tabs or two failing queries presenting the same
// refresh cookie at once would look like a stolen token to the backend.
let refreshing = null;

export function refreshSession() {
  refreshing ??= client
    .mutate({ mutation: REFRESH, fetchPolicy: 'no-cache' })
    .then(({ data }) => {
      const token = data?.refreshToken?.token ?? null;
      setAccessToken(token);
      return token;
    })
    .catch(() => {
      setAccessToken(null);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

// An expired access token: refresh once, then retry the operation.
const refreshOnExpiry = onError(({ graphQLErrors, operation, forward }) => {
  const expired = graphQLErrors?.some((e) => e.extensions?.code === 'TOKEN_EXPIRED');
  if (!expired || operation.getContext().retried) return undefined;
  return new Observable((observer) => {
    refreshSession().then((token) => {
      if (!token) {
        observer.error(new Error('Session ended'));
        return;
      }
      operation.setContext({ retried: true });
      forward(operation).subscribe(observer);
    });
  });
});

export const client = new ApolloClient({
  link: ApolloLink.from([
    refreshOnExpiry,
    withAccessToken,
    // credentials: 'include' so the HttpOnly refresh cookie travels cross-origin.
    new HttpLink({ uri: GRAPHQL_URL, credentials: 'include' }),
  ]),
  cache: new InMemoryCache(),
  defaultOptions: { query: { errorPolicy: 'all' }, watchQuery: { errorPolicy: 'all' } },
});
