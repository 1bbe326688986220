import { type Command, InvalidArgumentError } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { type ApiClient, ApiError, itemPath, type Query } from '../api-client.js';
import { type CliContext, contextOf, examples, positiveInt } from '../cli-context.js';
import { parseDuration, parseTimeArg } from '../duration.js';
import { CliError } from '../errors.js';
import { formatTime, paint, renderTable, serialize, shortRevision } from '../output.js';

type AuditEvent = Hub.AuditEventDto;

interface AuditOptions {
  cluster?: string;
  app?: string;
  repo?: string;
  project?: string;
  resource?: string;
  actor?: string;
  action?: string;
  revision?: string;
  since?: string;
  until?: string;
  limit: number;
  follow?: boolean;
  interval: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The audit API filters by id: names are looked up first (ids pass through). */
async function idOf(
  api: ApiClient,
  collection: string,
  nameOrId: string | undefined,
): Promise<string | undefined> {
  if (!nameOrId || UUID.test(nameOrId)) return nameOrId;
  return (await api.get<{ id: string }>(itemPath(collection, nameOrId))).id;
}

/** Names of clusters, repositories and applications by id, for readable tables. */
async function nameIndex(api: ApiClient): Promise<Map<string, string>> {
  const lists = await Promise.all(
    ['clusters', 'repositories', 'applications'].map((c) =>
      api.all<{ id: string; name: string }>(`/api/v1/${c}`),
    ),
  );
  return new Map(lists.flat().map((x) => [x.id, x.name]));
}

function subject(e: AuditEvent, names: Map<string, string>): string {
  const named = (id: string | null, kind: string) =>
    id ? `${kind}/${names.get(id) ?? id.slice(0, 8)}` : null;
  return [named(e.clusterId, 'cluster'), named(e.applicationId, 'app'), named(e.repositoryId, 'repo')]
    .filter(Boolean)
    .join(' ');
}

function table(events: AuditEvent[], names: Map<string, string>, color: boolean): string {
  return renderTable(
    [
      { header: 'TIME', value: (e) => formatTime(e.occurredAt) },
      { header: 'ACTOR', value: (e) => e.actor.name },
      { header: 'ACTION', value: (e) => e.action, style: () => 'cyan' },
      { header: 'SUBJECT', value: (e) => subject(e, names) },
      { header: 'RESOURCE', value: (e) => e.resource },
      { header: 'REVISION', value: (e) => shortRevision(e.revision) },
    ],
    events,
    color,
  );
}

/** One line per event for `--follow` (no column alignment: the next event is not known yet). */
function followLine(e: AuditEvent, names: Map<string, string>, ctx: CliContext): string {
  if (ctx.format !== 'table')
    return ctx.format === 'json' ? JSON.stringify(e) + '\n' : serialize([e], 'yaml');
  const rest = [subject(e, names), e.resource, e.revision && `@${shortRevision(e.revision)}`]
    .filter(Boolean)
    .join(' ');
  return `${formatTime(e.occurredAt)}  ${e.actor.name}  ${paint(e.action, 'cyan', ctx.color)}  ${rest}\n`.replace(
    / +\n$/,
    '\n',
  );
}

/**
 * `--follow`: prints the newest `limit` events oldest first, then polls for events newer than
 * the last one shown until SIGINT. `since` is inclusive, so events of the same millisecond come
 * back and are skipped by sequence number: each event prints exactly once.
 */
async function follow(ctx: CliContext, api: ApiClient, query: Query, o: AuditOptions): Promise<void> {
  const intervalMs = parseDuration(o.interval);
  const names = ctx.format === 'table' ? await nameIndex(api) : new Map<string, string>();
  let lastSeq = 0n;
  // Nothing matched yet: anything from now on is new (a margin for clock skew; seq dedupes).
  let since = new Date(Date.now() - 5 * 60_000).toISOString();
  const show = async (events: AuditEvent[]) => {
    for (const e of events) {
      if (BigInt(e.seq) <= lastSeq) continue;
      lastSeq = BigInt(e.seq);
      since = e.occurredAt;
      const ids = [e.clusterId, e.applicationId, e.repositoryId];
      if (ctx.format === 'table' && ids.some((id) => id && !names.has(id)))
        for (const [k, v] of await nameIndex(api)) names.set(k, v);
      ctx.print(followLine(e, names, ctx));
    }
  };
  const backlog = await api.get<{ items: AuditEvent[] }>('/api/v1/audit', { ...query, limit: o.limit });
  await show(backlog.items.reverse());
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    process.once('SIGINT', () => {
      stopped = true;
      clearTimeout(timer);
      resolve();
    });
    const tick = async () => {
      try {
        await show((await api.all<AuditEvent>('/api/v1/audit', { ...query, since })).reverse());
      } catch (e) {
        // The hub refusing (bad token, bad filter) ends it; a hub that is away for a while does not.
        if (e instanceof ApiError) return reject(e);
        ctx.warn((e as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), intervalMs);
  });
}

/** The audit API's filters from the command's options. */
async function queryOf(
  api: ApiClient,
  o: Omit<AuditOptions, 'limit' | 'follow' | 'interval'>,
): Promise<Query> {
  return {
    cluster: await idOf(api, 'clusters', o.cluster),
    application: await idOf(api, 'applications', o.app),
    repository: await idOf(api, 'repositories', o.repo),
    project: o.project,
    resource: o.resource,
    actor: o.actor,
    action: o.action,
    revision: o.revision,
    since: o.since ? parseTimeArg(o.since) : undefined,
    until: o.until ? parseTimeArg(o.until) : undefined,
  };
}

/** `audit` (query, `--follow`), `audit export` and `audit verify`. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('query the audit trail (newest first), or follow it')
    .option('--cluster <cluster>', 'cluster name or id')
    .option('--app <app>', 'application name or id')
    .option('--repo <repo>', 'repository name or id')
    .option('--project <project>', 'project name or id: events of its applications and of the project itself')
    .option('--resource <id>', 'resource as group/Kind/namespace/name (core group empty: /ConfigMap/ns/x)')
    .option('--actor <actor>', 'token name, agent:<cluster> or system')
    .option('--action <action>', 'action, or a prefix such as cluster.*')
    .option('--revision <rev>', 'revision')
    .option('--since <when>', 'events at or after: a duration ago (2h) or an ISO date-time')
    .option('--until <when>', 'events before: a duration ago or an ISO date-time')
    .option(
      '--limit <n>',
      'at most this many events (with --follow: how many past ones first)',
      (v) => positiveInt(v, 'limit'),
      50,
    )
    .option('-f, --follow', 'keep printing new events as they happen (Ctrl-C stops)')
    .option('--interval <duration>', 'with --follow, time between polls', '2s')
    .action(async (o: AuditOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const query = await queryOf(api, o);
      if (o.follow) return follow(ctx, api, query, o);
      const events = await api.all<AuditEvent>('/api/v1/audit', query, o.limit);
      const names = ctx.format === 'table' ? await nameIndex(api) : new Map<string, string>();
      ctx.emit(events, () => table(events, names, ctx.color));
    });
  examples(
    audit
      .command('export')
      .description('every matching event, oldest first, as JSON Lines (streamed: redirect it to a file)')
      .option('--cluster <cluster>', 'cluster name or id')
      .option('--app <app>', 'application name or id')
      .option('--repo <repo>', 'repository name or id')
      .option('--project <project>', 'project name or id')
      .option('--resource <id>', 'resource as group/Kind/namespace/name')
      .option('--actor <actor>', 'token name, agent:<cluster> or system')
      .option('--action <action>', 'action, or a prefix such as cluster.*')
      .option('--revision <rev>', 'revision')
      .option('--since <when>', 'events at or after: a duration ago (2h) or an ISO date-time')
      .option('--until <when>', 'events before: a duration ago or an ISO date-time')
      .action(async (_o: unknown, cmd: Command) => {
        // `audit` has the same options: given after `export`, commander may hand them to it.
        const o = cmd.optsWithGlobals<Omit<AuditOptions, 'limit' | 'follow' | 'interval'>>();
        const api = await contextOf(cmd).api();
        await api.streamTo('/api/v1/audit/export', await queryOf(api, o), process.stdout);
      }),
    [
      'flotilla audit export --since 2024-05-01T00:00:00Z --until 2024-06-01T00:00:00Z > may.jsonl',
      'flotilla audit export --project team-a --action sync.* > team-a-syncs.jsonl',
    ],
  );

  examples(audit, [
    'flotilla audit --cluster prod-eu-1 --since 2h',
    'flotilla audit --app web --action sync.*',
    'flotilla audit --project team-a --since 1d',
    'flotilla audit --resource apps/Deployment/web/api --since 2024-05-01T00:00:00Z',
    'flotilla audit --follow --action resource.*',
    'flotilla audit verify',
  ]);

  examples(
    audit
      .command('verify')
      .description(
        "check the audit trail end to end: hash links, the audit key's HMAC, gaps in seq, the hub's signed checkpoints",
      )
      .option(
        '--checkpoint <seq:hash>',
        'also compare with a checkpoint kept outside the hub (seq and hash from GET /api/v1/audit/checkpoints or the log)',
        parseCheckpoint,
      )
      .action(async (o: { checkpoint?: { seq: number; hash: string } }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const query = o.checkpoint ? { checkpoint: `${o.checkpoint.seq}:${o.checkpoint.hash}` } : undefined;
        const v = await (await ctx.api()).get<Verification>('/api/v1/audit/verify', query);
        ctx.emit(v, () => verificationText(v, ctx.color));
        if (!v.ok) throw new CliError(`the audit chain is broken at event ${v.brokenAt}`);
      }),
    ['flotilla audit verify', 'flotilla audit verify --checkpoint 1200:3f1c…'],
  );
}

interface Verification {
  ok: boolean;
  checked: number;
  brokenAt?: number;
  reason?: string;
  headSeq: number | null;
  keyedFrom: number | null;
  checkpointsChecked: number;
  checkpoint?: { seq: number; hash: string; ok: boolean; reason?: string };
}

function parseCheckpoint(value: string): { seq: number; hash: string } {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(value.trim());
  if (!m || Number(m[1]) < 1)
    throw new InvalidArgumentError(
      'checkpoint must be <seq>:<hash>, the hash as 64 lowercase hex characters.',
    );
  return { seq: Number(m[1]), hash: m[2] };
}

function verificationText(v: Verification, color: boolean): string {
  const lines = [
    v.ok
      ? `${paint('ok', 'green', color)}: the chain of ${v.checked} event(s) is intact`
      : `${paint('broken', 'red', color)} at event ${v.brokenAt}: ${v.reason ?? ''}`,
  ];
  if (v.ok) {
    if (v.keyedFrom !== null) lines.push(`keyed with the audit key from event ${v.keyedFrom}`);
    lines.push(`${v.checkpointsChecked} signed checkpoint(s) of the hub match`);
  }
  if (v.checkpoint)
    lines.push(
      v.checkpoint.ok
        ? `checkpoint at event ${v.checkpoint.seq}: ${paint('matches', 'green', color)}`
        : `checkpoint at event ${v.checkpoint.seq}: ${paint('does not match', 'red', color)} (${v.checkpoint.reason ?? ''})`,
    );
  return lines.join('\n') + '\n';
}
