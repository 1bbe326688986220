import type * as Hub from '../../api-types/hub-api.js';
import { type Command } from 'commander';
import { contextOf, examples } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { formatTime, renderTable } from '../output.js';
import { formatRoles } from './token.command.js';

/** A live SSO session as the hub lists it (never its secret). */
export type SsoSession = Hub.SsoSessionInfoDto;

const PATH = '/api/v1/auth/sessions';

/** `sso sessions|revoke` (admin role): who is signed in through single sign-on, and ending a session. */
export function registerSsoCommands(program: Command): void {
  const sso = program.command('sso').description('single sign-on sessions (admin role)');
  examples(sso, ['flotilla sso sessions', 'flotilla sso revoke 3f0c…']);

  examples(
    sso
      .command('sessions')
      .description('list live SSO sessions: person, groups, roles, sign-in, expiry and last use')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (await ctx.api()).all<SsoSession>(PATH);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'ID', value: (s) => s.id },
              { header: 'PERSON', value: (s) => s.name },
              { header: 'GROUPS', value: (s) => s.groups.join(',') },
              { header: 'ROLE', value: (s) => formatRoles(s) },
              { header: 'CLIENT', value: (s) => s.client },
              { header: 'SIGNED IN', value: (s) => formatTime(s.createdAt) },
              { header: 'EXPIRES', value: (s) => formatTime(s.expiresAt) },
              { header: 'LAST USED', value: (s) => formatTime(s.lastUsedAt) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla sso sessions', 'flotilla sso sessions -o json'],
  );

  examples(
    sso
      .command('revoke')
      .description("end a person's SSO session by id; its next request is refused (audited)")
      .argument('<id>', 'session id (from flotilla sso sessions)')
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(`'${id}' is not a session id (a UUID)`);
        await (await ctx.api()).delete(`${PATH}/${id}`);
        ctx.emit({ revoked: id }, () => `SSO session ${id} revoked\n`);
      }),
    ['flotilla sso revoke 3f0c2a1e-…'],
  );
}
