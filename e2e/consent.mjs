// What the person agreed to (issue 15), in a real browser against the stand-in as a Kakao
// Sync app: sign-up with the required terms (and the way back to Kakao for a term the
// service requires), the "What you agreed to" card, withdrawing marketing consent,
// allowing Talk messages later, deleting only after re-authenticating, switching Kakao
// accounts, and logging out of Kakao too.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  REAUTHENTICATION_SECONDS,
  agreeToAllTerms,
  answer,
  expect,
  loginAs,
  newContext,
  newPage,
  queryDatabase,
  recordOperations,
  shot,
  urls,
} from './harness.mjs';
import { layoutProblems } from './layout-check.mjs';

/** The page's layout at a small phone's, a phone's and a desktop's width (layout-check.mjs), with
 * a screenshot at the last two; back to its own size after. */
async function shotsAt(page, name) {
  const size = page.viewportSize();
  for (const width of [360, 390, 1280]) {
    await page.setViewportSize({ width, height: size.height });
    assert.deepEqual(await page.evaluate(layoutProblems), [], `${name} at ${width} px`);
    if (width !== 360) await shot(page, `${name}-${width}`);
  }
  await page.setViewportSize(size);
}

/** The backend's history of one service term of one person (by email): [agreed, source] rows, oldest first. */
function termHistory(email, tag) {
  const script = [
    'import json, sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1])',
    'rows = db.execute("""SELECT c.agreed, c.source FROM accounts_kakaoservicetermconsent c',
    '  JOIN accounts_socialaccount l ON l.id = c.link_id JOIN accounts_user u ON u.id = l.user_id',
    '  WHERE u.email = ? AND c.tag = ? ORDER BY c.id""", sys.argv[2:]).fetchall()',
    'print(json.dumps([[bool(a), s] for a, s in rows]))',
  ].join('\n');
  return JSON.parse(queryDatabase(script, email, tag));
}

const term = (page, tag) => page.locator(`[data-testid="term"][data-tag="${tag}"]`);
const item = (page, id) => page.locator(`[data-testid="scope"][data-id="${id}"]`);

test('sign-up shows the terms; a term the service also requires sends the person back to Kakao for it', async (t) => {
  const page = await newPage(t);
  const operations = recordOperations(page, urls.apiStrict);
  await page.goto(urls.appStrict);
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', '약관');
  await page.fill('#email', 'terms@example.com');
  // Nothing ticked: Kakao's page asks again, for this person (the page was made for the
  // first test person), and lists the app's terms, none ticked, the required ones marked.
  await page.click('#agree');
  await page.locator('#error').waitFor();
  for (const tag of ['tos', 'privacy', 'marketing', 'location']) {
    assert.equal(await page.isChecked(`#term_${tag}`), false, tag);
  }
  assert.match(await page.locator('#terms').innerText(), /\[필수\] 서비스 이용약관[\s\S]*\[선택\] 위치기반서비스/);
  assert.equal(await page.inputValue('#nickname'), '약관');
  await shotsAt(page, 'consent-1-terms');

  // Kakao's required terms, but not `location`, which this service requires too.
  await page.check('#term_tos');
  await page.check('#term_privacy');
  await page.click('#agree');
  const missing = page.getByTestId('terms-required');
  await missing.waitFor();
  const refused = (await answer(operations, 'KakaoLogin')).data.kakaoLogin;
  assert.deepEqual(refused.errors.map((e) => e.code), ['TERMS_REQUIRED']);
  assert.deepEqual(await page.getByTestId('missing-term').allTextContents(), ['위치기반서비스 이용약관 / Location services']);
  assert.match(await missing.textContent(), /Please agree to the required terms/);
  assert.equal(await page.getByTestId('profile').count(), 0, 'nobody signed in');
  assert.equal(await page.getByTestId('error').count(), 0, 'said once, in the box');
  await shotsAt(page, 'consent-2-terms-required');

  // Back to Kakao for that term alone, then signed up.
  await page.getByTestId('agree-terms').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  assert.equal(new URL(page.url()).searchParams.get('service_terms'), 'location');
  assert.deepEqual(await page.locator('input[name="agree_terms"]').evaluateAll((els) => els.map((e) => e.value)), ['location']);
  await page.check('#term_location');
  await page.click('#agree');
  await page.getByTestId('created').waitFor();
  await term(page, 'location').waitFor();
  assert.equal(await term(page, 'location').getAttribute('data-agreed'), 'true');
  assert.match(await term(page, 'location').innerText(), /필수 \/ required/, 'required by this service');
  assert.equal(await term(page, 'location').getByTestId('withdraw-term').count(), 0);
  assert.equal(await term(page, 'marketing').getAttribute('data-agreed'), 'false');
});

test('the card shows what was agreed and when; withdrawing marketing keeps both rows in the history', async (t) => {
  const person = { nickname: '마케팅', email: 'marketing@example.com' };
  const page = await (await newContext(t, { locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
  await loginAs(page, person);
  const card = page.getByTestId('consent');
  await term(page, 'marketing').waitFor();

  // Every term agreed, with Kakao's date in the page's language; the optional ones can be withdrawn.
  for (const tag of ['tos', 'privacy', 'marketing']) {
    assert.equal(await term(page, tag).getAttribute('data-agreed'), 'true', tag);
    assert.match(await term(page, tag).locator('time').textContent(), /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/);
  }
  for (const [tag, withdrawable] of [['tos', 0], ['privacy', 0], ['marketing', 1], ['location', 1]]) {
    assert.equal(await term(page, tag).getByTestId('withdraw-term').count(), withdrawable, tag);
  }
  assert.match(await term(page, 'tos').innerText(), /서비스 이용약관 \/ Terms of service\s+필수 \/ required · 동의 \/ agreed/);
  // Consent items by Kakao's name and ours; Talk messages not (yet) allowed.
  assert.match(await item(page, 'profile_nickname').innerText(), /닉네임 \/ Nickname\s+동의함 \/ agreed/);
  assert.equal(await item(page, 'profile_nickname').getByTestId('withdraw-scope').count(), 0, 'required');
  assert.equal(await item(page, 'talk_message').getAttribute('data-agreed'), 'false');
  await shotsAt(page, 'consent-3-card');
  await page.setViewportSize({ width: 760, height: 900 });
  await shot(page, 'consent-3-signed-in-760'); // README's desktop picture
  await shot(page, 'consent-3-card-element', card);

  await term(page, 'marketing').getByTestId('withdraw-term').click();
  await expect(async () => (await term(page, 'marketing').getAttribute('data-agreed')) === 'false');
  assert.equal(await term(page, 'marketing').getByTestId('withdraw-term').count(), 0);
  assert.match(await term(page, 'marketing').innerText(), /선택 \/ optional · 동의 안 함 \/ not agreed/);
  assert.match(await page.getByTestId('consent-status').textContent(), /Consent withdrawn/);
  assert.equal(await page.getByTestId('error').count(), 0);

  // Kept: after a reload the card says the same, and the history holds the agreement
  // beside its withdrawal.
  await page.reload();
  await term(page, 'marketing').waitFor();
  assert.equal(await term(page, 'marketing').getAttribute('data-agreed'), 'false');
  assert.equal(await term(page, 'tos').getAttribute('data-agreed'), 'true');
  assert.deepEqual(termHistory(person.email, 'marketing'), [[true, 'kakao'], [false, 'withdrawal']]);
  assert.deepEqual(termHistory(person.email, 'tos'), [[true, 'kakao']]);
});

test('allowing Talk messages later: Kakao asks for that item, the app records it without a new session', async (t) => {
  const page = await newPage(t);
  await loginAs(page, { nickname: '메시지', email: 'talk@example.com' });
  await item(page, 'talk_message').getByTestId('allow-talk').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get('scope'), 'talk_message');
  assert.equal(await page.isChecked('#scope_talk_message'), true);
  assert.match(await page.locator('#scopes').innerText(), /추가 동의 \/ Additional consent/);
  await shotsAt(page, 'consent-4-additional');

  const operations = recordOperations(page, urls.api);
  await page.click('#agree');
  await page.getByTestId('info').waitFor();
  assert.match(await page.getByTestId('info').textContent(), /additional consent is recorded/);
  await expect(async () => (await item(page, 'talk_message').getAttribute('data-agreed')) === 'true');
  const granted = (await answer(operations, 'KakaoGrant')).data.kakaoGrant;
  assert.deepEqual(granted.errors, []);
  const names = operations.map((o) => o.name);
  assert.ok(!names.includes('KakaoLogin'), `no new sign-in: ${names}`);
  assert.equal(await page.getByTestId('session').count(), 1, 'still one session');
  assert.equal(new URL(page.url()).search, '', 'the code left the address bar');

  // Allowed, so it can be withdrawn again.
  await item(page, 'talk_message').getByTestId('withdraw-scope').click();
  await expect(async () => (await item(page, 'talk_message').getAttribute('data-agreed')) === 'false');
  await item(page, 'talk_message').getByTestId('allow-talk').waitFor();
});

test('deleting from a session older than the window asks for Kakao first, then deletes', async (t) => {
  const person = { app: urls.appStrict, nickname: '재인증', email: 'reauth@example.com' };
  const page = await newPage(t);
  const operations = recordOperations(page, urls.apiStrict);
  await loginAs(page, person);
  const signedInAt = Date.now();

  // The backend's window passes (REAUTHENTICATION_MAX_AGE_SECONDS on api-strict); the
  // app does not know it, so the backend's refusal is what it acts on.
  await new Promise((r) => setTimeout(r, REAUTHENTICATION_SECONDS * 1000 + 1000 - (Date.now() - signedInAt)));
  await page.getByTestId('delete-account').click();
  await page.getByTestId('confirm-delete').click();
  const first = page.getByTestId('reauthenticate-first');
  await first.waitFor();
  const refused = (await answer(operations, 'DeleteAccount')).data.deleteAccount;
  assert.deepEqual(refused.errors.map((e) => e.code), ['REAUTHENTICATION_REQUIRED']);
  assert.match(await first.textContent(), /confirm with Kakao first/);
  assert.equal(await page.getByTestId('error').count(), 0, 'said in the step itself');
  assert.equal(await page.getByTestId('confirm-delete').count(), 0);
  await shotsAt(page, 'consent-5-confirm-with-kakao-first');

  // Kakao asks for the password again (prompt=login); back, this session is recent again.
  await page.getByTestId('reauthenticate').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  assert.equal(new URL(page.url()).searchParams.get('prompt'), 'login');
  await page.locator('#reauth').waitFor();
  await page.fill('#password', 'any');
  await page.click('#agree');
  await page.getByTestId('reauthenticated').waitFor();
  const reauth = (await answer(operations, 'KakaoReauthenticate')).data.kakaoReauthenticate;
  assert.equal(reauth.ok, true);
  await shot(page, 'consent-6-confirmed-with-kakao');
  await page.getByTestId('confirm-delete').click();
  await page.getByTestId('login').waitFor();
  assert.match(await page.getByTestId('info').textContent(), /account was deleted/);
  const deleted = operations.filter((o) => o.name === 'DeleteAccount');
  await expect(() => deleted.length === 2 && deleted[1].body);
  const { ok, errors } = deleted[1].body.data.deleteAccount;
  assert.deepEqual({ ok, errors }, { ok: true, errors: [] });
});

test('"Use another Kakao account" lets the person pick another Kakao account', async (t) => {
  const page = await newPage(t);
  const first = { nickname: '첫계정', email: 'first.account@example.com' };
  await loginAs(page, first);
  await page.getByTestId('logout').click();

  // A plain login again: Kakao's session offers the same person.
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  assert.match(await page.locator('#session').textContent(), /첫계정/);
  assert.equal(await page.inputValue('#nickname'), first.nickname);
  await page.goBack();

  await page.getByTestId('login-other-account').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  assert.equal(new URL(page.url()).searchParams.get('prompt'), 'select_account');
  const accounts = page.locator('#accounts');
  await shotsAt(page, 'consent-7-select-account');
  await accounts.getByRole('button', { name: /박이메일없음/ }).click();
  // A new person at Kakao: the page asks what this account agrees to.
  await page.locator('#error').waitFor();
  assert.equal(await page.inputValue('#nickname'), '박이메일없음');
  await agreeToAllTerms(page);
  await page.click('#agree');
  await page.getByTestId('profile').waitFor();
  assert.equal(await page.getByTestId('nickname').textContent(), '박이메일없음');
  assert.equal(await page.getByTestId('email').textContent(), '이메일 없음 / no email');
});

test('"Log out of Kakao too" ends the session here and at Kakao, and comes back signed out', async (t) => {
  const context = await newContext(t);
  const page = await context.newPage();
  const person = { nickname: '카카오아웃', email: 'kakao.logout@example.com' };
  await loginAs(page, person);
  const kakaoSession = async () => (await context.cookies(urls.standin)).find((c) => c.name === 'standin_kakao_session');
  assert.ok(await kakaoSession(), 'logged in to Kakao');

  await page.getByTestId('logout-kakao').click();
  await page.waitForURL(`${urls.standin}/oauth/logout?**`);
  const logout = new URL(page.url());
  assert.equal(logout.searchParams.get('logout_redirect_uri'), `${urls.app}/`);
  assert.match(await page.locator('#logout-who').textContent(), /카카오아웃/);
  await shotsAt(page, 'consent-8-kakao-logout');
  await page.click('#logout-kakao');
  await page.waitForURL((url) => url.href.startsWith(`${urls.app}/`));
  await page.getByTestId('login').waitFor();
  assert.match(await page.getByTestId('info').textContent(), /Back from Kakao: you are logged out/);
  assert.equal(new URL(page.url()).search, '', 'the state left the address bar');
  assert.equal(await kakaoSession(), undefined, 'Kakao forgot this browser');
  const left = await context.cookies(urls.api);
  assert.equal(left.filter((c) => c.name.startsWith('JWT')).length, 0, 'signed out here too');
  await page.reload();
  await page.getByTestId('login').waitFor();

  // The next login asks who it is: no Kakao session offers the last person.
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  assert.equal(await page.locator('#session').count(), 0);
  assert.notEqual(await page.inputValue('#nickname'), person.nickname);
});
