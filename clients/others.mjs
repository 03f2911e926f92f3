// Apollo Client 4, graphql-request 7 and plain fetch, as the README shows them: what each
// needs under our CSRF rule, and where each finds our errors (urql: urql.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, gql } from '@apollo/client';
import { ClientError, GraphQLClient } from 'graphql-request';

import { Browser } from './browser.mjs';
import { consent } from './kakao.mjs';
import { expiredAccessToken, holdDatabaseLock, recorded, servers } from './servers.mjs';

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

  // The database cannot take the refresh's write: a 503 ClientError, Retry-After readable.
  const release = await holdDatabaseLock();
  let busy;
  try {
    busy = await client.request('mutation Refresh { refreshToken { token } }').catch((e) => e);
  } finally {
    await release();
  }
  assert.ok(busy instanceof ClientError, String(busy));
  assert.equal(busy.response.status, 503);
  assert.equal(busy.response.errors[0].extensions.code, 'SERVICE_UNAVAILABLE');
  assert.equal(busy.response.headers.get('retry-after'), '1');
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

test('Apollo Client 4: GET queries pass as they are; a refused document is CombinedGraphQLErrors, a 503 a ServerError', async () => {
  const browser = new Browser(servers.appOrigin);
  const spy = recorded(browser.fetch);
  let accessToken = null;
  const client = new ApolloClient({
    link: new HttpLink({
      uri: servers.graphql,
      credentials: 'include',
      useGETForQueries: true,
      fetch: (url, init) => spy.fetch(url, { ...init, headers: { ...init.headers, ...(accessToken && { authorization: `Bearer ${accessToken}` }) } }),
    }),
    cache: new InMemoryCache(),
  });
  const start = await client.mutate({ mutation: gql(AUTHORIZE), variables: { r: servers.redirectUri } });
  const back = await consent(browser, start.data.kakaoAuthorize.url, { nickname: '아폴로', email: 'apollo@example.com' });
  const login = await client.mutate({ mutation: gql(LOGIN), variables: { code: back.code, state: back.state, r: servers.redirectUri } });
  accessToken = login.data.kakaoLogin.token;

  const me = await client.query({ query: gql(ME), fetchPolicy: 'no-cache' });
  assert.equal(me.data.me.id, login.data.kakaoLogin.user.id);
  assert.deepEqual(spy.log.at(-1), { name: 'Me', method: 'GET', contentType: 'application/json', status: 200 });

  // A document the limits refuse: 400 in application/graphql-response+json, read as GraphQL errors.
  const aliases = `query TooMany { ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
  const refused = await client.query({ query: gql(aliases), fetchPolicy: 'no-cache' }).catch((e) => e);
  assert.ok(CombinedGraphQLErrors.is(refused), String(refused));
  assert.equal(refused.errors[0].extensions.code, 'QUERY_TOO_COMPLEX');
  assert.equal(spy.log.at(-1).status, 400);

  // The database cannot take the refresh's write: a ServerError with the status and Retry-After.
  const release = await holdDatabaseLock();
  let busy;
  try {
    busy = await client.mutate({ mutation: gql('mutation Refresh { refreshToken { token } }') }).catch((e) => e);
  } finally {
    await release();
  }
  assert.ok(ServerError.is(busy), String(busy));
  assert.equal(busy.statusCode, 503);
  assert.equal(JSON.parse(busy.bodyText).errors[0].extensions.code, 'SERVICE_UNAVAILABLE');
  assert.equal(busy.response.headers.get('retry-after'), '1');
});
