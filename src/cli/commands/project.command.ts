import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { itemPath } from '../api-client.js';
import { collect, contextOf, examples } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';

type Project = Hub.ProjectDto;
type GroupKind = Hub.GroupKindDto;

const PATH = '/api/v1/projects';

/** `platform:apps/team-a` → a source; `*` any repository. */
export function parseSource(text: string): Hub.ProjectSourceDto {
  const at = text.indexOf(':');
  const repository = at < 0 ? text : text.slice(0, at);
  const path = at < 0 ? '' : text.slice(at + 1);
  if (!repository) throw new UsageError(`--source '${text}': expected REPOSITORY[:PATH] (or '*')`);
  return path ? { repository, path } : { repository };
}

/** `apps/Deployment`, `Secret` (core group), `rbac.authorization.k8s.io/*`, `*` + `/*`. */
export function parseGroupKind(text: string, flag: string): GroupKind {
  const at = text.lastIndexOf('/');
  const kind = text.slice(at + 1);
  if (!kind) throw new UsageError(`${flag} '${text}': expected [GROUP/]KIND, e.g. apps/Deployment or Secret`);
  return { group: at < 0 ? '' : text.slice(0, at), kind };
}

/** `apps/Deployment`, or `Secret` for the core group. */
export function formatGroupKind(gk: GroupKind): string {
  return gk.group ? `${gk.group}/${gk.kind}` : gk.kind;
}

function sourceText(s: Hub.ProjectSourceDto): string {
  return s.path ? `${s.repository}:${s.path}` : s.repository;
}

interface RuleOptions {
  description?: string;
  source: string[];
  clusters?: string;
  namespace: string[];
  allowKind: string[];
  denyKind: string[];
  allowSecrets?: boolean;
  plainSecrets?: string;
}

const PLAIN_SECRETS = ['deny', 'warn', 'allow'] as const;

/** `--plain-secrets` checked here, so a typo is a usage error rather than a round trip. */
function plainSecretsOf(o: RuleOptions): Pick<Hub.CreateProjectDto, 'plainSecrets'> {
  if (o.plainSecrets === undefined) return {};
  const mode = PLAIN_SECRETS.find((m) => m === o.plainSecrets);
  if (!mode)
    throw new UsageError(`--plain-secrets '${o.plainSecrets}': expected one of ${PLAIN_SECRETS.join(', ')}`);
  return { plainSecrets: mode };
}

function withRuleOptions(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'what the project is for')
    .option(
      '--source <repo[:path]>',
      "repository (or '*') and optional path prefix it may deploy from (repeatable)",
      collect,
      [],
    )
    .option('--clusters <selector>', "label selector of the clusters it may deploy to ('' every cluster)")
    .option(
      '--namespace <name-or-glob>',
      'namespace objects may land in, e.g. team-a or team-a-* (repeatable)',
      collect,
      [],
    )
    .option(
      '--allow-kind <group/kind>',
      'kind allowed (repeatable; cluster-scoped kinds only when listed)',
      collect,
      [],
    )
    .option('--deny-kind <group/kind>', 'kind refused whatever else says (repeatable)', collect, [])
    .option('--allow-secrets', 'allow plain v1/Secret objects')
    .option('--no-allow-secrets', 'refuse plain v1/Secret objects')
    .option(
      '--plain-secrets <mode>',
      'a plain (unencrypted) v1/Secret: deny, warn (shown and audited; default for a new project) or allow',
    );
}

function renderProject(p: Project, color: boolean): string {
  return renderFields(
    [
      ['name', p.name],
      ['description', p.description],
      ['applications', p.applications],
      ['sources', p.sources.map(sourceText).join(', ') || '(none)'],
      ['clusters', p.clusterSelector || '(every cluster)'],
      ['namespaces', p.objects.namespaces.join(', ') || '(none)'],
      ['allowed kinds', p.objects.allowedKinds.map(formatGroupKind).join(', ') || '(every namespaced kind)'],
      ['denied kinds', p.objects.deniedKinds.map(formatGroupKind).join(', ') || '(none)'],
      ['secrets', p.objects.allowSecrets ? 'allowed' : 'refused'],
      ['plain secrets', p.plainSecrets],
      ['created', formatTime(p.createdAt)],
    ],
    color,
  );
}

/** `project list|get|create|update|delete`. */
export function registerProjectCommands(program: Command): void {
  const project = program
    .command('project')
    .alias('projects')
    .description('projects: where applications may deploy from and to, and what (changes: admin role)');
  examples(project, [
    'flotilla project create team-a --source platform:apps/team-a --clusters team=a --namespace "team-a-*"',
    'flotilla project get team-a',
  ]);

  examples(
    project
      .command('list')
      .alias('ls')
      .description('list the projects you can see')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (await ctx.api()).all<Project>(PATH);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (p) => p.name },
              { header: 'APPS', value: (p) => String(p.applications) },
              { header: 'SOURCES', value: (p) => p.sources.map(sourceText).join(',') },
              { header: 'CLUSTERS', value: (p) => p.clusterSelector || '*' },
              { header: 'NAMESPACES', value: (p) => p.objects.namespaces.join(',') },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla project list', 'flotilla project list -o json'],
  );

  examples(
    project
      .command('get')
      .description("show a project's rules")
      .argument('<name>', 'project name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const p = await (await ctx.api()).get<Project>(itemPath('projects', name));
        ctx.emit(p, () => renderProject(p, ctx.color));
      }),
    ['flotilla project get team-a -o yaml'],
  );

  examples(
    withRuleOptions(
      project
        .command('create')
        .description('create a project (admin); unlisted kinds that are cluster-scoped are refused')
        .argument('<name>', 'project name'),
    ).action(async (name: string, o: RuleOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (o.source.length === 0) throw new UsageError('at least one --source is needed');
      const body: Hub.CreateProjectDto = {
        name,
        ...(o.description !== undefined ? { description: o.description } : {}),
        sources: o.source.map(parseSource),
        clusterSelector: o.clusters ?? '',
        objects: {
          namespaces: o.namespace,
          allowedKinds: o.allowKind.map((k) => parseGroupKind(k, '--allow-kind')),
          deniedKinds: o.denyKind.map((k) => parseGroupKind(k, '--deny-kind')),
          allowSecrets: o.allowSecrets ?? false,
        },
        ...plainSecretsOf(o),
      };
      const p = await (await ctx.api()).post<Project>(PATH, body);
      ctx.emit(p, () => renderProject(p, ctx.color));
    }),
    [
      'flotilla project create team-a --source platform:apps/team-a --clusters team=a --namespace team-a --namespace "team-a-*" --deny-kind "rbac.authorization.k8s.io/*"',
    ],
  );

  examples(
    withRuleOptions(
      project
        .command('update')
        .description('change a project (admin); each option given replaces that rule, others stay')
        .argument('<name>', 'project name or id'),
    ).action(async (name: string, o: RuleOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const path = itemPath('projects', name);
      const objectsChanged =
        o.namespace.length > 0 ||
        o.allowKind.length > 0 ||
        o.denyKind.length > 0 ||
        o.allowSecrets !== undefined;
      const current = objectsChanged ? await api.get<Project>(path) : null;
      const body: Hub.UpdateProjectDto = {
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...plainSecretsOf(o),
        ...(o.source.length > 0 ? { sources: o.source.map(parseSource) } : {}),
        ...(o.clusters !== undefined ? { clusterSelector: o.clusters } : {}),
        ...(current
          ? {
              objects: {
                namespaces: o.namespace.length > 0 ? o.namespace : current.objects.namespaces,
                allowedKinds:
                  o.allowKind.length > 0
                    ? o.allowKind.map((k) => parseGroupKind(k, '--allow-kind'))
                    : current.objects.allowedKinds,
                deniedKinds:
                  o.denyKind.length > 0
                    ? o.denyKind.map((k) => parseGroupKind(k, '--deny-kind'))
                    : current.objects.deniedKinds,
                allowSecrets: o.allowSecrets ?? current.objects.allowSecrets,
              },
            }
          : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give at least one option');
      const p = await api.patch<Project>(path, body);
      ctx.emit(p, () => renderProject(p, ctx.color));
    }),
    [
      'flotilla project update team-a --clusters "team=a,env in (dev,prod)"',
      'flotilla project update team-a --plain-secrets deny',
    ],
  );

  examples(
    project
      .command('delete')
      .alias('rm')
      .description('delete a project without applications (admin); default cannot be deleted')
      .argument('<name>', 'project name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        await (await ctx.api()).delete(itemPath('projects', name));
        ctx.emit({ deleted: name }, () => `project ${name} deleted\n`);
      }),
    ['flotilla project delete team-a'],
  );
}
