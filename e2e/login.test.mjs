// The whole login sequence in a real browser: the example app, the backend and the
// Kakao stand-in, all on this machine, with Chromium refusing every other address.
//   authorize → consent → callback with code → kakaoLogin → reload (refresh cookie)
//   → logout → reload (logged out); an expired access token refreshed and retried;
//   consent denied; a callback URL opened twice and a code used twice; the app
//   building Kakao's URL itself under React StrictMode; GraphiQL offline.
//
// Servers (each on a free port, all stopped at the end, even on failure):
//   stand-in   manage.py kakao_standin
//   api        manage.py runserver, the production default KAKAO_REQUIRE_STATE=1
//   app        the example built with `vite build`, served by `vite preview`
//   api-local  a second backend on the same database, KAKAO_REQUIRE_STATE=0
//   app-local  the example in "local" mode (it builds Kakao's URL), on `vite` dev
//              server, i.e. React's development build, where StrictMode runs effects twice
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.PY ?? join(ROOT, '.venv/bin/python');
const SHOTS = process.env.E2E_SCREENSHOTS ?? join(ROOT, 'e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const APP_DIR = join(ROOT, 'examples/apollo');
const VITE = join(APP_DIR, 'node_modules/.bin/vite');
const KAKAO_KEY = 'e2e-rest-api-key';
const SECRET_KEY = randomBytes(48).toString('base64url'); // so the test can forge an expired token

const children = [];
let browser;
let tmp;
let urls;

// --- servers ----------------------------------------------------------------

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/** A long-running server, in its own process group so that stopping it stops its children. */
function start(name, command, args, options) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.log = '';
  child.stdout.on('data', (d) => { child.log += d; });
  child.stderr.on('data', (d) => { child.log += d; });
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (!child.stopping) console.error(`${name} exited early (${code ?? signal}):\n${child.log}`);
  });
  children.push(child);
  return child;
}

function signalAll(signal) {
  for (const child of children) {
    if (child.exited) continue;
    child.stopping = true;
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  }
}

async function stopAll() {
  signalAll('SIGTERM');
  const until = Date.now() + 5000;
  while (children.some((c) => !c.exited) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signalAll('SIGKILL');
}

// Whatever happens to this process, its servers do not outlive it.
process.on('exit', () => signalAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { signalAll('SIGKILL'); process.exit(130); });
}

/** A short command that must succeed, within a time limit. */
function run(what, command, args, options, timeout = 180000) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  assert.equal(result.status, 0, `${what} failed (${result.error ?? result.signal ?? result.status}):\n${result.stdout}\n${result.stderr}`);
}

async function waitFor(url, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status < 500) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'kakao-e2e-'));
  const [standin, api, app, apiLocal, appLocal, appStranger] = await Promise.all(Array.from({ length: 6 }, freePort));
  const at = (port) => `http://localhost:${port}`;
  const loopback = (url) => url.replace('//localhost:', '//127.0.0.1:');
  urls = {
    standin: at(standin), api: at(api), app: at(app), apiLocal: at(apiLocal), appLocal: at(appLocal),
    appStranger: at(appStranger), // the same build on an origin the API's CORS does not allow
  };

  const backendEnv = (appUrl, requireState) => ({
    ...process.env,
    DJANGO_DEBUG: '1',
    DJANGO_SECRET_KEY: SECRET_KEY,
    DATABASE_URL: `sqlite:///${join(tmp, 'db.sqlite3')}`,
    KAKAO_REST_API_KEY: KAKAO_KEY,
    KAKAO_AUTH_URL: urls.standin,
    KAKAO_API_URL: urls.standin,
    // The app answers on localhost and on 127.0.0.1 (a different site to the browser).
    KAKAO_REDIRECT_URIS: [appUrl, loopback(appUrl)].map((origin) => `${origin}/oauth/kakao/callback`).join(','),
    KAKAO_REQUIRE_STATE: requireState ? '1' : '0',
    CORS_ALLOWED_ORIGINS: [appUrl, loopback(appUrl)].join(','),
    GRAPHIQL_ENABLED: '1',
  });
  const env = backendEnv(urls.app, true);
  run('migrate', PY, ['manage.py', 'migrate', '--noinput', '-v', '0'], { cwd: ROOT, env }, 120000);

  // The example, type-checked and built for these ports, then served by `vite preview`.
  const dist = join(tmp, 'dist');
  run('the example build', 'npm', ['run', 'build', '--', '--outDir', dist, '--emptyOutDir'], {
    cwd: APP_DIR,
    env: { ...process.env, VITE_GRAPHQL_URL: `${urls.api}/graphql` },
  });

  start('stand-in', PY, ['manage.py', 'kakao_standin', '--port', String(standin)], { cwd: ROOT, env });
  start('backend', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${api}`], { cwd: ROOT, env });
  start('app', VITE, ['preview', '--outDir', dist, '--port', String(app), '--strictPort'], { cwd: APP_DIR });
  start('app (origin not allowed)', VITE, ['preview', '--outDir', dist, '--port', String(appStranger), '--strictPort'], {
    cwd: APP_DIR,
  });
  start('backend (local state)', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${apiLocal}`], {
    cwd: ROOT,
    env: backendEnv(urls.appLocal, false),
  });
  start('app (local mode, dev server)', VITE, ['--port', String(appLocal), '--strictPort'], {
    cwd: APP_DIR,
    env: {
      ...process.env,
      VITE_GRAPHQL_URL: `${urls.apiLocal}/graphql`,
      VITE_KAKAO_AUTHORIZE: 'local',
      VITE_KAKAO_AUTH_URL: urls.standin,
      VITE_KAKAO_CLIENT_ID: KAKAO_KEY,
      VITE_KAKAO_REDIRECT_URI: `${urls.appLocal}/oauth/kakao/callback`,
    },
  });
  await Promise.all([
    waitFor(`${urls.standin}/`),
    waitFor(`${urls.api}/graphql?query=%7B__typename%7D`),
    waitFor(`${urls.apiLocal}/graphql?query=%7B__typename%7D`),
    waitFor(`${urls.app}/`),
    waitFor(`${urls.appLocal}/`),
    waitFor(`${urls.appStranger}/`),
  ]);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}, { timeout: 300000 });

after(async () => {
  await browser?.close().catch(() => undefined);
  await stopAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  console.log(`screenshots: ${SHOTS}`);
});

// --- browser helpers ----------------------------------------------------------

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A fresh browser profile whose only network is this machine. */
async function newContext(t) {
  const context = await browser.newContext({ viewport: { width: 760, height: 460 } });
  context.blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOCAL_HOSTS.has(new URL(url).hostname)) return route.fallback();
    context.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.setDefaultTimeout(15000);
  context.setDefaultNavigationTimeout(20000);
  t.after(() => context.close());
  return context;
}

async function newPage(t) {
  return (await newContext(t)).newPage();
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The GraphQL operation a request carries (POST body or GET query string), or null. */
function operationName(request) {
  if (request.method() === 'POST') return request.postDataJSON()?.operationName ?? null;
  if (request.method() === 'GET') return new URL(request.url()).searchParams.get('operationName');
  return null; // a CORS preflight
}

/** The GraphQL operations a page sends, by name, with their method, status and JSON answers. */
function recordOperations(page, api) {
  const seen = [];
  page.on('response', async (response) => {
    const request = response.request();
    if (!request.url().startsWith(`${api}/graphql`)) return;
    const name = operationName(request);
    if (!name) return;
    const entry = { name, method: request.method(), status: response.status(), at: Date.now(), body: null };
    seen.push(entry);
    entry.body = await response.json().catch(() => null);
  });
  return seen;
}

/** Route the API's requests for one operation (GET or POST) to a handler. */
async function onOperation(page, name, handler, api = urls.api) {
  await page.route(
    (url) => url.origin === new URL(api).origin && url.pathname === '/graphql',
    (route) => (operationName(route.request()) === name ? handler(route) : route.fallback()),
  );
}

/** From the app's login button to the stand-in's consent page, filled in. */
async function toConsent(page, { app = urls.app, nickname, email, verified = true }) {
  await page.goto(app);
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', nickname);
  await page.fill('#email', email);
  await page.setChecked('#email_verified', verified);
}

async function loginAs(page, person) {
  await toConsent(page, person);
  await page.click('#agree');
  await page.getByTestId('profile').waitFor();
}

/** An HS256 access token like the backend's, signed with its key, expired a minute ago. */
function expiredAccessToken() {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ username: 'e2e', exp: now - 60, origIat: now - 400 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET_KEY).update(unsigned).digest('base64url')}`;
}

/** Make the next `Me` request present an expired access token. */
async function expireNextMe(page) {
  let done = false;
  await onOperation(page, 'Me', (route) => {
    if (done) return route.fallback();
    done = true;
    const request = route.request();
    return route.fallback({ headers: { ...request.headers(), authorization: `Bearer ${expiredAccessToken()}` } });
  });
}

// --- the tests -----------------------------------------------------------------

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
  assert.deepEqual(operations.map((o) => o.name), ['Refresh', 'Me']);
  // Queries go as GET, with the cookies and Content-Type: application/json (which the
  // backend's CSRF rule asks of a cookie-carrying request); mutations stay POST.
  assert.deepEqual(operations.map((o) => o.method), ['POST', 'GET']);
  assert.equal(operations[1].status, 200);
  await expect(() => operations[1].body);
  assert.equal(operations[1].body.data.me.nickname, '김테스트');
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
  await expect(() => operations.length >= 3 && operations.every((o) => o.body));
  await page.getByTestId('profile').waitFor();
  assert.deepEqual(operations.map((o) => o.name), ['Me', 'Refresh', 'Me']);
  assert.equal(operations[0].body.errors[0].extensions.code, 'TOKEN_EXPIRED', 'the backend really refused the token');
  assert.ok(operations[1].body.data.refreshToken.token);
  assert.equal(operations[2].body.data.me.nickname, '만료');
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
  assert.deepEqual(operations.map((o) => o.name).slice(0, 3), ['Refresh', 'Me', 'KakaoAuthorize']);
  const refresh = (await page.context().cookies(api)).find((c) => c.name === 'JWT-refresh-token');
  assert.ok(refresh, 'the refresh cookie is on 127.0.0.1');
  await page.reload();
  await page.getByTestId('profile').waitFor();
});

/** A JSON answer the browser may read from the API (the CORS headers the backend sends). */
function apiAnswer(status, body, headers = {}) {
  return {
    status,
    contentType: 'application/json',
    headers: {
      'access-control-allow-origin': urls.app,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'Retry-After',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

test('an unreachable server, a CORS refusal and a server error are told apart, once each', async (t) => {
  const reach = `Cannot reach the server at ${urls.api}/graphql. Is it running, and is this page's origin in CORS_ALLOWED_ORIGINS?`;

  // Nothing listening.
  const down = await newPage(t);
  await down.route((url) => url.pathname === '/graphql', (route) => route.abort('connectionrefused'));
  await down.goto(urls.app);
  await down.getByTestId('session-error').waitFor();
  assert.equal(await down.getByTestId('session-error').textContent(), `서버에 연결할 수 없어요. / ${reach}`);
  assert.equal(await down.getByText('Cannot reach the server').count(), 1, 'said once, not twice');
  assert.equal(await down.getByTestId('error').count(), 0);
  await shot(down, '6a-unreachable');

  // The real API, from a page whose origin is not in its CORS_ALLOWED_ORIGINS: the
  // browser withholds the answer, and the app cannot tell that from "not running".
  const stranger = await newPage(t);
  await stranger.goto(urls.appStranger);
  await stranger.getByTestId('session-error').waitFor();
  assert.equal(await stranger.getByTestId('session-error').textContent(), `서버에 연결할 수 없어요. / ${reach}`);
  assert.equal(await stranger.getByText('Cannot reach the server').count(), 1);
  await stranger.getByTestId('login').click();
  await stranger.getByTestId('error').waitFor();
  assert.match(await stranger.getByTestId('error').textContent(), /Cannot reach the server/);
  assert.equal(await stranger.getByText('Cannot reach the server').count(), 1, 'the new message replaces the old');

  // A server error is not "cannot reach": the server's own words.
  const broken = await newPage(t);
  await onOperation(broken, 'Me', (route) => route.fulfill(apiAnswer(500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })));
  await broken.goto(urls.app);
  const said = broken.getByTestId('session-error');
  await said.waitFor();
  assert.match(await said.textContent(), /INTERNAL_SERVER_ERROR/);
  assert.equal(await broken.getByText('Cannot reach the server').count(), 0);

  // The backend's CSRF refusal, in plain words.
  const csrf = await newPage(t);
  await onOperation(csrf, 'Me', (route) => route.fulfill(apiAnswer(403, { errors: [{ message: 'refused', extensions: { code: 'CSRF_REJECTED' } }] })));
  await csrf.goto(urls.app);
  await csrf.getByTestId('session-error').waitFor();
  assert.match(await csrf.getByTestId('session-error').textContent(), /refused by a security check/);
});

test('a 503 SERVICE_UNAVAILABLE is retried once after Retry-After (at most 5 s)', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '재시도', email: 'retry@example.com' });
  const unavailable = (retryAfter) =>
    apiAnswer(503, { errors: [{ message: 'The database is unavailable.', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, { 'retry-after': String(retryAfter) });

  // One outage answer, then the real backend: the person sees nothing but a short wait.
  const tries = [];
  let outages = 0;
  let retryAfter = 1;
  await onOperation(page, 'Me', (route) => {
    tries.push(Date.now());
    return outages-- > 0 ? route.fulfill(unavailable(retryAfter)) : route.fallback();
  });
  const refetchThrough = async (count, seconds) => {
    tries.length = 0;
    outages = count;
    retryAfter = seconds;
    await page.getByTestId('refetch').click();
    await expect(() => tries.length >= 2, 9000);
    return tries[1] - tries[0];
  };
  let waited = await refetchThrough(1, 1);
  await page.getByTestId('profile').waitFor();
  assert.ok(waited >= 900 && waited < 2500, `waited Retry-After: ${waited} ms`);
  assert.equal(await page.getByTestId('session-error').count(), 0);

  // A Retry-After of a minute waits 5 s at most.
  waited = await refetchThrough(1, 60);
  await page.getByTestId('profile').waitFor();
  assert.ok(waited >= 4900 && waited < 6500, `capped at 5 s: ${waited} ms`);

  // Still down after the retry: said once, in plain words, and not retried again.
  waited = await refetchThrough(2, 1);
  await page.getByTestId('session-error').waitFor();
  assert.equal(tries.length, 2, 'retried once, not more');
  assert.match(await page.getByTestId('session-error').textContent(), /temporarily unavailable/);
  assert.equal(await page.getByText('temporarily unavailable').count(), 1);
  await shot(page, '6b-unavailable');
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
  await page.locator('.graphiql-query-editor .CodeMirror').first().click();
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ me { id nickname } }');
  });
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

/** Wait (bounded) until a condition on values gathered by event handlers holds. */
async function expect(condition, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`not true within ${timeoutMs} ms: ${condition}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
