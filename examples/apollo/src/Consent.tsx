import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';

import { LoginError, goToKakao } from './authorize';
import { itemName, termTitle } from './consentNames';
import { DateTime } from './DateTime';
import { describe, explain } from './messages';
import { MY_CONSENT, REVOKE_KAKAO_SCOPES, REVOKE_KAKAO_SERVICE_TERMS } from './operations';
import { useAction } from './useAction';

type Props = {
  /** Say what went wrong, in plain words (null clears it). */
  onError: (message: string | null) => void;
};

const WITHDRAWN = '동의를 철회했어요. / Consent withdrawn.';

/** 동의 내역: the service terms and consent items this person agreed to at Kakao, and changing them. */
export function ConsentCard({ onError }: Props) {
  const { data, error } = useQuery(MY_CONSENT, { fetchPolicy: 'network-only', errorPolicy: 'all' });
  // Each answer holds the person's new record: the cache, and so this card, update from it.
  const [revokeScopes] = useMutation(REVOKE_KAKAO_SCOPES);
  const [revokeTerms] = useMutation(REVOKE_KAKAO_SERVICE_TERMS);
  const [status, setStatus] = useState<string | null>(null);
  // One action at a time; a failure is said once, in the notice above.
  const { busy, setBusy, act: run } = useAction(onError);
  const act = (action: () => Promise<string | null>) => {
    setStatus(null);
    return run(action, () => setStatus(WITHDRAWN));
  };
  const withdrawTerm = (tag: string) =>
    act(async () => {
      const { data: answer } = await revokeTerms({ variables: { tags: [tag] } });
      return outcome(answer?.revokeKakaoServiceTerms);
    });
  const withdrawItem = (id: string) =>
    act(async () => {
      const { data: answer } = await revokeScopes({ variables: { scopes: [id] } });
      return outcome(answer?.revokeKakaoScopes);
    });
  // 추가 항목 동의: Kakao asks for the item; back here, callback.ts records it (kakaoGrant).
  const allow = (id: string) => {
    setBusy(true);
    onError(null);
    goToKakao({ purpose: 'GRANT', scope: [id] }).catch((failed: unknown) => {
      onError(failed instanceof LoginError ? failed.message : explain(failed));
      setBusy(false);
    });
  };

  const kakao = data?.me?.kakao;
  if (!kakao) {
    // No Kakao link, nothing to show; or the reason it could not be read.
    return error ? <p className="error" data-testid="consent-error">{explain(error)}</p> : null;
  }
  return (
    <section className="account" data-testid="consent">
      <h3>동의 내역 / What you agreed to</h3>
      {kakao.stale && (
        <p className="note" data-testid="consent-stale">
          카카오에 지금 확인할 수 없어 저장된 기록을 보여드려요. / Kakao cannot be asked right now: this is the record
          kept here.
        </p>
      )}
      {status && (
        <p className="welcome" role="status" data-testid="consent-status">
          {status}
        </p>
      )}
      {kakao.serviceTerms.length > 0 && <h4>서비스 약관 / Service terms</h4>}
      <ul>
        {kakao.serviceTerms.map((term) => (
          <li key={term.tag} className="row" data-testid="term" data-tag={term.tag} data-agreed={term.agreed}>
            <div className="text">
              <strong className="item">{termTitle(term.tag)}</strong>
              <small>
                {term.required ? '필수 / required' : '선택 / optional'} ·{' '}
                {term.agreed ? (
                  <>동의 / agreed {term.agreedAt && <DateTime iso={term.agreedAt} />}</>
                ) : (
                  '동의 안 함 / not agreed'
                )}
              </small>
            </div>
            {term.agreed && term.revocable && (
              <button type="button" data-testid="withdraw-term" disabled={busy} onClick={() => withdrawTerm(term.tag)}>
                동의 철회 / Withdraw
              </button>
            )}
          </li>
        ))}
      </ul>
      <h4>동의 항목 / Consent items</h4>
      <ul>
        {kakao.scopes.map((item) => (
          <li key={item.id} className="row" data-testid="scope" data-id={item.id} data-agreed={item.agreed}>
            <div className="text">
              <strong className="item">{itemName(item.id, item.displayName)}</strong>
              <small>{item.agreed ? '동의함 / agreed' : '동의 안 함 / not agreed'}</small>
            </div>
            {item.agreed && item.revocable && (
              <button type="button" data-testid="withdraw-scope" disabled={busy} onClick={() => withdrawItem(item.id)}>
                동의 철회 / Withdraw
              </button>
            )}
            {!item.agreed && item.id === 'talk_message' && (
              <button type="button" className="kakao" data-testid="allow-talk" disabled={busy} onClick={() => allow(item.id)}>
                카카오톡 메시지 허용 / Allow Talk messages
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A withdrawal's failure in plain words, or null once the record came back. */
function outcome(payload: { user: unknown; errors: { code: string; message: string }[] } | null | undefined) {
  const first = payload?.errors[0];
  if (first) return describe(first.code, first.message);
  return payload?.user ? null : describe('NOT_DONE');
}
