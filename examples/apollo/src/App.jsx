import { useApolloClient, useMutation, useQuery } from '@apollo/client';
import { useEffect, useState } from 'react';

import { client, refreshSession, setAccessToken } from './apollo';
import { REDIRECT_URI } from './config';
import { describe } from './messages';
import { AUTHORIZE_URL, KAKAO_LOGIN, LOGOUT, ME } from './operations';

const CALLBACK_PATH = new URL(REDIRECT_URI).pathname;

// A code is single-use, and React StrictMode runs effects twice in development:
// remember which codes this page already sent, outside React's state.
const exchangedCodes = new Set();

function exchangeOnce(params) {
  const code = params.get('code');
  if (exchangedCodes.has(code)) return null;
  exchangedCodes.add(code);
  return client.mutate({
    mutation: KAKAO_LOGIN,
    variables: { code, state: params.get('state'), redirectUri: REDIRECT_URI },
    fetchPolicy: 'no-cache',
  });
}

export default function App() {
  const [phase, setPhase] = useState('starting'); // starting | ready
  const [error, setError] = useState(null);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    if (window.location.pathname === CALLBACK_PATH) {
      const leave = () => window.history.replaceState(null, '', '/');
      if (params.get('error')) {
        setError(describe(params.get('error')));
        leave();
        setPhase('ready');
        return;
      }
      const pending = params.get('code') ? exchangeOnce(params) : null;
      if (!pending) return; // the StrictMode re-run: the first run finishes the job
      pending
        .then(({ data }) => {
          const result = data.kakaoLogin;
          if (result.errors.length) setError(describe(result.errors[0].code));
          else setAccessToken(result.token);
        })
        .catch(() => setError(describe('KAKAO_UNAVAILABLE')))
        .finally(() => {
          leave();
          setPhase('ready');
        });
      return;
    }
    // A page load: the refresh cookie, if any, gives us a new access token silently.
    refreshSession().finally(() => setPhase('ready'));
  }, []);

  if (phase !== 'ready') {
    return <Shell><p data-testid="loading">불러오는 중… / Loading…</p></Shell>;
  }
  return (
    <Shell>
      {error && <p className="error" data-testid="error" role="alert">{error}</p>}
      <Session onError={setError} />
    </Shell>
  );
}

function Session({ onError }) {
  const apollo = useApolloClient();
  const { data, loading } = useQuery(ME, { fetchPolicy: 'network-only' });
  const [logout, { loading: leaving }] = useMutation(LOGOUT);

  if (loading) return <p data-testid="loading">불러오는 중… / Loading…</p>;
  const me = data?.me;
  if (!me) return <LoginButton onError={onError} />;

  const onLogout = async () => {
    await logout();
    setAccessToken(null);
    await apollo.clearStore();
    await apollo.refetchQueries({ include: [ME] });
  };
  return (
    <section className="card" data-testid="profile">
      {me.thumbnailImageUrl && <img src={me.thumbnailImageUrl} alt="" width="64" height="64" />}
      <div>
        <h2 data-testid="nickname">{me.nickname}</h2>
        <p data-testid="email">{me.email ?? '이메일 없음 / no email'}</p>
      </div>
      <button type="button" data-testid="logout" onClick={onLogout} disabled={leaving}>
        로그아웃 / Log out
      </button>
    </section>
  );
}

function LoginButton({ onError }) {
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    // The backend builds the URL with a fresh state, bound to this browser by a cookie.
    const { data } = await client.query({
      query: AUTHORIZE_URL,
      variables: { redirectUri: REDIRECT_URI },
      fetchPolicy: 'no-cache',
    });
    const answer = data?.kakaoAuthorizeUrl;
    if (!answer?.url) {
      onError(describe(answer?.errors?.[0]?.code ?? 'KAKAO_ERROR'));
      setBusy(false);
      return;
    }
    window.location.assign(answer.url);
  };
  return (
    <button type="button" className="kakao" data-testid="login" onClick={start} disabled={busy}>
      카카오 로그인 / Login with Kakao
    </button>
  );
}

function Shell({ children }) {
  return (
    <main>
      <h1>Login with Kakao</h1>
      <p className="note">Apollo Client example for the Kakao Login GraphQL backend.</p>
      {children}
    </main>
  );
}
