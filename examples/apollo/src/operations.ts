import { gql, type TypedDocumentNode } from '@apollo/client';

export interface AccountError {
  field: string | null;
  code: string;
  message: string;
  retryAfter: number | null;
}

export interface User {
  id: string;
  email: string | null;
  nickname: string;
  profileImageUrl: string | null;
  thumbnailImageUrl: string | null;
}

const USER_FIELDS = gql`
  fragment UserFields on User {
    id
    email
    nickname
    profileImageUrl
    thumbnailImageUrl
  }
`;

export const AUTHORIZE_URL: TypedDocumentNode<
  { kakaoAuthorizeUrl: { url: string | null; state: string | null; errors: AccountError[] } },
  { redirectUri: string }
> = gql`
  query KakaoAuthorizeUrl($redirectUri: String) {
    kakaoAuthorizeUrl(redirectUri: $redirectUri) {
      url
      state
      errors { field code message retryAfter }
    }
  }
`;

export const KAKAO_LOGIN: TypedDocumentNode<
  { kakaoLogin: { token: string | null; created: boolean | null; user: User | null; errors: AccountError[] } },
  { code: string; state: string | null; redirectUri: string }
> = gql`
  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {
    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
      token
      created
      user { ...UserFields }
      errors { field code message retryAfter }
    }
  }
  ${USER_FIELDS}
`;

export const REFRESH: TypedDocumentNode<
  { refreshToken: { token: string | null; errors: AccountError[] } },
  Record<string, never>
> = gql`
  mutation Refresh {
    refreshToken {
      token
      errors { field code message retryAfter }
    }
  }
`;

export const LOGOUT: TypedDocumentNode<
  { logout: { ok: boolean | null; errors: AccountError[] } },
  Record<string, never>
> = gql`
  mutation Logout {
    logout { ok errors { field code message retryAfter } }
  }
`;

export const ME: TypedDocumentNode<{ me: User | null }, Record<string, never>> = gql`
  query Me {
    me { ...UserFields }
  }
  ${USER_FIELDS}
`;
