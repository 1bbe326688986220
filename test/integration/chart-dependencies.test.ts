import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/domain/egress-policy.js';
import {
  EgressGuard,
  EgressRefusedError,
  GuardedChartDownloader,
  VcsAuthenticationError,
  vendorChartDependencies,
} from '../../src/vcs/index.js';
import { startChartRepoServer, type ChartRepoServer } from '../support/chart-repo-server.js';
import { ensureHelm } from '../support/helm-binary.js';
import { run } from '../support/vcs-process.js';

const SECRET = 'dep-pa55-Wx19-very-secret';

let helm: string;
let server: ChartRepoServer;
let authServer: ChartRepoServer;
let work: string;
let fetch: GuardedChartDownloader;

const COMMON_CM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-from-common
data:
  greeting: {{ .Values.greeting | default "hello" | quote }}
`;

/** A parent chart's files (relative to its directory) depending on `deps`. */
function parentChart(deps: { name: string; version: string; repository: string }[], lock = true) {
  const list = deps
    .map(
      (d) =>
        `  - name: ${d.name}\n    version: ${JSON.stringify(d.version)}\n    repository: ${JSON.stringify(d.repository)}\n`,
    )
    .join('');
  const files = new Map<string, Buffer>([
    ['Chart.yaml', Buffer.from(`apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n${list}`)],
    [
      'templates/own.yaml',
      Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-own\n'),
    ],
  ]);
  if (lock)
    files.set(
      'Chart.lock',
      Buffer.from(
        `dependencies:\n${list}digest: sha256:${'0'.repeat(64)}\ngenerated: "2026-11-28T00:00:00Z"\n`,
      ),
    );
  return files;
}

beforeAll(async () => {
  helm = await ensureHelm();
  work = await mkdtemp(join(tmpdir(), 'flotilla-chart-deps-'));
  server = await startChartRepoServer({ helm });
  authServer = await startChartRepoServer({ helm, auth: { username: 'bot', password: SECRET } });
  await server.publish('common', '0.3.0', { 'templates/cm.yaml': COMMON_CM });
  await server.publish('common', '0.4.0', { 'templates/cm.yaml': COMMON_CM });
  await authServer.publish('secretlib', '1.0.0', {
    'templates/cm.yaml': COMMON_CM.replace('from-common', 'from-secretlib'),
  });
  const allow = [server, authServer].map((s) => new URL(s.url).host).join(',');
  fetch = new GuardedChartDownloader(new EgressGuard(parseAllowList(allow)));
}, 600_000);

afterAll(async () => {
  await server?.close();
  await authServer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function helmTemplate(files: Map<string, Buffer>, name: string): Promise<string> {
  const dir = join(work, name);
  for (const [file, content] of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return run(helm, ['template', 'rel', dir], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      HELM_CACHE_HOME: join(work, '.c'),
      HELM_CONFIG_HOME: join(work, '.f'),
    },
  });
}

describe('vendorChartDependencies against a real chart repository', () => {
  it('adds charts/<name>-<version>.tgz for a Chart.lock dependency, and the real helm template renders it', async () => {
    const files = parentChart([{ name: 'common', version: '0.3.0', repository: server.url }]);
    const out = await vendorChartDependencies(files, { fetch, credentialsFor: () => null });
    expect([...out.keys()].sort()).toEqual([
      'Chart.lock',
      'Chart.yaml',
      'charts/common-0.3.0.tgz',
      'templates/own.yaml',
    ]);
    expect(files.has('charts/common-0.3.0.tgz')).toBe(false); // the input is left alone
    const rendered = await helmTemplate(out, 'locked');
    expect(rendered).toContain('name: rel-own');
    expect(rendered).toContain('name: rel-from-common');
    expect(rendered).toContain('greeting: "hello"');
  });

  it('reads Chart.yaml dependencies when there is no Chart.lock, but only with exact versions', async () => {
    const exact = parentChart([{ name: 'common', version: '0.4.0', repository: server.url }], false);
    const out = await vendorChartDependencies(exact, { fetch, credentialsFor: () => null });
    expect(out.has('charts/common-0.4.0.tgz')).toBe(true);
    const range = parentChart([{ name: 'common', version: '^0.3.0', repository: server.url }], false);
    await expect(vendorChartDependencies(range, { fetch, credentialsFor: () => null })).rejects.toThrow(
      "Chart.yaml: dependency 'common' needs an exact version (or a Chart.lock), not '^0.3.0'",
    );
  });

  it('leaves vendored dependencies alone and does not download them', async () => {
    const files = parentChart([{ name: 'common', version: '0.3.0', repository: server.url }]);
    files.set('charts/common-0.3.0.tgz', Buffer.from('already here'));
    const before = server.requests.get('/index.yaml') ?? 0;
    const out = await vendorChartDependencies(files, { fetch, credentialsFor: () => null });
    expect(out.get('charts/common-0.3.0.tgz')!.toString()).toBe('already here');
    expect(server.requests.get('/index.yaml') ?? 0).toBe(before);
  });

  it('refuses OCI, unvendored file:// and alias repositories with clear messages', async () => {
    const one = (repository: string) =>
      vendorChartDependencies(parentChart([{ name: 'common', version: '0.3.0', repository }]), {
        fetch,
        credentialsFor: () => null,
      });
    await expect(one('oci://registry.example.com/charts')).rejects.toThrow(
      /OCI registries are not supported yet/,
    );
    await expect(one('file://../common')).rejects.toThrow(
      /is local, so the chart must be vendored under charts\//,
    );
    await expect(one('@stable')).rejects.toThrow(/aliases such as @name need the URL/);
  });

  it('uses the credentials credentialsFor gives for that repository, and fails without them', async () => {
    const files = parentChart([{ name: 'secretlib', version: '1.0.0', repository: authServer.url }]);
    const asked: string[] = [];
    const out = await vendorChartDependencies(files, {
      fetch,
      credentialsFor: (url) => {
        asked.push(url);
        return url === authServer.url ? { username: 'bot', password: SECRET } : null;
      },
    });
    expect(asked).toEqual([authServer.url]);
    expect(await helmTemplate(out, 'authed')).toContain('name: rel-from-secretlib');
    const err = await vendorChartDependencies(files, { fetch, credentialsFor: () => null }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(VcsAuthenticationError);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('checks the archive against the index digest and is bounded', async () => {
    await server.publishRaw(
      'common',
      '9.9.9',
      Buffer.from('not the archive the index vouches for'),
      'e'.repeat(64),
    );
    const tampered = parentChart([{ name: 'common', version: '9.9.9', repository: server.url }]);
    await expect(vendorChartDependencies(tampered, { fetch, credentialsFor: () => null })).rejects.toThrow(
      /dependency 'common' 9\.9\.9: archive digest sha256:[0-9a-f]{64} does not match the index/,
    );
    const ok = parentChart([{ name: 'common', version: '0.3.0', repository: server.url }]);
    await expect(
      vendorChartDependencies(ok, { fetch, credentialsFor: () => null, maxArchiveBytes: 100 }),
    ).rejects.toMatchObject({ kind: 'too-large' });
    await expect(
      vendorChartDependencies(
        parentChart([
          { name: 'common', version: '0.3.0', repository: server.url },
          { name: 'common', version: '0.4.0', repository: server.url },
        ]),
        { fetch, credentialsFor: () => null, maxDependencies: 1 },
      ),
    ).rejects.toThrow('chart declares 2 dependencies, more than 1');
  });

  it('applies the egress policy to dependency downloads', async () => {
    const refused = new GuardedChartDownloader(new EgressGuard([]));
    const files = parentChart([{ name: 'common', version: '0.3.0', repository: server.url }]);
    await expect(
      vendorChartDependencies(files, { fetch: refused, credentialsFor: () => null }),
    ).rejects.toBeInstanceOf(EgressRefusedError);
  });
});
