import {
  ConflictError,
  type DomainError,
  InvalidInputError,
  NotFoundError,
  TooLargeError,
  DependencyFailedError,
} from '../../domain/errors.js';
import { type EgressGuard } from '../egress-guard.js';
import { type ProcessResult, type ProcessRunner } from '../process-runner.js';
import { type VcsRepository } from '../vcs-backend.js';
import { scrubSecrets, scrubUrl, VcsAuthenticationError } from '../vcs.errors.js';
import { startEgressProxy, type EgressProxy } from '../egress-proxy.js';

/** How {@link SvnCli} runs the client. */
export interface SvnCliOptions {
  runner: ProcessRunner;
  /** Private config dir: no user `~/.subversion` settings, no stored passwords, no prompts. */
  configDir: string;
  svnBinary: string;
  svnmuccBinary: string;
  timeoutMs: number;
  /** The egress policy every call to a repository passes; absent: no policy (tests of this layer). */
  egress?: EgressGuard;
}

/** What an svn invocation is about, for turning its errors into useful typed ones. */
export interface SvnContext {
  path?: string;
  revision?: string;
  /** Commit context: out-of-date and already-exists errors become 409. */
  writing?: boolean;
}

/**
 * Runs `svn` / `svnmucc` for one repository: argument arrays only (the runner has no shell),
 * always `--non-interactive --no-auth-cache`, the user name in argv and the password on stdin
 * (`--password-from-stdin`), so a secret never shows up in `ps` or in a config file.
 */
export class SvnCli {
  constructor(private readonly options: SvnCliOptions) {}

  /** Runs `svn <args>`; throws a typed error on failure. */
  async svn(
    repo: VcsRepository,
    args: readonly string[],
    context: SvnContext = {},
    maxStdoutBytes?: number,
  ): Promise<ProcessResult> {
    return this.exec(this.options.svnBinary, repo, args, context, maxStdoutBytes, false);
  }

  /** Like {@link svn} but returns the result even when svn exits non-zero (partial XML output). */
  async svnLenient(
    repo: VcsRepository,
    args: readonly string[],
    context: SvnContext = {},
  ): Promise<ProcessResult> {
    return this.exec(this.options.svnBinary, repo, args, context, undefined, true);
  }

  /** Runs `svnmucc <args>`; `commitUser` becomes svn:author when no credentials say otherwise (file://). */
  async svnmucc(
    repo: VcsRepository,
    args: readonly string[],
    context: SvnContext,
    commitUser: string,
  ): Promise<ProcessResult> {
    return this.exec(this.options.svnmuccBinary, repo, args, context, undefined, false, commitUser);
  }

  private async exec(
    binary: string,
    repo: VcsRepository,
    args: readonly string[],
    context: SvnContext,
    maxStdoutBytes: number | undefined,
    lenient: boolean,
    commitUser?: string,
  ): Promise<ProcessResult> {
    const c = repo.credentials;
    const secret = c?.token || c?.password;
    const username = c?.username || commitUser;
    const common = ['--non-interactive', '--no-auth-cache', '--config-dir', this.options.configDir];
    if (username) common.push('--username', username);
    if (secret) common.push('--password-from-stdin');
    const proxy = await this.egressFor(repo, common);
    let result: ProcessResult;
    try {
      result = await this.options.runner.run(binary, [...common, ...args], {
        stdin: secret ? `${secret}\n` : '',
        timeoutMs: this.options.timeoutMs,
        maxStdoutBytes,
        // A fixed, minimal environment: no user SVN_EDITOR / locale surprises in messages.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: this.options.configDir },
      });
    } catch (e) {
      throw new DependencyFailedError(
        `cannot run ${binary}: ${(e as { code?: string }).code ?? 'error'} (is subversion installed?)`,
      );
    } finally {
      await proxy?.close();
    }
    if (proxy?.refusal) throw proxy.refusal;
    if (result.truncated) throw new TooLargeError(`${context.path ?? 'output'}: over the size limit`);
    if (result.timedOut)
      throw new DependencyFailedError(`repository ${scrubUrl(repo.url)} did not answer in time`);
    if (result.code !== 0 && !lenient) throw mapSvnError(result.stderr, repo, context);
    return result;
  }

  /**
   * Applies the egress policy before svn runs. svn:// is checked here (svnserve has no
   * redirects; svn resolves the name again itself, a window documented in the README);
   * http(s) goes through a checking proxy, which also sees every redirect svn follows.
   */
  private async egressFor(repo: VcsRepository, args: string[]): Promise<EgressProxy | null> {
    const guard = this.options.egress;
    if (!guard) return null;
    const url = new URL(repo.url);
    if (url.protocol === 'file:') return null;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      await guard.check(url);
      return null;
    }
    const proxy = await startEgressProxy(guard);
    args.push(
      '--config-option',
      'servers:global:http-proxy-host=127.0.0.1',
      '--config-option',
      `servers:global:http-proxy-port=${proxy.port}`,
    );
    return proxy;
  }
}

/** Error codes (`E170001` …) printed by svn, in order. */
function codes(stderr: string): string[] {
  return [...stderr.matchAll(/\b[EW](\d{6})\b/g)].map((m) => m[1]);
}

/**
 * Maps svn's stderr to a typed error whose message is ours, not svn's (svn messages quote URLs
 * and local paths); only the unknown-error fallback quotes svn, scrubbed of URLs with user
 * info and of the repository's secrets.
 */
export function mapSvnError(stderr: string, repo: VcsRepository, context: SvnContext): DomainError {
  const all = codes(stderr);
  const has = (...cs: string[]) => cs.some((c) => all.includes(c));
  const url = scrubUrl(repo.url);
  if (has('170001', '215004', '175013')) return new VcsAuthenticationError(repo.url);
  if (has('160006')) return new NotFoundError('revision', context.revision ?? 'requested');
  if (
    context.writing &&
    has('160028', '155011', '160024', '170004', '160020', '175005', '160013', '155010', '160042')
  )
    return new ConflictError(`${context.path ?? 'the changed paths'}: changed since the base revision`, {
      baseRevision: context.revision,
    });
  if (has('210005', '180001')) return new NotFoundError('repository', url);
  if (has('195007', '200007'))
    return new InvalidInputError(`${context.path ?? 'path'}: is a directory, not a file`);
  if (has('160013', '200009', '170000', '155010', '160040', '195012'))
    return new NotFoundError('path', context.path || '/');
  if (has('170013', '210002', '000111', '670002', '670008', '175002', '210003', '000113', '000110', '000101'))
    return new DependencyFailedError(`repository ${url} is unreachable`);
  const firstLine = stderr.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return new DependencyFailedError(
    `svn failed on ${url}: ${scrubSecrets(firstLine, [repo.credentials?.password, repo.credentials?.token])}`,
  );
}
