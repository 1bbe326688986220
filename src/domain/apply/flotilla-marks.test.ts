import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import type { LiveObject } from '../health/health.types.js';
import {
  FLOTILLA_ANNOTATIONS,
  FLOTILLA_LABELS,
  isForceEnabled,
  isPruneDisabled,
  ownedBy,
  withOwnership,
} from './flotilla-marks.js';

const APP = '4f1c2a9e-0b6d-4c53-9a51-3f7d1e2b8c10';

function cm(labels?: Record<string, string>, annotations?: Record<string, string>): LiveObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'cfg',
      namespace: 'web',
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    data: { a: '1' },
  };
}

describe('isPruneDisabled', () => {
  it.each([
    [undefined, false],
    ['disabled', true],
    ['Disabled ', true],
    ['false', true],
    ['enabled', false],
    ['', false],
  ])('%j → %s', (value, expected) => {
    expect(
      isPruneDisabled(cm(undefined, value === undefined ? {} : { [FLOTILLA_ANNOTATIONS.prune]: value })),
    ).toBe(expected);
  });
});

describe('isForceEnabled', () => {
  it.each([
    [undefined, false],
    ['enabled', true],
    ['ENABLED', true],
    ['true', false],
    ['disabled', false],
  ])('%j → %s', (value, expected) => {
    expect(
      isForceEnabled(cm(undefined, value === undefined ? {} : { [FLOTILLA_ANNOTATIONS.force]: value })),
    ).toBe(expected);
  });
});

describe('ownedBy', () => {
  const label = (id: string) => ({ [FLOTILLA_LABELS.application]: id });
  const mark = (value: string) => ({ [FLOTILLA_ANNOTATIONS.owner]: value });
  it.each<[string, LiveObject, string | null]>([
    ['no marks', cm(), null],
    ['label only', cm(label(APP)), APP],
    ['annotation only (labels stripped)', cm(undefined, mark(`shop/${APP}`)), APP],
    ['both agreeing', cm(label(APP), mark(`shop/${APP}`)), APP],
    ['both disagreeing', cm(label(APP), mark('shop/other')), null],
    ['annotation without an id', cm(undefined, mark('shop')), null],
    ['empty label', cm(label('')), null],
  ])('%s', (_name, object, expected) => {
    expect(ownedBy(object)).toBe(expected);
  });
});

describe('withOwnership', () => {
  it('adds the label and the annotation, keeping existing ones', () => {
    const input = cm({ app: 'shop' }, { note: 'x' });
    const marked = withOwnership(input, APP, 'shop');
    expect(marked.metadata.labels).toEqual({ app: 'shop', [FLOTILLA_LABELS.application]: APP });
    expect(marked.metadata.annotations).toEqual({ note: 'x', [FLOTILLA_ANNOTATIONS.owner]: `shop/${APP}` });
    expect(ownedBy(marked)).toBe(APP);
  });

  it('never mutates its input', () => {
    const input = cm({ app: 'shop' });
    const before = structuredClone(input);
    withOwnership(input, APP, 'shop');
    expect(input).toEqual(before);
  });

  it('is idempotent: marking twice yields the same object', () => {
    const once = withOwnership(cm(), APP, 'shop');
    expect(withOwnership(once, APP, 'shop')).toEqual(once);
  });

  it('writes nothing that changes between syncs (no revision, no time)', () => {
    const marked = withOwnership(cm(), APP, 'shop');
    expect(Object.keys(marked.metadata.labels!)).toEqual([FLOTILLA_LABELS.application]);
    expect(Object.keys(marked.metadata.annotations!)).toEqual([FLOTILLA_ANNOTATIONS.owner]);
  });

  it.each(['', 'has space', 'x'.repeat(64)])('refuses an id that cannot be a label value: %j', (id) => {
    expect(() => withOwnership(cm(), id, 'shop')).toThrow(InvalidInputError);
  });
});
