import { type Command, Option } from 'commander';
import { contextOf, examples, positiveInt } from '../cli-context.js';
import { CliError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';

/** An API token as the hub lists it (never its secret). */
export interface Token {
  id: string;
  name: string;
  role: string;
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

interface CreateOptions {
  role: string;
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
              { header: 'ROLE', value: (t) => t.role },
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
      .addOption(new Option('--role <role>', 'role of the token').choices(ROLES).makeOptionMandatory())
      .option('--expires-in <days>', 'days until it expires', (v) => positiveInt(v, 'days'))
      .option('--never-expires', 'the token never expires')
      .action(async (name: string, opts: CreateOptions, cmd: Command) => {
        const ctx = contextOf(cmd);
        const created = await (
          await ctx.api()
        ).post<Token & { token: string }>(PATH, {
          name,
          role: opts.role,
          ...(opts.expiresIn !== undefined ? { expiresInDays: opts.expiresIn } : {}),
          ...(opts.neverExpires ? { neverExpires: true } : {}),
        });
        ctx.emit(
          created,
          () =>
            renderFields(
              [
                ['name', created.name],
                ['role', created.role],
                ['expires', formatExpiry(created.expiresAt)],
              ],
              ctx.color,
            ) + `\nToken (shown only now; store it somewhere safe):\n  ${created.token}\n`,
        );
      }),
    [
      'flotilla token create ci --role operator --expires-in 30',
      'flotilla token create robot --role viewer --never-expires -o json | jq -r .token',
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
