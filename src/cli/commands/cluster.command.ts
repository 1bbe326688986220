import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { itemPath } from '../api-client.js';
import { type CliContext, collect, contextOf, examples } from '../cli-context.js';
import { editLabels, parseLabels } from '../labels.js';
import { formatLabels, formatTime, renderFields, renderTable, stateStyle } from '../output.js';

/** A cluster as the hub returns it. */
export type Cluster = Hub.ClusterDto;

type Registration = Hub.RegistrationDto;

const PATH = '/api/v1/clusters';

function clusterFields(c: Cluster, color: boolean): string {
  return renderFields(
    [
      ['name', c.name],
      ['id', c.id],
      ['labels', formatLabels(c.labels)],
      ['connection', c.connectionState],
      ['last seen', formatTime(c.lastSeenAt)],
      ['agent', c.agentVersion],
      ['kubernetes', c.kubernetesVersion],
      ['created', formatTime(c.createdAt)],
    ],
    color,
  );
}

/** Install commands the hub may send along with a registration (newer hubs do). */
interface JoinCommands {
  helm?: string;
  kubectl?: string;
}

/** A word for a POSIX shell, quoted only when it needs to be. */
const shellWord = (w: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * How to start the agent in the cluster with a registration token: the hub's own Helm line when
 * it sends one (it knows its public URL), else one made from the URL the CLI talks to.
 */
function joinInstructions(hubUrl: string, reg: Registration, join?: JoinCommands): string {
  const helm =
    join?.helm ??
    [
      'helm',
      'upgrade',
      '--install',
      'flotilla-agent',
      'helm/flotilla-agent',
      '--namespace',
      'flotilla-system',
    ]
      .concat([
        '--create-namespace',
        '--set',
        `hubUrl=${hubUrl}`,
        '--set',
        `registrationToken.value=${reg.token}`,
      ])
      .map(shellWord)
      .join(' ');
  const agent = ['flotilla-agent', '--hub-url', hubUrl, '--registration-token', reg.token]
    .map(shellWord)
    .join(' ');
  return [
    '',
    `Registration token (one use, expires ${formatTime(reg.expiresAt)} UTC):`,
    `  ${reg.token}`,
    '',
    'Join the cluster with the Helm chart (from a checkout of Flotilla):',
    `  ${helm}`,
    'or run the agent yourself, with a kubeconfig for the cluster:',
    `  ${agent}`,
    '',
  ].join('\n');
}

async function showRegistration(
  ctx: CliContext,
  cluster: Cluster,
  reg: Registration,
  join?: JoinCommands,
): Promise<void> {
  const api = await ctx.api();
  ctx.emit(
    { ...cluster, registration: reg, ...(join ? { join } : {}) },
    () => clusterFields(cluster, ctx.color) + joinInstructions(api.hubUrl, reg, join),
  );
}

/** `cluster add|list|get|label|delete|token`. */
export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').alias('clusters').description('register and manage clusters');
  examples(cluster, [
    'flotilla cluster add prod-eu-1 -l env=prod -l region=eu',
    'flotilla cluster list -l env=prod',
  ]);

  examples(
    cluster
      .command('add')
      .description('register a cluster; prints its registration token and how to join the agent')
      .argument('<name>', 'cluster name (DNS-1123 label)')
      .option('-l, --label <key=value>', 'a label (repeatable)', collect, [])
      .action(async (name: string, opts: { label: string[] }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const labels = parseLabels(opts.label);
        const api = await ctx.api();
        const created = await api.post<Cluster & { registration: Registration; join?: JoinCommands }>(PATH, {
          name,
          labels,
        });
        const { registration, join, ...c } = created;
        await showRegistration(ctx, c, registration, join);
      }),
    [
      'flotilla cluster add prod-eu-1 -l env=prod -l region=eu',
      'flotilla cluster add edge-7 -o json | jq -r .registration.token',
    ],
  );

  examples(
    cluster
      .command('list')
      .alias('ls')
      .description('list clusters (every page), optionally only those a selector matches')
      .option(
        '-l, --selector <selector>',
        'label selector, Kubernetes syntax (repeatable: ANDed)',
        collect,
        [],
      )
      .action(async (opts: { selector: string[] }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const items = await api.all<Cluster>(PATH, { selector: opts.selector.join(',') || undefined });
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (c) => c.name },
              { header: 'CONNECTION', value: (c) => c.connectionState, style: stateStyle },
              { header: 'LABELS', value: (c) => formatLabels(c.labels) },
              { header: 'AGENT', value: (c) => c.agentVersion },
              { header: 'KUBERNETES', value: (c) => c.kubernetesVersion },
              { header: 'LAST SEEN', value: (c) => formatTime(c.lastSeenAt) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    [
      'flotilla cluster list',
      "flotilla cluster list -l 'env=prod,region in (eu,us)'",
      'flotilla cluster list -o json',
    ],
  );

  examples(
    cluster
      .command('get')
      .description('show one cluster')
      .argument('<name>', 'cluster name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const c = await (await ctx.api()).get<Cluster>(itemPath('clusters', name));
        ctx.emit(c, () => clusterFields(c, ctx.color));
      }),
    ['flotilla cluster get prod-eu-1', 'flotilla cluster get prod-eu-1 -o yaml'],
  );

  examples(
    cluster
      .command('label')
      .description('set (k=v) or remove (k-) labels; the other labels stay as they are')
      .argument('<name>', 'cluster name or id')
      .argument('<edits...>', 'key=value to set, key- to remove')
      .action(async (name: string, edits: string[], _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        // PATCH replaces the whole label set: read it, edit it, write it back.
        const current = await api.get<Cluster>(itemPath('clusters', name));
        const labels = editLabels(current.labels, edits);
        const updated = await api.patch<Cluster>(itemPath('clusters', name), { labels });
        ctx.emit(updated, () => `${updated.name} labels: ${formatLabels(updated.labels)}\n`);
      }),
    ['flotilla cluster label prod-eu-1 tier=edge', 'flotilla cluster label prod-eu-1 region=us tier-'],
  );

  examples(
    cluster
      .command('delete')
      .alias('rm')
      .description('remove a cluster (its agent credential dies with it)')
      .argument('<name>', 'cluster name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        await (await ctx.api()).delete(itemPath('clusters', name));
        ctx.emit({ deleted: name }, () => `cluster ${name} deleted\n`);
      }),
    ['flotilla cluster delete old-dev'],
  );

  examples(
    cluster
      .command('token')
      .description('issue a fresh registration token (the previous one stops working)')
      .argument('<name>', 'cluster name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const reg = await api.post<Registration>(`${itemPath('clusters', name)}/registration-token`);
        const c = await api.get<Cluster>(itemPath('clusters', name));
        await showRegistration(ctx, c, reg);
      }),
    ['flotilla cluster token prod-eu-1'],
  );

  examples(
    cluster
      .command('rotate-key')
      .description(
        "ask the cluster's agent for a new age key (sealed secrets) and list what should be sealed again",
      )
      .argument('<name>', 'cluster name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const r = await (await ctx.api()).post<KeyRotation>(`${itemPath('clusters', name)}/rotate-key`);
        ctx.emit(r, () => {
          const head = `key rotation of ${r.cluster} requested: its agent makes a new key on its next heartbeat (old key ${r.fingerprint} is kept for what is sealed to it)\n`;
          if (r.needsReseal.length === 0)
            return `${head}no sealed secret of its current bundles needs a reseal\n`;
          return (
            `${head}sealed to the old key (run \`flotilla secret reseal\` on their files):\n` +
            renderTable(
              [
                { header: 'APPLICATION', value: (x) => x.application },
                { header: 'SEALED SECRETS', value: (x) => x.objects.join(', ') },
              ],
              r.needsReseal,
              ctx.color,
            )
          );
        });
      }),
    ['flotilla cluster rotate-key prod-eu-1'],
  );
}

/** What POST /clusters/:name/rotate-key answers. */
interface KeyRotation {
  cluster: string;
  fingerprint: string;
  requestedAt: string;
  needsReseal: { application: string; objects: string[] }[];
}
