import { type Command, InvalidArgumentError } from 'commander';
import { ApiClient } from './api-client.js';
import { resolveConnection } from './config-store.js';
import { colorEnabled, type OutputFormat, parseFormat, serialize } from './output.js';

/** What every command needs: the output format, colour, a hub client and the two streams. */
export interface CliContext {
  readonly format: OutputFormat;
  /** Colour on stdout. */
  readonly color: boolean;
  /** A client for the configured hub (env first, then the config file). */
  api(): Promise<ApiClient>;
  /** Writes to stdout as is. */
  print(text: string): void;
  /** Writes one `flotilla: warning: …` line to stderr. */
  warn(text: string): void;
  /** Prints data as JSON/YAML when asked, else what `render` makes of it. */
  emit(data: unknown, render: () => string): void;
}

/**
 * The context of a command, from its own and its parents' options (`-o` is global; `markdown`
 * only for the commands that render it, which print it themselves).
 */
export function contextOf(cmd: Command, formats: { markdown?: boolean } = {}): CliContext {
  const opts = cmd.optsWithGlobals<{ output?: string }>();
  const format = parseFormat(opts.output, formats.markdown);
  const color = colorEnabled(process.stdout);
  let client: ApiClient | undefined;
  const print = (text: string) => void process.stdout.write(text);
  return {
    format,
    color,
    async api() {
      if (!client) {
        const c = await resolveConnection();
        client = new ApiClient(c.hubUrl, c.token);
      }
      return client;
    },
    print,
    warn: (text) => void process.stderr.write(`flotilla: warning: ${text}\n`),
    emit(data, render) {
      print(format === 'table' || format === 'markdown' ? render() : serialize(data, format));
    },
  };
}

/** Appends examples to a command's help (`--help` shows them after the options). */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Commander's collector for repeatable options (`-l a=b -l c=d`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander argument parser for a positive integer (a bad value is a usage error). */
export function positiveInt(value: string, what = 'value'): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer.`);
  return n;
}
