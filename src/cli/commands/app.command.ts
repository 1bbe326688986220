import { readHealthChecksFile } from './health-check.command.js';
import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { type ApiClient, ApiError, itemPath } from '../api-client.js';
import { type CliContext, collect, contextOf, examples, positiveInt } from '../cli-context.js';
import { CliError, UsageError } from '../errors.js';
import { parseLabels } from '../labels.js';
import { formatTime, renderTable, stateStyle } from '../output.js';
import { readStdin } from '../prompt.js';
import { parseSpecs, patchOf, unchanged } from './app-spec.js';
import { registerAppDiffCommand } from './app-diff.js';
import { readStrategyFile, registerAppRolloutCommands } from './app-rollout.js';
import { registerAppSyncCommand } from './app-sync.js';
import { sourceFromOptions, sourceOptions } from './app-source.js';
import { printFleetStatus, queryOf, statusOptions } from './fleet.command.js';
import {
  type Application,
  type ApplicationDetail,
  type ApplicationSpec,
  type SyncResult,
} from './app-types.js';
import { policy, renderDetail, selectors, syncLine } from './app-view.js';
import { readFile } from 'node:fs/promises';

type Deployment = Hub.DeploymentDto;

const APPS = '/api/v1/applications';

async function repoName(api: ApiClient, id: string): Promise<string> {
  try {
    return (await api.get<{ name: string }>(itemPath('repositories', id))).name;
  } catch {
    return id;
  }
}

/** Creates or updates one application from its spec: what `app apply` did with it. */
async function applySpec(
  api: ApiClient,
  spec: ApplicationSpec,
): Promise<{ app: Application; result: string }> {
  let current: Application | null = null;
  try {
    current = await api.get<Application>(itemPath('applications', spec.name));
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  if (!current) return { app: await api.post<Application>(APPS, spec), result: 'created' };
  const repo = await api.get<{ id: string }>(itemPath('repositories', spec.repositoryId));
  if (repo.id !== current.repositoryId)
    throw new CliError(`application ${spec.name}: its repository cannot change (delete it and apply again)`);
  let result = 'unchanged';
  let app = current;
  const patch = patchOf(spec);
  if (!unchanged(current, patch)) {
    app = await api.patch<Application>(itemPath('applications', spec.name), patch);
    result = 'configured';
  }
  if (spec.revision && spec.revision !== current.revision) {
    await api.post(`${itemPath('applications', spec.name)}/rollback`, { revision: spec.revision });
    result = 'configured';
  }
  return { app, result };
}

async function simple(ctx: CliContext, name: string, verb: string, body?: unknown): Promise<void> {
  const r = await (await ctx.api()).post<SyncResult>(`${itemPath('applications', name)}/${verb}`, body);
  ctx.emit(r, () => syncLine(r));
}

/** `app create|update|apply|list|get|status|sync|rollout|diff|history|rollback|unpin|delete`. */
export function registerAppCommands(program: Command): void {
  const app = program
    .command('app')
    .alias('apps')
    .description('deploy repository paths to the clusters a selector picks');
  examples(app, [
    'flotilla app create web --repo manifests --path apps/web --selector env=prod --auto',
    'flotilla app get web',
  ]);

  examples(
    sourceOptions(
      app
        .command('create')
        .description('create an application with one target')
        .argument('<name>', 'application name')
        .requiredOption('--repo <repo>', 'repository name or id')
        .requiredOption('--path <path>', 'directory of manifests in the repository')
        .requiredOption('--selector <selector>', 'clusters to deploy to (label selector)')
        .option(
          '--project <project>',
          "project it belongs to (default 'default'); it must fit the project's rules",
        )
        .option('--namespace <ns>', 'namespace for namespaced objects that name none')
        .option('--value <key=value>', 'a ${values.KEY} for rendering (repeatable)', collect, [])
        .option('--revision <rev>', 'pin a revision instead of following the branch/path')
        .option('--auto', 'sync automatically on new revisions')
        .option('--prune', 'delete objects that left the repository')
        .option('--self-heal', 'undo drift in the clusters')
        .option('--rollout-file <file>', 'staged rollout strategy, YAML or JSON (- for stdin)')
        .option(
          '--depends-on <app>',
          'an application (same project) that must be Synced and Healthy on a cluster first (repeatable)',
          collect,
          [],
        )
        .option(
          '--health-checks-file <file>',
          'custom health checks of its objects, YAML or JSON (- for stdin)',
        ),
    ).action(
      async (name: string, o: Record<string, string | string[] | boolean | undefined>, cmd: Command) => {
        const ctx = contextOf(cmd);
        const source = await sourceFromOptions(o);
        const rollout = o.rolloutFile ? await readStrategyFile(o.rolloutFile as string) : undefined;
        const healthChecks = o.healthChecksFile
          ? await readHealthChecksFile(o.healthChecksFile as string)
          : undefined;
        const spec: ApplicationSpec = {
          name,
          ...(o.project !== undefined ? { project: o.project as string } : {}),
          repositoryId: o.repo as string,
          path: o.path as string,
          revision: o.revision as string | undefined,
          ...(source !== undefined ? { source } : {}),
          targets: [
            {
              clusterSelector: o.selector as string,
              namespace: o.namespace as string | undefined,
              values: parseLabels(o.value as string[]),
            },
          ],
          syncPolicy: { automated: !!o.auto, prune: !!o.prune, selfHeal: !!o.selfHeal },
          ...(rollout ? { rollout } : {}),
          ...((o.dependsOn as string[]).length ? { dependsOn: o.dependsOn as string[] } : {}),
          ...(healthChecks ? { healthChecks } : {}),
        };
        const created = await (await ctx.api()).post<Application>(APPS, spec);
        ctx.emit(created, () => `application ${created.name} created (${policy(created)})\n`);
      },
    ),
    [
      'flotilla app create web --repo manifests --path apps/web --selector env=prod --namespace web --auto --prune',
      'flotilla app create web --repo manifests --path apps/web --selector "region in (eu,us)" --value replicas=3',
      'flotilla app create web-a --project team-a --repo platform --path apps/team-a/web --selector team=a,env=prod',
      'flotilla app create web --repo charts --path charts/web --selector env=prod --source helm --release-name web --helm-values values-prod.yaml --helm-set-file ./web-values.yaml',
      "flotilla app create shop --repo platform --path apps/shop --selector env --kustomize-path 'overlays/${cluster.labels.env}'",
      'flotilla app create web --repo manifests --path apps/web --selector env=prod --auto --rollout-file rollout.yaml',
    ],
  );

  examples(
    app
      .command('update')
      .description("change an application's staged rollout strategy, dependencies or health checks")
      .argument('<name>', 'application name or id')
      .option('--rollout-file <file>', 'staged rollout strategy, YAML or JSON (- for stdin)')
      .option('--no-rollout', 'remove the strategy: changes reach every cluster at once')
      .option(
        '--depends-on <app>',
        'replace its dependencies with these applications (repeatable)',
        collect,
        [],
      )
      .option('--no-depends-on', 'remove every dependency')
      .option('--health-checks-file <file>', 'replace its custom health checks with these (YAML or JSON)')
      .option('--no-health-checks', 'remove its custom health checks')
      .action(
        async (
          name: string,
          o: {
            rolloutFile?: string;
            rollout: boolean;
            dependsOn: string[] | false;
            healthChecksFile?: string;
            healthChecks: boolean;
          },
          cmd: Command,
        ) => {
          const ctx = contextOf(cmd);
          if (o.rolloutFile && !o.rollout)
            throw new UsageError('give --rollout-file or --no-rollout, not both');
          const depends = o.dependsOn === false ? [] : o.dependsOn.length ? o.dependsOn : undefined;
          const rolloutChange = !!o.rolloutFile || !o.rollout;
          if (o.healthChecksFile && !o.healthChecks)
            throw new UsageError('give --health-checks-file or --no-health-checks, not both');
          const checks = o.healthChecksFile
            ? await readHealthChecksFile(o.healthChecksFile)
            : o.healthChecks
              ? undefined
              : [];
          if (!rolloutChange && depends === undefined && checks === undefined)
            throw new UsageError(
              'nothing to change: give --rollout-file, --no-rollout, --depends-on, --no-depends-on, --health-checks-file or --no-health-checks',
            );
          const rollout = o.rolloutFile ? await readStrategyFile(o.rolloutFile) : null;
          const updated = await (
            await ctx.api()
          ).patch<Application>(itemPath('applications', name), {
            ...(rolloutChange ? { rollout } : {}),
            ...(depends !== undefined ? { dependsOn: depends } : {}),
            ...(checks !== undefined ? { healthChecks: checks } : {}),
          });
          const said = [
            ...(rolloutChange
              ? [rollout ? `rollout in ${rollout.stages.length} stage(s)` : 'no staged rollout']
              : []),
            ...(depends !== undefined
              ? [depends.length ? `depends on ${depends.join(', ')}` : 'no dependencies']
              : []),
            ...(checks !== undefined ? [`${checks.length} health check(s)`] : []),
          ];
          ctx.emit(updated, () => `application ${updated.name} updated (${said.join('; ')})\n`);
        },
      ),
    [
      'flotilla app update web --rollout-file rollout.yaml',
      'flotilla app update web --no-rollout',
      'flotilla app update web --depends-on cert-manager --depends-on db',
      'flotilla app update web --no-depends-on',
      'flotilla app update certs --health-checks-file docs/health-checks/cert-manager-certificate.yaml',
    ],
  );

  examples(
    app
      .command('apply')
      .description('create or update applications from a YAML spec (idempotent)')
      .requiredOption('-f, --file <file>', 'YAML with the fields of POST /api/v1/applications (- for stdin)')
      .action(async (o: { file: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        let text: string;
        try {
          text = o.file === '-' ? await readStdin() : await readFile(o.file, 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
        }
        const api = await ctx.api();
        const out: { name: string; result: string; application: Application }[] = [];
        for (const spec of parseSpecs(text, o.file)) {
          const { app: a, result } = await applySpec(api, spec);
          out.push({ name: a.name, result, application: a });
          if (ctx.format === 'table') ctx.print(`application ${a.name} ${result}\n`);
        }
        if (ctx.format !== 'table') ctx.emit(out, () => '');
      }),
    ['flotilla app apply -f web.yaml', 'cat apps/*.yaml | flotilla app apply -f -'],
  );

  examples(
    app
      .command('list')
      .alias('ls')
      .description('list applications')
      .option('--project <project>', 'only applications of this project')
      .action(async (o: { project?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const items = await api.all<Application>(APPS, { project: o.project });
        const repos = new Map(
          (await api.all<{ id: string; name: string }>('/api/v1/repositories')).map((r) => [r.id, r.name]),
        );
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (a) => a.name },
              { header: 'PROJECT', value: (a) => a.project },
              { header: 'REPOSITORY', value: (a) => repos.get(a.repositoryId) ?? a.repositoryId },
              { header: 'PATH', value: (a) => a.path },
              { header: 'SELECTOR', value: (a) => selectors(a) },
              { header: 'POLICY', value: (a) => policy(a) },
              { header: 'PINNED', value: (a) => a.revision },
              { header: 'CREATED', value: (a) => formatTime(a.createdAt) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla app list', 'flotilla app list --project team-a -o json'],
  );

  examples(
    app
      .command('get')
      .description('show an application and where it stands on each target cluster')
      .argument('<name>', 'application name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const d = await api.get<ApplicationDetail>(itemPath('applications', name));
        const repo = ctx.format === 'table' ? await repoName(api, d.repositoryId) : d.repositoryId;
        ctx.emit(d, () => renderDetail(d, repo, ctx.color));
      }),
    ['flotilla app get web', 'flotilla app get web -o yaml'],
  );

  examples(
    statusOptions(
      app
        .command('status')
        .description('where the application stands on each cluster, filtered, with counts')
        .argument('<name>', 'application name or id'),
    ).action(async (name: string, o: Parameters<typeof queryOf>[0] & { limit: number }, cmd: Command) => {
      await printFleetStatus(contextOf(cmd), { ...queryOf(o), application: name }, o.limit);
    }),
    ['flotilla app status web', 'flotilla app status web --sync Failed -l env=prod'],
  );

  registerAppSyncCommand(app);
  registerAppRolloutCommands(app);
  registerAppDiffCommand(app);

  examples(
    app
      .command('history')
      .description('every deployment of the application, newest first')
      .argument('<name>', 'application name or id')
      .option('--limit <n>', 'at most this many', (v) => positiveInt(v, 'limit'), 20)
      .action(async (name: string, o: { limit: number }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (
          await ctx.api()
        ).all<Deployment>(`${itemPath('applications', name)}/history`, {}, o.limit);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'REVISION', value: (d) => d.revisionDisplay },
              { header: 'TRIGGER', value: (d) => d.trigger },
              { header: 'ACTOR', value: (d) => d.actor },
              { header: 'CLUSTERS', value: (d) => d.clusters },
              { header: 'OUTCOME', value: (d) => d.outcome, style: stateStyle },
              {
                header: 'JOBS',
                value: (d) =>
                  Object.entries(d.jobs)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(','),
              },
              { header: 'TIME', value: (d) => formatTime(d.createdAt) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla app history web', 'flotilla app history web --limit 5 -o json'],
  );

  examples(
    app
      .command('rollback')
      .description('pin the application to a revision (automation pauses until unpin)')
      .argument('<name>', 'application name or id')
      .argument('<revision>', 'revision to go back to (see app history / repo log)')
      .action((name: string, revision: string, _o: unknown, cmd: Command) =>
        simple(contextOf(cmd), name, 'rollback', { revision }),
      ),
    ['flotilla app rollback web 1a2b3c4'],
  );

  examples(
    app
      .command('unpin')
      .description('follow the newest revision again (undoes a rollback)')
      .argument('<name>', 'application name or id')
      .action((name: string, _o: unknown, cmd: Command) => simple(contextOf(cmd), name, 'unpin')),
    ['flotilla app unpin web'],
  );

  examples(
    app
      .command('delete')
      .alias('rm')
      .description('delete the application (removal jobs run first where it is deployed)')
      .argument('<name>', 'application name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const res = await (await ctx.api()).delete(itemPath('applications', name));
        const removing = res.status === 202;
        ctx.emit({ name, removing }, () =>
          removing
            ? `application ${name}: removal jobs queued; it goes when they finish\n`
            : `application ${name} deleted\n`,
        );
      }),
    ['flotilla app delete web'],
  );
}
