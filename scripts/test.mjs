#!/usr/bin/env node
// `npm test`: checks the machine has what the suite drives for real (git, svn), then runs every vitest project and ends with one summary line
// "N passed, N failed". Extra arguments go to vitest (e.g. `npm test -- --project unit`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const need = [
  ['git', ['--version'], 'git (apt-get install -y git)'],
  ['svn', ['--version', '--quiet'], 'the Subversion client (apt-get install -y subversion)'],
  ['svnserve', ['--version', '--quiet'], 'svnserve (apt-get install -y subversion)'],
  ['svnadmin', ['--version', '--quiet'], 'svnadmin (apt-get install -y subversion)'],
  ['chromium', ['--version'], 'Chromium for the dashboard tests (apt-get install -y chromium)'],
  ['openssl', ['version'], 'openssl (apt-get install -y openssl)'],
  // The contract test installs schemathesis into a venv (scripts/schemathesis-venv.sh).
  [
    'python3',
    ['-c', 'import ensurepip, venv'],
    'python3 with venv (apt-get install -y python3 python3-venv)',
  ],
];
// Go (for the Kubernetes test binaries) is checked by the k8s global setup, which needs it
// only when the binaries are not cached yet and KUBEBUILDER_ASSETS is not set.

const missing = need.filter(([cmd, args]) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missing.length) {
  process.stderr.write('npm test needs, and this machine lacks:\n');
  for (const [, , what] of missing) process.stderr.write(`  - ${what}\n`);
  process.stderr.write('(.ci/run installs them on a Debian machine.)\n');
  process.exit(1);
}

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
