// Signing in, in a real browser:
//   authorize → consent → callback with code → kakaoLogin → reload (refresh cookie)
//   → logout → reload (logged out); an expired access token refreshed and retried;
//   the app on 127.0.0.1; consent denied; a callback URL opened twice and a code used
//   twice; a code intercepted from another browser (PKCE); the app building Kakao's URL
//   itself under React StrictMode; GraphiQL offline.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  KAKAO_KEY,
  answer,
  expect,
  expireNextMe,
  loginAs,
  newContext,
  newPage,
  recordOperations,
  shot,
  toConsent,
  urls,
} from './harness.mjs';

// The cards' own queries (devices, recent activity, what the person agreed to), beside the session's.
const CARDS = new Set(['MySessions', 'RecentActivity', 'MyConsent']);

test('login, stay logged in across a reload, log out', async (t) => {
  const page = await newPage(t);
  await toConsent(page, { nickname: '김테스트', email: 'e2e.kim@example.com' });
  await shot(page, '1-consent');
  await page.click('#agree');

  await page.getByTestId('profile').waitFor();
  assert.equal(await page.getByTestId('nickname').textContent(), '김테스트');
  assert.equal(await page.getByTestId('email').textContent(), 'e2e.kim@example.com');
  assert.ok(await page.getByTestId('avatar').getAttribute('src'), 'the profile image is shown');
  assert.equal(new URL(page.url()).pathname, '/', 'the code is removed from the address bar');
  await shot(page, '2-logged-in');

  // The access token is only in memory: no cookie or storage a script can read holds it.
  const cookies = await page.context().cookies(urls.api);
  const refresh = cookies.find((c) => c.name === 'JWT-refresh-token');
  assert.ok(refresh?.httpOnly, 'the refresh cookie is HttpOnly');
  const readable = await page.evaluate(() => ({
    cookie: document.cookie,
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
  }));
  assert.doesNotMatch(JSON.stringify(readable), /JWT|eyJ/, 'no token where scripts can read it');

  // A reload forgets the in-memory token; the silent refresh brings the session back.
  const operations = recordOperations(page, urls.api);
  await page.reload();
  await page.getByTestId('profile').waitFor();
  await expect(() => operations.some((o) => o.name === 'MySessions'));
  const session = operations.filter((o) => !CARDS.has(o.name)); // the cards' own queries
  assert.deepEqual(session.map((o) => o.name), ['Refresh', 'Me']);
  // Queries go as GET, with the cookies and Content-Type: application/json (which the
  // backend's CSRF rule asks of a cookie-carrying request); mutations stay POST.
  assert.deepEqual(session.map((o) => o.method), ['POST', 'GET']);
  assert.equal(session[1].status, 200);
  await expect(() => session[1].body);
  assert.equal(session[1].body.data.me.nickname, '김테스트');
  await shot(page, '3-after-reload');

  await page.getByTestId('logout').click();
  await page.getByTestId('login').waitFor();
  await page.reload();
  await page.getByTestId('login').waitFor();
  assert.equal(await page.getByTestId('profile').count(), 0);
  const left = await page.context().cookies(urls.api);
  assert.equal(left.filter((c) => c.name.startsWith('JWT')).length, 0, 'cookies deleted');
  await shot(page, '4-logged-out');
});

test('an expired access token is refreshed once and the query retried', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '만료', email: 'expiry@example.com' });
  const operations = recordOperations(page, urls.api);

  await expireNextMe(page);
  await page.getByTestId('refetch').click();
  const session = () => operations.filter((o) => !CARDS.has(o.name)); // the cards' own queries
  await expect(() => session().length >= 3 && session().every((o) => o.body));
  await page.getByTestId('profile').waitFor();
  const [expired, refreshed, retried] = session();
  assert.deepEqual(session().map((o) => o.name), ['Me', 'Refresh', 'Me']);
  assert.equal(expired.body.errors[0].extensions.code, 'TOKEN_EXPIRED', 'the backend really refused the token');
  assert.ok(refreshed.body.data.refreshToken.token);
  assert.equal(retried.body.data.me.nickname, '만료');
  assert.equal(await page.getByTestId('error').count(), 0);

  // Without a refresh cookie the refresh fails: the person is told, and can log in again.
  await page.context().clearCookies();
  await expireNextMe(page);
  await page.getByTestId('refetch').click();
  const said = page.getByTestId('session-error');
  await said.waitFor();
  assert.match(await said.textContent(), /session has expired/);
  await page.getByTestId('login').waitFor();
  await shot(page, '5-session-expired');
});

test('on 127.0.0.1 the redirect URI and the API follow the page\'s origin', async (t) => {
  const page = await newPage(t);
  const app = urls.app.replace('//localhost:', '//127.0.0.1:');
  const api = urls.api.replace('//localhost:', '//127.0.0.1:');
  const operations = recordOperations(page, api);
  await toConsent(page, { app, nickname: '루프백', email: 'loopback@example.com' });
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('redirect_uri'), `${app}/oauth/kakao/callback`);
  await page.click('#agree');
  await page.getByTestId('profile').waitFor();
  assert.equal(await page.getByTestId('nickname').textContent(), '루프백');
  assert.ok(new URL(page.url()).origin === app);
  // Same site as the page, so the SameSite=Lax state and refresh cookies travelled.
  const names = operations.map((o) => o.name);
  for (const name of ['Refresh', 'KakaoAuthorize', 'KakaoLogin', 'Me']) assert.ok(names.includes(name), `${name} in ${names}`);
  const refresh = (await page.context().cookies(api)).find((c) => c.name === 'JWT-refresh-token');
  assert.ok(refresh, 'the refresh cookie is on 127.0.0.1');
  await page.reload();
  await page.getByTestId('profile').waitFor();
});

test('denying consent shows the denial', async (t) => {
  const page = await newPage(t);
  await toConsent(page, { nickname: '거절', email: '' });
  await page.click('#cancel');
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.match(await error.textContent(), /cancelled the Kakao consent/);
  await page.getByTestId('login').waitFor();
  assert.equal(new URL(page.url()).search, '', 'the error is removed from the address bar');
  await shot(page, '6-consent-denied');
});

test('a callback URL opened twice, and a code used twice, are refused in plain words', async (t) => {
  const context = await newContext(t);
  const page = await context.newPage();
  await toConsent(page, { nickname: '두번', email: 'twice@example.com' });
  const arrived = page.waitForURL(/\/oauth\/kakao\/callback\?/, { waitUntil: 'commit' });
  await page.click('#agree');
  await arrived;
  const callback = new URL(page.url());
  await page.getByTestId('profile').waitFor();
  const code = callback.searchParams.get('code');
  assert.ok(code);

  // Another tab opens the same callback URL: that tab sent nobody to Kakao (no state
  // in its sessionStorage), so the app refuses without asking the backend.
  const second = await context.newPage();
  const secondOps = recordOperations(second, urls.api);
  await second.goto(callback.href);
  await second.getByTestId('error').waitFor();
  assert.match(await second.getByTestId('error').textContent(), /did not start in this tab/);
  assert.equal(secondOps.filter((o) => o.name === 'KakaoLogin').length, 0);
  await second.close();

  // A new login in a third tab, whose fresh state Kakao would send back, but with
  // the old code: the state checks pass, and the backend's code exchange fails.
  const third = await context.newPage();
  const thirdOps = recordOperations(third, urls.api);
  await third.goto(urls.app);
  await third.getByTestId('profile').waitFor(); // logged in already (refresh cookie)
  await third.getByTestId('logout').click();
  await third.getByTestId('login').click();
  await third.waitForURL(`${urls.standin}/oauth/authorize?**`);
  const state = new URL(third.url()).searchParams.get('state');
  const replay = new URL(callback.href);
  replay.searchParams.set('state', state);
  await third.goto(replay.href);
  const error = third.getByTestId('error');
  await error.waitFor();
  assert.match(await error.textContent(), /already used or has expired/);
  const logins = thirdOps.filter((o) => o.name === 'KakaoLogin');
  assert.equal(logins.length, 1);
  await expect(() => logins[0].body);
  assert.equal(logins[0].body.data.kakaoLogin.errors[0].code, 'INVALID_CODE');
  await third.getByTestId('login').waitFor();
  await shot(third, '7-code-reused');
});

test('a code intercepted from another browser is refused under the attacker\'s own state (PKCE)', async (t) => {
  // The victim consents; their code is intercepted before their app can use it.
  const victim = await newPage(t);
  await toConsent(victim, { nickname: '피해자', email: 'victim@example.com' });
  const victimsAuthorize = new URL(victim.url());
  assert.equal(victimsAuthorize.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(victimsAuthorize.searchParams.get('code_challenge')?.length, 43);
  // (Routes do not see a redirect's target: the consent answer's Location is read instead.)
  let intercepted;
  const consent = (url) => url.origin === urls.standin && url.pathname === '/oauth/authorize';
  await victim.route(consent, async (route) => {
    if (route.request().method() !== 'POST') return route.fallback();
    const answer = await route.fetch({ maxRedirects: 0 });
    intercepted = new URL(answer.headers().location);
    return route.fulfill({ status: 200, contentType: 'text/plain', body: 'intercepted' });
  });
  await victim.click('#agree');
  await expect(() => intercepted);
  const code = intercepted.searchParams.get('code');
  assert.ok(code);

  // The attacker, in another browser, starts a login of their own (their state, their cookie)
  // and brings the victim's code back with it: every state check passes.
  const attacker = await newPage(t);
  const operations = recordOperations(attacker, urls.api);
  await attacker.goto(urls.app);
  await attacker.getByTestId('login').click();
  await attacker.waitForURL(`${urls.standin}/oauth/authorize?**`);
  const attackersAuthorize = new URL(attacker.url());
  assert.notEqual(
    attackersAuthorize.searchParams.get('code_challenge'),
    victimsAuthorize.searchParams.get('code_challenge'),
  );
  const forged = new URL(intercepted.href);
  forged.searchParams.set('state', attackersAuthorize.searchParams.get('state'));
  await attacker.goto(forged.href);
  await attacker.getByTestId('error').waitFor();
  const logins = operations.filter((o) => o.name === 'KakaoLogin');
  assert.equal(logins.length, 1);
  await expect(() => logins[0].body);
  assert.deepEqual(logins[0].body.data.kakaoLogin.errors.map((e) => e.code), ['INVALID_CODE']);
  assert.equal(await attacker.getByTestId('profile').count(), 0);
  const cookies = await attacker.context().cookies(urls.api);
  assert.equal(cookies.filter((c) => c.name.startsWith('JWT')).length, 0, 'no session for the attacker');
});

test('local mode: the app builds Kakao\'s URL; StrictMode still exchanges the code once', async (t) => {
  const page = await newPage(t);
  const operations = recordOperations(page, urls.apiLocal);
  await toConsent(page, { app: urls.appLocal, nickname: '로컬', email: 'local@example.com' });
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('client_id'), KAKAO_KEY);
  assert.equal(authorize.searchParams.get('redirect_uri'), `${urls.appLocal}/oauth/kakao/callback`);
  assert.ok(authorize.searchParams.get('state')?.length >= 40);
  await page.click('#agree');
  await page.getByTestId('profile').waitFor();
  assert.equal(await page.getByTestId('nickname').textContent(), '로컬');
  const names = operations.map((o) => o.name);
  assert.ok(!names.includes('KakaoAuthorize'), 'the backend was not asked for the URL');
  assert.equal(names.filter((n) => n === 'KakaoLogin').length, 1, `one exchange, not two: ${names}`);
  assert.equal(await page.getByTestId('error').count(), 0);
  await shot(page, '8-local-mode');
});

test('GraphiQL works offline, sends the cookies, and runs a query', async (t) => {
  const context = await newContext(t);
  const page = await context.newPage();
  // Logged in through the app: GraphiQL, on the backend's origin, gets the JWT cookie.
  await loginAs(page, { nickname: '그래피', email: 'graphiql@example.com' });
  const sockets = [];
  const errors = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('pageerror', (error) => errors.push(String(error)));

  await page.goto(`${urls.api}/graphql`);
  await page.locator('.graphiql-container').waitFor();
  // Once GraphiQL has put its first document (the tour) in the editor.
  await page.waitForFunction(() => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror.getValue());
  await page.locator('.graphiql-query-editor .CodeMirror').first().click();
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ me { id nickname } }');
  });
  // GraphiQL re-reads the document's operations 100 ms after a change; pressed sooner, ▶
  // still sees the tour's five and opens their menu instead of running.
  await page.waitForFunction(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operations?.length === 1);
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('"me"'),
  );
  const text = await page.locator('.graphiql-response .CodeMirror').evaluate((el) => el.CodeMirror.getValue());
  const answer = JSON.parse(text);
  assert.equal(answer.errors, undefined, text);
  assert.ok(answer.data.me.id, text);
  assert.equal(answer.data.me.nickname, '그래피');
  await shot(page, '9-graphiql');

  assert.deepEqual(context.blocked, [], 'GraphiQL asked for nothing outside this machine');
  assert.deepEqual(sockets, [], 'no subscription socket was opened');
  assert.deepEqual(errors, [], 'no script errors');
});
