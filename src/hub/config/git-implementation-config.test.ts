import { describe, expect, it } from 'vitest';
import { loadHubConfig } from './hub-config.js';

describe('FLOTILLA_GIT_IMPLEMENTATION', () => {
  it('defaults to auto and accepts auto, cli and isomorphic', () => {
    expect(loadHubConfig({}).gitImplementation).toBe('auto');
    for (const v of ['auto', 'cli', 'isomorphic'] as const)
      expect(loadHubConfig({ FLOTILLA_GIT_IMPLEMENTATION: v }).gitImplementation).toBe(v);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadHubConfig({ FLOTILLA_GIT_IMPLEMENTATION: 'libgit2' })).toThrow(
      /FLOTILLA_GIT_IMPLEMENTATION must be auto, cli or isomorphic/,
    );
  });
});
