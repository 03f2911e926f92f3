import { useApolloClient, useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';

import { LoginError } from './authorize';
import { describe, explain } from './messages';
import { DELETE_ACCOUNT, MY_CONSENT } from './operations';
import { confirmWithKakao, signInTooOld } from './Reauthenticate';

type Props = {
  onError: (message: string | null) => void;
  onSignedOut: (message: string | null) => void;
  /** Back from Kakao's password page (kakaoReauthenticate succeeded): the last step is open. */
  reauthenticated: boolean;
};

/** closed → confirm → deleted; or, for a session signed in too long ago, Kakao first. */
type Step = 'closed' | 'confirm' | 'kakao-first' | 'confirmed';

/** "Delete my account" behind a confirmation step, and a Kakao sign-in first when the backend needs one. */
export function DeleteAccount({ onError, onSignedOut, reauthenticated }: Props) {
  const apollo = useApolloClient();
  const [deleteAccount] = useMutation(DELETE_ACCOUNT);
  const [step, setStep] = useState<Step>(reauthenticated ? 'confirmed' : 'closed');
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  // Back from Kakao, the page starts at the top: the step the person left off at is further down.
  useEffect(() => {
    if (reauthenticated) dialog.current?.scrollIntoView({ block: 'center' });
  }, [reauthenticated]);

  const open = () => {
    // The consent card's answer (in the cache) says when this session signed in.
    const known = apollo.readQuery({ query: MY_CONSENT })?.me?.kakao?.authenticatedAt;
    setStep(signInTooOld(known) ? 'kakao-first' : 'confirm');
  };
  const leave = async () => {
    setBusy(true);
    onError(null);
    try {
      const { data } = await deleteAccount();
      const first = data?.deleteAccount?.errors[0];
      if (first?.code === 'REAUTHENTICATION_REQUIRED') setStep('kakao-first'); // said in the step itself
      else if (first) onError(describe(first.code, first.message));
      else if (data?.deleteAccount?.ok) onSignedOut('계정을 삭제했어요. / Your account was deleted.');
      else onError(describe('NOT_DONE'));
    } catch (failed) {
      onError(explain(failed));
    } finally {
      setBusy(false);
    }
  };
  const toKakao = () => {
    setBusy(true);
    onError(null);
    confirmWithKakao().catch((failed: unknown) => {
      onError(failed instanceof LoginError ? failed.message : explain(failed));
      setBusy(false);
    });
  };

  if (step === 'closed') {
    return (
      <button type="button" className="danger" data-testid="delete-account" onClick={open}>
        계정 삭제 / Delete my account
      </button>
    );
  }
  return (
    <div ref={dialog} className="confirm" role="alertdialog" aria-labelledby="confirm-delete-text" data-step={step}>
      {step === 'kakao-first' ? (
        <p id="confirm-delete-text" data-testid="reauthenticate-first">
          계정을 삭제하려면 먼저 카카오로 본인 확인을 해 주세요. 카카오가 비밀번호를 다시 묻고, 돌아오면 삭제할 수 있어요. /
          To delete your account, confirm with Kakao first: Kakao asks for your password again, then you come back
          here to delete.
        </p>
      ) : (
        <p id="confirm-delete-text">
          {step === 'confirmed' && (
            <strong className="confirmed" data-testid="reauthenticated">
              카카오로 본인 확인을 마쳤어요. / Confirmed with Kakao.{' '}
            </strong>
          )}
          계정과 모든 로그인이 사라지고 카카오 연결도 끊어요. 되돌릴 수 없어요. / Your account and every session end,
          and Kakao forgets this app. This cannot be undone.
        </p>
      )}
      <div className="actions">
        {step === 'kakao-first' ? (
          <button type="button" className="kakao" data-testid="reauthenticate" disabled={busy} onClick={toKakao}>
            카카오로 본인 확인 / Confirm with Kakao
          </button>
        ) : (
          <button type="button" className="danger" data-testid="confirm-delete" disabled={busy} onClick={leave}>
            삭제 / Yes, delete my account
          </button>
        )}
        <button type="button" data-testid="cancel-delete" disabled={busy} onClick={() => setStep('closed')}>
          취소 / Keep it
        </button>
      </div>
    </div>
  );
}
