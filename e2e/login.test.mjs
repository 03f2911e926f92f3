// The whole login sequence in a real browser: the example app, the backend and the
// Kakao stand-in, all on this machine, with Chromium refusing every other address.
//   authorize → consent → callback with code → kakaoLogin → reload (refresh cookie)
//   → logout → reload (logged out); consent denied; the same code twice; GraphiQL.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
const KEY = 'e2e-rest-api-key';
const VITE = join(ROOT, 'examples/apollo/node_modules/.bin/vite');

const children = [];
let browser;
let tmp;
let urls;

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

function start(name, command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  child.on('exit', (code) => {
    if (code && !child.stopping) console.error(`${name} exited with ${code}:\n${log}`);
  });
  children.push(child);
  return child;
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
  const [api, standin, app] = await Promise.all([freePort(), freePort(), freePort()]);
  urls = {
    api: `http://localhost:${api}`,
    standin: `http://localhost:${standin}`,
    app: `http://localhost:${app}`,
  };
  const env = {
    ...process.env,
    DJANGO_DEBUG: '1',
    DATABASE_URL: `sqlite:///${join(tmp, 'db.sqlite3')}`,
    KAKAO_REST_API_KEY: KEY,
    KAKAO_AUTH_URL: urls.standin,
    KAKAO_API_URL: urls.standin,
    KAKAO_REDIRECT_URIS: `${urls.app}/oauth/kakao/callback`,
    CORS_ALLOWED_ORIGINS: urls.app,
    GRAPHIQL_ENABLED: '1',
  };
  const migrate = spawnSync(PY, ['manage.py', 'migrate', '--noinput', '-v', '0'], { cwd: ROOT, env });
  assert.equal(migrate.status, 0, String(migrate.stderr));

  // The example, built for these ports, then served by `vite preview`.
  const appDir = join(ROOT, 'examples/apollo');
  const build = spawnSync(VITE, ['build', '--outDir', join(tmp, 'dist'), '--emptyOutDir'], {
    cwd: appDir,
    env: { ...process.env, VITE_GRAPHQL_URL: `${urls.api}/graphql` },
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, build.stderr);

  start('stand-in', PY, ['manage.py', 'kakao_standin', '--port', String(standin)], { cwd: ROOT, env });
  start('backend', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${api}`], { cwd: ROOT, env });
  start('app', VITE, ['preview', '--outDir', join(tmp, 'dist'), '--port', String(app), '--strictPort'], {
    cwd: appDir,
  });
  await Promise.all([
    waitFor(`${urls.standin}/`),
    waitFor(`${urls.api}/graphql?query=%7B__typename%7D`),
    waitFor(`${urls.app}/`),
  ]);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  for (const child of children) {
    child.stopping = true;
    child.kill('SIGTERM');
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  console.log(`screenshots: ${SHOTS}`);
});

// A fresh browser profile whose only network is this machine.
async function newPage(t) {
  const context = await browser.newContext({ viewport: { width: 760, height: 460 } });
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === 'localhost' || host === '127.0.0.1' ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  t.after(() => context.close());
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function loginAs(page, { nickname, email, verified = true }) {
  await page.goto(urls.app);
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', nickname);
  await page.fill('#email', email);
  await page.setChecked('#email_verified', verified);
}

test('login, stay logged in across a reload, log out', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '김테스트', email: 'e2e.kim@example.com' });
  await shot(page, '1-consent');
  await page.click('#agree');

  await page.getByTestId('profile').waitFor();
  assert.equal(await page.getByTestId('nickname').textContent(), '김테스트');
  assert.equal(await page.getByTestId('email').textContent(), 'e2e.kim@example.com');
  assert.equal(new URL(page.url()).pathname, '/', 'the code is removed from the address bar');
  await shot(page, '2-logged-in');

  // The access token was only in memory; the HttpOnly refresh cookie brings it back.
  const cookies = await page.context().cookies(urls.api);
  const refresh = cookies.find((c) => c.name === 'JWT-refresh-token');
  assert.ok(refresh?.httpOnly, 'refresh cookie is HttpOnly');
  assert.equal(await page.evaluate(() => document.cookie.includes('JWT')), false);
  await page.reload();
  await page.getByTestId('profile').waitFor();
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

test('denying consent shows the denial', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '거절', email: '' });
  await page.click('#cancel');
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.match(await error.textContent(), /cancelled the Kakao consent/);
  await page.getByTestId('login').waitFor();
  await shot(page, '5-consent-denied');
});

test('the same code twice: the second exchange is refused in plain words', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '두번', email: 'twice@example.com' });
  // Note the callback URL with its code as the browser arrives there.
  const arrived = page.waitForURL(/\/oauth\/kakao\/callback\?/, { waitUntil: 'commit' });
  await page.click('#agree');
  await arrived;
  const callback = page.url();
  await page.getByTestId('profile').waitFor();
  assert.ok(callback?.includes('code='));

  // A second tab of the same browser opens the same callback URL again.
  const second = await page.context().newPage();
  await second.goto(callback);
  const error = second.getByTestId('error');
  await error.waitFor();
  assert.match(await error.textContent(), /already used|not start in this browser/);
  await shot(second, '6-code-reused');
  await second.close();
});

test('GraphiQL works offline and runs a query', async (t) => {
  const page = await newPage(t);
  const external = [];
  page.on('requestfailed', (r) => {
    const host = new URL(r.url()).hostname;
    if (host !== 'localhost' && host !== '127.0.0.1') external.push(r.url());
  });
  await page.goto(`${urls.api}/graphql`);
  await page.locator('.graphiql-container').waitFor();
  // Type the query into the editor and run it.
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.click();
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ me { id } }');
  });
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.graphiql-response .CodeMirror');
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('"me"'),
  );
  const text = await result.evaluate((el) => el.CodeMirror.getValue());
  assert.deepEqual(JSON.parse(text), { data: { me: null } });
  assert.deepEqual(external, [], 'GraphiQL asked for nothing outside this machine');
  await shot(page, '7-graphiql');
});
