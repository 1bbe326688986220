import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub-harness.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliSession, startHubWithCli } from './cli-harness.js';

// `flotilla health-check` and `app --health-checks-file` through the built CLI against a real hub
// on Postgres, with the rules shipped in docs/health-checks.

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';
const CERT_RULE = 'docs/health-checks/cert-manager-certificate.yaml';
const WIDGET = `
group: example.com
kind: Widget
current: status.?phase.orValue("") == "Ready"
`;

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx } = await addGitRepo(cli, 'platform', { 'apps/web/cm.yaml': CM }));
});
afterAll(async () => {
  await cli?.close();
  await h?.close();
  await fx?.close();
});

describe('flotilla health-check', () => {
  it('applies a shipped rule, then replaces it by group/kind, and lists it', async () => {
    expect(await cli.ok(['health-check', 'apply', '-f', CERT_RULE])).toBe(
      'health check cert-manager.io/Certificate created\n',
    );
    expect(await cli.ok(['health-check', 'apply', '-f', CERT_RULE])).toBe(
      'health check cert-manager.io/Certificate replaced\n',
    );
    const list = await cli.ok(['health-check', 'list']);
    expect(list).toMatch(/cert-manager\.io\/Certificate\s+status\.\?conditions/);
    const items = await cli.json(['health-check', 'list']);
    expect(items).toHaveLength(1);
    expect(items[0].current).toContain('c.type == "Ready"');
  });

  it('prints a refused expression with its line and column, and saves nothing', async () => {
    const bad = await cli.run(['health-check', 'apply', '-f', '-'], {
      input: WIDGET.replace('== "Ready"', '== '),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('current: Unexpected token: EOF (line 1, column 29)');
    const typo = await cli.run(['health-check', 'apply', '-f', '-'], { input: `${WIDGET}failde: "true"\n` });
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('unknown field(s) failde');
    expect(await cli.json(['health-check', 'list'])).toHaveLength(1);
  });

  it('tests a rule on an object file without saving it', async () => {
    const object = (
      await readFile(
        'src/domain/health/custom-fixtures/cert-manager-certificate/failed-issuance.yaml',
        'utf8',
      )
    ).split('\n---\n')[1];
    const out = await cli.ok(['health-check', 'test', '-f', CERT_RULE, '--object', '-'], { input: object });
    expect(out).toMatch(/^Failed: health check cert-manager\.io\/Certificate: failed is true/);
    const empty = await cli.run(['health-check', 'test', '-f', CERT_RULE, '--object', '-'], { input: '' });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('-: no object in it');
  });

  it('deletes a rule by GROUP/KIND', async () => {
    expect(await cli.ok(['health-check', 'delete', 'cert-manager.io/Certificate'])).toBe(
      'health check cert-manager.io/Certificate deleted\n',
    );
    const again = await cli.run(['health-check', 'delete', 'cert-manager.io/Certificate']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no health check for cert-manager.io/Certificate');
  });
});

describe('flotilla app --health-checks-file', () => {
  it('creates an application with its own rules, replaces and removes them', async () => {
    const created = await cli.run(
      [
        'app',
        'create',
        'web',
        '--repo',
        'platform',
        '--path',
        'apps/web',
        '--selector',
        'env=cli',
        '--health-checks-file',
        '-',
      ],
      { input: WIDGET },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(await cli.ok(['app', 'get', 'web'])).toMatch(/health checks:\s+example\.com\/Widget/);
    const updated = await cli.ok(['app', 'update', 'web', '--health-checks-file', CERT_RULE]);
    expect(updated).toBe('application web updated (1 health check(s))\n');
    expect((await cli.json(['app', 'get', 'web'])).healthChecks.map((r: { kind: string }) => r.kind)).toEqual(
      ['Certificate'],
    );
    const refused = await cli.run(['app', 'update', 'web', '--health-checks-file', '-'], {
      input: `${WIDGET}---\n${WIDGET}`,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('healthChecks has more than one rule for example.com/Widget');
    expect(await cli.ok(['app', 'update', 'web', '--no-health-checks'])).toBe(
      'application web updated (0 health check(s))\n',
    );
    expect((await cli.json(['app', 'get', 'web'])).healthChecks).toEqual([]);
  });
});
