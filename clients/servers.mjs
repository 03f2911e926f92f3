// The servers these tests talk to, each on a free port of 127.0.0.1, stopped at the end
// (even on failure): the Kakao stand-in and the backend (`manage.py runserver`, DEBUG on
// as the stand-in needs, a fresh SQLite file, the production default KAKAO_REQUIRE_STATE=1).
// The front end is only an origin: `appOrigin` is in CORS_ALLOWED_ORIGINS and its
// callback in KAKAO_REDIRECT_URIS, but nothing listens there (the tests play the page).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.PY ?? join(ROOT, '.venv/bin/python');
export const KAKAO_KEY = 'clients-rest-api-key';
/** The backend's signing key, so that a test can make an expired access token of its own. */
export const SECRET_KEY = randomBytes(48).toString('base64url');

const children = [];
let tmp;
/** { api, graphql, standin, appOrigin, redirectUri, database }, set before the first test. */
export let servers;

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

/** A long-running server in its own process group, so that stopping it stops its children. */
function start(name, args, env) {
  const child = spawn(PY, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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

process.on('exit', () => signalAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { signalAll('SIGKILL'); process.exit(130); });
}

async function waitFor(url, timeoutMs = 60000) {
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
  tmp = mkdtempSync(join(tmpdir(), 'kakao-clients-'));
  const [standinPort, apiPort, appPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const api = `http://localhost:${apiPort}`;
  const appOrigin = `http://localhost:${appPort}`;
  servers = {
    api,
    graphql: `${api}/graphql`,
    standin: `http://localhost:${standinPort}`,
    appOrigin,
    redirectUri: `${appOrigin}/oauth/kakao/callback`,
    database: join(tmp, 'db.sqlite3'),
  };
  const env = {
    ...process.env,
    DJANGO_DEBUG: '1',
    DJANGO_SECRET_KEY: SECRET_KEY,
    DATABASE_URL: `sqlite:///${servers.database}`,
    // A write that waits this long for SQLite's lock is a database outage (503): short,
    // so that a test can cause one by holding the lock.
    SQLITE_BUSY_TIMEOUT_SECONDS: '1',
    KAKAO_REST_API_KEY: KAKAO_KEY,
    KAKAO_AUTH_URL: servers.standin,
    KAKAO_API_URL: servers.standin,
    KAKAO_REDIRECT_URIS: servers.redirectUri,
    CORS_ALLOWED_ORIGINS: appOrigin,
    GRAPHIQL_ENABLED: '0',
    LOG_LEVEL: 'WARNING',
  };
  const migrate = spawnSync(PY, ['manage.py', 'migrate', '--noinput', '-v', '0'], {
    cwd: ROOT, env, encoding: 'utf8', timeout: 120000, killSignal: 'SIGKILL',
  });
  assert.equal(migrate.status, 0, `migrate failed:\n${migrate.stdout}\n${migrate.stderr}`);
  start('stand-in', ['manage.py', 'kakao_standin', '--port', String(standinPort)], env);
  start('backend', ['manage.py', 'runserver', '--noreload', `127.0.0.1:${apiPort}`], env);
  await Promise.all([waitFor(`${servers.standin}/`), waitFor(`${servers.api}/healthz`)]);
}, { timeout: 180000 });

after(async () => {
  signalAll('SIGTERM');
  const until = Date.now() + 5000;
  while (children.some((c) => !c.exited) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  signalAll('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Hold SQLite's write lock, as a stuck writer would, until the returned function is called. */
export async function holdDatabaseLock() {
  const holder = spawn(PY, ['-c', [
    'import sqlite3, sys',
    `db = sqlite3.connect(${JSON.stringify(servers.database)}, isolation_level=None)`,
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

/** An access token like the backend's (HS256, its key), expired a minute ago. */
export function expiredAccessToken() {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ username: 'someone', exp: now - 60, origIat: now - 400 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET_KEY).update(unsigned).digest('base64url')}`;
}

/** `fetch` that also writes down each request: operation name, method, Content-Type, status. */
export function recorded(fetchFn) {
  const log = [];
  const wrapped = async (input, init = {}) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    let name = url.searchParams.get('operationName');
    if (!name && request.method === 'POST') name = JSON.parse(await request.clone().text()).operationName ?? null;
    const entry = { name, method: request.method, contentType: request.headers.get('content-type') };
    log.push(entry);
    const response = await fetchFn(input, init);
    entry.status = response.status;
    return response;
  };
  return { fetch: wrapped, log };
}
