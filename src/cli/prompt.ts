import { readFile } from 'node:fs/promises';
import { CliError, UsageError } from './errors.js';

/** Everything on stdin, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A secret from stdin or a file: the first line, without its line ending. Empty is an error. */
export async function readSecret(source: { file?: string; stdin?: boolean }, what: string): Promise<string> {
  let text: string;
  if (source.stdin) text = await readStdin();
  else {
    try {
      text = await readFile(source.file!, 'utf8');
    } catch (e) {
      throw new CliError(
        `cannot read the ${what} file ${source.file}: ${(e as NodeJS.ErrnoException).code ?? ''}`,
      );
    }
  }
  const secret = text.split(/\r?\n/)[0];
  if (!secret) throw new UsageError(`the ${what} is empty`);
  return secret;
}

/**
 * Asks for a secret on the terminal with echo off (stdin in raw mode, the question on stderr).
 * Refuses when stdin is not a terminal: a script should use a file or stdin instead.
 */
export function promptSecret(question: string, hint: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    throw new UsageError(`no terminal to ask for the ${hint} on: ${question.replace(/:\s*$/, '')}`);
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('interrupted', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
