import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { chooseGitImplementation } from '../../src/vcs/git/git-implementation.js';
import { NodeProcessRunner } from '../../src/vcs/process-runner.js';

/** The choice made once at start, against the real `git` on PATH and a binary that is not there. */
describe('Git implementation choice', () => {
  const runner = new NodeProcessRunner();

  it('auto picks the git CLI when git is installed, and says which version', async () => {
    const choice = await chooseGitImplementation('auto', runner);
    expect(choice.implementation).toBe('cli');
    expect(choice.reason).toMatch(/^git version \d+\.\d+/);
  });

  it('auto falls back to isomorphic-git without a git binary; cli refuses to start', async () => {
    const missing = '/nonexistent/flotilla-test/git';
    await expect(chooseGitImplementation('auto', runner, missing)).resolves.toMatchObject({
      implementation: 'isomorphic',
      reason: expect.stringMatching(/no usable git/) as unknown,
    });
    await expect(chooseGitImplementation('cli', runner, missing)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('isomorphic is taken as asked, without looking for git', async () => {
    await expect(chooseGitImplementation('isomorphic', runner, '/nonexistent/git')).resolves.toMatchObject({
      implementation: 'isomorphic',
    });
  });
});
