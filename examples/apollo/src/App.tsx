import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState, type ReactNode } from 'react';

import { AccountCard } from './Account';
import { ActivityCard } from './Activity';
import { client, onSessionEnded, refreshSession, setAccessToken } from './apollo';
import { finishKakao, type Done } from './callback';
import { CALLBACK_PATH } from './config';
import { ConsentCard } from './Consent';
import { cameBackFromKakaoLogout, logOutOfKakaoToo } from './kakaoLogout';
import { describe, explain } from './messages';
import { LOGOUT, ME } from './operations';
import { SignIn } from './SignIn';

// Decided once per page load, before any effect: the callback replaces the URL, and
// StrictMode's second run of the effect must still see where the page started.
const callbackSearch = window.location.pathname === CALLBACK_PATH ? window.location.search : null;
const backFromKakaoLogout = callbackSearch === null && cameBackFromKakaoLogout();

/**
 * How this page load begins: a message to show, what a round trip to Kakao did, whether
 * anyone is signed in, and the service terms a sign-up still needs (TERMS_REQUIRED).
 */
type Start = { error: string | null; done: Done | null; signedIn: boolean; termsRequired: string[] | null };
let starting: Promise<Start> | null = null;

// Once per page load (StrictMode's second effect run gets the same promise).
// Back from Kakao: exchange the code (once). Otherwise, or when that failed, a silent
// refresh: the HttpOnly refresh cookie, if any, gives this page an access token. The
// backend saying "no session" means signed out, even while an access cookie (kept for
// GraphiQL) lives on for its last minutes: the app never relies on that cookie.
function start(): Promise<Start> {
  starting ??= (async () => {
    let error: string | null = null;
    let termsRequired: string[] | null = null;
    if (callbackSearch !== null) {
      const back = await finishKakao(callbackSearch);
      if ('done' in back) return { error: null, done: back.done, signedIn: true, termsRequired };
      // TERMS_REQUIRED: the sign-in page says it, beside the way back to Kakao.
      termsRequired = back.termsRequired ?? null;
      error = termsRequired ? null : back.error;
      if (back.signedIn !== undefined) return { error, done: null, signedIn: back.signedIn, termsRequired };
    }
    const session = await refreshSession();
    if ('failed' in session) error ??= explain(session.failed); // one message, the first
    return { error, done: null, signedIn: 'token' in session, termsRequired };
  })();
  return starting;
}

export default function App() {
  const [ready, setReady] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const [signedOut, setSignedOut] = useState(false);
  const [done, setDone] = useState<Done | null>(null);
  const [termsRequired, setTermsRequired] = useState<string[] | null>(null);

  useEffect(() => {
    let active = true;
    start().then((begun) => {
      if (!active) return;
      setNotice(begun.error);
      setCreated(begun.done === 'created');
      setDone(begun.done);
      setTermsRequired(begun.termsRequired);
      if (begun.done === 'granted') setInfo('추가 동의를 기록했어요. / Your additional consent is recorded.');
      if (backFromKakaoLogout) setInfo('카카오 로그아웃 화면에서 돌아왔어요. 로그아웃되었어요. / Back from Kakao: you are logged out.');
      setSignedOut(!begun.signedIn);
      setReady(true);
    });
    return () => {
      active = false;
    };
  }, []);

  // Signed out elsewhere (another device, everywhere, the account deleted, Kakao):
  // the next answer says SESSION_ENDED, and this page shows the signed-out state.
  useEffect(() => {
    onSessionEnded(() => {
      client.clearStore().catch(() => undefined);
      setNotice(null);
      setCreated(false);
      setInfo(describe('SESSION_ENDED'));
      setSignedOut(true);
    });
    return () => onSessionEnded(null);
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
      {info && (
        <p className="welcome" data-testid="info" role="status">
          {info}
        </p>
      )}
      {created && (
        <p className="welcome" data-testid="created">
          새 계정을 만들었어요. / Welcome: a new account was created.
        </p>
      )}
      {ready ? (
        <Session
          signedOut={signedOut}
          done={done}
          termsRequired={termsRequired}
          onError={setNotice}
          onSignedOut={(message) => {
            setInfo(message);
            setCreated(false);
            setSignedOut(true);
          }}
          quiet={notice !== null}
        />
      ) : (
        <Loading />
      )}
    </main>
  );
}

type SessionProps = {
  /** Known to be signed out: no need to ask who is there. */
  signedOut: boolean;
  onError: (message: string | null) => void;
  onSignedOut: (message: string | null) => void;
  /** A notice above already says what went wrong last: one message, not two. */
  quiet: boolean;
  /** What the round trip to Kakao this page load came back from did. */
  done: Done | null;
  termsRequired: string[] | null;
};

function Session({ signedOut, onError, onSignedOut, quiet, done, termsRequired }: SessionProps) {
  const apollo = useApolloClient();
  const { data, loading, error, refetch } = useQuery(ME, {
    skip: signedOut,
    fetchPolicy: 'network-only',
    errorPolicy: 'all', // me: null and the reason, together
    notifyOnNetworkStatusChange: true,
  });
  const [logout, { loading: leaving }] = useMutation(LOGOUT);
  const [toKakao, setToKakao] = useState(false);

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
        <SignIn onError={onError} termsRequired={termsRequired} />
      </>
    );
  }

  // This browser forgets the person: the token in memory and everything cached.
  const signOutHere = async (message: string | null) => {
    setAccessToken(null);
    await apollo.clearStore();
    onSignedOut(message);
  };
  const onLogout = async () => {
    onError(null);
    await logout().catch(() => undefined);
    await signOutHere(null);
  };
  const onLogoutKakao = async () => {
    onError(null);
    setToKakao(true);
    const out = await logOutOfKakaoToo(); // on its way to Kakao's logout page, unless:
    if ('error' in out) {
      await signOutHere(null);
      onError(out.error);
    }
  };
  const picture = me.thumbnailImageUrl ?? me.profileImageUrl;
  return (
    <>
      <section className="card" data-testid="profile">
        {picture ? (
          <img src={picture} alt="" width="64" height="64" data-testid="avatar" />
        ) : (
          <div className="avatar" aria-hidden="true">{me.nickname.slice(0, 1)}</div>
        )}
        <div className="text">
          <h2 data-testid="nickname" className="breakable">
            {me.nickname}
          </h2>
          <p data-testid="email" className="breakable">
            {me.email ?? '이메일 없음 / no email'}
          </p>
        </div>
        <div className="actions">
          <button type="button" id="refetch" data-testid="refetch" onClick={() => refetch().catch(() => undefined)}>
            새로고침 / Reload
          </button>
          <button type="button" id="logout" data-testid="logout" onClick={onLogout} disabled={leaving || toKakao}>
            로그아웃 / Log out
          </button>
          <button type="button" data-testid="logout-kakao" onClick={onLogoutKakao} disabled={leaving || toKakao}>
            카카오 계정도 로그아웃 / Log out of Kakao too
          </button>
        </div>
      </section>
      <ConsentCard onError={onError} />
      <AccountCard onError={onError} onSignedOut={signOutHere} reauthenticated={done === 'reauthenticated'} />
      <ActivityCard onError={onError} onSignedOut={signOutHere} />
    </>
  );
}

function Loading(): ReactNode {
  return <p data-testid="loading">불러오는 중… / Loading…</p>;
}
