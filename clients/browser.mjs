// A browser, as far as these tests need one: a page on `origin` whose `fetch` goes through
// CORS as a browser's does (a preflight for what a page may not send on its own, the
// answer withheld unless the API allows the origin, only exposed headers readable), and
// a cookie jar (HttpOnly cookies too, which no script sees) that travels with
// `credentials: 'include'` only. `navigate` is the address bar and HTML forms: Kakao's
// pages, no CORS. Every host here is localhost, one site, so SameSite never applies.

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const SAFELISTED_REQUEST_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type']);
const SAFELISTED_RESPONSE_HEADERS = [
  'cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma',
];

export class Browser {
  /** @param {string} origin the page's origin (the front end's) */
  constructor(origin) {
    this.origin = origin;
    this.jar = new Map(); // host → Map(name → { value, path })
  }

  /** The cookies this browser holds for a host, by name (what the person could see in devtools). */
  cookies(url) {
    const host = new URL(url).hostname;
    return Object.fromEntries([...(this.jar.get(host) ?? new Map())].map(([name, c]) => [name, c.value]));
  }

  cookieHeader(url) {
    const { hostname, pathname } = new URL(url);
    const cookies = [...(this.jar.get(hostname) ?? new Map())].filter(([, c]) => pathname.startsWith(c.path));
    return cookies.map(([name, c]) => `${name}=${c.value}`).join('; ');
  }

  keep(url, response) {
    const host = new URL(url).hostname;
    if (!this.jar.has(host)) this.jar.set(host, new Map());
    const jar = this.jar.get(host);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
      const attribute = (key) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.split('=')[1];
      const maxAge = attribute('max-age');
      const expires = attribute('expires');
      const gone = (maxAge !== undefined && Number(maxAge) <= 0) || (expires && Date.parse(expires) <= Date.now());
      if (gone) jar.delete(name);
      else jar.set(name, { value, path: attribute('path') ?? '/' });
    }
  }

  /** A page script's `fetch` (what a client library is given: `fetch: browser.fetch`). */
  fetch = async (input, init = {}) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const credentials = init.credentials ?? 'same-origin';
    const withCookies = credentials === 'include' || (credentials === 'same-origin' && url.origin === this.origin);
    const headers = new Headers(request.headers);
    const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.arrayBuffer();
    if (url.origin !== this.origin) await this.preflight(url, request.method, headers, withCookies);
    if (url.origin !== this.origin) headers.set('origin', this.origin);
    const cookie = withCookies ? this.cookieHeader(url) : '';
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { method: request.method, headers, body, redirect: 'manual', signal: init.signal });
    if (url.origin === this.origin) {
      if (withCookies) this.keep(url, response);
      return response;
    }
    this.checkCors(response, withCookies, 'the answer');
    if (withCookies) this.keep(url, response);
    return this.exposed(response);
  };

  async preflight(url, method, headers, withCookies) {
    const unsafe = [...headers.keys()].filter((name) => {
      if (!SAFELISTED_REQUEST_HEADERS.has(name)) return true;
      if (name === 'content-type') return !SIMPLE_CONTENT_TYPES.has(headers.get(name).split(';')[0].trim().toLowerCase());
      return headers.get(name).length > 128;
    }).sort();
    if (SIMPLE_METHODS.has(method) && unsafe.length === 0) return; // a simple request: no preflight
    const asked = { origin: this.origin, 'access-control-request-method': method };
    if (unsafe.length) asked['access-control-request-headers'] = unsafe.join(',');
    const response = await fetch(url, { method: 'OPTIONS', headers: asked });
    if (!response.ok) throw new TypeError(`Failed to fetch: the CORS preflight answered ${response.status}`);
    this.checkCors(response, withCookies, 'the preflight');
    const list = (name) => (response.headers.get(name) ?? '').toLowerCase().split(',').map((s) => s.trim());
    if (!SIMPLE_METHODS.has(method) && !list('access-control-allow-methods').includes(method.toLowerCase())) {
      throw new TypeError(`Failed to fetch: CORS does not allow ${method}`);
    }
    const allowed = list('access-control-allow-headers');
    const refused = unsafe.filter((name) => !allowed.includes(name));
    if (refused.length) throw new TypeError(`Failed to fetch: CORS does not allow the headers ${refused}`);
  }

  checkCors(response, withCookies, what) {
    const origin = response.headers.get('access-control-allow-origin');
    const ok = withCookies
      ? origin === this.origin && response.headers.get('access-control-allow-credentials') === 'true'
      : origin === this.origin || origin === '*';
    if (!ok) throw new TypeError(`Failed to fetch: CORS withheld ${what} from ${this.origin}`);
  }

  /** The answer as a page's script sees it: only the safelisted and exposed headers. */
  exposed(response) {
    const visible = new Set(SAFELISTED_RESPONSE_HEADERS);
    for (const name of (response.headers.get('access-control-expose-headers') ?? '').split(',')) {
      if (name.trim()) visible.add(name.trim().toLowerCase());
    }
    const headers = new Headers();
    for (const [name, value] of response.headers) if (visible.has(name)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }

  /** The address bar or an HTML form: cookies always, no CORS, redirects not followed. */
  async navigate(url, { form } = {}) {
    const headers = { accept: 'text/html' };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    const init = { headers, redirect: 'manual' };
    if (form) {
      init.method = 'POST';
      init.body = new URLSearchParams(form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(url, init);
    this.keep(url, response);
    return response;
  }
}
