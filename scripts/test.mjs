#!/usr/bin/env node
// `npm test`: sets up what the suite drives for real (git, svn, chromium...), then runs every vitest project and ends with one summary line
// "N passed, N failed". Extra arguments go to vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMachine } from './machine-needs.mjs';
import { enginesRange, unsupportedNodeMessage } from './node-baseline.mjs';

process.stdout.write(`npm test on Node ${process.version} (${process.execPath})\n`);
// Refused, not warned: the test runner itself (vitest 5) supports Node 22.12+ only, and a result
// on an unsupported Node says nothing about the ones the project runs on.
const tooOld = unsupportedNodeMessage(process.version, enginesRange());
if (tooOld) {
  process.stderr.write(`\n${tooOld}\n`);
  process.exit(1);
}

// git, Subversion, Chromium, openssl...: installed here when missing and the machine allows it
// (scripts/machine-needs.mjs). Go, for the Kubernetes test binaries, is checked by the k8s
// global setup, which needs it only when the binaries are not cached yet.
if (!ensureMachine()) process.exit(1);

const dir = mkdtempSync(join(tmpdir(), 'flotilla-test-report-'));
const report = join(dir, 'report.json');
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
let summary = null;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  summary = {
    passed: r.numPassedTests,
    failed: r.numFailedTests,
    skipped: r.numPendingTests + r.numTodoTests,
  };
} catch {
  /* vitest died before writing its report */
}
rmSync(dir, { recursive: true, force: true });
if (summary) {
  process.stdout.write(
    `\n${summary.passed} passed, ${summary.failed} failed${summary.skipped ? `, ${summary.skipped} skipped` : ''}\n`,
  );
  if (summary.passed === 0 && summary.failed === 0) {
    process.stderr.write('no test ran\n');
    process.exit(1);
  }
}
process.exit(run.status ?? 1);
