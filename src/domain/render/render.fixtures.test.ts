/// <reference types="vite/client" />
// Fixtures are bundled by Vite's import.meta.glob, so this test of the IO-free engine reads no
// files itself and the domain's no-IO lint rule holds for its tests too.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderBundle, type RenderError, type RenderLimits, type RenderTarget } from './render.js';

/** One table row: input files, a target, optional limits, and either the objects or the errors expected. */
interface Fixture {
  target: RenderTarget;
  limits?: Partial<RenderLimits>;
  files: Record<string, string>;
  /** `objects` in canonical order; `errors` in reported order, each message a substring of the actual one. */
  expect: { objects?: unknown[]; errors?: RenderError[] };
}

const sources = import.meta.glob<string>('./fixtures/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const fixtures = Object.entries(sources)
  .map(([path, text]) => [path.replace(/^\.\/fixtures\//, ''), parse(text) as Fixture] as const)
  .sort(([a], [b]) => (a < b ? -1 : 1));

describe('renderBundle fixtures', () => {
  it('found the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtures)('%s', (_name, fixture) => {
    const files = new Map(Object.entries(fixture.files).map(([p, text]) => [p, Buffer.from(text, 'utf8')]));
    const result = renderBundle(files, fixture.target, fixture.limits);
    if (fixture.expect.errors) {
      expect(result.ok ? result.bundle.objects : undefined).toBeUndefined();
      if (result.ok) return;
      expect(result.errors).toEqual(
        fixture.expect.errors.map((e) => ({
          file: e.file,
          document: e.document,
          message: expect.stringContaining(e.message),
        })),
      );
    } else {
      expect(result.ok ? undefined : result.errors).toBeUndefined();
      if (!result.ok) return;
      expect(result.bundle.objects).toEqual(fixture.expect.objects);
      expect(result.bundle.objectCount).toBe(fixture.expect.objects?.length);
    }
  });
});
