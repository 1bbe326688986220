import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHub } from '../support/hub-harness.js';
import type { VcsFixture } from '../support/vcs-fixtures.js';
import { addGitRepo, type CliSession, startHubWithCli } from './cli-harness.js';

const CM = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "1"\n';

let h: TestHub;
let cli: CliSession;
let fx: VcsFixture;

beforeAll(async () => {
  ({ h, cli } = await startHubWithCli());
  ({ fx } = await addGitRepo(cli, 'platform', { 'apps/team-a/web/cm.yaml': CM, 'apps/team-b/cm.yaml': CM }));
});
afterAll(async () => {
  await cli?.close();
  await h?.close();
  await fx?.close();
});

describe('flotilla project', () => {
  it('creates a project from flags and shows its rules', async () => {
    const created = await cli.json([
      'project',
      'create',
      'team-a',
      '--description',
      'Team A',
      '--source',
      'platform:apps/team-a',
      '--clusters',
      'team=a',
      '--namespace',
      'team-a',
      '--namespace',
      'team-a-*',
      '--deny-kind',
      'rbac.authorization.k8s.io/*',
      '--allow-kind',
      'apps/Deployment',
      '--allow-kind',
      'ConfigMap',
    ]);
    expect(created).toMatchObject({
      name: 'team-a',
      sources: [{ repository: 'platform', path: 'apps/team-a' }],
      clusterSelector: 'team=a',
      objects: {
        namespaces: ['team-a', 'team-a-*'],
        allowedKinds: [
          { group: 'apps', kind: 'Deployment' },
          { group: '', kind: 'ConfigMap' },
        ],
        deniedKinds: [{ group: 'rbac.authorization.k8s.io', kind: '*' }],
        allowSecrets: false,
      },
      plainSecrets: 'warn',
    });
    const shown = await cli.ok(['project', 'get', 'team-a']);
    expect(shown).toMatch(/sources:\s+platform:apps\/team-a\n/);
    expect(shown).toMatch(/denied kinds:\s+rbac\.authorization\.k8s\.io\/\*\n/);
    expect(shown).toMatch(/secrets:\s+refused\n/);
    const list = (await cli.ok(['project', 'list'])).trimEnd().split('\n');
    expect(list[0]).toMatch(/^NAME\s+APPS\s+SOURCES\s+CLUSTERS\s+NAMESPACES$/);
    expect(list.find((l) => l.startsWith('team-a '))).toMatch(
      /^team-a\s+0\s+platform:apps\/team-a\s+team=a\s+team-a,team-a-\*$/,
    );
  });

  it('updates only the rules given', async () => {
    const p = await cli.json([
      'project',
      'update',
      'team-a',
      '--clusters',
      'team=a,env=prod',
      '--allow-secrets',
      '--plain-secrets',
      'deny',
    ]);
    expect(p).toMatchObject({
      clusterSelector: 'team=a,env=prod',
      sources: [{ repository: 'platform', path: 'apps/team-a' }],
      objects: { namespaces: ['team-a', 'team-a-*'], allowSecrets: true },
      plainSecrets: 'deny',
    });
    expect(await cli.ok(['project', 'get', 'team-a'])).toMatch(/plain secrets:\s+deny\n/);
    const bad = await cli.run(['project', 'update', 'team-a', '--plain-secrets', 'sometimes']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--plain-secrets 'sometimes': expected one of deny, warn, allow");
  });

  it('creates an application in the project; one outside it is refused naming the rule', async () => {
    const out = await cli.run([
      'app',
      'create',
      'web-b',
      '--project',
      'team-a',
      '--repo',
      'platform',
      '--path',
      'apps/team-b',
      '--selector',
      'team=a,env=prod',
    ]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("project 'team-a' does not allow deploying from platform:apps/team-b");
    const app = await cli.json([
      'app',
      'create',
      'web-a',
      '--project',
      'team-a',
      '--repo',
      'platform',
      '--path',
      'apps/team-a/web',
      '--selector',
      'env=prod,team=a',
    ]);
    expect(app.project).toBe('team-a');
    expect(await cli.ok(['app', 'get', 'web-a'])).toMatch(/project:\s+team-a\n/);
    const rows = (await cli.ok(['app', 'list', '--project', 'team-a'])).trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+PROJECT\s+REPOSITORY/);
    expect(rows.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([['web-a', 'team-a']]);
  });

  it('refuses to delete a project with applications, then deletes an empty one', async () => {
    const busy = await cli.run(['project', 'delete', 'team-a']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("project 'team-a' still has 1 application");
    await cli.ok(['project', 'create', 'scratch', '--source', '*']);
    expect(await cli.ok(['project', 'delete', 'scratch'])).toBe('project scratch deleted\n');
    const gone = await cli.run(['project', 'get', 'scratch']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("project 'scratch' not found");
  });
});
