import { describe, expect, it } from 'vitest';
import { parseAllowList } from './egress-policy.js';
import { repositoryUrlProblem, scrubUrls, urlOrigin } from './repository-url.js';

describe('repository URLs', () => {
  it.each([
    ['https://git.example.com/a.git', 'git'],
    ['http://127.0.0.1:8080/a.git', 'git'],
    ['svn://svn.example.com/repo', 'svn'],
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
  it('refuses a host name no DNS name can be', () => {
    for (const url of ['https://git.example.com*/repo', 'https://git_server.example.com/repo'])
      expect(repositoryUrlProblem(url, { allowFile: false, type: 'git' })).toMatch(/host must be a DNS name/);
    expect(
      repositoryUrlProblem('https://git.example.com/repo', { allowFile: false, type: 'git' }),
    ).toBeNull();
  });

  it('refuses svn+ssh at the API, with a clear reason', () => {
    expect(repositoryUrlProblem('svn+ssh://svn.example.com/repo', { allowFile: false, type: 'svn' })).toMatch(
      /svn\+ssh.*not supported/,
    );
  });
  it.each([
    ['http://169.254.169.254/x', 'link-local'],
    ['http://127.0.0.1:8080/a.git', 'loopback'],
    ['https://[::1]/a.git', 'loopback'],
    ['https://[::ffff:10.0.0.1]/a.git', 'private'],
    ['svn://192.168.1.2/repo', 'private'],
  ])('refuses the literal address of %s (%s) unless allow-listed', (url, cls) => {
    const type = url.startsWith('svn') ? 'svn' : 'git';
    expect(repositoryUrlProblem(url, { allowFile: false, type, allowedHosts: [] })).toContain(cls);
    const all = parseAllowList('0.0.0.0/0,::/0');
    expect(repositoryUrlProblem(url, { allowFile: false, type, allowedHosts: all })).toBeNull();
  });
  it('leaves names to the check after resolution', () => {
    expect(
      repositoryUrlProblem('http://localhost:8080/a.git', {
        allowFile: false,
        type: 'git',
        allowedHosts: [],
      }),
    ).toBeNull();
  });
  it.each([
    ['https://Git.Example.com/a.git', 'https://git.example.com:443'],
    ['https://git.example.com:443/b.git', 'https://git.example.com:443'],
    ['http://git.example.com/a.git', 'http://git.example.com:80'],
    ['svn://SVN.example.com/r', 'svn://svn.example.com:3690'],
    ['http://[::1]:81/x', 'http://[::1]:81'],
  ])('origin of %s is %s', (url, origin) => {
    expect(urlOrigin(url)).toBe(origin);
  });
  it('scrubs user info from text', () => {
    expect(scrubUrls('fetch https://bot:s3cret@h.example.com/x failed')).toBe(
      'fetch https://***@h.example.com/x failed',
    );
  });
});
