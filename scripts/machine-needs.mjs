// What `npm test` needs on the machine besides node_modules, and how it gets it: the suite
// drives real git, Subversion, Chromium and openssl, so a fresh Debian machine gets them from
// apt-get (as root or with passwordless sudo); elsewhere the user gets the exact command.
// Plain JavaScript: it must run on any Node, even one older than the supported baseline.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * One row per command the suite runs: how to probe it, the Debian package that provides it
 * (and the package's name under other package managers where it differs), and why.
 * To add a need, add a row.
 */
export const NEEDS = [
  { command: 'git', probe: ['--version'], debian: 'git', why: 'the Git backend and repository tests' },
  {
    command: 'svn',
    probe: ['--version', '--quiet'],
    debian: 'subversion',
    why: 'the Subversion backend tests',
  },
  { command: 'svnserve', probe: ['--version', '--quiet'], debian: 'subversion', why: 'the test SVN server' },
  {
    command: 'svnadmin',
    probe: ['--version', '--quiet'],
    debian: 'subversion',
    why: 'the test SVN repositories',
  },
  // A test tool's own browser download is not reachable everywhere: the distribution's is.
  {
    command: 'chromium',
    probe: ['--version'],
    debian: 'chromium',
    why: 'the dashboard tests (headless)',
    other: { brew: '--cask chromium' },
  },
  {
    command: 'openssl',
    probe: ['version'],
    debian: 'openssl',
    why: 'the test certificates of the Kubernetes API servers',
  },
  { command: 'curl', probe: ['--version'], debian: 'curl', why: 'the join-command and demo tests' },
  {
    command: 'ssh',
    probe: ['-V'],
    debian: 'openssh-client',
    why: 'Git over SSH (the hub runs ssh for ssh:// repositories)',
    other: { dnf: 'openssh-clients', pacman: 'openssh', apk: 'openssh-client' },
  },
  // sshd is started by its absolute path and lives in sbin, which a user's PATH may lack.
  {
    command: existsSync('/usr/sbin/sshd') ? '/usr/sbin/sshd' : 'sshd',
    probe: ['-V'],
    debian: 'openssh-server',
    why: 'the test SSH server of the Git-over-SSH tests',
    other: { pacman: 'openssh', apk: 'openssh-server' },
  },
  // The contract test installs schemathesis (PyPI) into a venv: scripts/schemathesis-venv.sh.
  {
    command: 'python3',
    probe: ['-c', 'import ensurepip, venv'],
    debian: 'python3-venv',
    why: 'the API contract test (schemathesis in a venv)',
  },
];

/** Package managers we can name the install command for; apt-get is the one we run ourselves. */
const MANAGERS = [
  { bin: 'apt-get', install: (p) => ['apt-get', 'install', '-y', ...p] },
  { bin: 'dnf', install: (p) => ['dnf', 'install', '-y', ...p] },
  { bin: 'zypper', install: (p) => ['zypper', 'install', '-y', ...p] },
  { bin: 'pacman', install: (p) => ['pacman', '-S', '--needed', ...p] },
  { bin: 'apk', install: (p) => ['apk', 'add', ...p] },
  { bin: 'brew', install: (p) => ['brew', 'install', ...p] },
];

/** True when `command` runs. */
export function runs(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** The rows of `needs` whose command does not run here. */
export function missingNeeds(needs = NEEDS, probe = runs) {
  return needs.filter((n) => !probe(n.command, n.probe));
}

/** The distinct packages that provide `missing`, in the given manager's names. */
export function packagesFor(missing, manager = 'apt-get') {
  const names = missing.map((n) => (manager === 'apt-get' ? n.debian : (n.other?.[manager] ?? n.debian)));
  return [...new Set(names)];
}

/**
 * Decides how to get `missing` (pure, so the branches are unit-tested):
 * `install` — with apt-get, as root or through passwordless sudo; `manual` — the message with the
 * exact command for this system.
 * @param {object} machine `{ uid, managers: string[] (found on PATH), passwordlessSudo, noInstall }`
 */
export function installPlan(missing, machine) {
  if (missing.length === 0) return { kind: 'none' };
  const apt = machine.managers.includes('apt-get');
  const prefix = machine.uid === 0 ? [] : machine.passwordlessSudo ? ['sudo', '-n'] : null;
  if (apt && prefix && !machine.noInstall) {
    const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
    return {
      kind: 'install',
      update: [...prefix, ...env, 'apt-get', 'update', '-qq'],
      install: [...prefix, ...env, 'apt-get', 'install', '-y', '-qq', ...packagesFor(missing)],
    };
  }
  const lines = ['npm test needs, and this machine lacks:'];
  for (const n of missing) lines.push(`  - ${n.command}: ${n.why}`);
  const manager = MANAGERS.find((m) => machine.managers.includes(m.bin));
  const sudo = machine.uid === 0 || manager?.bin === 'brew' ? '' : 'sudo ';
  if (manager) {
    lines.push(
      'Install them with:',
      `  ${sudo}${manager.install(packagesFor(missing, manager.bin)).join(' ')}`,
    );
    if (apt && machine.noInstall)
      lines.push('(FLOTILLA_NO_INSTALL is set, so npm test does not install them itself.)');
    else if (apt) lines.push('(npm test installs them itself when run as root or with passwordless sudo.)');
  } else {
    lines.push(
      `No known package manager found: install the packages ${packagesFor(missing).join(', ')} (Debian names).`,
    );
  }
  return { kind: 'manual', message: lines.join('\n') + '\n' };
}

/** Looks at this machine: user, package managers on PATH, passwordless sudo. */
export function describeMachine(env = process.env) {
  const path = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const managers = MANAGERS.map((m) => m.bin).filter((bin) => path.some((dir) => existsSync(join(dir, bin))));
  const uid = process.getuid?.() ?? -1;
  return {
    uid,
    managers,
    passwordlessSudo: uid !== 0 && runs('sudo', ['-n', 'true']),
    noInstall: Boolean(env.FLOTILLA_NO_INSTALL),
  };
}

/**
 * Makes sure everything in `needs` runs: installs what is missing when the machine allows it,
 * saying what and why; otherwise prints what is missing and how to get it. Returns false when
 * something is still missing.
 */
export function ensureMachine(needs = NEEDS, out = process.stderr, machine = describeMachine()) {
  const missing = missingNeeds(needs);
  const plan = installPlan(missing, machine);
  if (plan.kind === 'none') return true;
  if (plan.kind === 'manual') {
    out.write(plan.message);
    return false;
  }
  out.write('npm test: this machine lacks what the suite drives for real; installing with apt-get:\n');
  for (const n of missing) out.write(`  - ${n.debian} (${n.command}: ${n.why})\n`);
  for (const argv of [plan.update, plan.install]) {
    try {
      execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      out.write(`npm test: \`${argv.join(' ')}\` failed\n`);
      break;
    }
  }
  const still = missingNeeds(needs);
  if (still.length === 0) return true;
  out.write(installPlan(still, { ...machine, noInstall: true }).message);
  return false;
}
