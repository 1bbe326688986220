import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { baselineMajor, enginesRange, satisfies, unsupportedNodeMessage } from './node-baseline.mjs';

const range = '^22.19.0 || >=24.11.0';

describe('the supported Node baseline', () => {
  it.each([
    ['v20.20.2', false],
    ['v22.12.0', false],
    ['v22.18.0', false],
    ['v22.19.0', true],
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
      'Node v20.20.2 is not a supported Node.js (package.json engines: ^22.19.0 || >=24.11.0)',
    );
    expect(message).toContain('the tests need Node 22.19.0 or later and do not run on it');
    expect(message).toContain('PATH="$(bash scripts/node-runtime.sh):$PATH" npm test');
  });

  it('names the command that refused, so the fix is the command to rerun', () => {
    const message = unsupportedNodeMessage('v22.18.0', range, 'npm run test:k8s');
    expect(message).toMatch(/^npm run test:k8s: Node v22.18.0 is not a supported Node.js/);
    expect(message).toContain('PATH="$(bash scripts/node-runtime.sh):$PATH" npm run test:k8s');
  });

  it('is checked by every npm script that starts vitest, not only `npm test`', () => {
    const scripts = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const vitestScripts = Object.entries(scripts).filter(([, command]) => /\bvitest\b/.test(command));
    expect(vitestScripts.map(([name]) => name)).toEqual(['test:unit', 'test:k8s']);
    for (const [name, command] of vitestScripts)
      expect(command).toMatch(new RegExp(`^node scripts/check-node\\.mjs "npm run ${name}" && vitest `));
    expect(scripts.test).toBe('node scripts/test.mjs');
  });
});

describe('package.json engines against the locked dependency tree', () => {
  // The full semver grammar (dependencies write "18 || 20 || >=22", "^12.22.0 || >=16.0.0", ...).
  const semver = createRequire(import.meta.url)('semver') as {
    satisfies(version: string, range: string): boolean;
    minVersion(range: string): { version: string } | null;
  };
  const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Record<string, { version?: string; optional?: boolean; engines?: { node?: string } }>;
  };

  it('allows no Node that an installed dependency refuses (e.g. undici 8 of client-node 2 needs 22.19)', () => {
    const declared = enginesRange();
    // The oldest release each alternative of the range allows: a dependency that needs more
    // than that fails (or warns at `npm ci`) on a Node the project claims to support.
    const oldest = declared.split('||').map((part) => semver.minVersion(part.trim())!.version);
    const refusals = Object.entries(lock.packages)
      // Platform-specific optional packages (other OS/CPU builds) are never installed here.
      .filter(([path, pkg]) => path !== '' && !pkg.optional && pkg.engines?.node)
      .flatMap(([path, pkg]) =>
        oldest
          .filter((v) => !semver.satisfies(v, pkg.engines!.node!))
          .map(
            (v) =>
              `${path.replace(/^.*node_modules\//, '')}@${pkg.version} (${pkg.engines!.node}) refuses ${v}`,
          ),
      );
    expect(refusals).toEqual([]);
  });
});
