// When things go wrong between the app and the API: nothing answers, CORS withholds
// the answer, the server errs or refuses (CSRF), or the database is briefly down (503).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  apiAnswer,
  expect,
  holdDatabaseLock,
  loginAs,
  newPage,
  onOperation,
  recordOperations,
  shot,
  toConsent,
  urls,
} from './harness.mjs';

test('an unreachable server, a CORS refusal and a server error are told apart, once each', async (t) => {
  const reach = `Cannot reach the server at ${urls.api}/graphql. Is it running, and is this page's origin in CORS_ALLOWED_ORIGINS?`;

  // Nothing listening: the page load's silent refresh fails, and says so once.
  const down = await newPage(t);
  await down.route((url) => url.pathname === '/graphql', (route) => route.abort('connectionrefused'));
  await down.goto(urls.app);
  await down.getByTestId('error').waitFor();
  assert.equal(await down.getByTestId('error').textContent(), `서버에 연결할 수 없어요. / ${reach}`);
  assert.equal(await down.getByText('Cannot reach the server').count(), 1, 'said once, not twice');
  await down.getByTestId('login').waitFor();
  await shot(down, '6a-unreachable');

  // The real API, from a page whose origin is not in its CORS_ALLOWED_ORIGINS: the
  // browser withholds the answer, and the app cannot tell that from "not running".
  const stranger = await newPage(t);
  await stranger.goto(urls.appStranger);
  await stranger.getByTestId('error').waitFor();
  assert.equal(await stranger.getByTestId('error').textContent(), `서버에 연결할 수 없어요. / ${reach}`);
  assert.equal(await stranger.getByText('Cannot reach the server').count(), 1);
  await stranger.getByTestId('login').click();
  await expect(async () => !(await stranger.getByTestId('login').isDisabled()));
  assert.equal(await stranger.getByText('Cannot reach the server').count(), 1, 'the new message replaces the old');

  // A server error is not "cannot reach": the server's own words.
  const broken = await newPage(t);
  await onOperation(broken, 'Refresh', (route) => route.fulfill(apiAnswer(500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] })));
  await broken.goto(urls.app);
  const said = broken.getByTestId('error');
  await said.waitFor();
  assert.match(await said.textContent(), /INTERNAL_SERVER_ERROR/);
  assert.equal(await broken.getByText('Cannot reach the server').count(), 0);

  // The backend's CSRF refusal, in plain words.
  const csrf = await newPage(t);
  await onOperation(csrf, 'Refresh', (route) => route.fulfill(apiAnswer(403, { errors: [{ message: 'refused', extensions: { code: 'CSRF_REJECTED' } }] })));
  await csrf.goto(urls.app);
  await csrf.getByTestId('error').waitFor();
  assert.match(await csrf.getByTestId('error').textContent(), /refused by a security check/);
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

test('a 503 on kakaoLogin is not retried: the code may be spent already', async (t) => {
  const page = await newPage(t);
  const logins = [];
  await onOperation(page, 'KakaoLogin', (route) => {
    logins.push(Date.now());
    return route.fulfill(apiAnswer(503, { errors: [{ message: 'down', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, { 'retry-after': '1' }));
  });
  await toConsent(page, { nickname: '한번만', email: 'once@example.com' });
  await page.click('#agree');
  await page.getByTestId('error').waitFor();
  assert.match(await page.getByTestId('error').textContent(), /temporarily unavailable/);
  await new Promise((r) => setTimeout(r, 1500)); // longer than Retry-After
  assert.equal(logins.length, 1, 'sent once');
});

test('a real database outage: the backend answers 503 SERVICE_UNAVAILABLE and the app retries once', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '장애', email: 'outage@example.com' });
  const operations = recordOperations(page, urls.api);
  const refreshes = () => operations.filter((o) => o.name === 'Refresh');

  // A stuck writer holds SQLite's lock: the page load's refresh (a write) waits the
  // busy timeout and gets the backend's 503. The lock goes before the retry.
  let release = await holdDatabaseLock();
  t.after(() => release());
  await page.reload();
  await expect(() => refreshes().length >= 1, 15000);
  await release();
  await page.getByTestId('profile').waitFor();
  const [outage, retried] = refreshes();
  assert.equal(outage.status, 503);
  assert.equal(outage.body.errors[0].extensions.code, 'SERVICE_UNAVAILABLE');
  assert.equal(retried.status, 200);
  assert.ok(retried.body.data.refreshToken.token, 'the retry refreshed the session');
  assert.equal(await page.getByTestId('error').count(), 0);

  // Still down at the retry: said once, in plain words, and not retried again.
  operations.length = 0;
  release = await holdDatabaseLock();
  await page.reload();
  await page.getByTestId('error').waitFor({ timeout: 15000 });
  await release();
  assert.deepEqual(refreshes().map((o) => o.status), [503, 503]);
  assert.match(await page.getByTestId('error').textContent(), /temporarily unavailable/);
  assert.equal(await page.getByText('temporarily unavailable').count(), 1);
  await shot(page, '6c-database-outage');
});
