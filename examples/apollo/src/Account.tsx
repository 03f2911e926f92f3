import { useMutation, useQuery } from '@apollo/client/react';

import { maskIp } from './mask';
import { DateTime } from './DateTime';
import { DeleteAccount } from './DeleteAccount';
import { explain } from './messages';
import { LOGOUT_EVERYWHERE, MY_SESSIONS, REVOKE_SESSION } from './operations';
import { failure, useAction } from './useAction';

type Props = {
  /** Say what went wrong, in plain words (null clears it). */
  onError: (message: string | null) => void;
  /** This browser is signed out now (everywhere, or the account is gone): show it. */
  onSignedOut: (message: string | null) => void;
  /** Back from re-authenticating with Kakao: deleting the account may go on. */
  reauthenticated: boolean;
};

/** This person's devices, signing them out, and leaving. */
export function AccountCard({ onError, onSignedOut, reauthenticated }: Props) {
  const { data, error, refetch } = useQuery(MY_SESSIONS, { fetchPolicy: 'network-only', errorPolicy: 'all' });
  const [revokeSession] = useMutation(REVOKE_SESSION, { refetchQueries: ['RecentActivity'] });
  const [logoutEverywhere] = useMutation(LOGOUT_EVERYWHERE);
  // One action at a time; any failure is said once, in the notice above.
  const { busy, act } = useAction(onError);

  const signOut = (id: string) =>
    act(async () => {
      const { data: answer } = await revokeSession({ variables: { id } });
      await refetch().catch(() => undefined);
      return failure(answer?.revokeSession);
    });
  const signOutEverywhere = () =>
    act(async () => {
      const { data: answer } = await logoutEverywhere();
      const message = failure(answer?.logout);
      if (!message) onSignedOut(null);
      return message;
    });

  const sessions = data?.me?.sessions ?? [];
  return (
    <section className="account" data-testid="sessions">
      <h3>내 기기 / Your devices</h3>
      {error && <p className="error" data-testid="sessions-error">{explain(error)}</p>}
      <ul>
        {sessions.map((session) => (
          <li key={session.id} className="row" data-testid="session" data-current={session.current}>
            <div className="text">
              <strong className="agent" title={session.userAgent ?? undefined} data-testid="device">
                {session.device.name}
              </strong>
              <small>
                로그인 / signed in <DateTime iso={session.createdAt} /> · 마지막 사용 / last used{' '}
                <DateTime iso={session.lastUsedAt} />
                {maskIp(session.lastIp) && ` · IP ${maskIp(session.lastIp)}`}
              </small>
            </div>
            {session.current ? (
              <span className="this-device" data-testid="this-device">
                이 기기 / This device
              </span>
            ) : (
              <button type="button" data-testid="revoke-session" disabled={busy} onClick={() => signOut(session.id)}>
                로그아웃 / Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" data-testid="logout-everywhere" disabled={busy} onClick={signOutEverywhere}>
          모든 기기에서 로그아웃 / Sign out everywhere
        </button>
        <DeleteAccount onError={onError} onSignedOut={onSignedOut} reauthenticated={reauthenticated} />
      </div>
    </section>
  );
}
