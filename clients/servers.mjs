// The servers these tests talk to, each on a free port of 127.0.0.1, stopped at the end
// (even on failure): the Kakao stand-in and the backend (`manage.py runserver`, DEBUG on
// as the stand-in needs, a fresh SQLite file, the production default KAKAO_REQUIRE_STATE=1).
// The front end is only an origin: `appOrigin` is in CORS_ALLOWED_ORIGINS and its
// callback in KAKAO_REDIRECT_URIS, but nothing listens there (the tests play the page).
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

// The browser tests' process handling: it needs only Node's built-ins, so e2e/ needs no
// `npm ci` for these tests.
import { freePort, holdSqliteLock, run, start, stopAll, waitFor } from '../e2e/processes.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.PY ?? join(ROOT, '.venv/bin/python');
export const KAKAO_KEY = 'clients-rest-api-key';
/** The backend's signing key, so that a test can make an expired access token of its own. */
export const SECRET_KEY = randomBytes(48).toString('base64url');

let tmp;
/** { api, graphql, standin, appOrigin, redirectUri, database }, set before the first test. */
export let servers;

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
  run('migrate', PY, ['manage.py', 'migrate', '--noinput', '-v', '0'], { cwd: ROOT, env }, 120000);
  start('stand-in', PY, ['manage.py', 'kakao_standin', '--port', String(standinPort)], { cwd: ROOT, env });
  start('backend', PY, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${apiPort}`], { cwd: ROOT, env });
  await Promise.all([waitFor(`${servers.standin}/`, 60000), waitFor(`${servers.api}/healthz`, 60000)]);
}, { timeout: 180000 });

after(async () => {
  await stopAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Hold SQLite's write lock, as a stuck writer would, until the returned function is called. */
export function holdDatabaseLock() {
  return holdSqliteLock(PY, servers.database);
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
