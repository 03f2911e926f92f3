// The browser tests' harness: the servers, a browser whose only network is this
// machine, and helpers for the tests in login.mjs, failures.mjs, account.mjs and graphiql.mjs
// (all.test.mjs runs them in one process, so the servers start once).
//
// Servers (each on a free port, all stopped at the end, even on failure):
//   stand-in   manage.py kakao_standin, sending Kakao's unlink notice to the api
//   api        manage.py runserver, the production default KAKAO_REQUIRE_STATE=1, with
//              GraphiQL and its callback (/graphiql/callback) among the redirect URIs
//   app        the example built with `vite build`, served by `vite preview`
//   app-stranger  the same build on an origin the api's CORS does not allow
//   api-local  a second backend on the same database, KAKAO_REQUIRE_STATE=0
//   app-local  the example in "local" mode (it builds Kakao's URL), on `vite` dev
//              server, i.e. React's development build, where StrictMode runs effects twice
//   api-strict a third backend on the same database that also requires the `location` term
//              and a sign-in at most REAUTHENTICATION_SECONDS old to delete (consent.mjs)
//   app-strict the example built for api-strict
// The stand-in is a Kakao Sync app, as `make run` makes it (plus an optional `location`
// term); the backends require `tos` and `privacy`, and Kakao's logout may return to the apps.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.PY ?? join(ROOT, '.venv/bin/python');
const SHOTS = process.env.E2E_SCREENSHOTS ?? join(ROOT, 'e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const APP_DIR = join(ROOT, 'examples/apollo');
const VITE = join(APP_DIR, 'node_modules/.bin/vite');
export const KAKAO_KEY = 'e2e-rest-api-key';
// The Kakao app's numeric id and admin key, shared by the backend and the stand-in: the
// backend asks the stand-in to unlink (deleteAccount) and checks its unlink notices.
const KAKAO_APP_ID = '1000001';
const KAKAO_ADMIN_KEY = 'dev-admin-key';
const SECRET_KEY = randomBytes(48).toString('base64url'); // so the test can forge an expired token
const SERVICE_TERMS = 'tos:required,privacy:required,marketing:optional,location:optional';
/** api-strict's REAUTHENTICATION_MAX_AGE_SECONDS: a session older than this cannot delete. */
export const REAUTHENTICATION_SECONDS = 6;

const children = [];
let browser;
let tmp;
/** The servers' addresses, set before the first test. */
export let urls;

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
  child.name = name;
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
  const [standin, api, app, apiLocal, appLocal, appStranger, apiStrict, appStrict] = await Promise.all(
    Array.from({ length: 8 }, freePort),
  );
  const at = (port) => `http://localhost:${port}`;
  const loopback = (url) => url.replace('//localhost:', '//127.0.0.1:');
  urls = {
    standin: at(standin), api: at(api), app: at(app), apiLocal: at(apiLocal), appLocal: at(appLocal),
    appStranger: at(appStranger), // the same build on an origin the API's CORS does not allow
    apiStrict: at(apiStrict), appStrict: at(appStrict),
  };
  const frontPages = (appUrl) => [appUrl, loopback(appUrl)].map((origin) => `${origin}/`);

  const backendEnv = (appUrl, apiUrl, requireState) => ({
    ...process.env,
    DJANGO_DEBUG: '1',
    DJANGO_SECRET_KEY: SECRET_KEY,
    DATABASE_URL: `sqlite:///${databaseFile()}`,
    // A write that waits this long for SQLite's lock is a database outage (503): short,
    // so that failures.mjs can cause one by holding the lock.
    SQLITE_BUSY_TIMEOUT_SECONDS: '1',
    KAKAO_REST_API_KEY: KAKAO_KEY,
    KAKAO_AUTH_URL: urls.standin,
    KAKAO_API_URL: urls.standin,
    // The app answers on localhost and on 127.0.0.1 (a different site to the browser);
    // a sign-in from GraphiQL comes back through the API's own callback (DEBUG only).
    KAKAO_REDIRECT_URIS: [
      ...[appUrl, loopback(appUrl)].map((origin) => `${origin}/oauth/kakao/callback`),
      `${apiUrl}/graphiql/callback`,
    ].join(','),
    KAKAO_REQUIRE_STATE: requireState ? '1' : '0',
    CORS_ALLOWED_ORIGINS: [appUrl, loopback(appUrl)].join(','),
    GRAPHIQL_ENABLED: '1',
    KAKAO_APP_ID,
    KAKAO_ADMIN_KEY,
    KAKAO_REQUIRED_SERVICE_TERMS: 'tos,privacy',
    KAKAO_LOGOUT_REDIRECT_URIS: frontPages(appUrl).join(','),
    // Every browser here is 127.0.0.1, and the backends share one cache (the database): the
    // per-address limits would count the whole suite's sign-ins and page loads as one person's.
    RATE_LIMIT_LOGIN_PER_IP: '1000/60',
    RATE_LIMIT_REFRESH_PER_IP: '1000/60',
  });
  const env = backendEnv(urls.app, urls.api, true);
  run('migrate', PY, ['manage.py', 'migrate', '--noinput', '-v', '0'], { cwd: ROOT, env }, 120000);

  // The example, type-checked and built for these ports, then served by `vite preview`.
  const dist = join(tmp, 'dist');
  run('the example build', 'npm', ['run', 'build', '--', '--outDir', dist, '--emptyOutDir'], {
    cwd: APP_DIR,
    env: { ...process.env, VITE_GRAPHQL_URL: `${urls.api}/graphql` },
  });

  const strictDist = join(tmp, 'dist-strict'); // type-checked above: only the API differs
  run('the example build for api-strict', VITE, ['build', '--outDir', strictDist, '--emptyOutDir'], {
    cwd: APP_DIR,
    env: { ...process.env, VITE_GRAPHQL_URL: `${urls.apiStrict}/graphql` },
  });

  start('stand-in', PY, [
    'manage.py', 'kakao_standin', '--port', String(standin),
    '--unlink-callback-url', `${urls.api}/kakao/unlink-callback`,
    '--admin-key', KAKAO_ADMIN_KEY,
    '--app-id', KAKAO_APP_ID,
    '--service-terms', SERVICE_TERMS,
    '--logout-redirect-uris', [urls.app, urls.appStrict].flatMap(frontPages).join(','),
  ], { cwd: ROOT, env });
  start('backend', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${api}`], { cwd: ROOT, env });
  start('app', VITE, ['preview', '--outDir', dist, '--port', String(app), '--strictPort'], { cwd: APP_DIR });
  start('app (origin not allowed)', VITE, ['preview', '--outDir', dist, '--port', String(appStranger), '--strictPort'], {
    cwd: APP_DIR,
  });
  start('backend (local state)', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${apiLocal}`], {
    cwd: ROOT,
    env: backendEnv(urls.appLocal, urls.apiLocal, false),
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
  start('backend (strict)', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${apiStrict}`], {
    cwd: ROOT,
    env: {
      ...backendEnv(urls.appStrict, urls.apiStrict, true),
      KAKAO_REQUIRED_SERVICE_TERMS: 'tos,privacy,location',
      REAUTHENTICATION_MAX_AGE_SECONDS: String(REAUTHENTICATION_SECONDS),
    },
  });
  start('app (strict)', VITE, ['preview', '--outDir', strictDist, '--port', String(appStrict), '--strictPort'], {
    cwd: APP_DIR,
  });
  await Promise.all([
    waitFor(`${urls.standin}/`),
    waitFor(`${urls.apiStrict}/graphql?query=%7B__typename%7D`),
    waitFor(`${urls.appStrict}/`),
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

/** What a server (by its name above, e.g. 'backend') has printed so far. */
export function serverOutput(name) {
  const child = children.find((c) => c.name === name);
  assert.ok(child, `no server named ${name}`);
  return child.log;
}

/** The backends' SQLite file. */
export function databaseFile() {
  return join(tmp, 'db.sqlite3');
}

/** Hold SQLite's write lock, as a stuck writer would, until the returned function is called. */
export async function holdDatabaseLock() {
  const holder = spawn(PY, ['-c', [
    'import sqlite3, sys',
    `db = sqlite3.connect(${JSON.stringify(databaseFile())}, isolation_level=None)`,
    "db.execute('BEGIN IMMEDIATE')",
    "print('locked', flush=True)",
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(holder);
  holder.on('exit', () => { holder.exited = true; });
  await new Promise((ok, fail) => {
    holder.stdout.on('data', (d) => String(d).includes('locked') && ok());
    holder.on('exit', (code) => fail(new Error(`the lock holder exited (${code})`)));
    setTimeout(() => fail(new Error('the lock holder did not take the lock')), 10000);
  });
  return async () => {
    holder.stopping = true;
    holder.stdin.end();
    const until = Date.now() + 5000;
    while (!holder.exited && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };
}

// --- browser helpers ----------------------------------------------------------

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A fresh browser profile whose only network is this machine. */
export async function newContext(t, options = {}) {
  const context = await browser.newContext({ viewport: { width: 760, height: 460 }, ...options });
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

export async function newPage(t) {
  return (await newContext(t)).newPage();
}

/** A screenshot of the whole page, or of one element of it (a locator). */
export async function shot(page, name, element = null) {
  const path = join(SHOTS, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

/** The GraphQL operation a request carries (POST body or GET query string), or null. */
function operationName(request) {
  if (request.method() === 'POST') return request.postDataJSON()?.operationName ?? null;
  if (request.method() === 'GET') return new URL(request.url()).searchParams.get('operationName');
  return null; // a CORS preflight
}

/** The GraphQL operations a page sends, by name, with their method, status and JSON answers. */
export function recordOperations(page, api) {
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
export async function onOperation(page, name, handler, api = urls.api) {
  await page.route(
    (url) => url.origin === new URL(api).origin && url.pathname === '/graphql',
    (route) => (operationName(route.request()) === name ? handler(route) : route.fallback()),
  );
}

/** From the app's login button to the stand-in's consent page, filled in. */
export async function toConsent(page, { app = urls.app, nickname, email, verified = true }) {
  await page.goto(app);
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', nickname);
  await page.fill('#email', email);
  await page.setChecked('#email_verified', verified);
  await agreeToAllTerms(page);
}

/** On the consent page: tick "agree to all" service terms, when the page asks for any. */
export async function agreeToAllTerms(page) {
  const all = page.locator('#agree_all');
  if (await all.count()) await all.check();
}

export async function loginAs(page, person) {
  await toConsent(page, person);
  await pressAgree(page);
  await page.getByTestId('profile').waitFor();
}

/**
 * Press Agree. The page was made for the person it showed first (without a Kakao session,
 * the first test person); when the one typed in has more to agree to, it asks again: all of it.
 */
export async function pressAgree(page) {
  await page.click('#agree');
  const standin = new URL(urls.standin).origin;
  await page.waitForURL((url) => url.origin !== standin || url.search === ''); // left, or the answer's page
  if (new URL(page.url()).origin !== standin) return;
  await agreeToAllTerms(page);
  await page.click('#agree');
}

/** An HS256 access token like the backend's, signed with its key, expired a minute ago. */
function expiredAccessToken() {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ username: 'e2e', exp: now - 60, origIat: now - 400 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET_KEY).update(unsigned).digest('base64url')}`;
}

/** Make the next `Me` request present an expired access token. */
export async function expireNextMe(page) {
  let done = false;
  await onOperation(page, 'Me', (route) => {
    if (done) return route.fallback();
    done = true;
    const request = route.request();
    return route.fallback({ headers: { ...request.headers(), authorization: `Bearer ${expiredAccessToken()}` } });
  });
}

/** A JSON answer the browser may read from the API (the CORS headers the backend sends). */
export function apiAnswer(status, body, headers = {}) {
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

/** The first answer to a named operation, once it has arrived. */
export async function answer(operations, name) {
  await expect(() => operations.find((o) => o.name === name)?.body);
  return operations.find((o) => o.name === name).body;
}

/** Wait (bounded) until a condition on values gathered by event handlers holds. */
export async function expect(condition, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`not true within ${timeoutMs} ms: ${condition}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
