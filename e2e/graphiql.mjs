// GraphiQL alone, as a back-end developer first meets this API: the tour it opens on, a
// sign-in through the stand-in that comes back through /graphiql/callback, me { sessions },
// sign-out; the callback's refusals; a person's own edits and the tour button; the
// mobile flow with a token from the stand-in's page and an Authorization header.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { agreeToAllTerms, newContext, serverOutput, shot, urls } from './harness.mjs';

const DESKTOP = { viewport: { width: 1440, height: 900 } };
const QUERY = '.graphiql-query-editor .CodeMirror';
const RESPONSE = '.graphiql-response .CodeMirror';
// The visible one of the Variables and Headers editors.
const TOOL = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';

const text = (page, selector) => page.locator(selector).first().evaluate((el) => el.CodeMirror.getValue());
const setText = (page, selector, value) =>
  page.locator(selector).first().evaluate((el, v) => el.CodeMirror.setValue(v), value);

/** GraphiQL on an empty profile (or this context's), with a record of what went wrong. */
async function openGraphiQL(context, t) {
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(String(error)));
  page.on('websocket', (ws) => page.problems.push(`websocket ${ws.url()}`));
  page.consoleErrors = [];
  page.on('console', (message) => message.type() === 'error' && page.consoleErrors.push(message.text()));
  t.pages.push(page);
  await page.goto(`${urls.api}/graphql`);
  await page.locator('.graphiql-container').waitFor();
  return page;
}

/** The test, and when it fails a screenshot of each GraphiQL page, its storage and errors. */
function diagnosed(body) {
  return async (t) => {
    t.pages = [];
    try {
      await body(t);
    } catch (error) {
      for (const [i, page] of t.pages.entries()) {
        if (page.isClosed()) continue;
        await shot(page, `failed-${t.name.replace(/\W+/g, '-').slice(0, 40)}-${i}`).catch(() => undefined);
        const storage = await page.evaluate(() => JSON.stringify({ ...localStorage })).catch(String);
        console.error(`${t.name} [page ${i}] at ${page.url()}\nstorage: ${storage}`
          + `\nerrors: ${[...page.problems, ...page.consoleErrors].join('\n')}`);
      }
      throw error;
    }
  };
}

/**
 * Wait, as a person would, until GraphiQL has stored its tabs (half a second after the last
 * change): a page left sooner comes back without them.
 */
async function tabsStored(page) {
  await page.waitForFunction((selector) => {
    const stored = JSON.parse(localStorage.getItem('graphiql:tabState') ?? 'null');
    return stored?.tabs[stored.activeTabIndex]?.query === document.querySelector(selector)?.CodeMirror.getValue();
  }, QUERY);
}

/** Press ▶ and pick the operation by name (a document of one runs at once); its JSON answer. */
async function run(page, name) {
  const answered = page.waitForResponse(
    (r) => r.url() === `${urls.api}/graphql` && r.request().method() === 'POST'
      && r.request().postDataJSON()?.operationName === name,
  );
  // GraphiQL re-reads the document's operations 100 ms after a change (a tab switched, text
  // set): pressed sooner, ▶ would act on the previous document's.
  await page.waitForFunction(
    ([selector, operation]) => document.querySelector(selector)?.CodeMirror.operations?.some((o) => o.name?.value === operation),
    [QUERY, name],
  );
  await page.locator('.graphiql-execute-button').click();
  const choice = page.locator('[role=menuitem]', { hasText: new RegExp(`^${name}$`) });
  const answer = await Promise.race([answered, choice.waitFor().then(() => null, () => undefined)]);
  if (answer === null) await choice.click();
  const body = await (answer ?? (await answered)).json();
  // And GraphiQL shows it.
  const root = Object.keys(body.data ?? {})[0];
  if (root) await page.waitForFunction(([s, r]) => document.querySelector(s)?.CodeMirror.getValue().includes(`"${r}"`), [RESPONSE, root]);
  return body;
}

async function cookie(context, name) {
  return (await context.cookies(urls.api)).find((c) => c.name === name);
}

test('GraphiQL alone: the tour signs in through the stand-in, shows me { sessions }, signs out', diagnosed(async (t) => {
  const context = await newContext(t, DESKTOP);
  const page = await openGraphiQL(context, t);

  // The tour, runnable operations by name, and the explorer open beside it.
  const tour = await text(page, QUERY);
  for (const name of ['mutation KakaoAuthorize', 'query Me', 'mutation Refresh', 'mutation Logout', 'mutation KakaoLoginWithToken']) {
    assert.ok(tour.includes(name), `the tour has ${name}`);
  }
  const prose = tour.replace(/\n#\s*/g, ' ');
  for (const why of ['state cookie', 'refresh cookie', 'delivery: BODY', 'SESSION_ENDED']) assert.ok(prose.includes(why), why);
  assert.equal(JSON.parse(await text(page, TOOL)).redirectUri, `${urls.api}/graphiql/callback`);
  await page.locator('.docExplorerWrap').waitFor();
  await shot(page, 'graphiql-1-tour');

  const authorize = (await run(page, 'KakaoAuthorize')).data.kakaoAuthorize;
  assert.deepEqual(authorize.errors, []);
  assert.ok((await cookie(context, 'kakao-oauth-state'))?.httpOnly, 'the state cookie is set, HttpOnly');

  // The link under the answer, the stand-in's consent, and back through the callback.
  const callback = page.waitForResponse((r) => r.url().startsWith(`${urls.api}/graphiql/callback?`));
  await tabsStored(page);
  await page.getByTestId('kakao-authorize-link').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', '그래피큐엘');
  await page.fill('#email', 'graphiql.tour@example.com');
  await agreeToAllTerms(page);
  await page.click('#agree');
  const handOver = await callback;
  assert.equal(handOver.status(), 302);
  assert.equal(handOver.headers()['referrer-policy'], 'no-referrer');
  assert.equal(handOver.headers()['cache-control'], 'no-store');
  const code = new URL(handOver.url()).searchParams.get('code');
  await page.waitForURL(`${urls.api}/graphql`); // the fragment is read, then cleared
  await page.locator('.graphiql-tab', { hasText: 'KakaoLogin' }).waitFor();

  // KakaoLogin, filled in, in a tab of its own; one press of ▶ signs in.
  assert.match(await text(page, QUERY), /mutation KakaoLogin\(/);
  const variables = JSON.parse(await text(page, TOOL));
  assert.deepEqual(variables, { code, state: authorize.state, redirectUri: `${urls.api}/graphiql/callback` });
  const login = (await run(page, 'KakaoLogin')).data.kakaoLogin;
  assert.deepEqual(login.errors, []);
  assert.equal(login.user.nickname, '그래피큐엘');
  assert.ok((await cookie(context, 'JWT-refresh-token'))?.httpOnly, 'the refresh cookie is set, HttpOnly');

  // Back in the tour's tab: me { sessions } answers as that person, on the cookies.
  await page.locator('.graphiql-tab', { hasText: 'KakaoAuthorize' }).click();
  const me = (await run(page, 'Me')).data.me;
  assert.equal(me.nickname, '그래피큐엘');
  assert.equal(me.sessions.length, 1);
  assert.equal(me.sessions[0].current, true);
  await shot(page, 'graphiql-2-me');

  const logout = (await run(page, 'Logout')).data.logout;
  assert.deepEqual([logout.ok, logout.errors], [true, []]);
  assert.equal(await cookie(context, 'JWT-refresh-token'), undefined, 'the cookies are deleted');
  assert.equal((await run(page, 'Me')).data.me, null);

  // The code travelled in the callback's address only: runserver logged the path alone.
  const log = serverOutput('backend');
  assert.ok(log.includes('"GET /graphiql/callback HTTP/1.1" 302'), 'the request line is logged');
  assert.ok(!log.includes(code), 'the code is in no log');
  assert.deepEqual(context.blocked, [], 'nothing outside this machine');
  assert.deepEqual(page.problems, []);
}));

test('GraphiQL keeps a person\'s edits and closed explorer; the tour button brings the tour back', diagnosed(async (t) => {
  const context = await newContext(t, DESKTOP);
  const page = await openGraphiQL(context, t);
  const tour = await text(page, QUERY);
  await setText(page, QUERY, '# mine\nquery Mine { me { id } }\n');
  await page.locator('.graphiql-sidebar button[aria-label="Hide GraphiQL Explorer"]').click();
  await page.locator('.docExplorerWrap').waitFor({ state: 'detached' });
  await tabsStored(page); // GraphiQL stores its tabs half a second after an edit
  await page.reload();
  await page.locator('.graphiql-container').waitFor();
  assert.equal(await text(page, QUERY), '# mine\nquery Mine { me { id } }\n');
  assert.equal(await page.locator('.docExplorerWrap').count(), 0, 'the explorer stays closed');

  await page.getByTestId('tour').click();
  await page.waitForFunction(([s, v]) => document.querySelector(s)?.CodeMirror.getValue() === v, [QUERY, tour]);
  assert.equal(await page.locator('.graphiql-tab').count(), 2, 'the tour came back in a tab of its own');
  assert.equal(JSON.parse(await text(page, TOOL)).redirectUri, `${urls.api}/graphiql/callback`);
  // GraphiQL takes the editor's text into its tab state after a pause (slower under load):
  // until then no tab "holds the tour" to be found.
  await tabsStored(page);
  // Pressed again, it finds that tab instead of opening another.
  await page.locator('.graphiql-tab', { hasText: 'Mine' }).click();
  await page.getByTestId('tour').click();
  await page.waitForFunction(([s, v]) => document.querySelector(s)?.CodeMirror.getValue() === v, [QUERY, tour]);
  assert.equal(await page.locator('.graphiql-tab').count(), 2);
  assert.deepEqual(page.problems, []);
}));

test('GraphiQL\'s callback says in Korean and English why a sign-in stops: denied, or a code handed over twice', diagnosed(async (t) => {
  const context = await newContext(t, DESKTOP);
  const page = await openGraphiQL(context, t);
  await run(page, 'KakaoAuthorize');
  await tabsStored(page);
  await page.getByTestId('kakao-authorize-link').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.click('#cancel');
  await page.waitForURL(`${urls.api}/graphiql/callback?**`);
  assert.match(await page.locator('#message-ko').textContent(), /취소/);
  assert.match(await page.locator('#message-en').textContent(), /cancelled/);
  await shot(page, 'graphiql-3-denied');
  await page.locator('#back').click();
  await page.locator('.graphiql-container').waitFor();

  // A code comes through once; the same address again (history, a second tab) is told.
  await run(page, 'KakaoAuthorize');
  await tabsStored(page);
  await page.getByTestId('kakao-authorize-link').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  const callback = page.waitForResponse((r) => r.url().startsWith(`${urls.api}/graphiql/callback?`));
  await agreeToAllTerms(page);
  await page.click('#agree');
  const address = (await callback).url();
  await page.locator('.graphiql-tab', { hasText: 'KakaoLogin' }).waitFor();
  const again = await context.newPage();
  const answer = await again.goto(address);
  assert.equal(answer.status(), 400);
  assert.match(await again.locator('#message-ko').textContent(), /이미/);
  assert.match(await again.locator('#message-en').textContent(), /already handed to GraphiQL/);
  assert.deepEqual(page.problems, []);
}));

test('GraphiQL, the mobile way: kakaoLoginWithToken with the stand-in\'s token, then the Authorization header', diagnosed(async (t) => {
  const context = await newContext(t, DESKTOP);
  const tokenPage = await context.newPage();
  await tokenPage.goto(`${urls.standin}/_standin/native-token`);
  await tokenPage.fill('#nickname', '모바일');
  await tokenPage.click('#agree');
  const kakaoToken = (await tokenPage.locator('#access-token').textContent()).trim();

  const page = await openGraphiQL(context, t);
  const variables = JSON.parse(await text(page, TOOL));
  await setText(page, TOOL, JSON.stringify({ ...variables, kakaoToken }, null, 2));
  const login = (await run(page, 'KakaoLoginWithToken')).data.kakaoLoginWithToken;
  assert.deepEqual(login.errors, []);
  assert.equal(login.user.nickname, '모바일');
  assert.ok(login.refreshToken, 'an app keeps its refresh token itself');
  assert.equal(await cookie(context, 'JWT-refresh-token'), undefined, 'and gets no cookies');

  assert.equal((await run(page, 'Me')).data.me, null, 'no header, no cookie: nobody');
  await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
  await setText(page, TOOL, JSON.stringify({ Authorization: `Bearer ${login.token}` }));
  assert.equal((await run(page, 'Me')).data.me.nickname, '모바일');
  assert.deepEqual(page.problems, []);
}));
