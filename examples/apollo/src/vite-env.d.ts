/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The backend's GraphQL endpoint, e.g. http://localhost:8000/graphql */
  readonly VITE_GRAPHQL_URL?: string;
  /** Where Kakao sends the browser back to; one of the backend's KAKAO_REDIRECT_URIS. */
  readonly VITE_KAKAO_REDIRECT_URI?: string;
  /** "backend" (default): ask the backend's kakaoAuthorizeUrl; "local": build it here. */
  readonly VITE_KAKAO_AUTHORIZE?: 'backend' | 'local';
  /** Kakao's authorize host ("local" mode only), e.g. https://kauth.kakao.com */
  readonly VITE_KAKAO_AUTH_URL?: string;
  /** The Kakao app's REST API key ("local" mode only): it is public, it is in the URL. */
  readonly VITE_KAKAO_CLIENT_ID?: string;
  /** Where Kakao's logout sends the browser back to; one of the backend's KAKAO_LOGOUT_REDIRECT_URIS. */
  readonly VITE_KAKAO_LOGOUT_REDIRECT_URI?: string;
  /** The backend's REAUTHENTICATION_MAX_AGE_SECONDS (default 600). */
  readonly VITE_REAUTHENTICATION_MAX_AGE_SECONDS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
