import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState, type ReactNode } from 'react';

import { refreshSession, setAccessToken } from './apollo';
import { LoginError, startKakaoLogin } from './authorize';
import { finishKakaoLogin, type LoginOutcome } from './callback';
import { CALLBACK_PATH } from './config';
import { explain } from './messages';
import { LOGOUT, ME } from './operations';

// Decided once per page load, before any effect: the callback replaces the URL, and
// StrictMode's second run of the effect must still see where the page started.
const callbackSearch = window.location.pathname === CALLBACK_PATH ? window.location.search : null;

export default function App() {
  const [ready, setReady] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState(false);

  useEffect(() => {
    let active = true;
    // Back from Kakao: exchange the code (once). Otherwise: a silent refresh, so that
    // the HttpOnly refresh cookie, if any, gives this page an access token.
    const starting: Promise<LoginOutcome | null> =
      callbackSearch !== null ? finishKakaoLogin(callbackSearch) : refreshSession().then(() => null);
    starting.then((outcome) => {
      if (!active) return;
      if (outcome && 'error' in outcome) setNotice(outcome.error);
      if (outcome && 'created' in outcome) setCreated(outcome.created);
      setReady(true);
    });
    return () => {
      active = false;
    };
  }, []);

  return (
    <main>
      <h1>Login with Kakao</h1>
      <p className="note">Apollo Client example for the Kakao Login GraphQL backend.</p>
      {notice && (
        <p className="error" data-testid="error" role="alert">
          {notice}
        </p>
      )}
      {created && (
        <p className="welcome" data-testid="created">
          새 계정을 만들었어요. / Welcome: a new account was created.
        </p>
      )}
      {ready ? <Session onError={setNotice} quiet={notice !== null} /> : <Loading />}
    </main>
  );
}

// `quiet`: a notice above already says what went wrong last; one message, not two.
function Session({ onError, quiet }: { onError: (message: string | null) => void; quiet: boolean }) {
  const apollo = useApolloClient();
  const { data, loading, error, refetch } = useQuery(ME, {
    fetchPolicy: 'network-only',
    errorPolicy: 'all', // me: null and the reason, together
    notifyOnNetworkStatusChange: true,
  });
  const [logout, { loading: leaving }] = useMutation(LOGOUT);

  if (loading) return <Loading />;
  const me = data?.me;
  if (!me) {
    // Signed out, or the reason in one message: unreachable, refused, or expired.
    return (
      <>
        {error && !quiet && (
          <p className="error" data-testid="session-error">
            {explain(error)}
          </p>
        )}
        <LoginButton onError={onError} />
      </>
    );
  }

  const onLogout = async () => {
    onError(null);
    await logout().catch(() => undefined);
    setAccessToken(null);
    await apollo.clearStore();
    await refetch().catch(() => undefined);
  };
  const picture = me.thumbnailImageUrl ?? me.profileImageUrl;
  return (
    <section className="card" data-testid="profile">
      {picture ? (
        <img src={picture} alt="" width="64" height="64" data-testid="avatar" />
      ) : (
        <div className="avatar" aria-hidden="true">{me.nickname.slice(0, 1)}</div>
      )}
      <div>
        <h2 data-testid="nickname">{me.nickname}</h2>
        <p data-testid="email">{me.email ?? '이메일 없음 / no email'}</p>
      </div>
      <div className="actions">
        <button type="button" id="refetch" data-testid="refetch" onClick={() => refetch().catch(() => undefined)}>
          새로고침 / Reload
        </button>
        <button type="button" id="logout" data-testid="logout" onClick={onLogout} disabled={leaving}>
          로그아웃 / Log out
        </button>
      </div>
    </section>
  );
}

function LoginButton({ onError }: { onError: (message: string | null) => void }) {
  const [busy, setBusy] = useState(false);
  const start = () => {
    setBusy(true);
    onError(null);
    startKakaoLogin().catch((error: unknown) => {
      onError(error instanceof LoginError ? error.message : explain(error));
      setBusy(false);
    });
  };
  return (
    <button type="button" id="login" className="kakao" data-testid="login" onClick={start} disabled={busy}>
      카카오 로그인 / Login with Kakao
    </button>
  );
}

function Loading(): ReactNode {
  return <p data-testid="loading">불러오는 중… / Loading…</p>;
}
