/**
 * A minimal browser for HTTP-level tests of sign-in flows: a cookie jar per origin, manual
 * redirects (so a test sees every hop), and HTML forms submitted with their hidden fields.
 */
export interface BrowserResponse {
  status: number;
  url: string;
  location: string | null;
  text: string;
  headers: Headers;
}

export class HttpBrowser {
  /** origin → cookie name → value */
  private readonly jar = new Map<string, Map<string, string>>();

  /** Cookies this browser holds for an origin. */
  cookies(origin: string): Map<string, string> {
    let m = this.jar.get(origin);
    if (!m) this.jar.set(origin, (m = new Map()));
    return m;
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async request(
    url: string,
    opts: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    const u = new URL(url);
    const jar = this.cookies(u.origin);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (opts.form) {
      body = new URLSearchParams(opts.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
      // Browsers send Origin on every POST.
      headers.origin ??= u.origin;
    }
    const res = await fetch(u, {
      method: opts.method ?? (opts.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (gone || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    return {
      status: res.status,
      url: u.toString(),
      location: location ? new URL(location, u).toString() : null,
      text: await res.text(),
      headers: res.headers,
    };
  }

  /**
   * Follows redirects from `url` until a page that is not a redirect, or until `stopAt` says a
   * redirect target is where the test wants to look (returned unfetched, as `location`).
   */
  async follow(
    url: string,
    stopAt: (location: string) => boolean = () => false,
    opts: { form?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    let res = await this.request(url, opts);
    for (let hops = 0; res.location && hops < 20; hops++) {
      if (stopAt(res.location)) return res;
      res = await this.request(res.location);
    }
    return res;
  }

  /** Submits the first form of a page with its hidden fields plus `fields`, then follows redirects. */
  submit(
    page: BrowserResponse,
    fields: Record<string, string>,
    stopAt?: (location: string) => boolean,
  ): Promise<BrowserResponse> {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.text);
    if (!form) throw new Error(`no form on ${page.url}: ${page.text.slice(0, 500)}`);
    const values: Record<string, string> = {};
    for (const input of form[2].matchAll(/<input[^>]*>/gi)) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name && /type="hidden"/.test(input[0])) values[name] = decode(value ?? '');
    }
    const button = /<button[^>]*name="([^"]+)"[^>]*value="([^"]*)"/.exec(form[2]);
    if (button) values[button[1]] = decode(button[2]);
    return this.follow(new URL(decode(form[1]), page.url).toString(), stopAt, {
      form: { ...values, ...fields },
    });
  }
}

function decode(s: string): string {
  return s
    .replaceAll('&amp;', '&')
    .replaceAll('&quot;', '"')
    .replaceAll('&#x2F;', '/')
    .replaceAll('&#39;', "'");
}
