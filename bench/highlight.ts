/**
 * Dashboard highlighter benchmark (issue 12 item 8): time to tokenize one 40,000-character line
 * against one 4,000-character line, as a ratio (10 or less is linear; the regular expression it
 * replaced was quadratic, ~1.6 s for 40,000 characters). Two shapes: a long flow mapping, and
 * a long run of word characters without a colon (a base64 blob, the old worst case).
 *
 *   npm run bench:highlight      (RUNS env var: repetitions per measurement, default 20)
 */
import { performance } from 'node:perf_hooks';
import { tokenizeLine } from '../web/src/highlight-tokens.js';

const RUNS = Number(process.env.RUNS ?? 20);

function time(line: string): number {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    tokenizeLine(line, false);
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const shapes: [string, (n: number) => string][] = [
  ['flow mapping', (n) => `data: {${'key: "value", '.repeat(Math.ceil(n / 14))}`.slice(0, n)],
  ['word run (base64)', (n) => `blob: ${'QUJDRA'.repeat(Math.ceil(n / 6))}`.slice(0, n)],
];
for (const [name, make] of shapes) {
  time(make(40_000)); // warm up
  const short = time(make(4_000));
  const long = time(make(40_000));
  console.log(
    `highlight ${name}: 4,000 chars ${short.toFixed(3)} ms, 40,000 chars ${long.toFixed(3)} ms ` +
      `(medians of ${RUNS}) -> ratio ${(long / short).toFixed(1)}`,
  );
}
