/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UserFields on User {\n    id\n    email\n    nickname\n    profileImageUrl\n    thumbnailImageUrl\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  mutation KakaoAuthorize(\n    $redirectUri: String\n    $scope: [String!]\n    $purpose: AuthorizePurpose\n    $prompt: [KakaoPrompt!]\n    $serviceTerms: [String!]\n  ) {\n    kakaoAuthorize(\n      redirectUri: $redirectUri\n      scope: $scope\n      purpose: $purpose\n      prompt: $prompt\n      serviceTerms: $serviceTerms\n    ) {\n      url\n      state\n      nonce\n      errors { field message code }\n    }\n  }\n": typeof types.KakaoAuthorizeDocument,
    "\n  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {\n    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {\n      token\n      created\n      user { ...UserFields }\n      errors { field message code retryAfter }\n    }\n  }\n": typeof types.KakaoLoginDocument,
    "\n  mutation Refresh {\n    refreshToken {\n      token\n      errors { field message code }\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  mutation Logout {\n    logout {\n      ok\n      errors { field message code }\n    }\n  }\n": typeof types.LogoutDocument,
    "\n  query Me {\n    me { ...UserFields }\n  }\n": typeof types.MeDocument,
    "\n  query MySessions {\n    me {\n      id\n      sessions { id current createdAt lastUsedAt expiresAt userAgent lastIp device { name } }\n    }\n  }\n": typeof types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      ok\n      errors { field message code }\n    }\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation LogoutKakao($kakaoLogoutRedirectUri: String) {\n    logout(kakao: true, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {\n      ok\n      kakaoLogoutUrl\n      errors { field message code }\n    }\n  }\n": typeof types.LogoutKakaoDocument,
    "\n  mutation LogoutEverywhere {\n    logout(everywhere: true) {\n      ok\n      errors { field message code }\n    }\n  }\n": typeof types.LogoutEverywhereDocument,
    "\n  mutation DeleteAccount {\n    deleteAccount {\n      ok\n      errors { field message code }\n    }\n  }\n": typeof types.DeleteAccountDocument,
    "\n  query RecentActivity($first: Int, $after: String) {\n    me {\n      id\n      securityEvents(first: $first, after: $after) {\n        edges { node { id type at ip device { name } sessionId current details } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.RecentActivityDocument,
    "\n  fragment ConsentFields on User {\n    id\n    kakao {\n      scopes { id displayName type agreed revocable }\n      serviceTerms { tag required agreed revocable agreedAt agreedBy }\n      authenticatedAt\n      stale\n    }\n  }\n": typeof types.ConsentFieldsFragmentDoc,
    "\n  query MyConsent {\n    me { ...ConsentFields }\n  }\n": typeof types.MyConsentDocument,
    "\n  mutation RevokeKakaoScopes($scopes: [String!]!) {\n    revokeKakaoScopes(scopes: $scopes) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": typeof types.RevokeKakaoScopesDocument,
    "\n  mutation RevokeKakaoServiceTerms($tags: [String!]!) {\n    revokeKakaoServiceTerms(tags: $tags) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": typeof types.RevokeKakaoServiceTermsDocument,
    "\n  mutation KakaoGrant($code: String!, $state: String, $redirectUri: String) {\n    kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": typeof types.KakaoGrantDocument,
    "\n  mutation KakaoReauthenticate($code: String!, $state: String, $redirectUri: String) {\n    kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {\n      ok\n      authenticatedAt\n      errors { field message code }\n    }\n  }\n": typeof types.KakaoReauthenticateDocument,
};
const documents: Documents = {
    "\n  fragment UserFields on User {\n    id\n    email\n    nickname\n    profileImageUrl\n    thumbnailImageUrl\n  }\n": types.UserFieldsFragmentDoc,
    "\n  mutation KakaoAuthorize(\n    $redirectUri: String\n    $scope: [String!]\n    $purpose: AuthorizePurpose\n    $prompt: [KakaoPrompt!]\n    $serviceTerms: [String!]\n  ) {\n    kakaoAuthorize(\n      redirectUri: $redirectUri\n      scope: $scope\n      purpose: $purpose\n      prompt: $prompt\n      serviceTerms: $serviceTerms\n    ) {\n      url\n      state\n      nonce\n      errors { field message code }\n    }\n  }\n": types.KakaoAuthorizeDocument,
    "\n  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {\n    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {\n      token\n      created\n      user { ...UserFields }\n      errors { field message code retryAfter }\n    }\n  }\n": types.KakaoLoginDocument,
    "\n  mutation Refresh {\n    refreshToken {\n      token\n      errors { field message code }\n    }\n  }\n": types.RefreshDocument,
    "\n  mutation Logout {\n    logout {\n      ok\n      errors { field message code }\n    }\n  }\n": types.LogoutDocument,
    "\n  query Me {\n    me { ...UserFields }\n  }\n": types.MeDocument,
    "\n  query MySessions {\n    me {\n      id\n      sessions { id current createdAt lastUsedAt expiresAt userAgent lastIp device { name } }\n    }\n  }\n": types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      ok\n      errors { field message code }\n    }\n  }\n": types.RevokeSessionDocument,
    "\n  mutation LogoutKakao($kakaoLogoutRedirectUri: String) {\n    logout(kakao: true, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {\n      ok\n      kakaoLogoutUrl\n      errors { field message code }\n    }\n  }\n": types.LogoutKakaoDocument,
    "\n  mutation LogoutEverywhere {\n    logout(everywhere: true) {\n      ok\n      errors { field message code }\n    }\n  }\n": types.LogoutEverywhereDocument,
    "\n  mutation DeleteAccount {\n    deleteAccount {\n      ok\n      errors { field message code }\n    }\n  }\n": types.DeleteAccountDocument,
    "\n  query RecentActivity($first: Int, $after: String) {\n    me {\n      id\n      securityEvents(first: $first, after: $after) {\n        edges { node { id type at ip device { name } sessionId current details } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.RecentActivityDocument,
    "\n  fragment ConsentFields on User {\n    id\n    kakao {\n      scopes { id displayName type agreed revocable }\n      serviceTerms { tag required agreed revocable agreedAt agreedBy }\n      authenticatedAt\n      stale\n    }\n  }\n": types.ConsentFieldsFragmentDoc,
    "\n  query MyConsent {\n    me { ...ConsentFields }\n  }\n": types.MyConsentDocument,
    "\n  mutation RevokeKakaoScopes($scopes: [String!]!) {\n    revokeKakaoScopes(scopes: $scopes) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": types.RevokeKakaoScopesDocument,
    "\n  mutation RevokeKakaoServiceTerms($tags: [String!]!) {\n    revokeKakaoServiceTerms(tags: $tags) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": types.RevokeKakaoServiceTermsDocument,
    "\n  mutation KakaoGrant($code: String!, $state: String, $redirectUri: String) {\n    kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n": types.KakaoGrantDocument,
    "\n  mutation KakaoReauthenticate($code: String!, $state: String, $redirectUri: String) {\n    kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {\n      ok\n      authenticatedAt\n      errors { field message code }\n    }\n  }\n": types.KakaoReauthenticateDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    email\n    nickname\n    profileImageUrl\n    thumbnailImageUrl\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    email\n    nickname\n    profileImageUrl\n    thumbnailImageUrl\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation KakaoAuthorize(\n    $redirectUri: String\n    $scope: [String!]\n    $purpose: AuthorizePurpose\n    $prompt: [KakaoPrompt!]\n    $serviceTerms: [String!]\n  ) {\n    kakaoAuthorize(\n      redirectUri: $redirectUri\n      scope: $scope\n      purpose: $purpose\n      prompt: $prompt\n      serviceTerms: $serviceTerms\n    ) {\n      url\n      state\n      nonce\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation KakaoAuthorize(\n    $redirectUri: String\n    $scope: [String!]\n    $purpose: AuthorizePurpose\n    $prompt: [KakaoPrompt!]\n    $serviceTerms: [String!]\n  ) {\n    kakaoAuthorize(\n      redirectUri: $redirectUri\n      scope: $scope\n      purpose: $purpose\n      prompt: $prompt\n      serviceTerms: $serviceTerms\n    ) {\n      url\n      state\n      nonce\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {\n    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {\n      token\n      created\n      user { ...UserFields }\n      errors { field message code retryAfter }\n    }\n  }\n"): (typeof documents)["\n  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {\n    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {\n      token\n      created\n      user { ...UserFields }\n      errors { field message code retryAfter }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh {\n    refreshToken {\n      token\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh {\n    refreshToken {\n      token\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout {\n      ok\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout {\n      ok\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { ...UserFields }\n  }\n"): (typeof documents)["\n  query Me {\n    me { ...UserFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySessions {\n    me {\n      id\n      sessions { id current createdAt lastUsedAt expiresAt userAgent lastIp device { name } }\n    }\n  }\n"): (typeof documents)["\n  query MySessions {\n    me {\n      id\n      sessions { id current createdAt lastUsedAt expiresAt userAgent lastIp device { name } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      ok\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      ok\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogoutKakao($kakaoLogoutRedirectUri: String) {\n    logout(kakao: true, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {\n      ok\n      kakaoLogoutUrl\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation LogoutKakao($kakaoLogoutRedirectUri: String) {\n    logout(kakao: true, kakaoLogoutRedirectUri: $kakaoLogoutRedirectUri) {\n      ok\n      kakaoLogoutUrl\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogoutEverywhere {\n    logout(everywhere: true) {\n      ok\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation LogoutEverywhere {\n    logout(everywhere: true) {\n      ok\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount {\n    deleteAccount {\n      ok\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteAccount {\n    deleteAccount {\n      ok\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentActivity($first: Int, $after: String) {\n    me {\n      id\n      securityEvents(first: $first, after: $after) {\n        edges { node { id type at ip device { name } sessionId current details } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentActivity($first: Int, $after: String) {\n    me {\n      id\n      securityEvents(first: $first, after: $after) {\n        edges { node { id type at ip device { name } sessionId current details } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsentFields on User {\n    id\n    kakao {\n      scopes { id displayName type agreed revocable }\n      serviceTerms { tag required agreed revocable agreedAt agreedBy }\n      authenticatedAt\n      stale\n    }\n  }\n"): (typeof documents)["\n  fragment ConsentFields on User {\n    id\n    kakao {\n      scopes { id displayName type agreed revocable }\n      serviceTerms { tag required agreed revocable agreedAt agreedBy }\n      authenticatedAt\n      stale\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyConsent {\n    me { ...ConsentFields }\n  }\n"): (typeof documents)["\n  query MyConsent {\n    me { ...ConsentFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeKakaoScopes($scopes: [String!]!) {\n    revokeKakaoScopes(scopes: $scopes) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeKakaoScopes($scopes: [String!]!) {\n    revokeKakaoScopes(scopes: $scopes) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeKakaoServiceTerms($tags: [String!]!) {\n    revokeKakaoServiceTerms(tags: $tags) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeKakaoServiceTerms($tags: [String!]!) {\n    revokeKakaoServiceTerms(tags: $tags) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation KakaoGrant($code: String!, $state: String, $redirectUri: String) {\n    kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation KakaoGrant($code: String!, $state: String, $redirectUri: String) {\n    kakaoGrant(code: $code, state: $state, redirectUri: $redirectUri) {\n      user { ...ConsentFields }\n      errors { field message code }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation KakaoReauthenticate($code: String!, $state: String, $redirectUri: String) {\n    kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {\n      ok\n      authenticatedAt\n      errors { field message code }\n    }\n  }\n"): (typeof documents)["\n  mutation KakaoReauthenticate($code: String!, $state: String, $redirectUri: String) {\n    kakaoReauthenticate(code: $code, state: $state, redirectUri: $redirectUri) {\n      ok\n      authenticatedAt\n      errors { field message code }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;