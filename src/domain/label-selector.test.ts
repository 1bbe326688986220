import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import {
  formatLabelSelector,
  LABEL_SELECTOR_SOURCE,
  matchesSelector,
  parseLabelSelector,
} from './label-selector.js';

describe('parseLabelSelector', () => {
  it.each([
    ['', []],
    ['env=prod', [{ op: 'eq', key: 'env', value: 'prod' }]],
    ['env==prod', [{ op: 'eq', key: 'env', value: 'prod' }]],
    ['tier!=edge', [{ op: 'neq', key: 'tier', value: 'edge' }]],
    ['region in (eu, us)', [{ op: 'in', key: 'region', values: ['eu', 'us'] }]],
    ['region notin (eu)', [{ op: 'notin', key: 'region', values: ['eu'] }]],
    ['gpu', [{ op: 'exists', key: 'gpu' }]],
    ['!legacy', [{ op: 'notexists', key: 'legacy' }]],
    ['example.com/team=core', [{ op: 'eq', key: 'example.com/team', value: 'core' }]],
    ['env=', [{ op: 'eq', key: 'env', value: '' }]],
  ])('parses %j', (text, expected) => {
    expect(parseLabelSelector(text)).toEqual(expected);
  });

  it('parses a compound selector with commas inside sets', () => {
    expect(formatLabelSelector(parseLabelSelector('env=prod,tier!=edge,region in (eu,us)'))).toBe(
      'env=prod,tier!=edge,region in (eu,us)',
    );
  });

  it.each(['env in (eu', 'env in eu)', 'env=prod,,x=y', '-bad=1', 'env=bad value', 'env in ()', 'a=b=c'])(
    'rejects %j with a message naming the selector',
    (text) => {
      expect(() => parseLabelSelector(text)).toThrow(InvalidInputError);
      expect(() => parseLabelSelector(text)).toThrow(/^selector: /);
    },
  );
});

describe('matchesSelector', () => {
  const labels = { env: 'prod', region: 'eu' };
  it.each([
    ['env=prod', true],
    ['env=dev', false],
    ['tier!=edge', true],
    ['region in (eu,us)', true],
    ['region notin (eu)', false],
    ['tier notin (edge)', true],
    ['region', true],
    ['tier', false],
    ['!tier', true],
    ['env=prod,region=us', false],
    ['', true],
  ])('%s → %s', (sel, expected) => {
    expect(matchesSelector(parseLabelSelector(sel), labels)).toBe(expected);
  });
});

describe('LABEL_SELECTOR_SOURCE (the OpenAPI pattern of selectors)', () => {
  const pattern = new RegExp(LABEL_SELECTOR_SOURCE);
  it.each([
    '',
    'env=prod',
    'env==prod, tier!=edge',
    'region in (eu,us),!legacy,gpu',
    'example.com/team notin ( a , b )',
    'x=',
  ])('admits %j, which the parser accepts', (text) => {
    expect(pattern.test(text)).toBe(true);
    expect(() => parseLabelSelector(text)).not.toThrow();
  });

  it.each(['env in (eu', 'env=prod,,x=y', '-bad=1', 'env=bad value', 'env in ()', 'a=b=c', '0'.repeat(64)])(
    'refuses %j, as the parser does',
    (text) => {
      expect(pattern.test(text)).toBe(false);
      expect(() => parseLabelSelector(text)).toThrow(InvalidInputError);
    },
  );
});
