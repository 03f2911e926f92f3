// What the person agreed to, in words (Korean / English). Kakao's APIs name a service
// term only by its tag (the app's own, set in the Kakao console), and a consent item by
// its id with a Korean display name: the app that wrote its terms says what they are.
const TERMS: Record<string, string> = {
  tos: '서비스 이용약관 / Terms of service',
  privacy: '개인정보 수집·이용 동의 / Personal information',
  marketing: '마케팅 정보 수신 동의 / Marketing messages',
  location: '위치기반서비스 이용약관 / Location services',
};

const ITEMS_IN_ENGLISH: Record<string, string> = {
  profile_nickname: 'Nickname',
  profile_image: 'Profile picture',
  account_email: 'Email',
  phone_number: 'Phone number',
  openid: 'OpenID Connect',
  talk_message: 'KakaoTalk messages',
};

/** A service term's title; its tag when this app does not know it. */
export function termTitle(tag: string): string {
  return TERMS[tag] ?? tag;
}

/** A consent item's name: Kakao's (Korean) and ours in English, or whichever there is. */
export function itemName(id: string, displayName: string | null): string {
  const english = ITEMS_IN_ENGLISH[id];
  if (displayName && english) return `${displayName} / ${english}`;
  return displayName ?? english ?? id;
}
