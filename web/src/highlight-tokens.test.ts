import { describe, expect, it } from 'vitest';
import { MAX_HIGHLIGHTED, tokenizeLine, type Token } from './highlight-tokens';

const classes = (tokens: Token[]) => tokens.filter((t) => t.cls).map((t) => [t.cls, t.text]);
const text = (tokens: Token[]) => tokens.map((t) => t.text).join('');

describe('tokenizeLine', () => {
  it('highlights keys, strings, numbers, booleans, variables and comments', () => {
    const line = `  name: "web" # the ${'${cluster.name}'} one`;
    expect(classes(tokenizeLine('  replicas: 3', false))).toEqual([
      ['hl-key', 'replicas'],
      ['hl-number', '3'],
    ]);
    expect(classes(tokenizeLine(line, false))).toEqual([
      ['hl-key', 'name'],
      ['hl-string', '"web"'],
      ['hl-comment', `# the ${'${cluster.name}'} one`],
    ]);
    expect(classes(tokenizeLine(`  image: "\${values.image}"`, false))).toEqual([
      ['hl-key', 'image'],
      ['hl-string', '"${values.image}"'],
    ]);
    expect(classes(tokenizeLine(`  tag: \${values.tag}`, false))).toEqual([
      ['hl-key', 'tag'],
      ['hl-var', '${values.tag}'],
    ]);
    expect(classes(tokenizeLine('  "enabled": true,', true))).toEqual([
      ['hl-key', '"enabled"'],
      ['hl-bool', 'true'],
    ]);
    expect(classes(tokenizeLine('  image: nginx:1.25 # x', true))).toEqual([
      ['hl-key', 'image'],
      ['hl-number', '1.25'],
    ]);
    expect(text(tokenizeLine('  a: "unterminated \\" and \'', false))).toBe('  a: "unterminated \\" and \'');
  });

  it('highlights a 40,000-character line correctly, up to the cap, and keeps every character', () => {
    const item = 'k: "v", ';
    const line = `data: {${item.repeat(5000)}}`;
    expect(line.length).toBeGreaterThan(40_000);
    const tokens = tokenizeLine(line, false);
    expect(text(tokens)).toBe(line);
    const highlighted = classes(tokens);
    expect(highlighted[0]).toEqual(['hl-key', 'data']);
    expect(highlighted[1]).toEqual(['hl-key', 'k']);
    expect(highlighted[2]).toEqual(['hl-string', '"v"']);
    // every pair before the cap is highlighted, the rest is one plain piece
    const pairsBeforeCap = Math.floor((MAX_HIGHLIGHTED - 'data: {'.length) / item.length);
    expect(highlighted.length).toBeGreaterThanOrEqual(1 + 2 * pairsBeforeCap);
    expect(tokens.at(-1)?.cls).toBeUndefined();
    expect(tokens.at(-1)?.text.length).toBeGreaterThan(line.length - MAX_HIGHLIGHTED - item.length);
  });

  it('keeps long runs of word characters and unterminated strings in one piece', () => {
    const word = 'x'.repeat(40_000);
    expect(text(tokenizeLine(word, false))).toBe(word);
    const quotes = `"a" ${"'b".repeat(20_000)}`;
    expect(text(tokenizeLine(quotes, false))).toBe(quotes);
  });
});
