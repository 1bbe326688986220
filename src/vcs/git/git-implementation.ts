import { InvalidInputError } from '../../domain/errors.js';
import { type ProcessRunner } from '../process-runner.js';
import { detectGitVersion } from './git-cli.js';

/** What FLOTILLA_GIT_IMPLEMENTATION accepts. */
export type GitImplementationSetting = 'auto' | 'cli' | 'isomorphic';

/** The implementation chosen at start, and a sentence saying why (logged once). */
export interface GitImplementationChoice {
  implementation: 'cli' | 'isomorphic';
  reason: string;
}

/**
 * Picks the Git implementation once, at start: `auto` uses the git CLI when a usable `git`
 * (2.32 or newer) is on PATH and isomorphic-git otherwise; `cli` requires the binary and fails
 * the start without it (a misconfiguration should not silently fall back to the slower path).
 */
export async function chooseGitImplementation(
  setting: GitImplementationSetting,
  runner: ProcessRunner,
  binary = 'git',
): Promise<GitImplementationChoice> {
  if (setting === 'isomorphic')
    return { implementation: 'isomorphic', reason: 'FLOTILLA_GIT_IMPLEMENTATION=isomorphic' };
  const version = await detectGitVersion(runner, binary);
  if (version)
    return { implementation: 'cli', reason: `${version} found (FLOTILLA_GIT_IMPLEMENTATION=${setting})` };
  if (setting === 'cli')
    throw new InvalidInputError(
      'FLOTILLA_GIT_IMPLEMENTATION=cli, but no usable git (2.32 or newer) is on PATH',
    );
  return { implementation: 'isomorphic', reason: 'no usable git (2.32 or newer) on PATH' };
}
