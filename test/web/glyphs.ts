import { type Page } from 'playwright-core';

/**
 * Emoji and pictographic symbol ranges: characters the dashboard must not draw as text, because a
 * browser without an emoji or symbol font shows them as missing-glyph boxes. Icons are inline SVG
 * instead. Ordinary typography (dashes, ellipsis, arrows, middle dot) stays allowed.
 */
const UNDRAWABLE = /[\u2300-\u23FF\u25A0-\u25FF\u2600-\u27BF\u2B00-\u2BFF\u{1F000}-\u{1FAFF}]/u;
/** The emoji presentation selector turns even a plain character into an emoji. */
const EMOJI_SELECTOR = '\uFE0F';

/** The characters of the page's text that fall in those ranges (empty when it is clean). */
export async function undrawableGlyphs(page: Page): Promise<string[]> {
  const text = await page.locator('body').innerText();
  return [...new Set([...text].filter((ch) => UNDRAWABLE.test(ch) || ch === EMOJI_SELECTOR))];
}
