// Every operation this app sends. `npm run codegen` reads the graphql() calls here and
// writes their result and variable types into src/gql/ from ../../schema.graphql.
import { graphql } from './gql';

export const USER_FIELDS = graphql(`
  fragment UserFields on User {
    id
    email
    nickname
    profileImageUrl
    thumbnailImageUrl
  }
`);

export const KAKAO_AUTHORIZE = graphql(`
  mutation KakaoAuthorize(
    $redirectUri: String
    $scope: [String!]
    $purpose: AuthorizePurpose
    $prompt: [KakaoPrompt!]
    $serviceTerms: [String!]
  ) {
    kakaoAuthorize(
      redirectUri: $redirectUri
      scope: $scope
      purpose: $purpose
      prompt: $prompt
      serviceTerms: $serviceTerms
    ) {
      url
      state
      nonce
      errors { field message code }
    }
  }
`);

export const KAKAO_LOGIN = graphql(`
  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {
    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
      token
      created
      user { ...UserFields }
      errors { field message code retryAfter }
    }
  }
`);

export const REFRESH = graphql(`
  mutation Refresh {
    refreshToken {
      token
      errors { field message code }
    }
  }
`);

export const LOGOUT = graphql(`
  mutation Logout {
    logout {
      ok
      errors { field message code }
    }
  }
`);

export const ME = graphql(`
  query Me {
    me { ...UserFields }
  }
`);

// The account's life: this person's devices, ending one or all, and leaving.
export const MY_SESSIONS = graphql(`
  query MySessions {
    me {
      id
      sessions { id current createdAt lastUsedAt expiresAt userAgent lastIp device { name } }
    }
  }
`);

export const REVOKE_SESSION = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id) {
      ok
      errors { field message code }
    }
  }
`);

// With `kakao: true` the answer also holds Kakao's logout URL, for the browser to open.
export const LOGOUT_KAKAO = graphql(`
  mutation LogoutKakao($kakaoLogoutRedirectUri: String) {
    logout(kakao: true, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {
      ok
      kakaoLogoutUrl
      errors { field message code }
    }
  }
`);

export const LOGOUT_EVERYWHERE = graphql(`
  mutation LogoutEverywhere {
    logout(everywhere: true) {
      ok
      errors { field message code }
    }
  }
`);

export const DELETE_ACCOUNT = graphql(`
  mutation DeleteAccount {
    deleteAccount {
      ok
      errors { field message code }
    }
  }
`);

// What happened to this account, newest first, a page at a time (the activity card).
export const RECENT_ACTIVITY = graphql(`
  query RecentActivity($first: Int, $after: String) {
    me {
      id
      securityEvents(first: $first, after: $after) {
        edges { node { id type at ip device { name } sessionId current details } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

// What the person agreed to at Kakao: consent items, service terms, and how recent this
// session's sign-in is (deleteAccount needs it recent).
export const CONSENT_FIELDS = graphql(`
  fragment ConsentFields on User {
    id
    kakao {
      scopes { id displayName type agreed revocable }
      serviceTerms { tag required agreed revocable agreedAt agreedBy }
      authenticatedAt
      stale
    }
  }
`);

export const MY_CONSENT = graphql(`
  query MyConsent {
    me { ...ConsentFields }
  }
`);

export const REVOKE_KAKAO_SCOPES = graphql(`
  mutation RevokeKakaoScopes($scopes: [String!]!) {
    revokeKakaoScopes(scopes: $scopes) {
      user { ...ConsentFields }
      errors { field message code }
    }
  }
`);

export const REVOKE_KAKAO_SERVICE_TERMS = graphql(`
  mutation RevokeKakaoServiceTerms($tags: [String!]!) {
    revokeKakaoServiceTerms(tags: $tags) {
      user { ...ConsentFields }
      errors { field message code }
    }
  }
`);

// The way back from Kakao when the round trip was not a sign-in (see callback.ts).
export const KAKAO_GRANT = graphql(`
  mutation KakaoGrant($code: String!, $state: String, $redirectUri: String) {
    kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {
      user { ...ConsentFields }
      errors { field message code }
    }
  }
`);

export const KAKAO_REAUTHENTICATE = graphql(`
  mutation KakaoReauthenticate($code: String!, $state: String, $redirectUri: String) {
    kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {
      ok
      authenticatedAt
      errors { field message code }
    }
  }
`);
