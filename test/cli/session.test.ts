import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHub, type TestHub } from '../support/hub-harness.js';
import { freeTcpPort } from '../support/vcs-process.js';
import { CliSession } from './cli-harness.js';

let h: TestHub;
let cli: CliSession;
const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };

beforeAll(async () => {
  h = await startTestHub(inject('postgresUrl'));
  cli = await CliSession.create();
});
afterAll(async () => {
  await h?.close();
  await cli?.close();
});

describe('login, logout, config', () => {
  it('login with --token checks the token, warns about shell history and saves a 0600 file', async () => {
    const r = await cli.run(['login', h.url, '--token', h.adminToken]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `logged in to ${h.url} as token 'admin' (admin, never expires) (saved in ${cli.configFile})\n`,
    );
    expect(r.stderr).toMatch(/^flotilla: warning: .*shell history.*--token-stdin\n$/);
    expect((await stat(cli.configFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(cli.configFile, '..'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(cli.configFile, 'utf8'))).toEqual({
      hubUrl: h.url,
      token: h.adminToken,
    });
    expect(await cli.ok(['cluster', 'list'])).toMatch(/^NAME\s+CONNECTION/);
  });

  it('login --token-stdin gives no warning and keeps the mode when the file exists', async () => {
    await writeFile(cli.configFile, '{}', { mode: 0o644 });
    const r = await cli.run(['login', `${h.url}/`, '--token-stdin'], { input: `${h.adminToken}\n` });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect((await stat(cli.configFile)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(cli.configFile, 'utf8')).hubUrl).toBe(h.url);
  });

  it('login with a wrong token says what the hub said, saves nothing, exits 1', async () => {
    const other = await CliSession.create();
    const hub = await h.api('GET', '/api/v1/clusters', { token: 'flt_wrong' });
    expect(hub.status).toBe(401);
    const r = await other.run(['login', h.url, '--token-stdin'], { input: 'flt_wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`flotilla: ${hub.body.message} (run flotilla login with a valid token)\n`);
    await expect(stat(other.configFile)).rejects.toThrow(/ENOENT/);
    await other.close();
  });

  it('login without a token and without a terminal is a usage error', async () => {
    const r = await cli.run(['login', h.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flotilla: no terminal to ask for the token/);
  });

  it('FLOTILLA_URL and FLOTILLA_TOKEN win over the file', async () => {
    const port = await freeTcpPort();
    const viaEnv = await cli.run(['cluster', 'list'], { env: { FLOTILLA_URL: `http://127.0.0.1:${port}` } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain(`cannot reach the hub at http://127.0.0.1:${port}`);
    const badToken = await cli.run(['cluster', 'list'], { env: { FLOTILLA_TOKEN: 'flt_nope' } });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^flotilla: .*run flotilla login.*\n$/);
    // Env alone, no file at all.
    const bare = await CliSession.create({ FLOTILLA_URL: h.url, FLOTILLA_TOKEN: h.adminToken });
    expect(await bare.ok(['cluster', 'list'])).toContain('NAME');
    await bare.close();
  });

  it('logout forgets the login', async () => {
    const s = await CliSession.create();
    await s.ok(['login', h.url, '--token-stdin'], { input: h.adminToken });
    expect(await s.ok(['logout'])).toBe('logged out\n');
    await expect(stat(s.configFile)).rejects.toThrow(/ENOENT/);
    expect(await s.ok(['logout'])).toBe('not logged in\n');
    const r = await s.run(['cluster', 'list']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'flotilla: no hub configured: run flotilla login <hub-url>, or set FLOTILLA_URL\n',
    });
    await s.close();
  });

  it('version shows the client (package.json), the hub and whose token is in use (whoami)', async () => {
    const hubVersion = (await h.api('GET', '/api/openapi.json')).body.info.version;
    expect(await cli.json(['version'])).toEqual({
      client: pkg.version,
      hub: hubVersion,
      hubUrl: h.url,
      token: { name: 'admin', role: 'admin', projects: {}, expiresAt: null },
    });
    const table = await cli.ok(['version']);
    expect(table).toMatch(new RegExp(`client:\\s+${pkg.version}\\nhub:\\s+${hubVersion}\\n`));
    expect(table).toMatch(/token:\s+token 'admin' \(admin, never expires\)\n$/);
    expect((await cli.run(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });

  it('login and version name a viewer token and its expiry', async () => {
    const created = await h.api('POST', '/api/v1/tokens', {
      body: { name: 'cli-viewer', role: 'viewer', expiresInDays: 3 },
    });
    const s = await CliSession.create();
    const login = await s.json(['login', h.url, '--token-stdin'], { input: created.body.token });
    expect(login).toMatchObject({
      hubUrl: h.url,
      token: { name: 'cli-viewer', role: 'viewer', expiresAt: created.body.expiresAt },
    });
    expect(await s.ok(['version'])).toContain(
      `token:    token 'cli-viewer' (viewer, expires ${created.body.expiresAt})`,
    );
    await s.close();
  });

  it('version with a refused token still shows the hub version, warns, and names no token', async () => {
    const hubVersion = (await h.api('GET', '/api/openapi.json')).body.info.version;
    const r = await cli.run(['version', '-o', 'json'], { env: { FLOTILLA_TOKEN: 'flt_nope' } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ hub: hubVersion, token: null });
    expect(r.stderr).toMatch(/^flotilla: warning: .*run flotilla login with a valid token\)\n$/);
  });
});

describe('errors and exit codes', () => {
  it('an unreachable hub is one clear line and exit 1', async () => {
    const port = await freeTcpPort();
    const r = await cli.run(['app', 'list'], { env: { FLOTILLA_URL: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^flotilla: cannot reach the hub at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*\\n$`),
    );
  });

  it('the hub message of a 4xx is the error line', async () => {
    const r = await cli.run(['cluster', 'get', 'no-such-cluster']);
    const hub = await h.api('GET', '/api/v1/clusters/no-such-cluster');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: `flotilla: ${hub.body.message}\n` });
    const bad = await cli.run(['cluster', 'add', 'Not_A_Name']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flotilla: .*name.*\n$/);
  });

  it.each([
    [['cluster', 'add', 'x', '--bogus'], /unknown option '--bogus'/, /Usage: flotilla cluster add/],
    [['cluster', 'add'], /missing required argument 'name'/, /Usage: flotilla cluster add/],
    [
      ['repo', 'add', 'r', '--git', 'http://x/r.git', '--password', 'hunter2'],
      /unknown option '--password'/,
      /Usage/,
    ],
    [['repo', 'add', 'r', '--git', 'http://x/r.git', '--svn', 'svn://x/r'], /cannot be used with/, /Usage/],
    [['app', 'sync'], /missing required argument/, /Usage: flotilla app sync/],
    [['app', 'create', 'web', '--repo', 'r'], /required option '--path <path>' not specified/, /Usage/],
    [['nonsense'], /unknown command 'nonsense'/, /Usage: flotilla/],
    [['cluster', 'list', '-o', 'xml'], /Allowed choices are table, text, json, yaml, markdown/, /Usage/],
    [['repo', 'log', 'r', '--limit', '0'], /limit must be a positive integer/, /Usage/],
    [['cluster'], /Usage: flotilla cluster/, /Commands:/],
  ])('%j is a usage error: exit 2, usage on stderr', async (args, message, usage) => {
    const r = await cli.run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(usage);
  });

  it.each([
    [['cluster', 'add', 'x', '-l', 'novalue'], 'not a label: "novalue" (use key=value)'],
    [
      ['app', 'sync', 'web', '--wait', '--timeout', '5'],
      'not a duration: "5" (use e.g. 30s, 5m, 2h, 1h30m, 1d)',
    ],
    [['audit', '--since', 'yesterday'], 'not a duration: "yesterday" (use e.g. 30s, 5m, 2h, 1h30m, 1d)'],
    [
      ['repo', 'add', 'r', '--svn', 'svn://x/r', '--branch', 'main'],
      '--branch is for Git repositories; SVN uses --path',
    ],
    [['repo', 'add', 'r', '--git', 'http://x/r.git', '--password-stdin'], 'a password needs a --username'],
    [['completion', 'fish'], 'no completion for "fish": use bash or zsh'],
    [['cluster', 'list', '-o', 'markdown'], '-o markdown is only for flotilla app diff'],
    [['app', 'diff', 'web', '--revision', 'a1', '--branch', 'b'], 'give --revision or --branch, not both'],
  ])('%j: our own usage checks exit 2 with one line', async (args, message) => {
    const r = await cli.run(args);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `flotilla: ${message}\n` });
  });
});

describe('help, output, colour, completion', () => {
  const leaves = [
    'login',
    'logout',
    'version',
    'completion',
    'audit',
    'audit verify',
    'cluster add',
    'cluster list',
    'cluster get',
    'cluster label',
    'cluster delete',
    'cluster token',
    'repo add',
    'repo list',
    'repo get',
    'repo delete',
    'repo refresh',
    'repo log',
    'repo ls',
    'repo cat',
    'repo put',
    'repo rm',
    'app create',
    'app apply',
    'app list',
    'app get',
    'app sync',
    'app diff',
    'app history',
    'app rollback',
    'app unpin',
    'app delete',
    'token list',
    'token create',
    'token revoke',
  ];
  it.each(leaves)('flotilla %s --help shows usage and examples', async (path) => {
    const r = await cli.run([...path.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: flotilla ${path}`);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ flotilla /);
  });

  it('tables are aligned; -o json and -o yaml carry the same data', async () => {
    await h.api('POST', '/api/v1/clusters', { body: { name: 'short', labels: { env: 'dev' } } });
    await h.api('POST', '/api/v1/clusters', { body: { name: 'a-much-longer-name', labels: {} } });
    const lines = (await cli.ok(['cluster', 'list'])).trimEnd().split('\n');
    const col = lines[0].indexOf('CONNECTION');
    for (const l of lines.slice(1)) expect(l.slice(col)).toMatch(/^(Pending|Connected)/);
    const json = await cli.json(['cluster', 'list']);
    expect(json.map((c: any) => c.name).sort()).toEqual(['a-much-longer-name', 'short']);
    const yaml = await cli.ok(['cluster', 'get', 'short', '-o', 'yaml']);
    expect(yaml).toMatch(/^id: .*\nname: short\nlabels:\n {2}env: dev\n/);
  });

  it('colour only when asked for on a non-terminal, and never with NO_COLOR', async () => {
    expect(await cli.ok(['cluster', 'list'])).not.toContain('\x1b[');
    expect(await cli.ok(['cluster', 'list'], { env: { FORCE_COLOR: '1' } })).toContain('\x1b[1mNAME');
    expect(await cli.ok(['cluster', 'list'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).not.toContain(
      '\x1b[',
    );
  });

  it('bash completion is generated from the command tree and completes commands and options', async () => {
    const script = await cli.ok(['completion', 'bash']);
    const file = join(cli.dir, 'complete.bash');
    // A fixed driver: the words to complete come in as arguments, never as shell text.
    await writeFile(
      file,
      `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _flotilla_complete; printf '%s\\n' "\${COMPREPLY[@]}"\n`,
    );
    const complete = async (...words: string[]) =>
      (await promisify(execFile)('bash', ['--norc', '--noprofile', file, ...words])).stdout
        .trim()
        .split('\n');
    expect(await complete('flotilla', 'cl')).toEqual(['cluster']);
    expect(await complete('flotilla', 'cluster', '')).toEqual(
      expect.arrayContaining(['add', 'list', 'label', 'token']),
    );
    expect(await complete('flotilla', 'app', 'sync', '--')).toEqual(
      expect.arrayContaining(['--wait', '--timeout', '--revision', '--output']),
    );
    expect(await complete('flotilla', '-o', 'json', 'repo', 'p')).toEqual(['put']);
    expect(await complete('flotilla', 'repo', 'log', '-o', 'y')).toEqual(['yaml']);
    const zsh = await cli.ok(['completion', 'zsh']);
    expect(zsh).toMatch(/^#compdef flotilla\n/);
    expect(zsh).toContain("'flotilla app sync') compadd -- ");
  });
});
