import { describe, expect, it } from 'vitest';
import {
  ensureMachine,
  installPlan,
  missingNeeds,
  NEEDS,
  type Machine,
  type Need,
} from './machine-needs.mjs';

const svn = NEEDS.filter((n) => n.debian === 'subversion');
const chromium = NEEDS.filter((n) => n.command === 'chromium');
const debianRoot: Machine = { uid: 0, managers: ['apt-get'], passwordlessSudo: false, noInstall: false };

describe('installPlan', () => {
  it('installs with apt-get as root, one package per Debian package', () => {
    expect(installPlan([...svn, ...chromium], debianRoot)).toEqual({
      kind: 'install',
      update: ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
      install: [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '-qq',
        'subversion',
        'chromium',
      ],
    });
  });

  it('installs through sudo -n when sudo needs no password', () => {
    const plan = installPlan(svn, { ...debianRoot, uid: 1000, passwordlessSudo: true });
    expect(plan.kind === 'install' && plan.install.slice(0, 3)).toEqual(['sudo', '-n', 'env']);
  });

  it('cannot install without root or passwordless sudo: names what lacks and the exact command', () => {
    const plan = installPlan([...svn, ...chromium], { ...debianRoot, uid: 1000 });
    expect(plan).toEqual({
      kind: 'manual',
      message:
        'npm test needs, and this machine lacks:\n' +
        '  - svn: the Subversion backend tests\n' +
        '  - svnserve: the test SVN server\n' +
        '  - svnadmin: the test SVN repositories\n' +
        '  - chromium: the dashboard tests (headless)\n' +
        'Install them with:\n' +
        '  sudo apt-get install -y subversion chromium\n' +
        '(npm test installs them itself when run as root or with passwordless sudo.)\n',
    });
  });

  it('does not install when FLOTILLA_NO_INSTALL asks so', () => {
    const plan = installPlan(svn, { ...debianRoot, noInstall: true });
    expect(plan.kind === 'manual' && plan.message).toContain('  apt-get install -y subversion\n');
  });

  it('names the command of another distribution, with its package names', () => {
    const fedora = installPlan(chromium, {
      uid: 1000,
      managers: ['dnf'],
      passwordlessSudo: true,
      noInstall: false,
    });
    expect(fedora.kind === 'manual' && fedora.message).toContain('  sudo dnf install -y chromium\n');
    const mac = installPlan(chromium, {
      uid: 501,
      managers: ['brew'],
      passwordlessSudo: false,
      noInstall: false,
    });
    expect(mac.kind === 'manual' && mac.message).toContain('  brew install --cask chromium\n');
  });

  it('without any known package manager lists the Debian package names', () => {
    const plan = installPlan(svn, { uid: 0, managers: [], passwordlessSudo: false, noInstall: false });
    expect(plan.kind === 'manual' && plan.message).toContain(
      'install the packages subversion (Debian names)',
    );
  });

  it('has nothing to do when nothing lacks', () => {
    expect(installPlan([], debianRoot)).toEqual({ kind: 'none' });
  });
});

describe('the machine check', () => {
  const absent: Need = {
    command: 'flotilla-no-such-command',
    probe: ['--version'],
    debian: 'flotilla-no-such-package',
    why: 'this test',
  };

  it('probes by running each command', () => {
    expect(missingNeeds([absent, ...NEEDS.filter((n) => n.command === 'git')])).toEqual([absent]);
  });

  it('on a machine where it cannot install, reports what lacks and returns false, without throwing', () => {
    let out = '';
    const user: Machine = { uid: 1000, managers: ['apt-get'], passwordlessSudo: false, noInstall: false };
    const ok = ensureMachine([absent], { write: (s: string) => (out += s) }, user);
    expect(ok).toBe(false);
    expect(out).toContain('  - flotilla-no-such-command: this test\n');
    expect(out).toContain('  sudo apt-get install -y flotilla-no-such-package\n');
  });
});
