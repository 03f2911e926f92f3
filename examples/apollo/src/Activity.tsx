import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';

import { describeEvent, unfamiliarSignIns } from './eventWords';
import { formatDateTime, formatRelative } from './locale';
import { maskIp } from './mask';
import { explain } from './messages';
import { LOGOUT_EVERYWHERE, RECENT_ACTIVITY } from './operations';
import { failure, useAction } from './useAction';

const PAGE_SIZE = 10;
const SIGNED_OUT_EVERYWHERE =
  '모든 기기에서 로그아웃했어요. 내가 한 로그인이 아니었다면 카카오 계정의 비밀번호도 바꿔 주세요. / ' +
  'You were signed out everywhere. If that sign-in was not yours, change your Kakao password too.';

type Props = {
  /** Say what went wrong, in plain words (null clears it). */
  onError: (message: string | null) => void;
  /** This browser is signed out now: show it, with this message. */
  onSignedOut: (message: string | null) => void;
};

/** The clock, read again every half minute, so that "3 minutes ago" stays true. */
function useNow(everyMs = 30000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** What happened to this account lately: sign-ins, sign-outs and why, newest first. */
export function ActivityCard({ onError, onSignedOut }: Props) {
  const { data, error, fetchMore } = useQuery(RECENT_ACTIVITY, {
    variables: { first: PAGE_SIZE },
    fetchPolicy: 'network-only',
    errorPolicy: 'all',
  });
  const [logoutEverywhere] = useMutation(LOGOUT_EVERYWHERE);
  const { busy, act } = useAction(onError);
  const now = useNow();

  const page = data?.me?.securityEvents;
  const events = page?.edges.map((edge) => edge.node) ?? [];
  const unfamiliar = unfamiliarSignIns(events);

  // The next page after the last cursor shown, added below the rows already there.
  const more = () => {
    const after = page?.pageInfo.endCursor;
    if (!after) return;
    return act(async () => {
      await fetchMore({
        variables: { after },
        updateQuery: (shown, { fetchMoreResult }) => {
          const older = fetchMoreResult.me?.securityEvents;
          const current = shown.me?.securityEvents;
          if (!shown.me || !current || !older) return shown;
          return {
            ...shown,
            me: { ...shown.me, securityEvents: { ...older, edges: [...current.edges, ...older.edges] } },
          };
        },
      });
      return null;
    });
  };

  const notMe = () =>
    act(
      async () => failure((await logoutEverywhere()).data?.logout),
      () => onSignedOut(SIGNED_OUT_EVERYWHERE),
    );

  return (
    <section className="account activity" data-testid="activity">
      <h3>최근 활동 / Recent activity</h3>
      {error && <p className="error" data-testid="activity-error">{explain(error)}</p>}
      <ul>
        {events.map((event) => {
          const ip = maskIp(event.ip);
          return (
            <li key={event.id} className="row" data-testid="event" data-type={event.type} data-current={event.current}>
              <div className="text">
                <span className="what">
                  <strong>{describeEvent(event)}</strong> · <span data-testid="event-device">{event.device.name}</span>
                </span>
                <small>
                  <time dateTime={event.at} title={formatDateTime(event.at)} data-testid="event-time">
                    {formatRelative(event.at, Math.max(now, Date.parse(event.at)))}
                  </time>
                  {ip && (
                    <>
                      {' · '}
                      <span data-testid="event-ip">{ip}</span>
                    </>
                  )}
                </small>
              </div>
              {event.current && (
                <span className="this-device" data-testid="event-this-device">
                  이 기기 / This device
                </span>
              )}
              {unfamiliar.has(event.id) && (
                <div className="not-you" data-testid="not-you" role="alert">
                  <p>내가 아닌가요? / Not you?</p>
                  <button type="button" className="danger" data-testid="not-you-logout" disabled={busy} onClick={notMe}>
                    모든 기기에서 로그아웃 / Sign out everywhere
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {page?.pageInfo.hasNextPage && (
        <div className="actions">
          <button type="button" data-testid="activity-more" disabled={busy} onClick={more}>
            더 보기 / More
          </button>
        </div>
      )}
    </section>
  );
}
