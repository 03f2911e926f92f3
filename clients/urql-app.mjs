// An urql front end as the README shows it: @urql/core 6 with @urql/exchange-auth 3, their
// defaults, plus what every browser client needs to carry the cookies across origins
// (`credentials: 'include'`) and the one option our CSRF rule asks of urql
// (`preferGetMethod: false`: queries as POST with Content-Type: application/json).
// `options` lets the tests leave that option out (refused) or use the header instead.
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { authExchange } from '@urql/exchange-auth';

export const KAKAO_AUTHORIZE = gql`
  mutation KakaoAuthorize($redirectUri: String) {
    kakaoAuthorize(redirectUri: $redirectUri) { url state errors { field message code } }
  }
`;
export const KAKAO_LOGIN = gql`
  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {
    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
      token refreshToken created user { id nickname email } errors { field message code }
    }
  }
`;
export const ME = gql`query Me { me { id nickname email } }`;
export const REFRESH = gql`mutation Refresh { refreshToken { token errors { field message code } } }`;
export const LOGOUT = gql`mutation Logout { logout { ok errors { field message code } } }`;

/** The app's client and its access token (memory only, never localStorage). */
export function makeApp({ url, fetch, options = { preferGetMethod: false } }) {
  let accessToken = null;

  const client = new Client({
    url,
    fetch, // in a page: the browser's own (here: the test's browser, clients/browser.mjs)
    fetchOptions: { credentials: 'include' }, // the HttpOnly cookies travel to the API's origin
    ...options,
    exchanges: [
      cacheExchange,
      authExchange(async (utils) => ({
        addAuthToOperation(operation) {
          return accessToken ? utils.appendHeaders(operation, { Authorization: `Bearer ${accessToken}` }) : operation;
        },
        // An expired access token: refresh once (the cookie), then urql retries the operation.
        didAuthError(error) {
          return error.graphQLErrors.some((e) => e.extensions?.code === 'TOKEN_EXPIRED');
        },
        async refreshAuth() {
          const { data } = await utils.mutate(REFRESH, {});
          accessToken = data?.refreshToken?.token ?? null;
        },
      })),
      fetchExchange,
    ],
  });

  return {
    client,
    get accessToken() { return accessToken; },
    set accessToken(token) { accessToken = token; },
    /** On page load: the refresh cookie, if any, gives this page an access token. */
    async refresh() {
      const { data } = await client.mutation(REFRESH, {}).toPromise();
      accessToken = data?.refreshToken?.token ?? null;
      return data?.refreshToken;
    },
  };
}
