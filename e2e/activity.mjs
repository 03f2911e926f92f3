// The recent-activity card: a person's sign-ins, sign-outs and a replayed refresh token,
// each with a readable device, a relative time and a masked address; "Not you?" for a
// sign-in from a device not seen before, whose button signs out everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { KAKAO_KEY, answer, expect, loginAs, newContext, recordOperations, shot, urls } from './harness.mjs';

// Real browsers' User-Agent strings: the backend names them "Chrome on macOS" and so on.
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
// The backend's JWT_REFRESH_REUSE_SECONDS (its default): a rotated token presented again
// later than this is a replay.
const REUSE_WINDOW_MS = 10000;
const PAGE_SIZE = 10;

/** A sign-in and a sign-out by script (no page), through the stand-in's shortcut. */
async function signInAndOut(request, person) {
  const redirectUri = `${urls.app}/oauth/kakao/callback`;
  const gql = async (query, variables = {}) => {
    const response = await request.post(`${urls.api}/graphql`, { data: { query, variables } });
    assert.equal(response.status(), 200);
    return (await response.json()).data;
  };
  const { kakaoAuthorize: started } = await gql(
    'mutation($r: String) { kakaoAuthorize(redirectUri: $r) { url state } }',
    { r: redirectUri },
  );
  const authorize = new URL(started.url);
  const issued = await request.post(`${urls.standin}/_standin/code`, {
    data: {
      client_id: KAKAO_KEY,
      redirect_uri: redirectUri,
      nickname: person.nickname,
      email: person.email,
      code_challenge: authorize.searchParams.get('code_challenge'),
      code_challenge_method: 'S256',
    },
  });
  const { code } = await issued.json();
  const { kakaoLogin } = await gql(
    'mutation($c: String!, $s: String, $r: String) { kakaoLogin(code: $c, state: $s, redirectUri: $r) { token errors { code } } }',
    { c: code, s: started.state, r: redirectUri },
  );
  assert.deepEqual(kakaoLogin.errors, []);
  const { logout } = await gql('mutation { logout { ok } }');
  assert.equal(logout.ok, true);
}

/** Each line of the activity card: what, the device, the time shown and its instant, the address. */
async function activityLines(page) {
  return page.getByTestId('event').evaluateAll((rows) =>
    rows.map((row) => {
      const time = row.querySelector('[data-testid=event-time]');
      return {
        type: row.dataset.type,
        current: row.dataset.current === 'true',
        text: row.querySelector('.what').textContent,
        device: row.querySelector('[data-testid=event-device]').textContent,
        ago: time.textContent,
        at: time.getAttribute('datetime'),
        exact: time.getAttribute('title'),
        ip: row.querySelector('[data-testid=event-ip]')?.textContent ?? null,
        notYou: row.querySelector('[data-testid=not-you]') !== null,
      };
    }),
  );
}

/** The page scrolls only up and down at this width, and no button's text overflows it. */
async function assertFits(page, width) {
  await page.setViewportSize({ width, height: 900 });
  const problems = await page.evaluate(() => {
    const found = [];
    if (document.scrollingElement.scrollWidth > window.innerWidth) found.push('the page scrolls sideways');
    for (const button of document.querySelectorAll('button')) {
      if (button.scrollWidth > button.clientWidth + 1) found.push(`"${button.textContent}" overflows its button`);
    }
    return found;
  });
  assert.deepEqual(problems, [], `at ${width} px`);
}

test('recent activity: two devices, one ended from the other, a replayed refresh token, and "Not you?"', async (t) => {
  const person = { nickname: '최근활동', email: 'recent.activity@example.com' };

  // Earlier days on the same laptop (another browser profile, by script): two sign-ins
  // and sign-outs, so that the card has more than one page.
  const earlier = await newContext(t, { userAgent: CHROME_MAC });
  for (let i = 0; i < 2; i += 1) await signInAndOut(earlier.request, person);

  const laptop = await (
    await newContext(t, { userAgent: CHROME_MAC, locale: 'en-US', viewport: { width: 1280, height: 900 } })
  ).newPage();
  const phone = await (
    await newContext(t, {
      userAgent: SAFARI_IPHONE,
      locale: 'ko-KR',
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    })
  ).newPage();
  await loginAs(laptop, person);
  await loginAs(phone, person);

  // The devices card names both devices; the raw User-Agent is only the name's tooltip,
  // and the last address is shown without its last part.
  await laptop.reload();
  const sessions = laptop.getByTestId('session');
  await expect(async () => (await sessions.count()) === 2);
  const phoneRow = sessions.filter({ has: laptop.locator(`[title="${SAFARI_IPHONE}"]`) });
  const laptopRow = sessions.filter({ has: laptop.locator(`[title="${CHROME_MAC}"]`) });
  assert.equal(await phoneRow.getByTestId('device').textContent(), 'Safari on iPhone');
  assert.equal(await laptopRow.getByTestId('device').textContent(), 'Chrome on macOS');
  assert.equal(await laptopRow.getAttribute('data-current'), 'true');
  assert.match(await phoneRow.locator('small').textContent(), /· IP 127\.0\.0\.x$/);
  assert.ok(!(await laptop.locator('main').innerText()).includes('127.0.0.1'), 'no whole address on the page');

  // The laptop ends the phone's session; its activity card shows it at once.
  await phoneRow.getByTestId('revoke-session').click();
  await expect(async () => (await sessions.count()) === 1);
  await expect(async () => (await laptop.getByTestId('event').first().getAttribute('data-type')) === 'SESSION_ENDED');
  assert.match(await laptop.getByTestId('event').first().locator('.what').textContent(), /Signed out another device · Chrome on macOS/);

  // The phone is signed out, signs in again, and its first refresh cookie is copied
  // (a stolen backup) before the app rotates it on the next load.
  await phone.reload();
  await phone.getByTestId('login').waitFor();
  await loginAs(phone, person);
  const stolen = (await phone.context().cookies(urls.api)).find((c) => c.name === 'JWT-refresh-token');
  assert.ok(stolen);
  const phoneOps = recordOperations(phone, urls.api);
  await phone.reload();
  await phone.getByTestId('profile').waitFor();
  assert.ok((await answer(phoneOps, 'Refresh')).data.refreshToken.token, 'rotated');
  const rotatedAt = Date.now();

  // Past the reuse window, the old cookie presented from another computer is a replay:
  // the backend ends the phone's session.
  await new Promise((resolve) => setTimeout(resolve, rotatedAt + REUSE_WINDOW_MS + 1500 - Date.now()));
  const thief = await newContext(t, { userAgent: FIREFOX_WINDOWS });
  await thief.addCookies([stolen]);
  const replayed = await thief.request.post(`${urls.api}/graphql`, {
    data: { query: 'mutation Refresh { refreshToken { token errors { code } } }' },
  });
  assert.deepEqual((await replayed.json()).data.refreshToken.errors.map((e) => e.code), ['INVALID_REFRESH_TOKEN']);
  await phone.reload();
  await phone.getByTestId('login').waitFor();
  await loginAs(phone, person); // and signs in once more: live when "Sign out everywhere" runs

  // The laptop's card, newest first, one page of ten.
  await laptop.reload();
  await laptop.getByTestId('activity-more').waitFor();
  const lines = await activityLines(laptop);
  assert.equal(lines.length, PAGE_SIZE);
  const words = lines.slice(0, 7).map((line) => line.text.replace(/^.* \/ /, ''));
  assert.deepEqual(words, [
    'Signed in · Safari on iPhone',
    'That sign-in was ended to keep you safe · Firefox on Windows',
    'An old sign-in was used again · Firefox on Windows',
    'Signed in · Safari on iPhone',
    'Signed out another device · Chrome on macOS',
    'Signed in · Safari on iPhone',
    'Signed in · Chrome on macOS',
  ]);
  assert.deepEqual(
    lines.slice(0, 7).map((line) => line.type),
    ['SIGNED_IN', 'SESSION_ENDED', 'REFRESH_REPLAY_DETECTED', 'SIGNED_IN', 'SESSION_ENDED', 'SIGNED_IN', 'SIGNED_IN'],
  );
  for (const line of lines) {
    assert.ok(['Chrome on macOS', 'Safari on iPhone', 'Firefox on Windows'].includes(line.device), line.device);
    assert.match(line.ago, /^(now|\d+ seconds? ago|\d+ minutes? ago)$/, line.ago);
    const at = Date.parse(line.at);
    assert.ok(Date.now() - at < 5 * 60000 && at <= Date.now() + 5000, line.at);
    assert.match(line.exact, /\d{4}, \d{1,2}:\d{2}\s[AP]M$/, 'the exact time in the tooltip');
    assert.equal(line.ip, '127.0.0.x');
  }
  // This session's own sign-in is marked; "Not you?" only for the phone's first sign-in:
  // the first from a device that is neither this one nor seen in an earlier sign-in.
  assert.deepEqual(lines.map((line) => line.current), lines.map((_, i) => i === 6));
  assert.deepEqual(lines.map((line) => line.notYou), lines.map((_, i) => i === 5));
  await shot(laptop, 'activity-1280');
  await shot(laptop, 'desktop-signed-in', laptop.locator('main')); // README's desktop picture
  await assertFits(laptop, 390);
  await shot(laptop, 'activity-390');
  await assertFits(laptop, 1280);

  // "More": the next page after the last cursor, added below; the oldest is the sign-up.
  const asked = [];
  laptop.on('request', (request) => {
    const url = new URL(request.url());
    if (url.searchParams.get('operationName') === 'RecentActivity') asked.push(JSON.parse(url.searchParams.get('variables')));
  });
  await laptop.getByTestId('activity-more').click();
  await expect(async () => (await laptop.getByTestId('event').count()) === 11);
  assert.equal(await laptop.getByTestId('activity-more').count(), 0, 'no page after the last');
  assert.equal(asked.length, 1);
  assert.equal(asked[0].first, PAGE_SIZE);
  assert.ok(asked[0].after, 'the previous page\'s endCursor');
  const all = await activityLines(laptop);
  assert.deepEqual(all.slice(0, PAGE_SIZE), lines, 'the first page stays as it was');
  assert.deepEqual(
    all.slice(PAGE_SIZE).map((line) => [line.type, line.text.replace(/^.* \/ /, '')]),
    [['SIGNED_IN', 'Signed up and signed in · Chrome on macOS']],
  );
  assert.equal(all.filter((line) => line.notYou).length, 1, 'this laptop\'s earlier sign-ins are not asked about');

  // The phone's card, in Korean: from there the laptop is the other device.
  await phone.reload();
  await phone.getByTestId('activity').getByTestId('event').first().waitFor();
  const onPhone = await activityLines(phone);
  assert.match(onPhone[0].ago, /^(지금|\d+초 전|\d+분 전)$/, onPhone[0].ago);
  assert.equal(onPhone[0].current, true);
  assert.deepEqual(
    onPhone.filter((line) => line.notYou).map((line) => line.device),
    ['Chrome on macOS'],
  );
  await assertFits(phone, 390);
  await shot(phone, 'activity-phone-390');

  // "Not you?" signs out everywhere: this laptop and the phone.
  await laptop.getByTestId('not-you').getByTestId('not-you-logout').click();
  await laptop.getByTestId('login').waitFor();
  assert.match(await laptop.getByTestId('info').textContent(), /signed out everywhere/);
  await shot(laptop, 'activity-signed-out-everywhere');
  await phone.reload();
  await phone.getByTestId('login').waitFor();
  assert.equal(await phone.getByTestId('profile').count(), 0);
});
