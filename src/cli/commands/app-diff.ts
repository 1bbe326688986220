import { type Command } from 'commander';
import { itemPath } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import { parseDuration } from '../duration.js';
import { CliError, UsageError } from '../errors.js';
import {
  type Preview,
  type PreviewFromHub,
  renderPreviewMarkdown,
  renderPreviewText,
} from './app-diff-view.js';

interface DiffOptions {
  revision?: string;
  branch?: string;
  wait: string;
  interval: string;
}

/**
 * `app diff APP [--revision R | --branch B]`: what a revision would do to every cluster the
 * application targets — the hub renders for each, each agent dry-runs against what is live.
 * Exit 1 when any cluster would fail (render, policy, admission) or the preview did not complete
 * within --wait (what there is is printed first: a pipeline must not pass on half an answer),
 * 0 otherwise.
 */
export function registerAppDiffCommand(app: Command): void {
  examples(
    app
      .command('diff')
      .description('preview a revision on every target cluster (dry run, nothing applied)')
      .argument('<name>', 'application name or id')
      .option('--revision <rev>', 'a commit (Git) or revision number (SVN); default: the head of its branch')
      .option('--branch <branch>', 'the head of another branch (Git)')
      .option('--wait <duration>', 'how long to wait for every agent to answer', '120s')
      .option('--interval <duration>', 'time between polls', '1s')
      .action(async (name: string, o: DiffOptions, cmd: Command) => {
        if (o.revision !== undefined && o.branch !== undefined)
          throw new UsageError('give --revision or --branch, not both');
        const ctx = contextOf(cmd, { markdown: true });
        const waitMs = parseDuration(o.wait);
        const intervalMs = parseDuration(o.interval);
        const api = await ctx.api();
        const started = Date.now();
        let p: Preview = await api.post<PreviewFromHub>(`${itemPath('applications', name)}/previews`, {
          ...(o.revision !== undefined ? { revision: o.revision } : {}),
          ...(o.branch !== undefined ? { branch: o.branch } : {}),
        });
        while (p.state === 'running' && Date.now() - started < waitMs) {
          await new Promise((res) => setTimeout(res, Math.min(intervalMs, waitMs - (Date.now() - started))));
          p = await api.get<PreviewFromHub>(`/api/v1/previews/${encodeURIComponent(p.id)}`);
        }
        ctx.emit(p, () =>
          ctx.format === 'markdown' ? renderPreviewMarkdown(p) : renderPreviewText(p, ctx.color),
        );
        if (p.state === 'running')
          throw new CliError(
            `the preview did not complete within ${o.wait}: ${p.summary.pending} cluster(s) pending`,
          );
        if (p.summary.failing > 0) throw new CliError(`${p.summary.failing} cluster(s) would fail`);
      }),
    [
      'flotilla app diff web',
      'flotilla app diff web --branch feature/new-limits',
      'flotilla app diff web --revision 4f2a9c1 -o markdown > comment.md',
      'flotilla app diff web -o json',
    ],
  );
}
