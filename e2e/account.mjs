// The account's life: this person's devices, ending one or all, leaving, and Kakao's
// "disconnect this app" reaching the backend as an unlink notice.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  answer,
  expect,
  loginAs,
  newContext,
  newPage,
  recordOperations,
  shot,
  urls,
} from './harness.mjs';

test('one device ends another\'s session from the card; the other is signed out at its next refresh', async (t) => {
  const person = { nickname: '두기기', email: 'two.devices@example.com' };
  const laptop = await (await newContext(t, { userAgent: 'E2E laptop' })).newPage();
  const phone = await (await newContext(t, { userAgent: 'E2E phone' })).newPage();
  await loginAs(laptop, person);
  await loginAs(phone, person);

  // The laptop's card (fresh after a reload) lists both devices, this one marked.
  await laptop.reload();
  const rows = laptop.getByTestId('session');
  await expect(async () => (await rows.count()) === 2);
  await rows.filter({ has: laptop.locator('[title="E2E phone"]') }).waitFor();
  const here = rows.filter({ has: laptop.locator('[title="E2E laptop"]') });
  assert.equal(await here.getAttribute('data-current'), 'true');
  assert.equal(await here.getByTestId('this-device').count(), 1);
  assert.equal(await here.getByTestId('revoke-session').count(), 0, 'this device has no "Sign out" of its own');
  await shot(laptop, '10-devices');

  await rows.filter({ has: laptop.locator('[title="E2E phone"]') }).getByTestId('revoke-session').click();
  await expect(async () => (await rows.count()) === 1);
  assert.equal(await laptop.getByTestId('error').count(), 0);

  // The phone, still showing the profile, asks again: its access token has lost its
  // session at once (SESSION_ENDED), and the app shows the signed-out state.
  const phoneOps = recordOperations(phone, urls.api);
  await phone.getByTestId('refetch').click();
  await phone.getByTestId('login').waitFor();
  assert.equal(await phone.getByTestId('profile').count(), 0);
  const ended = await answer(phoneOps, 'Me');
  assert.equal(ended.errors[0].extensions.code, 'SESSION_ENDED');
  assert.match(await phone.getByTestId('info').innerText(), /signed out/);

  // The phone's access token lived in memory only; its next refresh is refused.
  await phone.reload();
  await phone.getByTestId('login').waitFor();
  assert.equal(await phone.getByTestId('profile').count(), 0);
  const refused = await answer(phoneOps, 'Refresh');
  assert.equal(refused.data.refreshToken.errors[0].code, 'INVALID_REFRESH_TOKEN');
  await shot(phone, '11-signed-out-by-another-device');

  // The laptop is still signed in; "Sign out everywhere" ends both again.
  await laptop.reload();
  await laptop.getByTestId('profile').waitFor();
  await loginAs(phone, person);
  await laptop.getByTestId('logout-everywhere').click();
  await laptop.getByTestId('login').waitFor();
  await laptop.reload();
  await laptop.getByTestId('login').waitFor();
  await phone.reload();
  await phone.getByTestId('login').waitFor();
});

test('deleting the account asks first, signs out, and the next login is a new account', async (t) => {
  const person = { nickname: '떠나기', email: 'leaving@example.com' };
  const page = await newPage(t);
  const first = recordOperations(page, urls.api);
  await loginAs(page, person);
  await page.getByTestId('created').waitFor();
  const before = (await answer(first, 'KakaoLogin')).data.kakaoLogin;
  assert.equal(before.created, true);

  // A confirmation step: the first click deletes nothing, and it can be taken back.
  await page.getByTestId('delete-account').click();
  await page.getByTestId('confirm-delete').waitFor();
  await shot(page, '12-confirm-delete');
  await page.getByTestId('cancel-delete').click();
  await page.getByTestId('delete-account').waitFor();
  await page.reload();
  await page.getByTestId('profile').waitFor();

  await page.getByTestId('delete-account').click();
  await page.getByTestId('confirm-delete').click();
  await page.getByTestId('login').waitFor();
  assert.match(await page.getByTestId('info').textContent(), /account was deleted/);
  assert.equal(await page.getByTestId('profile').count(), 0);
  const left = await page.context().cookies(urls.api);
  assert.equal(left.filter((c) => c.name.startsWith('JWT')).length, 0, 'cookies deleted');
  await page.reload();
  await page.getByTestId('login').waitFor();

  // Kakao forgot this app too, so the same person consents again and gets a new account.
  const second = recordOperations(page, urls.api);
  await loginAs(page, person);
  await page.getByTestId('created').waitFor();
  const after = (await answer(second, 'KakaoLogin')).data.kakaoLogin;
  assert.equal(after.created, true);
  assert.notEqual(after.user.id, before.user.id, 'a new user, not the deleted one');
  await shot(page, '13-new-account');
});

test('disconnecting the app at Kakao (the stand-in\'s connections page) ends the session here', async (t) => {
  const person = { nickname: '연결끊기', email: 'disconnect@example.com' };
  const context = await newContext(t);
  const page = await context.newPage();
  await loginAs(page, person);

  const kakao = await context.newPage();
  await kakao.goto(`${urls.standin}/_standin/connections`);
  const form = kakao.locator('form.connection').filter({ hasText: person.nickname });
  await form.getByRole('button', { name: 'Disconnect this app' }).click();
  const result = kakao.locator('#result');
  await result.waitFor();
  assert.match(await result.textContent(), /Unlink notice sent; the backend answered HTTP 200/);
  await shot(kakao, '14-kakao-disconnect');
  await kakao.close();

  // After the notice, the app's next refresh fails: signed out.
  const operations = recordOperations(page, urls.api);
  await page.reload();
  await page.getByTestId('login').waitFor();
  assert.equal(await page.getByTestId('profile').count(), 0);
  const refused = await answer(operations, 'Refresh');
  assert.equal(refused.data.refreshToken.errors[0].code, 'INVALID_REFRESH_TOKEN');
});
