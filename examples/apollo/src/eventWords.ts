// Security events in plain words (Korean / English), and which sign-ins to ask about.
import type { SecurityEventType } from './gql/graphql';

// Every SecurityEventType of the schema: a new type fails `tsc` until it has words here.
const TYPES: Record<SecurityEventType, string> = {
  SIGNED_IN: '로그인 / Signed in',
  SIGN_IN_REFUSED: '로그인 거절 / Sign-in refused',
  SESSION_ENDED: '로그아웃 / Signed out',
  REFRESH_REPLAY_DETECTED: '이미 쓴 로그인 정보가 다시 쓰임 / An old sign-in was used again',
  ACCOUNT_DELETED: '계정 삭제 / Account deleted',
  KAKAO_LINKED: '카카오 연결 / Kakao linked',
  KAKAO_UNLINKED: '카카오 연결 끊음 / Kakao unlinked',
  CONSENT_GRANTED: '동의 항목 추가 / Consent given',
  CONSENT_WITHDRAWN: '동의 철회 / Consent withdrawn',
  REAUTHENTICATED: '본인 다시 확인 / Confirmed it was you',
};

// SESSION_ENDED says why (details.cause); the device shown is the one that did it.
const CAUSES: Record<string, string> = {
  this_device: '로그아웃 / Signed out',
  another_device: '다른 기기를 로그아웃시킴 / Signed out another device',
  everywhere: '모든 기기에서 로그아웃 / Signed out everywhere',
  kakao_unlinked: '카카오 연결을 끊어 로그아웃 / Signed out: Kakao unlinked',
  kakao_unlink_notice: '카카오에서 앱 연결을 끊어 로그아웃 / Signed out: disconnected at Kakao',
  account_deleted: '계정을 삭제해 로그아웃 / Signed out: account deleted',
  admin: '관리자가 로그아웃시킴 / Signed out by an administrator',
  replay: '안전을 위해 그 로그인을 끝냄 / That sign-in was ended to keep you safe',
};

/** The fields of an event these words need. */
export type EventLike = {
  id: string;
  type: SecurityEventType;
  current: boolean;
  details: string;
  device: { name: string };
};

function detailsOf(event: EventLike): Record<string, unknown> {
  try {
    const details: unknown = JSON.parse(event.details);
    return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What happened, in plain words. */
export function describeEvent(event: EventLike): string {
  const details = detailsOf(event);
  if (event.type === 'SIGNED_IN' && details.new_account === true) return '가입하고 로그인 / Signed up and signed in';
  if (event.type === 'SESSION_ENDED' && typeof details.cause === 'string') {
    return CAUSES[details.cause] ?? TYPES.SESSION_ENDED;
  }
  return TYPES[event.type] ?? event.type;
}

/**
 * The sign-ins to ask "Not you?" about, by event id. The rule, over the events shown
 * (newest first, as the API gives them): a SIGNED_IN of another session (not this
 * one) from a device whose name is neither this session's (its own events, `current`)
 * nor that of an earlier sign-in in the list. So the first sign-in from a new kind of
 * device is asked about once; later ones from it, and this device's, are not.
 */
export function unfamiliarSignIns(events: readonly EventLike[]): Set<string> {
  const seen = new Set(events.filter((event) => event.current).map((event) => event.device.name));
  const unfamiliar = new Set<string>();
  for (const event of [...events].reverse()) {
    if (event.type !== 'SIGNED_IN') continue;
    if (!event.current && !seen.has(event.device.name)) unfamiliar.add(event.id);
    seen.add(event.device.name);
  }
  return unfamiliar;
}
