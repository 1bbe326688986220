import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../domain/canonical-json.js';
import {
  applicationSourceProblems,
  auditedSource,
  auditedTargets,
  MAX_INLINE_VALUES_BYTES,
  storedSource,
} from './application-source.js';

/** Values whose canonical JSON is exactly `bytes` long. */
function valuesOf(bytes: number): Record<string, unknown> {
  const overhead = canonicalJson({ v: '' }).length;
  return { v: 'x'.repeat(bytes - overhead) };
}

describe('applicationSourceProblems', () => {
  it('takes inline values up to the limit and refuses one byte more, per source and per target', () => {
    const at = valuesOf(MAX_INLINE_VALUES_BYTES);
    const over = valuesOf(MAX_INLINE_VALUES_BYTES + 1);
    expect(canonicalJson(at).length).toBe(MAX_INLINE_VALUES_BYTES);
    expect(
      applicationSourceProblems({ kind: 'helm', helm: { values: at } }, [{ helm: { values: at } }]),
    ).toEqual([]);
    expect(applicationSourceProblems({ kind: 'helm', helm: { values: over } }, [])).toEqual([
      `source.helm.values is ${MAX_INLINE_VALUES_BYTES + 1} bytes as canonical JSON, more than the ${MAX_INLINE_VALUES_BYTES} allowed`,
    ]);
    expect(applicationSourceProblems(null, [{}, { helm: { values: over } }])[0]).toMatch(
      /^targets\[1\]\.helm\.values is /,
    );
  });

  it('counts bytes, not characters', () => {
    const euros = { v: '€'.repeat(Math.ceil(MAX_INLINE_VALUES_BYTES / 3)) };
    expect(canonicalJson(euros).length).toBeLessThan(MAX_INLINE_VALUES_BYTES);
    expect(applicationSourceProblems(null, [{ helm: { values: euros } }])).toHaveLength(1);
  });

  it('names every problem of the source and the targets at once', () => {
    expect(
      applicationSourceProblems({ kind: 'helm', helm: { valuesFiles: ['ok.yaml', '/abs'] } }, [
        { helm: { valuesFiles: ['a/../b'] } },
      ]),
    ).toEqual([
      'source.helm.valuesFiles[1] must be relative to the application path',
      'targets[0].helm.valuesFiles[0] must not contain ".." segments',
    ]);
  });

  it('takes target Helm options with a Helm or a detected source only', () => {
    const targets = [{ helm: { values: { a: 1 } } }];
    expect(applicationSourceProblems(null, targets)).toEqual([]);
    expect(applicationSourceProblems({ kind: 'helm' }, targets)).toEqual([]);
    expect(applicationSourceProblems({ kind: 'manifests' }, targets)).toEqual([
      'targets[0].helm is only allowed when the source is helm (or detected)',
    ]);
  });
});

describe('storedSource', () => {
  it('keeps only the documented members', () => {
    const source = {
      kind: 'helm',
      extra: 1,
      helm: { releaseName: 'r', valuesFiles: ['v.yaml'], values: { a: 1 }, repo: 'x' },
    } as unknown as Parameters<typeof storedSource>[0];
    expect(storedSource(source)).toEqual({
      kind: 'helm',
      helm: { releaseName: 'r', valuesFiles: ['v.yaml'], values: { a: 1 } },
    });
    expect(storedSource(null)).toBeNull();
    expect(storedSource(undefined)).toBeNull();
  });
});

describe('audit forms', () => {
  it('record inline values as a digest that changes with them and ignores key order', () => {
    const a = auditedSource({ kind: 'helm', helm: { values: { x: 1, y: 2 } } });
    const b = auditedSource({ kind: 'helm', helm: { values: { y: 2, x: 1 } } });
    const c = auditedSource({ kind: 'helm', helm: { values: { x: 1, y: 3 } } });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(JSON.stringify(a)).not.toContain('"x"');
    expect(auditedSource(null)).toEqual({ kind: 'detected' });
    const [t] = auditedTargets([
      { clusterSelector: 'env=prod', helm: { valuesFiles: ['f'], values: { password: 's3cret' } } },
    ]);
    expect(JSON.stringify(t)).not.toContain('s3cret');
    expect(t).toMatchObject({ clusterSelector: 'env=prod', helm: { valuesFiles: ['f'] } });
  });
});
