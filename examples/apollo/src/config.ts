// Build-time configuration (Vite inlines import.meta.env.VITE_* when it builds).
const env = import.meta.env;

export const GRAPHQL_URL = env.VITE_GRAPHQL_URL || 'http://localhost:8000/graphql';

// Where Kakao sends the browser back to. It must be listed in the backend's
// KAKAO_REDIRECT_URIS (and, for the real Kakao, in the Kakao developers console).
export const REDIRECT_URI =
  env.VITE_KAKAO_REDIRECT_URI || `${window.location.origin}/oauth/kakao/callback`;
export const CALLBACK_PATH = new URL(REDIRECT_URI).pathname;

// Who builds Kakao's authorize URL: the backend (default: its state is bound to this
// browser by an HttpOnly cookie and checked again by kakaoLogin), or this app
// ("local": needs the two values below, and the backend's KAKAO_REQUIRE_STATE=0).
export const AUTHORIZE_MODE: 'backend' | 'local' =
  env.VITE_KAKAO_AUTHORIZE === 'local' ? 'local' : 'backend';
export const KAKAO_AUTH_URL = env.VITE_KAKAO_AUTH_URL || 'https://kauth.kakao.com';
export const KAKAO_CLIENT_ID = env.VITE_KAKAO_CLIENT_ID || '';
