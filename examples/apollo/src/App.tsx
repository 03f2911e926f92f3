import { useApolloClient, useMutation, useQuery } from '@apollo/client';
import { useEffect, useState, type ReactNode } from 'react';

import { refreshSession, setAccessToken } from './apollo';
import { LoginError, startKakaoLogin } from './authorize';
import { finishKakaoLogin } from './callback';
import { CALLBACK_PATH } from './config';
import { describe } from './messages';
import { LOGOUT, ME } from './operations';

// Decided once per page load, before any effect: the callback replaces the URL, and
// StrictMode's second run of the effect must still see where the page started.
const callbackSearch = window.location.pathname === CALLBACK_PATH ? window.location.search : null;

export default function App() {
  const [ready, setReady] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    // Back from Kakao: exchange the code (once). Otherwise: a silent refresh, so that
    // the HttpOnly refresh cookie, if any, gives this page an access token.
    const starting =
      callbackSearch !== null ? finishKakaoLogin(callbackSearch) : refreshSession().then(() => null);
    starting.then((message) => {
      if (!active) return;
      setNotice(message);
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
      {ready ? <Session onError={setNotice} /> : <Loading />}
    </main>
  );
}

function Session({ onError }: { onError: (message: string | null) => void }) {
  const apollo = useApolloClient();
  const { data, loading, error, refetch } = useQuery(ME, {
    fetchPolicy: 'network-only',
    notifyOnNetworkStatusChange: true,
  });
  const [logout, { loading: leaving }] = useMutation(LOGOUT);

  if (loading) return <Loading />;
  const me = data?.me;
  if (!me) {
    const code = error?.graphQLErrors[0]?.extensions?.code;
    return (
      <>
        {typeof code === 'string' && <p className="error" data-testid="session-error">{describe(code)}</p>}
        {error?.networkError && <p className="error" data-testid="session-error">{describe('NETWORK_ERROR')}</p>}
        <LoginButton onError={onError} />
      </>
    );
  }

  const onLogout = async () => {
    onError(null);
    await logout().catch(() => undefined);
    setAccessToken(null);
    await apollo.clearStore();
    await refetch();
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
        <button type="button" id="refetch" data-testid="refetch" onClick={() => refetch()}>
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
      onError(describe(error instanceof LoginError ? error.code : 'NETWORK_ERROR'));
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
