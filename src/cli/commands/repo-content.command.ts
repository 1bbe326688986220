import { readFile } from 'node:fs/promises';
import { type Command } from 'commander';
import type * as Hub from '../../api-types/hub-api.js';
import { encodePath, itemPath } from '../api-client.js';
import { contextOf, examples, positiveInt } from '../cli-context.js';
import { CliError } from '../errors.js';
import { formatTime, renderTable } from '../output.js';
import { readStdin } from '../prompt.js';

type Commit = Hub.CommitDto;

type Tree = Hub.TreeDto;

type CommitResult = Hub.CommitResultDto;

const base = (name: string) => itemPath('repositories', name);

async function readContent(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `repo log|ls|cat|put|rm`: read a repository through the hub, and commit through it. */
export function registerRepoContentCommands(repo: Command): void {
  examples(
    repo
      .command('log')
      .description('commits, newest first, optionally only those touching a path')
      .argument('<name>', 'repository name or id')
      .option('--path <path>', 'only commits that touch this path')
      .option('--limit <n>', 'at most this many commits', (v) => positiveInt(v, 'limit'), 20)
      .action(async (name: string, opts: { path?: string; limit: number }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (
          await ctx.api()
        ).all<Commit>(`${base(name)}/revisions`, { path: opts.path }, opts.limit);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'REVISION', value: (c) => c.revision.display, style: () => 'yellow' },
              { header: 'AUTHOR', value: (c) => c.author },
              { header: 'TIME', value: (c) => formatTime(c.time) },
              { header: 'MESSAGE', value: (c) => c.message.split('\n')[0] },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla repo log manifests', 'flotilla repo log manifests --path apps/web --limit 5 -o json'],
  );

  examples(
    repo
      .command('ls')
      .description('list a directory of the repository')
      .argument('<name>', 'repository name or id')
      .argument('[path]', 'directory (default: the root)', '')
      .option('--revision <rev>', 'at this revision (default: the newest)')
      .action(async (name: string, path: string, opts: { revision?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const tree = await (
          await ctx.api()
        ).get<Tree>(`${base(name)}/tree`, { path, revision: opts.revision });
        ctx.emit(tree, () =>
          renderTable(
            [
              { header: 'NAME', value: (e) => (e.type === 'dir' ? `${e.name}/` : e.name) },
              { header: 'TYPE', value: (e) => e.type },
              { header: 'SIZE', value: (e) => e.size },
            ],
            tree.entries,
            ctx.color,
          ),
        );
      }),
    ['flotilla repo ls manifests', 'flotilla repo ls manifests apps/web --revision 1a2b3c4'],
  );

  examples(
    repo
      .command('cat')
      .description('print a file of the repository (raw bytes)')
      .argument('<name>', 'repository name or id')
      .argument('<path>', 'file path')
      .option('--revision <rev>', 'at this revision (default: the newest)')
      .action(async (name: string, path: string, opts: { revision?: string }) => {
        const api = await contextOf(repo).api();
        const bytes = await api.bytes(`${base(name)}/files/${encodePath(path)}`, { revision: opts.revision });
        process.stdout.write(bytes);
      }),
    [
      'flotilla repo cat manifests apps/web/deploy.yaml',
      'flotilla repo cat manifests apps/web/deploy.yaml --revision r41',
    ],
  );

  examples(
    repo
      .command('put')
      .description('commit a file (created or replaced) through the hub, as you')
      .argument('<name>', 'repository name or id')
      .argument('<path>', 'file path in the repository')
      .requiredOption('-f, --file <file>', 'local file with the new content (- for stdin)')
      .requiredOption('-m, --message <message>', 'commit message')
      .option('--base <rev>', 'refuse (409) if the file changed after this revision')
      .action(
        async (
          name: string,
          path: string,
          opts: { file: string; message: string; base?: string },
          cmd: Command,
        ) => {
          const ctx = contextOf(cmd);
          const content = await readContent(opts.file);
          const res = await (
            await ctx.api()
          ).put<CommitResult>(`${base(name)}/files/${encodePath(path)}`, {
            content,
            message: opts.message,
            baseRevision: opts.base,
          });
          ctx.emit(res, () => `committed ${res.path} as ${res.revision.display}\n`);
        },
      ),
    [
      'flotilla repo put manifests apps/web/deploy.yaml -f deploy.yaml -m "Scale api to 3"',
      'flotilla repo put manifests apps/web/deploy.yaml -f deploy.yaml -m "Bump" --base 1a2b3c4',
    ],
  );

  examples(
    repo
      .command('rm')
      .description('delete a file through the hub (a commit, as you)')
      .argument('<name>', 'repository name or id')
      .argument('<path>', 'file path in the repository')
      .requiredOption('-m, --message <message>', 'commit message')
      .option('--base <rev>', 'refuse (409) if the file changed after this revision')
      .action(async (name: string, path: string, opts: { message: string; base?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const res = await (
          await ctx.api()
        ).delete(`${base(name)}/files/${encodePath(path)}`, {
          message: opts.message,
          baseRevision: opts.base,
        });
        const result = res.body as CommitResult;
        ctx.emit(result, () => `deleted ${result.path} in ${result.revision.display}\n`);
      }),
    ['flotilla repo rm manifests apps/web/old.yaml -m "Drop old"'],
  );
}
