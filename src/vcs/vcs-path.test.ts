import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../domain/errors.js';
import { normalizeRepoPath, resolveSymlinkTarget } from './vcs-path.js';
import { scrubSecrets, scrubUrl } from './vcs.errors.js';

describe('normalizeRepoPath', () => {
  it.each([
    ['apps/web/deployment.yaml', 'apps/web/deployment.yaml'],
    ['apps/web/', 'apps/web'],
    ['with space/$(x);`y`.yaml', 'with space/$(x);`y`.yaml'],
  ])('accepts %j', (input, expected) => {
    expect(normalizeRepoPath(input)).toBe(expected);
  });

  it.each([
    '',
    '.',
    '..',
    '../x',
    'a/../b',
    '/etc/passwd',
    'C:/x',
    'a\\b',
    'a//b',
    './a',
    'a\nb',
    'a\u0000b',
    'a\u007fb',
  ])('refuses %j', (input) => {
    expect(() => normalizeRepoPath(input)).toThrow(InvalidInputError);
  });

  it('accepts the root only where asked', () => {
    expect(normalizeRepoPath('', 'path', true)).toBe('');
    expect(normalizeRepoPath('/', 'path', true)).toBe('');
  });
});

describe('resolveSymlinkTarget', () => {
  it.each([
    ['links/a', '../apps/x.yaml', 'apps/x.yaml'],
    ['a', 'b', 'b'],
    ['d/e/f', './g', 'd/e/g'],
    ['links/a', '../../etc/passwd', null],
    ['a', '/etc/passwd', null],
    ['a', '..', null],
  ])('%s -> %s = %s', (link, target, expected) => {
    expect(resolveSymlinkTarget(link, target)).toBe(expected);
  });
});

describe('scrubbing', () => {
  it('removes user info from URLs and known secrets from text', () => {
    expect(scrubUrl('failed: https://bob:hunter2@git.example.com/x.git and svn://a@h/r')).toBe(
      'failed: https://git.example.com/x.git and svn://h/r',
    );
    expect(scrubSecrets('token hunter2 leaked', ['hunter2'])).toBe('token *** leaked');
  });
});
