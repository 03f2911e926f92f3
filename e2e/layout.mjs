// The example on a phone and on a desktop: every screen from 360 px to 1440 px wide
// scrolls only up and down, nothing sticks out of the page's card, and no word breaks
// in the middle (text marked `overflow-wrap: anywhere`, an email or a user agent, may).
// Dates and times in the page's language; a favicon on the app and on the stand-in.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loginAs, newContext, shot, toConsent, urls } from './harness.mjs';
import { checkLayout } from './layout-check.mjs';

/** A phone (Chromium's mobile emulation: the viewport meta tag counts) and a desktop. */
const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1440, height: 900 } };
const PHONE_WIDTHS = [360, 375];
const DESKTOP_WIDTHS = [768, 1440];
const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The page's favicon: linked from the page, served as an image. */
async function assertFavicon(page) {
  const href = await page.locator('link[rel~="icon"]').getAttribute('href');
  assert.ok(href, `${page.url()} links a favicon`);
  const answer = await page.request.get(new URL(href, page.url()).href);
  assert.equal(answer.status(), 200, `${href} is served`);
  assert.match(answer.headers()['content-type'], /^image\//);
  assert.match(await answer.text(), /^<svg /);
}

test('layout: phone and desktop, signed in and out, with no sideways scrolling or broken words', async (t) => {
  const person = { nickname: '레이아웃', email: 'a.rather.long.address.for.a.phone@example.com' };
  // A Korean phone and an English desktop: the same person, so each lists two devices, and
  // each one's recent activity asks "Not you?" about the other's sign-in (a device not seen).
  const phone = await (await newContext(t, { ...PHONE, locale: 'ko-KR', userAgent: 'E2E phone (375 × 812)' })).newPage();
  const desktop = await (await newContext(t, { ...DESKTOP, locale: 'en-US', userAgent: CHROME_MAC })).newPage();

  await phone.goto(urls.app);
  await phone.getByTestId('login').waitFor();
  await checkLayout(phone, PHONE_WIDTHS, 'layout-phone-signed-out');
  await assertFavicon(phone);

  await toConsent(phone, person);
  await checkLayout(phone, PHONE_WIDTHS, 'layout-phone-consent');
  await assertFavicon(phone);
  await phone.click('#agree');
  await phone.getByTestId('profile').waitFor();
  await loginAs(desktop, person);

  // Two devices, so the card holds a "Sign out" button for the other one.
  for (const page of [phone, desktop]) {
    await page.reload();
    await page.getByTestId('profile').waitFor();
    await page.getByTestId('revoke-session').waitFor();
    await page.getByTestId('not-you').waitFor();
    await page.getByTestId('consent').waitFor(); // what the person agreed to, a card of its own
  }
  await checkLayout(phone, PHONE_WIDTHS, 'layout-phone-signed-in');
  await shot(phone, 'phone-signed-in', phone.locator('body')); // README's phone picture
  await checkLayout(desktop, DESKTOP_WIDTHS, 'layout-desktop-signed-in');
  await assertFavicon(desktop);

  await phone.getByTestId('delete-account').click();
  await phone.getByTestId('confirm-delete').waitFor();
  await checkLayout(phone, PHONE_WIDTHS, 'layout-phone-confirm-delete');
  await phone.getByTestId('cancel-delete').click();

  // Signed out with the longest notice there is: Kakao's consent denied.
  await phone.getByTestId('logout').click();
  await toConsent(phone, person);
  await phone.click('#cancel');
  await phone.getByTestId('error').waitFor();
  await checkLayout(phone, PHONE_WIDTHS, 'layout-phone-consent-denied');

  // The stand-in's own pages.
  for (const path of ['/', '/_standin/connections']) {
    await phone.goto(`${urls.standin}${path}`);
    await checkLayout(phone, PHONE_WIDTHS, `layout-phone-standin${path.replaceAll('/', '-').replace(/-$/, '')}`);
    await assertFavicon(phone);
  }
});

test('layout: dates and times in the page\'s language', async (t) => {
  const person = { nickname: '날짜', email: 'dates@example.com' };
  const korean = await (await newContext(t, { locale: 'ko-KR', timezoneId: 'Asia/Seoul' })).newPage();
  const english = await (await newContext(t, { locale: 'en-US', timezoneId: 'Asia/Seoul' })).newPage();
  await loginAs(korean, person);
  await loginAs(english, person);

  const shown = async (page) => {
    const time = page.getByTestId('session').first().locator('time').first();
    return {
      lang: await page.evaluate(() => document.documentElement.lang),
      text: await time.textContent(),
      iso: await time.getAttribute('datetime'),
    };
  };
  const ko = await shown(korean);
  const en = await shown(english);
  assert.equal(ko.lang, 'ko-KR');
  assert.equal(en.lang, 'en-US');
  // The same instant, in Seoul's time: Korean and US English each in their own order.
  const seoul = new Date(ko.iso).toLocaleString('en-CA', { timeZone: 'Asia/Seoul', hourCycle: 'h23' });
  assert.ok(!Number.isNaN(Date.parse(ko.iso)), ko.iso);
  assert.match(ko.text, /^\d{4}\. \d{1,2}\. \d{1,2}\. (오전|오후) \d{1,2}:\d{2}$/, ko.text);
  assert.match(en.text, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/, en.text);
  const [date] = seoul.split(',');
  const [year, month, day] = date.split('-').map(Number);
  assert.ok(ko.text.startsWith(`${year}. ${month}. ${day}.`), `${ko.text} is ${seoul} in Seoul`);
  await shot(english, 'layout-english-dates');
});
