// urql (@urql/core 6, @urql/exchange-auth 3, unmodified) in a page on the app's origin:
// kakaoAuthorize → consent at the stand-in → kakaoLogin → me → refresh → logout. With its
// defaults, queries go as GET without a Content-Type and, once the cookies exist, our CSRF
// rule refuses them (403 CSRF_REJECTED); `preferGetMethod: false` (or the
// apollo-require-preflight header) is the one thing it needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Browser } from './browser.mjs';
import { consent } from './kakao.mjs';
import { expiredAccessToken, holdDatabaseLock, recorded, servers } from './servers.mjs';
import { KAKAO_AUTHORIZE, KAKAO_LOGIN, LOGOUT, ME, REFRESH, makeApp } from './urql-app.mjs';

const REFRESH_COOKIE = 'JWT-refresh-token';
const fresh = { requestPolicy: 'network-only' };

/** A browser page with an urql app; `options` replace the README's `preferGetMethod: false`. */
function page(options) {
  const browser = new Browser(servers.appOrigin);
  const spy = recorded(browser.fetch);
  const app = makeApp({ url: servers.graphql, fetch: spy.fetch, ...(options && { options }) });
  return { browser, app, log: spy.log };
}

/** The whole sign-in, as the app does it: the authorize URL, consent, then kakaoLogin. */
async function signIn({ browser, app }, person) {
  const start = await app.client.mutation(KAKAO_AUTHORIZE, { redirectUri: servers.redirectUri }).toPromise();
  assert.equal(start.error, undefined);
  assert.deepEqual(start.data.kakaoAuthorize.errors, []);
  const back = await consent(browser, start.data.kakaoAuthorize.url, person);
  assert.equal(back.redirect, servers.redirectUri);
  assert.equal(back.state, start.data.kakaoAuthorize.state);
  const login = await app.client
    .mutation(KAKAO_LOGIN, { code: back.code, state: back.state, redirectUri: servers.redirectUri })
    .toPromise();
  assert.equal(login.error, undefined);
  const payload = login.data.kakaoLogin;
  assert.deepEqual(payload.errors, []);
  assert.equal(payload.refreshToken, null, 'delivery COOKIE: the refresh token is in the cookie only');
  assert.ok(browser.cookies(servers.api)[REFRESH_COOKIE], 'the HttpOnly refresh cookie is kept');
  app.accessToken = payload.token;
  return payload;
}

test("urql's defaults: its GET queries are refused once the cookies exist (403 CSRF_REJECTED)", async () => {
  const tab = page({}); // urql's defaults: preferGetMethod 'within-url-limit'
  const signedIn = await signIn(tab, { nickname: '기본값', email: 'urql-defaults@example.com' });
  assert.equal(signedIn.user.nickname, '기본값'); // mutations are POSTs: they pass

  const me = await tab.app.client.query(ME, {}, fresh).toPromise();

  assert.equal(me.data, undefined);
  assert.equal(me.error.response.status, 403);
  assert.equal(me.error.graphQLErrors[0].extensions.code, 'CSRF_REJECTED');
  assert.deepEqual(tab.log.at(-1), { name: 'Me', method: 'GET', contentType: null, status: 403 });
});

test("without credentials: 'include' no cookie crosses origins: the login's state is not this browser's", async () => {
  const tab = page({ preferGetMethod: false, fetchOptions: {} });
  const start = await tab.app.client.mutation(KAKAO_AUTHORIZE, { redirectUri: servers.redirectUri }).toPromise();
  assert.deepEqual(tab.browser.cookies(servers.api), {}, 'the state cookie was not kept');
  const back = await consent(tab.browser, start.data.kakaoAuthorize.url, { nickname: '쿠키', email: 'no-cookies@example.com' });
  const login = await tab.app.client
    .mutation(KAKAO_LOGIN, { code: back.code, state: back.state, redirectUri: servers.redirectUri })
    .toPromise();
  assert.deepEqual(login.data.kakaoLogin.errors.map((e) => e.code), ['INVALID_STATE']);
});

test('urql with preferGetMethod: false signs in, reads me, refreshes, signs out', async () => {
  const tab = page(); // the README's client
  const signedIn = await signIn(tab, { nickname: '유알큐엘', email: 'urql@example.com' });
  assert.equal(signedIn.created, true);

  // me, with the access token in memory
  const me = await tab.app.client.query(ME, {}, fresh).toPromise();
  assert.equal(me.error, undefined);
  assert.deepEqual(me.data.me, signedIn.user);
  assert.deepEqual(tab.log.at(-1), { name: 'Me', method: 'POST', contentType: 'application/json', status: 200 });

  // A reload: memory is gone, the cookie gives a new access token (and rotates).
  const reloaded = makeApp({ url: servers.graphql, fetch: tab.browser.fetch });
  const cookieBefore = tab.browser.cookies(servers.api)[REFRESH_COOKIE];
  const refreshed = await reloaded.refresh();
  assert.deepEqual(refreshed.errors, []);
  assert.ok(reloaded.accessToken);
  assert.notEqual(tab.browser.cookies(servers.api)[REFRESH_COOKIE], cookieBefore, 'the refresh cookie rotated');
  assert.equal((await reloaded.client.query(ME, {}, fresh).toPromise()).data.me.id, signedIn.user.id);

  // An expired access token: TOKEN_EXPIRED, the auth exchange refreshes once, urql retries.
  tab.app.accessToken = expiredAccessToken();
  const from = tab.log.length;
  const again = await tab.app.client.query(ME, {}, fresh).toPromise();
  assert.equal(again.error, undefined);
  assert.equal(again.data.me.id, signedIn.user.id);
  assert.deepEqual(tab.log.slice(from).map((r) => `${r.name} ${r.status}`), ['Me 200', 'Refresh 200', 'Me 200']);
  const token = tab.app.accessToken;
  assert.notEqual(token, null);

  // Logout ends the session and deletes the cookies.
  const logout = await tab.app.client.mutation(LOGOUT, {}).toPromise();
  assert.equal(logout.data.logout.ok, true);
  assert.deepEqual(logout.data.logout.errors, []);
  assert.equal(tab.browser.cookies(servers.api)[REFRESH_COOKIE], undefined);

  // The access token still in memory has no power left: SESSION_ENDED, at the top level.
  const after = await tab.app.client.query(ME, {}, fresh).toPromise();
  assert.deepEqual(after.data, { me: null });
  assert.equal(after.error.response.status, 200);
  assert.deepEqual(after.error.graphQLErrors.map((e) => e.extensions.code), ['SESSION_ENDED']);
  // and a refresh finds no cookie: a typed payload error, not an exception
  const none = await tab.app.client.mutation(REFRESH, {}).toPromise();
  assert.equal(none.error, undefined);
  assert.deepEqual(none.data.refreshToken.errors.map((e) => e.code), ['INVALID_REFRESH_TOKEN']);
  assert.ok(tab.log.every((r) => r.method === 'POST'));
});

test('urql with the apollo-require-preflight header keeps GET queries (CORS allows the header)', async () => {
  const tab = page({ fetchOptions: { credentials: 'include', headers: { 'apollo-require-preflight': 'true' } } });
  const signedIn = await signIn(tab, { nickname: '헤더', email: 'urql-header@example.com' });
  const me = await tab.app.client.query(ME, {}, fresh).toPromise();
  assert.equal(me.error, undefined);
  assert.equal(me.data.me.id, signedIn.user.id);
  assert.deepEqual(tab.log.at(-1), { name: 'Me', method: 'GET', contentType: null, status: 200 });
});

test('urql reads request errors and a 503 with Retry-After', async () => {
  const tab = page();
  await signIn(tab, { nickname: '오류', email: 'urql-errors@example.com' });

  // A document the schema does not know: not executed, 400 in the spec's media type.
  const unknown = await tab.app.client.query('query Nope { nope }', {}, fresh).toPromise();
  assert.equal(unknown.data, undefined);
  assert.equal(unknown.error.response.status, 400);
  assert.match(unknown.error.response.headers.get('content-type'), /^application\/graphql-response\+json/);
  assert.match(unknown.error.graphQLErrors[0].message, /Cannot query field 'nope'/);

  // The database cannot take the refresh's write: 503 SERVICE_UNAVAILABLE, retry after Retry-After.
  const release = await holdDatabaseLock();
  let busy;
  try {
    busy = await tab.app.client.mutation(REFRESH, {}).toPromise();
  } finally {
    await release();
  }
  assert.equal(busy.error.response.status, 503);
  assert.equal(busy.error.graphQLErrors[0].extensions.code, 'SERVICE_UNAVAILABLE');
  assert.equal(busy.error.response.headers.get('retry-after'), '1'); // exposed to the page by CORS
  const later = await tab.app.client.mutation(REFRESH, {}).toPromise();
  assert.deepEqual(later.data.refreshToken.errors, []);
});
