import { describe, expect, it } from 'vitest';
import { baselineMajor, enginesRange, satisfies, unsupportedNodeMessage } from './node-baseline.mjs';

const range = '^22.13.0 || >=24.11.0';

describe('the supported Node baseline', () => {
  it.each([
    ['v20.20.2', false],
    ['v22.12.0', false],
    ['v22.13.0', true],
    ['v22.23.3', true],
    ['v23.11.0', false],
    ['v24.10.0', false],
    ['v24.11.0', true],
    ['v26.1.0', true],
  ])('%s supported: %s', (version, ok) => {
    expect(satisfies(version, range)).toBe(ok);
  });

  it('is Node 22 in package.json, and the range is one this check understands', () => {
    const declared = enginesRange();
    expect(baselineMajor(declared)).toBe(22);
    expect(() => satisfies('v22.0.0', declared)).not.toThrow();
  });

  it('tells a user on an old Node how to get a supported one', () => {
    expect(unsupportedNodeMessage('v22.23.3', range)).toBeNull();
    const message = unsupportedNodeMessage('v20.20.2', range);
    expect(message).toContain(
      'Node v20.20.2 is not a supported Node.js (package.json engines: ^22.13.0 || >=24.11.0)',
    );
    expect(message).toContain('the suite needs Node 22 or later and does not run on it');
    expect(message).toContain('PATH="$(bash scripts/node-runtime.sh):$PATH" npm test');
  });
});
