import { describe, expect, it } from 'vitest';
import { repositoryUrlProblem, scrubUrls } from './repository-url.js';

describe('repository URLs', () => {
  it.each([
    ['https://git.example.com/a.git', 'git'],
    ['http://127.0.0.1:8080/a.git', 'git'],
    ['svn://svn.example.com/repo', 'svn'],
    ['svn+ssh://svn.example.com/repo', 'svn'],
    ['https://svn.example.com/repo', 'svn'],
  ] as const)('accepts %s for %s', (url, type) => {
    expect(repositoryUrlProblem(url, { allowFile: false, type })).toBeNull();
  });
  it('gates file:// behind the flag', () => {
    expect(repositoryUrlProblem('file:///srv/repo', { allowFile: false, type: 'svn' })).toMatch(
      /FLOTILLA_ALLOW_FILE_URLS/,
    );
    expect(repositoryUrlProblem('file:///srv/repo', { allowFile: true, type: 'svn' })).toBeNull();
  });
  it('refuses credentials in the URL', () => {
    expect(repositoryUrlProblem('https://u:p@h.example.com/x', { allowFile: false, type: 'git' })).toMatch(
      /credentials/,
    );
  });
  it('scrubs user info from text', () => {
    expect(scrubUrls('fetch https://bot:s3cret@h.example.com/x failed')).toBe(
      'fetch https://***@h.example.com/x failed',
    );
  });
});
