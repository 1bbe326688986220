import { DependencyFailedError, NotFoundError } from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
import { type ProcessResult, type ProcessRunner } from '../process-runner.js';
import { startEgressProxy } from '../egress-proxy.js';
import { type VcsRepository } from '../vcs-backend.js';
import { scrubSecrets, scrubUrl, VcsAuthenticationError } from '../vcs.errors.js';
import { authHeaders } from '../http-connect.js';
import { secretsOf } from './git-remote.js';
import { GitRedirectedError } from './git-cli-redirect.js';
import { isSshUrl } from '../../domain/ssh-credentials.js';
import { openSshSession, sshFailure } from './git-ssh.js';

/**
 * Configuration every `git` invocation gets on its command line, so nothing from a user or
 * system gitconfig (which a clean HOME and GIT_CONFIG_NOSYSTEM already keep out) and nothing in
 * a repository can widen what git does: only http(s) transports, no hooks, no credential
 * helpers or prompts, no redirects (the Authorization header would follow them to another
 * origin, and every hop must pass the egress policy), no submodules, no background maintenance.
 * Protocol v0 makes an unchanged poll a single request (v2 needs a second one for ls-refs).
 */
const BASE_CONFIG = [
  'protocol.allow=never',
  'protocol.http.allow=always',
  'protocol.https.allow=always',
  'protocol.version=0',
  'core.hooksPath=/dev/null',
  'core.askPass=',
  'core.fsmonitor=false',
  'credential.helper=',
  'http.followRedirects=false',
  'fetch.recurseSubmodules=false',
  'submodule.recurse=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.writeCommitGraph=false',
];

/** A finished git command; `upstreamError` is set when the egress proxy could not connect upstream. */
export interface GitResult extends ProcessResult {
  upstreamError?: string | null;
}

/** How to run one git command. */
export interface GitRunOptions {
  /** The bare repository to work in; omitted for commands that need none. */
  gitdir?: string;
  /** The repository the command talks to: its credentials go in the environment, its errors are mapped. */
  remote?: VcsRepository;
  stdin?: string | Buffer;
  maxStdoutBytes?: number;
  /** Extra environment (author identity of a commit). */
  env?: Record<string, string>;
}

/**
 * Runs the `git` binary through a {@link ProcessRunner}: argument arrays only, a clean
 * environment (HOME a private empty directory, no system config, no terminal prompt),
 * credentials as an `http.extraHeader` passed in the environment (GIT_CONFIG_COUNT), never in
 * argv, a URL or a file, and, when the hub applies an egress policy, every connection through
 * an in-process proxy that checks each request and connects to the checked address.
 */
export class GitCli {
  constructor(
    private readonly runner: ProcessRunner,
    private readonly home: string,
    private readonly egress?: EgressGuard,
    private readonly binary = 'git',
  ) {}

  /** Runs `git args…`; returns the result whatever the exit code (callers decide). */
  async run(args: readonly string[], options: GitRunOptions = {}): Promise<GitResult> {
    const config = [...BASE_CONFIG];
    const ssh =
      options.remote && isSshUrl(options.remote.url)
        ? await openSshSession(options.remote, this.egress)
        : null;
    const proxy = options.remote && this.egress && !ssh ? await startEgressProxy(this.egress) : null;
    if (proxy) config.push(`http.proxy=http://127.0.0.1:${proxy.port}`);
    if (ssh) config.push(...ssh.config);
    const argv = [
      ...config.flatMap((c) => ['-c', c]),
      ...(options.gitdir ? [`--git-dir=${options.gitdir}`] : []),
      ...args,
    ];
    try {
      const result = await this.runner.run(this.binary, argv, {
        env: { ...this.environment(options), ...ssh?.env },
        stdin: options.stdin,
        maxStdoutBytes: options.maxStdoutBytes,
        timeoutMs: 300_000,
      });
      if (proxy?.refusal) throw proxy.refusal;
      return { ...result, upstreamError: result.code !== 0 ? (proxy?.upstreamError ?? null) : null };
    } finally {
      await proxy?.close();
      await ssh?.close();
    }
  }

  /** Runs a command that must succeed; any failure becomes a typed, credential-free error. */
  async ok(args: readonly string[], options: GitRunOptions = {}): Promise<Buffer> {
    const result = await this.run(args, options);
    if (result.code !== 0 || result.truncated || result.timedOut)
      throw gitCliError(args[0] ?? 'git', result, options.remote);
    return result.stdout;
  }

  private environment(options: GitRunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      XDG_CONFIG_HOME: this.home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ATTR_NOSYSTEM: '1',
      LC_ALL: 'C',
      ...options.env,
    };
    const auth =
      options.remote && !isSshUrl(options.remote.url)
        ? authHeaders(options.remote.credentials).Authorization
        : undefined;
    if (auth) {
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
      env.GIT_CONFIG_VALUE_0 = `Authorization: ${auth}`;
    }
    return env;
  }
}

/** `git --version` when a usable git binary is installed, else null. */
export async function detectGitVersion(runner: ProcessRunner, binary = 'git'): Promise<string | null> {
  try {
    const r = await runner.run(binary, ['--version'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      timeoutMs: 10_000,
    });
    const m = /^git version (\d+)\.(\d+)/.exec(r.stdout.toString('utf8'));
    if (r.code !== 0 || !m) return null;
    // GIT_CONFIG_GLOBAL (2.32) and --diff-merges (2.31) are relied on.
    if (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 32)) return null;
    return r.stdout.toString('utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Maps what a failed git command printed to a typed error. The text is scrubbed of URLs'
 * userinfo and of every secret of the repository before it can reach a message.
 */
export function gitCliError(command: string, result: GitResult, repo?: VcsRepository): Error {
  const url = repo ? scrubUrl(repo.url) : 'repository';
  if (result.timedOut) return new DependencyFailedError(`git ${command} on ${url} timed out`);
  if (result.truncated) return new DependencyFailedError(`git ${command} on ${url}: output over the limit`);
  const err = result.stderr;
  if (repo) {
    if (result.upstreamError)
      return new DependencyFailedError(`repository ${url} is unreachable (${result.upstreamError})`);
    if (/could not read (Username|Password)|Authentication failed/i.test(err))
      return new VcsAuthenticationError(repo.url);
    const ssh = isSshUrl(repo.url) ? sshFailure(err, repo.url) : null;
    if (ssh === 'auth') return new VcsAuthenticationError(repo.url);
    if (ssh) return ssh;
    if (isSshUrl(repo.url) && /does not appear to be a git repository/i.test(err))
      return new NotFoundError('repository', url);
    const status = /returned error: (\d{3})/.exec(err)?.[1];
    if (status === '401' || status === '403') return new VcsAuthenticationError(repo.url);
    if (status === '404' || /repository '.*' not found/i.test(err))
      return new NotFoundError('repository', url);
    if (status?.startsWith('3')) return new GitRedirectedError(repo.url);
    if (status) return new DependencyFailedError(`repository ${url} answered HTTP ${status}`);
    const ref = /couldn't find remote ref (?:refs\/heads\/)?(\S+)/.exec(err);
    if (ref) return new NotFoundError('branch', ref[1]);
    for (const [pattern, code] of CURL_FAILURES)
      if (pattern.test(err)) return new DependencyFailedError(`repository ${url} is unreachable (${code})`);
  }
  const line =
    err
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /^(fatal|error):/.test(l)) ?? `exit code ${result.code}`;
  const secrets = repo ? [...secretsOf(repo), authHeaders(repo.credentials).Authorization] : [];
  return new DependencyFailedError(
    `git ${command} on ${url} failed: ${scrubSecrets(line, secrets).slice(0, 300)}`,
  );
}

/** curl's words for a failed connection, as the error codes the rest of the hub logs. */
const CURL_FAILURES: [RegExp, string][] = [
  [/Connection refused|Couldn't connect to server/i, 'ECONNREFUSED'],
  [/Could not resolve (host|proxy)/i, 'ENOTFOUND'],
  [/timed out/i, 'ETIMEDOUT'],
  [/Connection reset/i, 'ECONNRESET'],
  [/No route to host/i, 'EHOSTUNREACH'],
  [/Network is unreachable/i, 'ENETUNREACH'],
  [/Failed to connect|Empty reply from server/i, 'connection failed'],
];
