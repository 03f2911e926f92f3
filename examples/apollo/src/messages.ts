// Error codes, in plain words for the person in front of the screen (Korean / English).
// The API's AccountErrorCode values, the errors Kakao puts on the redirect
// (?error=access_denied …), and a few of this app's own.
const MESSAGES: Record<string, string> = {
  // Kakao, on the redirect back to us
  access_denied: '카카오 로그인 동의를 취소했어요. / You cancelled the Kakao consent.',
  consent_required: '카카오에서 동의가 필요해요. 다시 로그인해 주세요. / Kakao needs your consent. Please log in again.',
  login_required: '카카오에 로그인되어 있지 않아요. / You are not logged in to Kakao.',
  invalid_request: '카카오가 로그인 요청을 거절했어요. / Kakao refused the login request.',
  invalid_scope: '요청한 동의 항목이 올바르지 않아요. / The requested consent items are not valid.',
  server_error: '카카오에 일시적인 문제가 있어요. 잠시 후 다시 시도해 주세요. / Kakao had a problem. Please try again shortly.',
  // The API (AccountErrorCode)
  INVALID_INPUT: '잘못된 요청이에요. / The request was not valid.',
  INVALID_CODE:
    '이 로그인 링크는 이미 사용되었거나 만료되었어요. 다시 로그인해 주세요. / This login link was already used or has expired. Please log in again.',
  INVALID_STATE:
    '로그인 요청이 이 브라우저에서 시작되지 않았거나 만료되었어요. 다시 시도해 주세요. / This login did not start in this browser or has expired. Please try again.',
  REDIRECT_URI_MISMATCH: '로그인 설정이 맞지 않아요 (redirect URI). / The login is misconfigured (redirect URI).',
  REDIRECT_URI_NOT_ALLOWED: '이 주소로는 로그인할 수 없어요. / Login is not allowed from this address.',
  KAKAO_MISCONFIGURED: '서버의 카카오 설정에 문제가 있어요. / The server’s Kakao settings are wrong.',
  KAKAO_UNAVAILABLE: '카카오가 응답하지 않아요. 잠시 후 다시 시도해 주세요. / Kakao is not answering. Please try again shortly.',
  KAKAO_CONSENT_REQUIRED: '필수 동의 항목에 동의해 주세요. / Please agree to the required consent items.',
  KAKAO_ACCOUNT_RESTRICTED: '이 카카오 계정은 사용할 수 없어요. / This Kakao account cannot be used here.',
  KAKAO_ERROR: '카카오 로그인 중 오류가 났어요. / Kakao login failed.',
  EMAIL_ALREADY_REGISTERED: '이 이메일로 가입된 다른 계정이 있어요. / Another account already uses this email.',
  ACCOUNT_INACTIVE: '비활성화된 계정이에요. / This account is deactivated.',
  INVALID_REFRESH_TOKEN: '로그인이 만료되었어요. 다시 로그인해 주세요. / Your session has ended. Please log in again.',
  INVALID_ID_TOKEN: '카카오 로그인 확인에 실패했어요. / Kakao’s sign-in could not be verified.',
  RATE_LIMITED: '시도가 너무 많아요. 잠시 후 다시 시도해 주세요. / Too many attempts. Please wait a moment.',
  CSRF_REJECTED: '보안 검사에서 요청이 거절되었어요. / The request was refused by a security check.',
  TOKEN_EXPIRED: '로그인이 만료되었어요. 다시 로그인해 주세요. / Your session has expired. Please log in again.',
  INVALID_TOKEN: '로그인 정보가 올바르지 않아요. 다시 로그인해 주세요. / Your login is not valid. Please log in again.',
  // This app
  STATE_MISMATCH:
    '이 로그인은 이 탭에서 시작되지 않았어요. 다시 로그인해 주세요. / This login did not start in this tab. Please log in again.',
  NETWORK_ERROR: '서버에 연결할 수 없어요. 잠시 후 다시 시도해 주세요. / Cannot reach the server. Please try again shortly.',
};

export function describe(code: string, detail?: string | null): string {
  const known = MESSAGES[code];
  if (known) return known;
  const why = detail ? `: ${detail}` : '';
  return `로그인에 실패했어요 (${code}${why}). / Login failed (${code}${why}).`;
}
