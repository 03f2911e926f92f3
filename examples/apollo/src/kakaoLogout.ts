// "Log out of Kakao too": this session ends here, then the browser visits Kakao's logout
// page, which ends the Kakao account's login in this browser (on a shared computer the
// next "Login with Kakao" would otherwise sign straight back in) and comes back here.
import { client, setAccessToken } from './apollo';
import { LOGOUT_REDIRECT_URI } from './config';
import { describe, explain } from './messages';
import { LOGOUT_KAKAO } from './operations';

const STATE_KEY = 'kakao-logout-state';

const NOT_ALLOWED =
  '이 앱에서는 로그아웃했지만, 이 주소가 서버의 KAKAO_LOGOUT_REDIRECT_URIS에 없어 카카오 계정은 로그아웃하지 못했어요. / ' +
  "You are signed out here, but this page's address is not in the server's KAKAO_LOGOUT_REDIRECT_URIS, so Kakao was not asked.";

/** End this session; with Kakao's logout URL, off to it. Otherwise the reason, in plain words. */
export async function logOutOfKakaoToo(): Promise<{ leaving: true } | { error: string }> {
  try {
    const { data } = await client.mutate({
      mutation: LOGOUT_KAKAO,
      variables: { kakaoLogoutRedirectUri: LOGOUT_REDIRECT_URI },
    });
    const answer = data?.logout;
    if (answer?.kakaoLogoutUrl) {
      setAccessToken(null);
      // Kakao returns the state with the browser: how the page knows it came back from there.
      const state = new URL(answer.kakaoLogoutUrl).searchParams.get('state');
      if (state) sessionStorage.setItem(STATE_KEY, state);
      window.location.assign(answer.kakaoLogoutUrl);
      return { leaving: true };
    }
    const first = answer?.errors[0];
    if (first?.code === 'REDIRECT_URI_NOT_ALLOWED') return { error: NOT_ALLOWED };
    return { error: describe(first?.code ?? 'NOT_DONE', first?.message) };
  } catch (error) {
    return { error: explain(error) };
  }
}

/** Back from Kakao's logout page (once per page load): the state leaves the address bar. */
export function cameBackFromKakaoLogout(): boolean {
  const expected = sessionStorage.getItem(STATE_KEY);
  const url = new URL(window.location.href);
  const state = url.searchParams.get('state');
  if (url.pathname !== new URL(LOGOUT_REDIRECT_URI).pathname || !state) return false;
  sessionStorage.removeItem(STATE_KEY);
  window.history.replaceState(null, '', url.pathname);
  return expected !== null && state === expected;
}
