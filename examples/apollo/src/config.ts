// Build-time configuration (Vite inlines import.meta.env.VITE_* when it builds).
const env = import.meta.env;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The API, on this page's loopback name when both are on this machine. */
function graphqlUrl(configured: string): string {
  // localhost and 127.0.0.1 are different sites to a browser: a page on one calling an
  // API on the other is cross-site, and SameSite=Lax cookies (the login state, the
  // refresh token) would not travel. So http://127.0.0.1:5173 talks to 127.0.0.1 too.
  const url = new URL(configured);
  if (LOOPBACK.has(url.hostname) && LOOPBACK.has(window.location.hostname)) {
    url.hostname = window.location.hostname;
  }
  return url.toString();
}

export const GRAPHQL_URL = graphqlUrl(env.VITE_GRAPHQL_URL || 'http://localhost:8000/graphql');

// Where Kakao sends the browser back to. It must be listed in the backend's
// KAKAO_REDIRECT_URIS (and, for the real Kakao, in the Kakao developers console).
// Made from this page's origin, so http://127.0.0.1:5173 comes back to itself.
export const REDIRECT_URI =
  env.VITE_KAKAO_REDIRECT_URI || new URL('/oauth/kakao/callback', window.location.origin).toString();
export const CALLBACK_PATH = new URL(REDIRECT_URI).pathname;

// Who builds Kakao's authorize URL: the backend (default: its state is bound to this
// browser by an HttpOnly cookie and checked again by kakaoLogin), or this app
// ("local": needs the two values below, and the backend's KAKAO_REQUIRE_STATE=0).
export const AUTHORIZE_MODE: 'backend' | 'local' =
  env.VITE_KAKAO_AUTHORIZE === 'local' ? 'local' : 'backend';
export const KAKAO_AUTH_URL = env.VITE_KAKAO_AUTH_URL || 'https://kauth.kakao.com';
export const KAKAO_CLIENT_ID = env.VITE_KAKAO_CLIENT_ID || '';

// Where Kakao's logout page sends the browser back to ("Log out of Kakao too"). It must be
// listed in the backend's KAKAO_LOGOUT_REDIRECT_URIS (and in the Kakao console).
export const LOGOUT_REDIRECT_URI =
  env.VITE_KAKAO_LOGOUT_REDIRECT_URI || new URL('/', window.location.origin).toString();

// The backend's REAUTHENTICATION_MAX_AGE_SECONDS, so that "Delete my account" can ask for a
// Kakao sign-in first instead of being refused; the backend's answer decides either way.
export const REAUTHENTICATION_MAX_AGE_SECONDS = Number(env.VITE_REAUTHENTICATION_MAX_AGE_SECONDS) || 600;
