// The person's part of a login, at the Kakao stand-in: open the authorize URL the backend
// gave (whatever it carries: state, nonce, a PKCE challenge…), fill in the consent page's
// form as a person would, press Agree, and read the code from Kakao's redirect.
import assert from 'node:assert/strict';

const unescape = (text) =>
  text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attributes(tag) {
  return Object.fromEntries([...tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].slice(1).map(([, k, v]) => [k, unescape(v ?? '')]));
}

/** What an HTML form sends when its Agree button is pressed with the person's details typed in. */
function agreeForm(html, person) {
  const form = html.match(/<form method="post" action="\/oauth\/authorize" id="consent">([\s\S]*?)<\/form>/);
  assert.ok(form, 'the consent page has its form');
  const fields = [];
  for (const [tag] of form[1].matchAll(/<input[^>]*>/g)) {
    const input = attributes(tag);
    if (!input.name || 'disabled' in input) continue; // a disabled box is not sent (a required item)
    if (input.type === 'hidden') fields.push([input.name, input.value]);
    // The optional consent items as ticked; every required service term ticked.
    if (input.type === 'checkbox' && input.name === 'agree_scope' && 'checked' in input) fields.push([input.name, input.value]);
    if (input.type === 'checkbox' && input.name === 'agree_terms' && input['data-required'] === '1') fields.push([input.name, input.value]);
  }
  fields.push(['nickname', person.nickname], ['email', person.email]);
  if (person.verified ?? true) fields.push(['email_verified', 'on']);
  fields.push(['action', 'agree']);
  return fields;
}

/** Consent at the stand-in: the `code` and `state` Kakao sends back to the redirect URI. */
export async function consent(browser, authorizeUrl, person) {
  const page = await browser.navigate(authorizeUrl);
  assert.equal(page.status, 200, 'the consent page');
  const answer = await browser.navigate(new URL('/oauth/authorize', authorizeUrl), {
    form: agreeForm(await page.text(), person),
  });
  assert.equal(answer.status, 302, 'Agree redirects back to the app');
  const back = new URL(answer.headers.get('location'));
  return { redirect: `${back.origin}${back.pathname}`, code: back.searchParams.get('code'), state: back.searchParams.get('state') };
}
