import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';

import { formatDateTime } from './locale';
import { maskIp } from './mask';
import { describe, explain } from './messages';
import { DELETE_ACCOUNT, LOGOUT_EVERYWHERE, MY_SESSIONS, REVOKE_SESSION } from './operations';

type Props = {
  /** Say what went wrong, in plain words (null clears it). */
  onError: (message: string | null) => void;
  /** This browser is signed out now (everywhere, or the account is gone): show it. */
  onSignedOut: (message: string | null) => void;
};

/** The first expected failure of a payload in plain words, or null when it succeeded. */
export function failure(payload: { ok: boolean | null; errors: { code: string; message: string }[] } | null | undefined) {
  const first = payload?.errors[0];
  if (first) return describe(first.code, first.message);
  return payload?.ok ? null : describe('NOT_DONE');
}

/** This person's devices, signing them out, and leaving. */
export function AccountCard({ onError, onSignedOut }: Props) {
  const { data, error, refetch } = useQuery(MY_SESSIONS, { fetchPolicy: 'network-only', errorPolicy: 'all' });
  const [revokeSession] = useMutation(REVOKE_SESSION, { refetchQueries: ['RecentActivity'] });
  const [logoutEverywhere] = useMutation(LOGOUT_EVERYWHERE);
  const [deleteAccount] = useMutation(DELETE_ACCOUNT);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  // One action at a time; any failure is said once, in the notice above.
  const act = async (run: () => Promise<string | null>) => {
    setBusy(true);
    onError(null);
    try {
      const message = await run();
      if (message) onError(message);
    } catch (failed) {
      onError(explain(failed));
    } finally {
      setBusy(false);
    }
  };

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
  const leave = () =>
    act(async () => {
      const { data: answer } = await deleteAccount();
      const message = failure(answer?.deleteAccount);
      if (!message) onSignedOut('계정을 삭제했어요. / Your account was deleted.');
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
        {confirming ? (
          <div className="confirm" role="alertdialog" aria-labelledby="confirm-delete-text">
            <p id="confirm-delete-text">
              계정과 모든 로그인이 사라지고 카카오 연결도 끊어요. 되돌릴 수 없어요. / Your account and every session
              end, and Kakao forgets this app. This cannot be undone.
            </p>
            <div className="actions">
              <button type="button" className="danger" data-testid="confirm-delete" disabled={busy} onClick={leave}>
                삭제 / Yes, delete my account
              </button>
              <button type="button" data-testid="cancel-delete" disabled={busy} onClick={() => setConfirming(false)}>
                취소 / Keep it
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="danger" data-testid="delete-account" onClick={() => setConfirming(true)}>
            계정 삭제 / Delete my account
          </button>
        )}
      </div>
    </section>
  );
}

/** An instant, in the page's language, with the instant itself for machines. */
function DateTime({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatDateTime(iso)}</time>;
}
