import { describe, expect, it } from 'vitest';
import { prefersHtml, ssoRefusalPage } from './sso-refusal-page.js';

describe('prefersHtml', () => {
  it('is true for what browsers send on navigation, false for API clients and no header', () => {
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/json, text/html')).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
  });
});

describe('ssoRefusalPage', () => {
  it('keeps the status in its title and escapes the message', () => {
    const page = ssoRefusalPage(401, 'refused <b>"x"</b> & more');
    expect(page).toContain('<title>Sign-in refused (401 Unauthorized)</title>');
    expect(page).toContain('refused &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; more');
    expect(page).toContain('<a href="/">');
  });
});
