// Where the backend is, and where Kakao sends the browser back to. The redirect URI
// must be listed in the backend's KAKAO_REDIRECT_URIS (and, for real Kakao, in the
// Kakao console).
export const GRAPHQL_URL = import.meta.env.VITE_GRAPHQL_URL ?? 'http://localhost:8000/graphql';
export const REDIRECT_URI =
  import.meta.env.VITE_KAKAO_REDIRECT_URI ?? `${window.location.origin}/oauth/kakao/callback`;
