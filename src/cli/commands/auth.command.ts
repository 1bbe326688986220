import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { ApiClient, ApiError } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import {
  configPath,
  deleteConfig,
  normalizeHubUrl,
  resolveConnection,
  writeConfig,
} from '../config-store.js';
import { CliError, UsageError } from '../errors.js';
import { renderFields } from '../output.js';
import { promptSecret, readSecret } from '../prompt.js';
import { ssoDeviceLogin } from '../sso-login.js';
import { clientVersion } from '../version.js';

interface LoginOptions {
  token?: string;
  tokenStdin?: boolean;
  sso?: boolean;
}

/** `login`, `logout` and `version`. */
export function registerAuthCommands(program: Command): void {
  examples(
    program
      .command('login')
      .description(
        'check a token against a hub, or sign in through its single sign-on, and remember both (in a file only you can read)',
      )
      .argument('<hub-url>', 'the hub, e.g. https://flotilla.example.com')
      .option('--token <token>', 'API token (lands in shell history: prefer --token-stdin)')
      .option('--token-stdin', 'read the token from stdin')
      .option('--sso', "sign in through the hub's OpenID provider (device code: confirm it in any browser)")
      .action(async (url: string, opts: LoginOptions, cmd: Command) => {
        const ctx = contextOf(cmd);
        const hubUrl = normalizeHubUrl(url);
        if (opts.token && opts.tokenStdin)
          throw new UsageError('give the token with --token or --token-stdin, not both');
        if (opts.sso) {
          if (opts.token || opts.tokenStdin)
            throw new UsageError('--sso signs in without a token: drop --token');
          const session = await ssoDeviceLogin(hubUrl, (uri, code, complete) => {
            // stderr: stdout stays the command's result (-o json).
            process.stderr.write(
              `To sign in, open ${complete ?? uri} in a browser` +
                `${complete ? '' : ` and enter the code ${code}`} (code: ${code}). Waiting…\n`,
            );
          });
          const me = await new ApiClient(hubUrl, session.token).get<Hub.WhoamiDto>('/api/v1/whoami');
          await writeConfig({ hubUrl, token: session.token });
          ctx.emit(
            { hubUrl, config: configPath(), token: tokenInfo(me), hubVersion: me.hubVersion },
            () => `logged in to ${hubUrl} as ${describeToken(me)} (saved in ${configPath()})\n`,
          );
          return;
        }
        if (opts.token)
          ctx.warn('a token given with --token stays in your shell history; prefer --token-stdin');
        const token =
          opts.token ??
          (opts.tokenStdin
            ? await readSecret({ stdin: true }, 'token')
            : process.env.FLOTILLA_TOKEN || (await promptSecret('Token: ', 'token (or use --token-stdin)')));
        // whoami proves the token (any role may ask) and says whose it is.
        const me = await new ApiClient(hubUrl, token).get<Hub.WhoamiDto>('/api/v1/whoami');
        await writeConfig({ hubUrl, token });
        ctx.emit(
          { hubUrl, config: configPath(), token: tokenInfo(me), hubVersion: me.hubVersion },
          () => `logged in to ${hubUrl} as ${describeToken(me)} (saved in ${configPath()})\n`,
        );
      }),
    [
      'flotilla login https://flotilla.example.com --token-stdin < token.txt',
      'flotilla login http://127.0.0.1:8080          # asks for the token',
      'flotilla login https://flotilla.example.com --sso   # single sign-on (device code)',
      'FLOTILLA_URL=… FLOTILLA_TOKEN=… flotilla cluster list   # no login needed',
    ],
  );

  examples(
    program
      .command('logout')
      .description('forget the saved hub URL and token')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const had = await deleteConfig();
        ctx.emit({ loggedOut: had }, () => (had ? 'logged out\n' : 'not logged in\n'));
      }),
    ['flotilla logout'],
  );

  examples(
    program
      .command('version')
      .description("print the client's version, the hub's and whose token you use")
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const client = clientVersion();
        let hub: string | null = null;
        let hubUrl: string | null = null;
        let me: Hub.WhoamiDto | null = null;
        let error: string | null = null;
        try {
          const conn = await resolveConnection();
          hubUrl = conn.hubUrl;
          const api = new ApiClient(conn.hubUrl, conn.token);
          try {
            me = await api.get<Hub.WhoamiDto>('/api/v1/whoami');
            hub = me.hubVersion;
          } catch (e) {
            // A refused token (or a hub older than whoami) still has a version to show: the
            // OpenAPI document, which needs no token, carries it.
            if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 404)) throw e;
            if (e.status === 401) ctx.warn(e.message);
            const doc = await api.anonymous<{ info?: { version?: string } }>('/api/openapi.json');
            hub = doc.info?.version ?? null;
          }
        } catch (e) {
          error = (e as Error).message;
        }
        ctx.emit({ client, hub, hubUrl, token: me && tokenInfo(me) }, () =>
          renderFields(
            [
              ['client', client],
              ['hub', hub ?? 'unknown'],
              ['hub URL', hubUrl],
              ['token', me && describeToken(me)],
            ],
            ctx.color,
          ),
        );
        if (error) throw new CliError(error);
      }),
    ['flotilla version', 'flotilla version -o json'],
  );
}

/** The token as `-o json` shows it; an SSO session adds `sso: true`. */
function tokenInfo(me: Hub.WhoamiDto): Record<string, unknown> {
  const base = { name: me.name, role: me.role, projects: me.projects, expiresAt: me.expiresAt };
  return me.authenticatedBy === 'sso' ? { ...base, sso: true } : base;
}

/** "operator", "team-a: operator, team-b: viewer" or both. */
function describeRoles(me: Hub.WhoamiDto): string {
  const projects = Object.entries(me.projects).map(([p, r]) => `${p}: ${r}`);
  return [...(me.role ? [me.role] : []), ...projects].join(', ') || 'no role';
}

/** "token 'ci' (operator, expires …)", or "SSO user 'a@example.com' (team-a: operator, expires …)". */
function describeToken(me: Hub.WhoamiDto): string {
  const who = me.authenticatedBy === 'sso' ? 'SSO user' : 'token';
  return `${who} '${me.name}' (${describeRoles(me)}, ${me.expiresAt ? `expires ${me.expiresAt}` : 'never expires'})`;
}
