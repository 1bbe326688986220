import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub-harness.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliSession, startHubWithCli } from './cli-harness.js';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';
const SPEC = `
name: team-apps
repositoryId: platform
directories:
  glob: apps/*
template:
  name: team-\${dir.name}
  path: \${dir.path}
  targets:
    - clusterSelector: env=cli
  syncPolicy: { automated: true, prune: true, selfHeal: false }
`;

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx } = await addGitRepo(cli, 'platform', { 'apps/web/cm.yaml': CM, 'apps/api/cm.yaml': CM }));
});
afterAll(async () => {
  await cli?.close();
  await h?.close();
  await fx?.close();
});

describe('flotilla generator', () => {
  it('applies a spec from stdin, lists and shows the generated applications', async () => {
    expect(await cli.ok(['generator', 'apply', '-f', '-'], { input: SPEC })).toBe(
      'generator team-apps created: 2 application(s)\n',
    );
    const list = await cli.ok(['generator', 'list']);
    expect(list).toMatch(/team-apps\s+default\s+directories\(apps\/\*\)\s+2\s+0/);
    const shown = await cli.ok(['generator', 'get', 'team-apps']);
    expect(shown).toContain('team-api, team-web');
    const g = await cli.json(['generator', 'get', 'team-apps']);
    expect(g.applications.map((a: { generatedBy: string }) => a.generatedBy)).toEqual([g.id, g.id]);
  });

  it('applying again updates; a direct change of a generated application is refused naming the generator', async () => {
    const out = await cli.ok(['generator', 'apply', '-f', '-'], {
      input: SPEC.replace('env=cli', 'env=cli2'),
    });
    expect(out).toBe('generator team-apps updated: 2 application(s)\n');
    const app = await cli.json(['app', 'get', 'team-web']);
    expect(app.targets).toEqual([{ clusterSelector: 'env=cli2' }]);
    const del = await cli.run(['app', 'delete', 'team-web']);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain("generator 'team-apps'");
  });

  it('refuses unknown fields before asking the hub, refreshes and deletes', async () => {
    const bad = await cli.run(['generator', 'apply', '-f', '-'], { input: `${SPEC}\nglobs: x\n` });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown field(s) globs');
    expect((await cli.json(['generator', 'refresh', 'team-apps'])).status.applications).toEqual([
      'team-api',
      'team-web',
    ]);
    expect(await cli.ok(['generator', 'delete', 'team-apps'])).toBe('generator team-apps deleted\n');
    expect((await cli.run(['app', 'get', 'team-web'])).code).not.toBe(0);
  });
});
