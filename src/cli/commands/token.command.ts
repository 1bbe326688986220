import { type Command, Option } from 'commander';
import { collect, contextOf, examples, positiveInt } from '../cli-context.js';
import { CliError, UsageError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';

/** An API token as the hub lists it (never its secret). */
export interface Token {
  id: string;
  name: string;
  /** Null: roles within projects only. */
  role: string | null;
  projects: Record<string, string>;
  prefix: string;
  /** Null: never expires. */
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

const PATH = '/api/v1/tokens';
const ROLES = ['viewer', 'operator', 'admin'];

/** "never", the instant, or the instant marked expired: what a person needs to see at a glance. */
export function formatExpiry(expiresAt: string | null, now = new Date()): string {
  if (expiresAt === null) return 'never';
  const at = formatTime(expiresAt);
  return Date.parse(expiresAt) <= now.getTime() ? `${at} (expired)` : at;
}

/** `team-a=operator` flags → `{ "team-a": "operator" }`. */
export function parseProjectRoles(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of flags) {
    const [project, role, ...rest] = f.split('=');
    if (!project || !role || rest.length > 0 || !ROLES.includes(role))
      throw new UsageError(`--project '${f}': expected PROJECT=ROLE with ROLE one of ${ROLES.join(', ')}`);
    out[project] = role;
  }
  return out;
}

/** `admin`, `operator in team-a`, `viewer, admin in team-a`. */
export function formatRoles(t: Pick<Token, 'role' | 'projects'>): string {
  const inProjects = Object.entries(t.projects ?? {}).map(([p, r]) => `${r} in ${p}`);
  return [...(t.role ? [t.role] : []), ...inProjects].join(', ');
}

interface CreateOptions {
  role?: string;
  project: string[];
  expiresIn?: number;
  neverExpires?: boolean;
}

/** `token list|create|revoke` (admin role). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').alias('tokens').description('API tokens (admin role)');
  examples(token, ['flotilla token list', 'flotilla token create ci --role operator --expires-in 30']);

  examples(
    token
      .command('list')
      .alias('ls')
      .description('list API tokens with their role, expiry and last use (never their secrets)')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (await ctx.api()).all<Token>(PATH);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (t) => t.name },
              { header: 'ROLE', value: (t) => formatRoles(t) },
              { header: 'PREFIX', value: (t) => t.prefix },
              { header: 'EXPIRES', value: (t) => formatExpiry(t.expiresAt) },
              { header: 'LAST USED', value: (t) => formatTime(t.lastUsedAt) },
              { header: 'CREATED', value: (t) => formatTime(t.createdAt) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla token list', 'flotilla token list -o json'],
  );

  examples(
    token
      .command('create')
      .description('create a token; its secret is printed once (expires in 90 days unless told otherwise)')
      .argument('<name>', 'token name')
      .addOption(new Option('--role <role>', 'global role of the token').choices(ROLES))
      .option(
        '--project <project=role>',
        'role within a project, e.g. team-a=operator (repeatable; with or without --role)',
        collect,
        [],
      )
      .option('--expires-in <days>', 'days until it expires', (v) => positiveInt(v, 'days'))
      .option('--never-expires', 'the token never expires')
      .action(async (name: string, opts: CreateOptions, cmd: Command) => {
        const ctx = contextOf(cmd);
        if (opts.role === undefined && opts.project.length === 0)
          throw new UsageError('give --role, --project PROJECT=ROLE, or both');
        const created = await (
          await ctx.api()
        ).post<Token & { token: string }>(PATH, {
          name,
          ...(opts.role !== undefined ? { role: opts.role } : {}),
          ...(opts.project.length > 0 ? { projects: parseProjectRoles(opts.project) } : {}),
          ...(opts.expiresIn !== undefined ? { expiresInDays: opts.expiresIn } : {}),
          ...(opts.neverExpires ? { neverExpires: true } : {}),
        });
        ctx.emit(
          created,
          () =>
            renderFields(
              [
                ['name', created.name],
                ['role', formatRoles(created)],
                ['expires', formatExpiry(created.expiresAt)],
              ],
              ctx.color,
            ) + `\nToken (shown only now; store it somewhere safe):\n  ${created.token}\n`,
        );
      }),
    [
      'flotilla token create ci --role operator --expires-in 30',
      'flotilla token create robot --role viewer --never-expires -o json | jq -r .token',
      'flotilla token create team-a-ci --project team-a=operator --expires-in 30',
    ],
  );

  examples(
    token
      .command('revoke')
      .alias('rm')
      .description('revoke a token by name or id; it stops working at once')
      .argument('<name>', 'token name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const hit = (await api.all<Token>(PATH)).find((t) => t.name === name || t.id === name);
        if (!hit) throw new CliError(`token '${name}' not found`);
        await api.delete(`${PATH}/${hit.id}`);
        ctx.emit({ revoked: hit.name }, () => `token ${hit.name} revoked\n`);
      }),
    ['flotilla token revoke ci'],
  );
}
