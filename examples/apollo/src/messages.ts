// Error codes, in plain words for the person in front of the screen (Korean / English).
import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client';

import { serverErrorCode } from './apollo';
import { GRAPHQL_URL } from './config';
import type { AccountErrorCode } from './gql/graphql';

// Every AccountErrorCode of the schema: a new code fails `tsc` until it has words here.
const ACCOUNT_ERRORS: Record<AccountErrorCode, string> = {
  INVALID_INPUT: '잘못된 요청이에요. / The request was not valid.',
  INVALID_CODE:
    '이 로그인 링크는 이미 사용되었거나 만료되었어요. 다시 로그인해 주세요. / This login link was already used or has expired. Please log in again.',
  INVALID_STATE:
    '로그인 요청이 이 브라우저에서 시작되지 않았거나 만료되었어요. 다시 시도해 주세요. / This login did not start in this browser or has expired. Please try again.',
  REDIRECT_URI_MISMATCH: '로그인 설정이 맞지 않아요 (redirect URI). / The login is misconfigured (redirect URI).',
  REDIRECT_URI_NOT_ALLOWED:
    '이 주소로는 로그인할 수 없어요 (서버의 KAKAO_REDIRECT_URIS). / Login is not allowed from this address (the server’s KAKAO_REDIRECT_URIS).',
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
  INVALID_KAKAO_TOKEN:
    '카카오 로그인이 만료되었거나 올바르지 않아요. 다시 로그인해 주세요. / Your Kakao sign-in has expired or is not valid. Please log in again.',
  KAKAO_APP_MISMATCH:
    '다른 앱에서 받은 카카오 로그인이라 쓸 수 없어요. / That Kakao sign-in was made for another app and cannot be used here.',
  UNAUTHENTICATED: '먼저 로그인해 주세요. / Please log in first.',
  SESSION_NOT_FOUND:
    '그 기기의 로그인은 이미 끝났어요. / That device is already signed out (no such session of yours).',
  ALREADY_LINKED: '이 계정은 이미 카카오와 연결되어 있어요. / Your account is already linked to Kakao.',
  KAKAO_ALREADY_LINKED:
    '이 카카오 계정은 이미 다른 계정에 연결되어 있어요. / That Kakao account already belongs to another account here.',
  LAST_LOGIN_METHOD:
    '마지막 로그인 방법은 끊을 수 없어요. 떠나려면 계정을 삭제하세요. / This is your last way to sign in; to leave, delete your account instead.',
  TERMS_REQUIRED:
    '서비스 이용을 위해 필수 약관에 동의해 주세요. / Please agree to the required terms to use this service.',
  KAKAO_ACCOUNT_MISMATCH:
    '지금 로그인한 카카오 계정이 이 계정에 연결된 카카오 계정과 달라요. / That Kakao account is not the one linked to your account.',
  CONSENT_NOT_REVOCABLE:
    '필수 항목이라 동의를 철회할 수 없어요. / This is required and cannot be withdrawn.',
  REAUTHENTICATION_REQUIRED:
    '계속하려면 카카오로 다시 로그인해 본인임을 확인해 주세요. / To continue, confirm it is you by signing in with Kakao again.',
};

const OTHER_ERRORS: Record<string, string> = {
  // Kakao, on the redirect back to us (?error=access_denied …)
  access_denied: '카카오 로그인 동의를 취소했어요. / You cancelled the Kakao consent.',
  consent_required: '카카오에서 동의가 필요해요. 다시 로그인해 주세요. / Kakao needs your consent. Please log in again.',
  login_required: '카카오에 로그인되어 있지 않아요. / You are not logged in to Kakao.',
  invalid_request: '카카오가 로그인 요청을 거절했어요. / Kakao refused the login request.',
  invalid_scope: '요청한 동의 항목이 올바르지 않아요. / The requested consent items are not valid.',
  server_error: '카카오에 일시적인 문제가 있어요. 잠시 후 다시 시도해 주세요. / Kakao had a problem. Please try again shortly.',
  // The API's top-level errors (extensions.code)
  TOKEN_EXPIRED: '로그인이 만료되었어요. 다시 로그인해 주세요. / Your session has expired. Please log in again.',
  INVALID_TOKEN: '로그인 정보가 올바르지 않아요. 다시 로그인해 주세요. / Your login is not valid. Please log in again.',
  SESSION_ENDED:
    '이 기기에서 로그아웃되었어요 (여기서 또는 다른 기기에서). 다시 로그인해 주세요. / You were signed out on this device (here or from another device). Please log in again.',
  CSRF_REJECTED: '보안 검사에서 요청이 거절되었어요. / The request was refused by a security check (CSRF).',
  SERVICE_UNAVAILABLE:
    '서버가 잠시 사용할 수 없어요. 잠시 후 다시 시도해 주세요. / The server is temporarily unavailable. Please try again shortly.',
  // This app
  NOT_DONE: '요청이 처리되지 않았어요. 다시 시도해 주세요. / That did not go through. Please try again.',
  STATE_MISMATCH:
    '이 로그인은 이 탭에서 시작되지 않았어요. 다시 로그인해 주세요. / This login did not start in this tab. Please log in again.',
};

/** A code (the API's, Kakao's or this app's) in plain words. */
export function describe(code: string, detail?: string | null): string {
  const known = (ACCOUNT_ERRORS as Record<string, string>)[code] ?? OTHER_ERRORS[code];
  if (known) return known;
  const why = detail ? `: ${detail}` : '';
  return `요청이 실패했어요 (${code}${why}). / The request failed (${code}${why}).`;
}

/** One message for whatever an Apollo operation failed with. */
export function explain(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const code = first?.extensions?.code;
    return typeof code === 'string' ? describe(code, first?.message) : serverSaid(first?.message ?? error.message);
  }
  if (ServerError.is(error)) {
    const code = serverErrorCode(error);
    return code ? describe(code) : serverSaid(`HTTP ${error.statusCode}`);
  }
  if (ServerParseError.is(error)) return serverSaid(`HTTP ${error.statusCode}, not a GraphQL answer`);
  // fetch() itself failed: nothing answered, or the browser withheld the answer
  // because the API's CORS headers do not allow this page's origin.
  return unreachable();
}

export function unreachable(): string {
  return (
    `서버에 연결할 수 없어요. / Cannot reach the server at ${GRAPHQL_URL}. ` +
    "Is it running, and is this page's origin in CORS_ALLOWED_ORIGINS?"
  );
}

function serverSaid(detail: string): string {
  return `서버 오류 / The server answered with an error: ${detail}`;
}
