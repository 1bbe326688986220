import { type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type ApiClient, itemPath } from '../api-client.js';
import { type CliContext, contextOf, examples } from '../cli-context.js';
import { formatDuration, parseDuration } from '../duration.js';
import { CliError, UsageError } from '../errors.js';
import { colorEnabled } from '../output.js';
import { readStdin } from '../prompt.js';
import { type ProgressSink } from './app-sync.js';
import {
  renderRollout,
  type Rollout,
  rolloutLine,
  type RolloutStrategy,
  STOPPED_STATES,
} from './app-rollout-view.js';

const STRATEGY_FIELDS = new Set(['stages', 'onFailure']);

/**
 * Reads a rollout strategy from a YAML or JSON file (`-` for stdin). Its shape is checked here
 * so a typo is named before the hub sees it; the hub checks the values.
 */
export async function readStrategyFile(file: string): Promise<RolloutStrategy> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`${file}: a rollout strategy is a mapping with stages (and onFailure)`);
  const unknown = Object.keys(value).filter((k) => !STRATEGY_FIELDS.has(k));
  if (unknown.length) throw new UsageError(`${file}: unknown field(s) ${unknown.join(', ')}`);
  if (!Array.isArray((value as { stages?: unknown }).stages))
    throw new UsageError(`${file}: stages must be a list`);
  return value as RolloutStrategy;
}

/** How a wait ended: the rollout completed, stopped for someone to act, or the time ran out. */
export type WaitOutcome = 'completed' | 'stopped' | 'timeout';

/**
 * Polls the application's latest rollout until it completes, stops (paused, awaiting approval,
 * aborted, rolled back) or the timeout. A newer revision superseding it is followed: the latest
 * rollout is the one that will reach the clusters. On a terminal one line is redrawn in place;
 * elsewhere a line is printed each time the summary changes.
 */
export async function waitForRollout(
  api: ApiClient,
  name: string,
  opts: { timeoutMs: number; intervalMs: number; sink: ProgressSink },
): Promise<{ rollout: Rollout; outcome: WaitOutcome }> {
  const started = Date.now();
  const { sink } = opts;
  let last = '';
  let id: string | null = null;
  for (;;) {
    const r = await api.get<Rollout>(`${itemPath('applications', name)}/rollout`);
    if (id && r.id !== id) {
      const note = `a newer revision superseded it: following the rollout of ${r.revisionDisplay}\n`;
      sink.write(sink.tty ? `\r\x1b[2K${note}` : note);
    }
    id = r.id;
    const line = rolloutLine(r);
    const elapsed = formatDuration(Date.now() - started);
    if (sink.tty) sink.write(`\r\x1b[2K${line}  ${elapsed}`);
    else if (line !== last) sink.write(`${line} (${elapsed})\n`);
    last = line;
    const outcome: WaitOutcome | null =
      r.state === 'completed'
        ? 'completed'
        : STOPPED_STATES.includes(r.state)
          ? 'stopped'
          : Date.now() - started >= opts.timeoutMs
            ? 'timeout'
            : null;
    if (outcome) {
      if (sink.tty) sink.write('\n');
      return { rollout: r, outcome };
    }
    await new Promise((res) =>
      setTimeout(res, Math.min(opts.intervalMs, opts.timeoutMs - (Date.now() - started))),
    );
  }
}

interface WaitOptions {
  wait?: boolean;
  timeout: string;
  interval: string;
}

const waitOptions = (cmd: Command, what: string): Command =>
  cmd
    .option('--wait', `wait until the rollout completes (exit 0) or ${what} (exit 1)`)
    .option('--timeout <duration>', 'give up waiting after this long', '30m')
    .option('--interval <duration>', 'time between status polls', '2s');

/** Prints the rollout (or, with --wait, follows it first) and fails when it did not complete. */
async function show(
  ctx: CliContext,
  api: ApiClient,
  name: string,
  r: Rollout,
  o: WaitOptions,
): Promise<void> {
  if (!o.wait) return ctx.emit(r, () => renderRollout(r, ctx.color));
  const timeoutMs = parseDuration(o.timeout);
  const intervalMs = parseDuration(o.interval);
  // progress goes to stdout in table mode, else to stderr so stdout stays parseable
  const stream = ctx.format === 'table' ? process.stdout : process.stderr;
  const { rollout, outcome } = await waitForRollout(api, name, {
    timeoutMs,
    intervalMs,
    sink: { write: (t) => void stream.write(t), tty: stream.isTTY === true, color: colorEnabled(stream) },
  });
  ctx.emit(rollout, () => '\n' + renderRollout(rollout, ctx.color));
  if (outcome === 'timeout')
    throw new CliError(`timed out after ${o.timeout}: the rollout is ${rolloutLine(rollout)}`);
  if (outcome === 'stopped')
    throw new CliError(`rollout ${rollout.state}${rollout.reason ? `: ${rollout.reason}` : ''}`);
}

const COMMANDS: [string, string, string[]][] = [
  [
    'promote',
    'let the rollout past an approval gate, or past failures over a stage budget',
    ['flotilla app rollout promote web --reason "canary looks good" --wait'],
  ],
  [
    'pause',
    'stop starting batches (the running one finishes)',
    ['flotilla app rollout pause web --reason "incident 42"'],
  ],
  [
    'resume',
    'go on after a pause (it stops again if the failures are still there)',
    ['flotilla app rollout resume web --wait'],
  ],
  [
    'abort',
    'end the rollout where it stands: moved clusters keep the new revision, the others the old',
    ['flotilla app rollout abort web --reason "wrong image"'],
  ],
  ['retry', 'send the failed clusters their jobs again', ['flotilla app rollout retry web --wait']],
];

/** `app rollout status|promote|pause|resume|abort|retry APP`. */
export function registerAppRolloutCommands(app: Command): void {
  const rollout = app.command('rollout').description("follow and steer an application's staged rollout");
  examples(rollout, ['flotilla app rollout status web', 'flotilla app rollout promote web --wait']);

  examples(
    waitOptions(
      rollout
        .command('status')
        .description('the latest rollout: each stage, its batches and clusters, why it waits, its history')
        .argument('<name>', 'application name or id'),
      'stops (paused, awaiting approval, aborted, rolled back)',
    ).action(async (name: string, o: WaitOptions, cmd: Command) => {
      const ctx = contextOf(cmd);
      const api = await ctx.api();
      const r = await api.get<Rollout>(`${itemPath('applications', name)}/rollout`);
      await show(ctx, api, name, r, o);
    }),
    [
      'flotilla app rollout status web',
      'flotilla app rollout status web --wait --timeout 1h',
      'flotilla app rollout status web -o json',
    ],
  );

  for (const [verb, description, lines] of COMMANDS)
    examples(
      waitOptions(
        rollout
          .command(verb)
          .description(description)
          .argument('<name>', 'application name or id')
          .option('--reason <text>', 'why (recorded in the audit trail)'),
        'stops again',
      ).action(async (name: string, o: WaitOptions & { reason?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const r = await api.post<Rollout>(`${itemPath('applications', name)}/rollout/${verb}`, {
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
        });
        if (ctx.format === 'table' && o.wait) ctx.print(`rollout ${r.state}\n`);
        await show(ctx, api, name, r, o);
      }),
      lines,
    );
}
