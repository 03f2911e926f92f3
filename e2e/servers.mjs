// The browser tests' servers, each on a free port, all stopped at the end (even on failure):
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
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, holdSqliteLock, run, start, stopAll, waitFor } from './processes.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = process.env.PY ?? join(ROOT, '.venv/bin/python');
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

let tmp;
/** The servers' addresses, set by startServers(). */
export let urls;

/** Build the example apps, start every server above and wait until each answers. */
export async function startServers() {
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
}

/** Stop every server and remove their files (the builds, the database). */
export async function stopServers() {
  await stopAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

/** The backends' SQLite file. */
export function databaseFile() {
  return join(tmp, 'db.sqlite3');
}

/** What a Python script prints, run with the backends' interpreter and their SQLite file as
 * its first argument (then `args`): how a test reads what the backend recorded. */
export function queryDatabase(script, ...args) {
  const result = spawnSync(PY, ['-c', script, databaseFile(), ...args], { encoding: 'utf8', timeout: 20000 });
  if (result.status !== 0) throw new Error(`query of the database failed: ${result.stderr}`);
  return result.stdout;
}

/** Hold SQLite's write lock, as a stuck writer would, until the returned function is called. */
export function holdDatabaseLock() {
  return holdSqliteLock(PY, databaseFile());
}

/** An HS256 access token like the backend's, signed with its key, expired a minute ago. */
export function expiredAccessToken() {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ username: 'e2e', exp: now - 60, origIat: now - 400 })}`;
  return `${unsigned}.${createHmac('sha256', SECRET_KEY).update(unsigned).digest('base64url')}`;
}
