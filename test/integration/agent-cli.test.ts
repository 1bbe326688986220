import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess } from '../e2e/agent-process.js';

/**
 * The built agent (`dist/src/agent/main.js`, what the bin runs) as a process: its command line
 * and a second agent on the same host. Nothing here needs a cluster or a hub: both fail later.
 */
const run = promisify(execFile);
let dir: string;
const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
// Nothing listens on port 1: the agent keeps retrying the API server and the hub, and stays up.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: u, user: { token: not-a-token } }]
contexts: [{ name: c, context: { cluster: c, user: u } }]
current-context: c
`;

beforeAll(async () => {
  await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
  dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-cli-'));
  await writeFile(join(dir, 'kubeconfig'), KUBECONFIG, { mode: 0o600 });
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the agent to its exit: code, stdout, stderr. */
async function agent(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ['dist/src/agent/main.js', ...args], {
      env: { PATH: process.env.PATH, ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('flotilla-agent on the command line', () => {
  it('--help prints the flags and their environment variables and exits 0, with no other setting', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await agent([flag]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^Usage: flotilla-agent --hub-url URL \[options\]\n/);
      expect(r.stdout).toContain('--metrics-port N            FLOTILLA_METRICS_PORT');
      expect(r.stdout).toContain('--version');
    }
  });

  it('--version prints the version and exits 0', async () => {
    expect(await agent(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect((await agent(['-V'])).stdout).toBe(`${pkg.version}\n`);
  });

  it('an unknown flag or a missing setting is one line pointing the way, exit 1', async () => {
    const unknown = await agent(['--hub-url', 'http://127.0.0.1:1', '--metric-port', '9']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe(
      "flotilla-agent: Unknown option '--metric-port' (flotilla-agent --help lists the options)\n",
    );
    const missing = await agent([]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'flotilla-agent: --hub-url (or FLOTILLA_HUB_URL) is required\n',
    });
  });
});

describe('a second agent on the same host', () => {
  let first: AgentProcess | undefined;
  let squatter: Server | undefined;
  afterAll(async () => {
    await first?.stop();
    await new Promise((r) => (squatter ? squatter.close(r) : r(undefined)));
  });

  const args = (name: string) => [
    '--hub-url',
    'http://127.0.0.1:1',
    '--registration-token',
    'fltreg_unused',
    '--kubeconfig',
    join(dir, 'kubeconfig'),
    '--state-dir',
    join(dir, `state-${name}`),
  ];

  it('is refused the metrics port in one line naming the port and how to change it, not a stack', async () => {
    first = await AgentProcess.start({
      name: 'first',
      hubUrl: 'http://127.0.0.1:1',
      kubeconfig: KUBECONFIG,
      registrationToken: 'fltreg_unused',
    });
    for (const deadline = Date.now() + 20_000; !first.metricsPort() && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 100));
    const port = first.metricsPort()!;
    expect(port).toBeGreaterThan(0);
    const second = await agent(args('second'), { FLOTILLA_METRICS_PORT: String(port) });
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `flotilla-agent: metrics port ${port} is already in use (another agent on this host?): ` +
        'choose another with --metrics-port N (or FLOTILLA_METRICS_PORT), or 0 for any free port\n',
    );
    expect(second.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    // The first agent is unharmed and still serves its port (503: no cluster to be ready with).
    expect(first.running).toBe(true);
    expect([200, 503]).toContain(await first.healthz());
  });

  it('a port another program holds is refused the same way', async () => {
    squatter = createServer();
    await new Promise<void>((r) => squatter!.listen(0, '0.0.0.0', r));
    const port = (squatter.address() as { port: number }).port;
    const r = await agent([...args('third'), '--metrics-port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^flotilla-agent: metrics port ${port} is already in use .*--metrics-port N.*\\n$`),
    );
  });
});
