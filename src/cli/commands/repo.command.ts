import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { itemPath } from '../api-client.js';
import { contextOf, examples, positiveInt } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { promptSecret, readSecret } from '../prompt.js';
import { registerRepoContentCommands } from './repo-content.command.js';

/** A repository as the hub returns it (never with its credentials). */
export type Repository = Hub.RepositoryDto;

interface AddOptions {
  git?: string;
  svn?: string;
  helm?: string;
  branch?: string;
  path?: string;
  username?: string;
  passwordFile?: string;
  passwordStdin?: boolean;
  webhookSecretFile?: string;
  pollInterval?: number;
  sshKeyFile?: string;
  knownHostsFile?: string;
}

function repoFields(r: Repository, color: boolean): string {
  return renderFields(
    [
      ['name', r.name],
      ['id', r.id],
      ['type', r.type],
      ['url', r.url],
      // A chart repository has neither: applications name the chart in their path.
      ...(r.type === 'git'
        ? [['branch', r.branch] as [string, unknown]]
        : r.type === 'svn'
          ? [['path', r.path] as [string, unknown]]
          : []),
      ['credentials', r.hasCredentials ? 'yes' : 'no'],
      ['webhook secret', r.hasWebhookSecret ? 'yes' : 'no'],
      ['poll interval', `${r.pollIntervalSeconds}s`],
      ['last revision', r.lastRevision],
      ['last polled', formatTime(r.lastPolledAt)],
      ['last error', r.lastError],
      // Only while a branch is rewound: automated sync is held at the revision it had reached.
      ...(r.rewound
        ? [
            [
              'rewound',
              `from ${r.rewound.from} to ${r.rewound.to} at ${formatTime(r.rewound.at)} (not deployed automatically)`,
            ] as [string, unknown],
          ]
        : []),
    ],
    color,
  );
}

/** An ssh:// repository's deploy key and pinned host keys, each read whole from its file. */
async function sshCredentials(
  opts: AddOptions,
): Promise<{ sshPrivateKey?: string; knownHosts?: string } | undefined> {
  if (opts.sshKeyFile === undefined && opts.knownHostsFile === undefined) return undefined;
  if (opts.username || opts.passwordFile || opts.passwordStdin)
    throw new UsageError(
      'an SSH repository takes --ssh-key-file and --known-hosts-file, not a user and password',
    );
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  };
  return {
    sshPrivateKey: opts.sshKeyFile === undefined ? undefined : await read(opts.sshKeyFile, 'SSH key'),
    knownHosts:
      opts.knownHostsFile === undefined ? undefined : await read(opts.knownHostsFile, 'known hosts'),
  };
}

/** Credentials from a file, stdin or a prompt; never from a flag. */
async function credentials(opts: AddOptions): Promise<{ username: string; password: string } | undefined> {
  const sources = [opts.passwordFile !== undefined, opts.passwordStdin === true].filter(Boolean).length;
  if (sources > 1)
    throw new UsageError('give the password with --password-file or --password-stdin, not both');
  if (!opts.username) {
    if (sources) throw new UsageError('a password needs a --username');
    return undefined;
  }
  const password = sources
    ? await readSecret({ file: opts.passwordFile, stdin: opts.passwordStdin }, 'password')
    : await promptSecret(
        `Password for ${opts.username}: `,
        'password (use --password-file or --password-stdin)',
      );
  return { username: opts.username, password };
}

/** `repo add|list|get|delete|refresh` and the content commands. */
export function registerRepoCommands(program: Command): void {
  const repo = program
    .command('repo')
    .alias('repos')
    .description('register repositories, read and version their content');
  examples(repo, [
    'flotilla repo add manifests --git https://git.example.com/ops/manifests.git',
    'flotilla repo log manifests',
  ]);

  examples(
    repo
      .command('add')
      .description('register a Git or SVN repository, or a Helm chart repository')
      .argument('<name>', 'repository name (DNS-1123 label)')
      .addOption(
        new Option(
          '--git <url>',
          'a Git repository (https://, or ssh://git@host/path with --known-hosts-file)',
        ).conflicts(['svn', 'helm']),
      )
      .addOption(new Option('--svn <url>', 'an SVN repository (svn://, http(s)://)').conflicts('helm'))
      .addOption(new Option('--helm <url>', 'a Helm chart repository (http(s) URL serving index.yaml)'))
      .option('--branch <branch>', 'Git branch (default: the hub default, main)')
      .option('--path <path>', 'SVN path inside the repository, e.g. trunk')
      .option('--username <user>', 'user name; the password is asked for on the terminal')
      .option('--password-file <file>', 'read the password from the first line of a file')
      .option('--password-stdin', 'read the password from stdin')
      .option('--webhook-secret-file <file>', 'shared secret of the push webhook, from a file')
      .option('--ssh-key-file <file>', 'ssh:// repositories: the deploy key (unencrypted private key file)')
      .option(
        '--known-hosts-file <file>',
        'ssh:// repositories: the server host keys, e.g. from `ssh-keyscan host` (required: never trusted on first use)',
      )
      .option('--poll-interval <seconds>', 'seconds between polls (minimum 5)', (v) =>
        positiveInt(v, 'poll interval'),
      )
      .action(async (name: string, opts: AddOptions, cmd: Command) => {
        const ctx = contextOf(cmd);
        if (!opts.git && !opts.svn && !opts.helm)
          throw new UsageError('repo add needs --git <url>, --svn <url> or --helm <url>');
        if (opts.helm && (opts.branch || opts.path))
          throw new UsageError('--branch and --path do not apply to a Helm chart repository');
        if (opts.git && opts.path) throw new UsageError('--path is for SVN repositories; Git uses --branch');
        if (opts.svn && opts.branch)
          throw new UsageError('--branch is for Git repositories; SVN uses --path');
        if (opts.passwordStdin && opts.webhookSecretFile === '-')
          throw new UsageError('stdin can carry one secret only');
        const body = {
          name,
          type: opts.git ? 'git' : opts.svn ? 'svn' : 'helm',
          url: opts.git ?? opts.svn ?? opts.helm,
          branch: opts.branch,
          path: opts.path,
          credentials: (await sshCredentials(opts)) ?? (await credentials(opts)),
          webhookSecret: opts.webhookSecretFile
            ? await readSecret({ file: opts.webhookSecretFile }, 'webhook secret')
            : undefined,
          pollIntervalSeconds: opts.pollInterval,
        };
        const created = await (await ctx.api()).post<Repository>('/api/v1/repositories', body);
        ctx.emit(created, () => repoFields(created, ctx.color));
      }),
    [
      'flotilla repo add manifests --git https://git.example.com/ops/manifests.git --branch main',
      'flotilla repo add legacy --svn svn://svn.example.com/ops --path trunk --username bot   # asks for the password',
      'flotilla repo add charts --helm https://charts.example.com/stable',
      'flotilla repo add private --git https://git.example.com/p.git --username bot --password-file ~/.bot-pass',
      'vault read -field=pw secret/bot | flotilla repo add private --git https://… --username bot --password-stdin',
      'ssh-keyscan git.example.com > known_hosts && flotilla repo add fleet --git ssh://git@git.example.com/ops/fleet.git --ssh-key-file deploy_key --known-hosts-file known_hosts',
    ],
  );

  examples(
    repo
      .command('list')
      .description('list repositories')
      .action(async (_opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (await ctx.api()).all<Repository>('/api/v1/repositories');
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (r) => r.name },
              { header: 'TYPE', value: (r) => r.type },
              { header: 'URL', value: (r) => r.url },
              { header: 'REF', value: (r) => r.branch ?? r.path },
              { header: 'LAST REVISION', value: (r) => r.lastRevision },
              { header: 'LAST POLLED', value: (r) => formatTime(r.lastPolledAt) },
              { header: 'ERROR', value: (r) => r.lastError, style: () => 'red' },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla repo list', 'flotilla repo list -o yaml'],
  );

  examples(
    repo
      .command('get')
      .description('show a repository and its polling status')
      .argument('<name>', 'repository name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const r = await (await ctx.api()).get<Repository>(itemPath('repositories', name));
        ctx.emit(r, () => repoFields(r, ctx.color));
      }),
    ['flotilla repo get manifests'],
  );

  examples(
    repo
      .command('delete')
      .description('unregister a repository (the repository itself is untouched)')
      .argument('<name>', 'repository name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        await (await ctx.api()).delete(itemPath('repositories', name));
        ctx.emit({ deleted: name }, () => `repository ${name} deleted\n`);
      }),
    ['flotilla repo delete legacy'],
  );

  examples(
    repo
      .command('refresh')
      .description('poll the repository now')
      .argument('<name>', 'repository name or id')
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const r = await (await ctx.api()).post<Repository>(`${itemPath('repositories', name)}/refresh`);
        ctx.emit(r, () => repoFields(r, ctx.color));
      }),
    ['flotilla repo refresh manifests'],
  );

  registerRepoContentCommands(repo);
}
