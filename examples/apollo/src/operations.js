import { gql } from '@apollo/client';

export const AUTHORIZE_URL = gql`
  query KakaoAuthorizeUrl($redirectUri: String) {
    kakaoAuthorizeUrl(redirectUri: $redirectUri) {
      url
      errors { code message }
    }
  }
`;

export const KAKAO_LOGIN = gql`
  mutation KakaoLogin($code: String!, $state: String, $redirectUri: String) {
    kakaoLogin(code: $code, state: $state, redirectUri: $redirectUri) {
      token
      created
      user { id email nickname profileImageUrl thumbnailImageUrl }
      errors { code message retryAfter }
    }
  }
`;

export const REFRESH = gql`
  mutation Refresh {
    refreshToken {
      token
      errors { code message }
    }
  }
`;

export const LOGOUT = gql`
  mutation Logout {
    logout { ok errors { code message } }
  }
`;

export const ME = gql`
  query Me {
    me { id email nickname profileImageUrl thumbnailImageUrl }
  }
`;
