import { type Command } from 'commander';
import { ApiClient } from '../api-client.js';
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
import { clientVersion } from '../version.js';

interface LoginOptions {
  token?: string;
  tokenStdin?: boolean;
}

/** `login`, `logout` and `version`. */
export function registerAuthCommands(program: Command): void {
  examples(
    program
      .command('login')
      .description('check a token against a hub and remember both (in a file only you can read)')
      .argument('<hub-url>', 'the hub, e.g. https://flotilla.example.com')
      .option('--token <token>', 'API token (lands in shell history: prefer --token-stdin)')
      .option('--token-stdin', 'read the token from stdin')
      .action(async (url: string, opts: LoginOptions, cmd: Command) => {
        const ctx = contextOf(cmd);
        const hubUrl = normalizeHubUrl(url);
        if (opts.token && opts.tokenStdin)
          throw new UsageError('give the token with --token or --token-stdin, not both');
        if (opts.token)
          ctx.warn('a token given with --token stays in your shell history; prefer --token-stdin');
        const token =
          opts.token ??
          (opts.tokenStdin
            ? await readSecret({ stdin: true }, 'token')
            : process.env.FLOTILLA_TOKEN || (await promptSecret('Token: ', 'token (or use --token-stdin)')));
        // Any authenticated read proves the token; viewers may list clusters.
        await new ApiClient(hubUrl, token).get('/api/v1/clusters', { limit: 1 });
        await writeConfig({ hubUrl, token });
        ctx.emit(
          { hubUrl, config: configPath() },
          () => `logged in to ${hubUrl} (saved in ${configPath()})\n`,
        );
      }),
    [
      'flotilla login https://flotilla.example.com --token-stdin < token.txt',
      'flotilla login http://127.0.0.1:8080          # asks for the token',
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
      .description("print the client's version and the hub's")
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const client = clientVersion();
        let hub: string | null = null;
        let hubUrl: string | null = null;
        let error: string | null = null;
        try {
          const conn = await resolveConnection();
          hubUrl = conn.hubUrl;
          const api = new ApiClient(conn.hubUrl, conn.token);
          // No version route yet: the OpenAPI document carries the hub's version.
          const doc = await api.anonymous<{ info?: { version?: string } }>('/api/openapi.json');
          hub = doc.info?.version ?? null;
        } catch (e) {
          error = (e as Error).message;
        }
        ctx.emit({ client, hub, hubUrl }, () =>
          renderFields(
            [
              ['client', client],
              ['hub', hub ?? 'unknown'],
              ['hub URL', hubUrl],
            ],
            ctx.color,
          ),
        );
        if (error) throw new CliError(error);
      }),
    ['flotilla version', 'flotilla version -o json'],
  );
}
