// The browser: Debian's Chromium driven by playwright-core, whose only network is this
// machine, and the helpers the tests use on its pages (sign-in through the stand-in, the
// GraphQL operations a page sends, answers put in the API's place, screenshots).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { expiredAccessToken, urls } from './servers.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHOTS = process.env.E2E_SCREENSHOTS ?? join(ROOT, 'e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

let browser;

/** Start the browser (and make the screenshots' folder). */
export async function launchBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export async function closeBrowser() {
  await browser?.close().catch(() => undefined);
  console.log(`screenshots: ${SHOTS}`);
}

/** A fresh browser profile whose only network is this machine. */
export async function newContext(t, options = {}) {
  const context = await browser.newContext({ viewport: { width: 760, height: 460 }, ...options });
  context.blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (LOCAL_HOSTS.has(new URL(url).hostname)) return route.fallback();
    context.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  context.setDefaultTimeout(15000);
  context.setDefaultNavigationTimeout(20000);
  t.after(() => context.close());
  return context;
}

export async function newPage(t) {
  return (await newContext(t)).newPage();
}

/** A screenshot of the whole page, or of one element of it (a locator). */
export async function shot(page, name, element = null) {
  const path = join(SHOTS, `${name}.png`);
  await (element ? element.screenshot({ path }) : page.screenshot({ path, fullPage: true }));
}

/** The GraphQL operation a request carries (POST body or GET query string), or null. */
function operationName(request) {
  if (request.method() === 'POST') return request.postDataJSON()?.operationName ?? null;
  if (request.method() === 'GET') return new URL(request.url()).searchParams.get('operationName');
  return null; // a CORS preflight
}

/** The GraphQL operations a page sends, by name, with their method, status and JSON answers. */
export function recordOperations(page, api) {
  const seen = [];
  page.on('response', async (response) => {
    const request = response.request();
    if (!request.url().startsWith(`${api}/graphql`)) return;
    const name = operationName(request);
    if (!name) return;
    const entry = { name, method: request.method(), status: response.status(), at: Date.now(), body: null };
    seen.push(entry);
    entry.body = await response.json().catch(() => null);
  });
  return seen;
}

/** Route the API's requests for one operation (GET or POST) to a handler. */
export async function onOperation(page, name, handler, api = urls.api) {
  await page.route(
    (url) => url.origin === new URL(api).origin && url.pathname === '/graphql',
    (route) => (operationName(route.request()) === name ? handler(route) : route.fallback()),
  );
}

/** From the app's login button to the stand-in's consent page, filled in. */
export async function toConsent(page, { app = urls.app, nickname, email, verified = true }) {
  await page.goto(app);
  await page.getByTestId('login').click();
  await page.waitForURL(`${urls.standin}/oauth/authorize?**`);
  await page.fill('#nickname', nickname);
  await page.fill('#email', email);
  await page.setChecked('#email_verified', verified);
  await agreeToAllTerms(page);
}

/** On the consent page: tick "agree to all" service terms, when the page asks for any. */
export async function agreeToAllTerms(page) {
  const all = page.locator('#agree_all');
  if (await all.count()) await all.check();
}

export async function loginAs(page, person) {
  await toConsent(page, person);
  await pressAgree(page);
  await page.getByTestId('profile').waitFor();
}

/**
 * Press Agree. The page was made for the person it showed first (without a Kakao session,
 * the first test person); when the one typed in has more to agree to, it asks again: all of it.
 */
export async function pressAgree(page) {
  await page.click('#agree');
  const standin = new URL(urls.standin).origin;
  await page.waitForURL((url) => url.origin !== standin || url.search === ''); // left, or the answer's page
  if (new URL(page.url()).origin !== standin) return;
  await agreeToAllTerms(page);
  await page.click('#agree');
}

/** Make the next `Me` request present an expired access token. */
export async function expireNextMe(page) {
  let done = false;
  await onOperation(page, 'Me', (route) => {
    if (done) return route.fallback();
    done = true;
    const request = route.request();
    return route.fallback({ headers: { ...request.headers(), authorization: `Bearer ${expiredAccessToken()}` } });
  });
}

/** A JSON answer the browser may read from the API (the CORS headers the backend sends). */
export function apiAnswer(status, body, headers = {}) {
  return {
    status,
    contentType: 'application/json',
    headers: {
      'access-control-allow-origin': urls.app,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'Retry-After',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

/** The first answer to a named operation, once it has arrived. */
export async function answer(operations, name) {
  await expect(() => operations.find((o) => o.name === name)?.body);
  return operations.find((o) => o.name === name).body;
}

/** Wait (bounded) until a condition on values gathered by event handlers holds. */
export async function expect(condition, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`not true within ${timeoutMs} ms: ${condition}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
