// graphql-request 7 and plain fetch, as the README shows them: what each needs under our
// CSRF rule, and where each finds our errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ClientError, GraphQLClient } from 'graphql-request';

import { Browser } from './browser.mjs';
import { consent } from './kakao.mjs';
import { expiredAccessToken, recorded, servers } from './servers.mjs';

const AUTHORIZE = 'mutation Start($r: String) { kakaoAuthorize(redirectUri: $r) { url state } }';
const LOGIN = `mutation Login($code: String!, $state: String, $r: String) {
  kakaoLogin(code: $code, state: $state, redirectUri: $r) { token user { id } errors { code } } }`;
const ME = 'query Me { me { id } }';

test('graphql-request: POST by default passes; GET needs the header; errors are ClientErrors', async () => {
  const browser = new Browser(servers.appOrigin);
  const spy = recorded(browser.fetch);
  const client = new GraphQLClient(servers.graphql, { credentials: 'include', fetch: spy.fetch });
  const start = await client.request(AUTHORIZE, { r: servers.redirectUri });
  const back = await consent(browser, start.kakaoAuthorize.url, { nickname: '지큐엘', email: 'gql-request@example.com' });
  const { kakaoLogin } = await client.request(LOGIN, { code: back.code, state: back.state, r: servers.redirectUri });
  assert.deepEqual(kakaoLogin.errors, []);
  const bearer = { Authorization: `Bearer ${kakaoLogin.token}` };

  // its default: every operation a POST with Content-Type: application/json
  assert.deepEqual((await client.request(ME, {}, bearer)).me, kakaoLogin.user);
  assert.deepEqual(spy.log.at(-1), { name: 'Me', method: 'POST', contentType: 'application/json', status: 200 });

  // method: 'GET' sends no Content-Type: refused with the cookies, unless the header is there
  const get = new GraphQLClient(servers.graphql, { credentials: 'include', fetch: spy.fetch, method: 'GET' });
  const refused = await get.request(ME, {}, bearer).catch((error) => error);
  assert.ok(refused instanceof ClientError);
  assert.equal(refused.response.status, 403);
  assert.equal(refused.response.errors[0].extensions.code, 'CSRF_REJECTED');
  const withHeader = new GraphQLClient(servers.graphql, {
    credentials: 'include', fetch: spy.fetch, method: 'GET', headers: { 'apollo-require-preflight': 'true' },
  });
  assert.deepEqual((await withHeader.request(ME, {}, bearer)).me, kakaoLogin.user);
  assert.equal(spy.log.at(-1).method, 'GET');

  // A top-level error (here TOKEN_EXPIRED, with data) is thrown too: a 200 ClientError.
  const expired = await client.request(ME, {}, { Authorization: `Bearer ${expiredAccessToken()}` }).catch((e) => e);
  assert.ok(expired instanceof ClientError);
  assert.equal(expired.response.status, 200);
  assert.deepEqual(expired.response.data, { me: null });
  assert.equal(expired.response.errors[0].extensions.code, 'TOKEN_EXPIRED');
});

test('plain fetch: Content-Type: application/json on every request with cookies; the body says the rest', async () => {
  const browser = new Browser(servers.appOrigin);
  const graphql = (query, variables, { method = 'POST', headers = {} } = {}) => {
    const init = {
      method,
      credentials: 'include',
      headers: { Accept: 'application/graphql-response+json, application/json', 'Content-Type': 'application/json', ...headers },
    };
    const url = new URL(servers.graphql);
    if (method === 'GET') url.search = new URLSearchParams({ query, variables: JSON.stringify(variables) });
    else init.body = JSON.stringify({ query, variables });
    return browser.fetch(url, init);
  };
  const start = await (await graphql(AUTHORIZE, { r: servers.redirectUri })).json();
  const back = await consent(browser, start.data.kakaoAuthorize.url, { nickname: '페치', email: 'fetch@example.com' });
  const login = await (await graphql(LOGIN, { code: back.code, state: back.state, r: servers.redirectUri })).json();
  const bearer = { Authorization: `Bearer ${login.data.kakaoLogin.token}` };

  const me = await graphql(ME, {}, { method: 'GET', headers: bearer }); // a GET with the JSON Content-Type
  assert.equal(me.status, 200);
  assert.match(me.headers.get('content-type'), /^application\/graphql-response\+json/);
  assert.deepEqual(await me.json(), { data: { me: login.data.kakaoLogin.user } });

  // without it, a GET carrying the cookies is what any page could make a browser send
  const bare = await browser.fetch(`${servers.graphql}?query=${encodeURIComponent(ME)}`, { credentials: 'include' });
  assert.equal(bare.status, 403);
  assert.equal((await bare.json()).errors[0].extensions.code, 'CSRF_REJECTED');

  // a request error: no data, 400 in the spec's media type, the message in errors
  const unknown = await graphql('{ nope }', {});
  assert.equal(unknown.status, 400);
  const body = await unknown.json();
  assert.equal(body.data, undefined);
  assert.match(body.errors[0].message, /nope/);
});
