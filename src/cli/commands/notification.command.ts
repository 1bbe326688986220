import { type Command, Option } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { type ApiClient } from '../api-client.js';
import { collect, contextOf, examples, positiveInt } from '../cli-context.js';
import { CliError, UsageError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { readSecret } from '../prompt.js';

type Subscription = Hub.SubscriptionDto;
type Delivery = Hub.DeliveryDto;

const PATH = '/api/v1/notifications/subscriptions';
const OUTCOMES = ['success', 'failure', 'any'];

interface FilterOptions {
  action: string[];
  application?: string;
  project?: string;
  clusterSelector?: string;
  outcome?: string;
}

interface ChannelOptions {
  webhook?: string;
  slack?: string;
  slackUrlStdin?: boolean;
  email: string[];
  smtpHost?: string;
  smtpPort?: number;
  smtpUser?: string;
  smtpPasswordStdin?: boolean;
  smtpFrom?: string;
  smtpTls?: 'starttls' | 'tls';
}

/** The filter flags given, as the API takes them; null when none was given. */
export function filterOf(o: FilterOptions): Partial<Hub.SubscriptionFilterDto> | null {
  const f: Partial<Hub.SubscriptionFilterDto> = {};
  if (o.action.length) f.actions = o.action;
  if (o.application) f.application = o.application;
  if (o.project) f.project = o.project;
  if (o.clusterSelector) f.clusterSelector = o.clusterSelector;
  if (o.outcome) f.outcome = o.outcome as Hub.SubscriptionFilterDto['outcome'];
  return Object.keys(f).length ? f : null;
}

/** The channel flags given; secrets (a Slack URL, an SMTP password) come from stdin, never argv. */
async function channelOf(o: ChannelOptions): Promise<Hub.ChannelDto | null> {
  const kinds = [
    o.webhook,
    o.slack ?? (o.slackUrlStdin ? '-' : undefined),
    o.email.length ? 'email' : undefined,
  ];
  const given = kinds.filter((k) => k !== undefined).length;
  if (given === 0) return null;
  if (given > 1) throw new UsageError('give one of --webhook, --slack(-url-stdin), --email');
  if (o.smtpPasswordStdin && o.slackUrlStdin) throw new UsageError('only one secret can come from stdin');
  if (o.webhook) return { type: 'webhook', url: o.webhook };
  if (o.slack || o.slackUrlStdin)
    return { type: 'slack', url: o.slack ?? (await readSecret({ stdin: true }, 'Slack webhook URL')) };
  if (!o.smtpHost || !o.smtpFrom) throw new UsageError('--email needs --smtp-host and --smtp-from');
  return {
    type: 'email',
    to: o.email,
    smtp: {
      host: o.smtpHost,
      port: o.smtpPort ?? 587,
      from: o.smtpFrom,
      tls: o.smtpTls ?? 'starttls',
      ...(o.smtpUser ? { username: o.smtpUser } : {}),
      ...(o.smtpPasswordStdin ? { password: await readSecret({ stdin: true }, 'SMTP password') } : {}),
    },
  };
}

/** Finds a subscription by name or id. */
async function find(api: ApiClient, key: string): Promise<Subscription> {
  const hit = (await api.all<Subscription>(PATH)).find((s) => s.name === key || s.id === key);
  if (!hit) throw new CliError(`notification subscription '${key}' not found`);
  return hit;
}

function channelText(c: Subscription['channel']): string {
  if (c.type === 'email') return `email ${(c.to ?? []).join(', ')}`;
  return `${c.type} ${c.url ?? ''}`;
}

function details(s: Subscription, color: boolean): string {
  const out =
    renderFields(
      [
        ['name', s.name],
        ['id', s.id],
        ['enabled', s.enabled ? 'yes' : 'no'],
        ['channel', channelText(s.channel)],
        ...(s.channel.smtp
          ? ([['smtp', `${s.channel.smtp.host}:${s.channel.smtp.port} (${s.channel.smtp.tls})`]] as [
              string,
              unknown,
            ][])
          : []),
        ['actions', s.filter.actions.join(', ') || '(every action)'],
        ['project', s.filter.project ?? '-'],
        ['application', s.filter.application ?? '-'],
        ['clusters', s.filter.clusterSelector ?? '-'],
        ['outcome', s.filter.outcome],
      ],
      color,
    ) +
    (s.signingSecret
      ? `\nSigning secret (shown only now; receivers check X-Flotilla-Signature with it):\n  ${s.signingSecret}\n`
      : '');
  return out;
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--action <action>', 'an action, or a prefix ending in "." or "*" (repeatable)', collect, [])
    .option('--application <name>', 'only events of this application')
    .option('--project <name>', "only events of this project (then the project's operators manage it)")
    .option('--cluster-selector <selector>', 'only events of clusters with these labels (env=prod)')
    .addOption(new Option('--outcome <outcome>', 'only successes or failures').choices(OUTCOMES));
}

function addChannelOptions(cmd: Command): Command {
  return cmd
    .option('--webhook <url>', 'send signed JSON to this URL')
    .option(
      '--slack <url>',
      'a Slack-compatible incoming webhook URL (prefer --slack-url-stdin: it is a secret)',
    )
    .option('--slack-url-stdin', 'read the Slack webhook URL from stdin')
    .option('--email <address>', 'send mail to this address (repeatable)', collect, [])
    .option('--smtp-host <host>', 'SMTP server')
    .option('--smtp-port <port>', 'SMTP port (default 587)', (v) => positiveInt(v, 'port'))
    .option('--smtp-user <user>', 'SMTP user (AUTH)')
    .option('--smtp-password-stdin', 'read the SMTP password from stdin')
    .option('--smtp-from <address>', 'sender address')
    .addOption(new Option('--smtp-tls <mode>', 'starttls (default) or tls').choices(['starttls', 'tls']));
}

/** `notification list|get|create|update|delete|test|deliveries|retry`. */
export function registerNotificationCommands(program: Command): void {
  const n = program
    .command('notification')
    .alias('notifications')
    .description('notification subscriptions: audit events sent to a webhook, Slack or e-mail');
  examples(n, [
    'flotilla notification create web-failures --project team-a --action sync.failed --webhook https://hooks.example.com/x',
    'flotilla notification deliveries web-failures --status failed',
  ]);

  n.command('list')
    .alias('ls')
    .description('list subscriptions (never their secrets)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const items = await (await ctx.api()).all<Subscription>(PATH);
      ctx.emit(items, () =>
        renderTable(
          [
            { header: 'NAME', value: (s) => s.name },
            { header: 'CHANNEL', value: (s) => s.channel.type },
            { header: 'PROJECT', value: (s) => s.filter.project ?? '-' },
            { header: 'ACTIONS', value: (s) => s.filter.actions.join(',') || '*' },
            { header: 'OUTCOME', value: (s) => s.filter.outcome },
            { header: 'ENABLED', value: (s) => (s.enabled ? 'yes' : 'no') },
          ],
          items,
          ctx.color,
        ),
      );
    });

  n.command('get')
    .description('show one subscription')
    .argument('<name>', 'name or id')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const s = await find(await ctx.api(), key);
      ctx.emit(s, () => details(s, ctx.color));
    });

  examples(
    addChannelOptions(addFilterOptions(n.command('create')))
      .description('create a subscription; a webhook signing secret is printed once')
      .argument('<name>', 'subscription name')
      .option('--disabled', 'create it disabled')
      .action(
        async (name: string, o: FilterOptions & ChannelOptions & { disabled?: boolean }, cmd: Command) => {
          const ctx = contextOf(cmd);
          const channel = await channelOf(o);
          if (!channel) throw new UsageError('give a channel: --webhook, --slack(-url-stdin) or --email');
          const created = await (
            await ctx.api()
          ).post<Subscription>(PATH, {
            name,
            channel,
            ...(filterOf(o) ? { filter: filterOf(o) } : {}),
            ...(o.disabled ? { enabled: false } : {}),
          });
          ctx.emit(created, () => details(created, ctx.color));
        },
      ),
    [
      'flotilla notification create ops --action sync.failed --action rollout.* --webhook https://hooks.example.com/f',
      'echo "$SLACK_URL" | flotilla notification create web --project team-a --outcome failure --slack-url-stdin',
      'echo "$PW" | flotilla notification create mail --email oncall@example.com --smtp-host smtp.example.com --smtp-user f --smtp-from f@example.com --smtp-password-stdin',
    ],
  );

  addChannelOptions(addFilterOptions(n.command('update')))
    .description('change a subscription; filter flags replace the whole filter, channel flags the channel')
    .argument('<name>', 'name or id')
    .option('--rename <name>', 'new name')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(
      async (
        key: string,
        o: FilterOptions & ChannelOptions & { rename?: string; enable?: boolean; disable?: boolean },
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd);
        if (o.enable && o.disable) throw new UsageError('--enable or --disable, not both');
        const api = await ctx.api();
        const s = await find(api, key);
        const body: Omit<Hub.UpdateSubscriptionDto, 'filter'> & {
          filter?: Partial<Hub.SubscriptionFilterDto>;
        } = {};
        const filter = filterOf(o);
        if (filter) body.filter = filter;
        const channel = await channelOf(o);
        if (channel) body.channel = channel;
        if (o.rename) body.name = o.rename;
        if (o.enable) body.enabled = true;
        if (o.disable) body.enabled = false;
        if (Object.keys(body).length === 0) throw new UsageError('nothing to change');
        const updated = await api.patch<Subscription>(`${PATH}/${s.id}`, body);
        ctx.emit(updated, () => details(updated, ctx.color));
      },
    );

  n.command('delete')
    .alias('rm')
    .description('delete a subscription and its delivery records')
    .argument('<name>', 'name or id')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const s = await find(api, key);
      await api.delete(`${PATH}/${s.id}`);
      ctx.emit({ deleted: s.name }, () => `notification subscription ${s.name} deleted\n`);
    });

  n.command('test')
    .description('queue a test message to the channel (see it with `deliveries`)')
    .argument('<name>', 'name or id')
    .action(async (key: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const s = await find(api, key);
      const d = await api.post<Delivery>(`${PATH}/${s.id}/test`);
      ctx.emit(d, () => `test message ${d.id} queued for ${s.name}\n`);
    });

  n.command('deliveries')
    .description('messages sent (or being sent) to a subscription, newest first')
    .argument('<name>', 'name or id')
    .addOption(new Option('--status <status>', 'only these').choices(['pending', 'delivered', 'failed']))
    .option('--limit <n>', 'at most this many', (v) => positiveInt(v, 'limit'), 50)
    .action(async (key: string, o: { status?: string; limit: number }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const s = await find(api, key);
      const items = await api.all<Delivery>(
        `${PATH}/${s.id}/deliveries`,
        o.status ? { status: o.status } : {},
        o.limit,
      );
      ctx.emit(items, () =>
        renderTable(
          [
            { header: 'ID', value: (d) => d.id },
            { header: 'STATUS', value: (d) => d.status },
            { header: 'ATTEMPTS', value: (d) => String(d.attempts) },
            { header: 'EVENTS', value: (d) => String(d.eventCount) },
            { header: 'CREATED', value: (d) => formatTime(d.createdAt) },
            { header: 'TITLE', value: (d) => d.title },
            { header: 'LAST ERROR', value: (d) => d.lastError ?? '' },
          ],
          items,
          ctx.color,
        ),
      );
    });

  n.command('retry')
    .description('send a failed delivery again')
    .argument('<name>', 'subscription name or id')
    .argument('<delivery>', 'delivery id')
    .action(async (key: string, delivery: string, _o: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const s = await find(api, key);
      const d = await api.post<Delivery>(`${PATH}/${s.id}/deliveries/${delivery}/retry`);
      ctx.emit(d, () => `delivery ${d.id} queued again\n`);
    });
}
