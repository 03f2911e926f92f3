import { useState } from 'react';

import { LoginError, goToKakao, type KakaoTrip } from './authorize';
import { termTitle } from './consentNames';
import { describe, explain } from './messages';

type Props = {
  onError: (message: string | null) => void;
  /** Service terms the backend still needs (TERMS_REQUIRED): ask Kakao for them. */
  termsRequired: string[] | null;
};

/** Signed out: log in with Kakao, with another Kakao account, or agree to the missing terms. */
export function SignIn({ onError, termsRequired }: Props) {
  const [busy, setBusy] = useState(false);
  const go = (trip: KakaoTrip) => {
    setBusy(true);
    onError(null);
    goToKakao(trip).catch((error: unknown) => {
      onError(error instanceof LoginError ? error.message : explain(error));
      setBusy(false);
    });
  };
  return (
    <>
      {termsRequired && (
        <section className="terms-required" data-testid="terms-required" role="alert">
          <p>
            {describe('TERMS_REQUIRED')} 카카오에서 다음 약관에 동의하면 가입이 끝나요. / Agree to these at Kakao to
            finish signing up:
          </p>
          <ul>
            {termsRequired.map((tag) => (
              <li key={tag} data-testid="missing-term">
                {termTitle(tag)}
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="kakao"
            data-testid="agree-terms"
            disabled={busy}
            onClick={() => go({ serviceTerms: termsRequired })}
          >
            카카오에서 약관 동의하기 / Agree to the terms at Kakao
          </button>
        </section>
      )}
      <button type="button" id="login" className="kakao" data-testid="login" onClick={() => go({})} disabled={busy}>
        카카오 로그인 / Login with Kakao
      </button>
      <button
        type="button"
        className="link"
        data-testid="login-other-account"
        onClick={() => go({ prompt: ['SELECT_ACCOUNT'] })}
        disabled={busy}
      >
        다른 카카오 계정으로 로그인 / Use another Kakao account
      </button>
    </>
  );
}
