import { describe, expect, it } from 'vitest';
import { judgeLock, type LockFacts, type LockVerdict } from './embedded-postgres.lock.js';

const base: LockFacts = {
  pid: 4242,
  selfPids: [100, 99],
  process: { state: 'running', ppid: 1, exe: '/opt/pg/bin/postgres', cwd: '/data/pgdata' },
  binary: '/opt/pg/bin/postgres',
  pgdata: '/data/pgdata',
  owner: { pid: 77, startTicks: '5000' },
  ownerAlive: false,
};

const cases: [string, Partial<LockFacts>, LockVerdict][] = [
  ['our server whose hub is gone is an orphan', {}, { kind: 'orphan', pid: 4242 }],
  [
    'our server still under its live hub is in use',
    { process: { ...base.process, ppid: 77 }, ownerAlive: true },
    { kind: 'in-use', pid: 4242, ownerPid: 77 },
  ],
  [
    'a recorded owner that is alive but no longer its parent: the server was orphaned and re-parented',
    { process: { ...base.process, ppid: 1 }, ownerAlive: true },
    { kind: 'orphan', pid: 4242 },
  ],
  ['a dead process leaves a stale lock', { process: { state: 'missing' } }, { kind: 'stale' }],
  ['a zombie holds nothing', { process: { state: 'zombie', ppid: 1 } }, { kind: 'stale' }],
  ['our own pid (PostgreSQL: stale)', { pid: 100 }, { kind: 'stale' }],
  ['our parent pid (PostgreSQL: stale)', { pid: 99 }, { kind: 'stale' }],
  ['an empty lock file', { pid: NaN }, { kind: 'unreadable' }],
  [
    'another program under that pid',
    { process: { ...base.process, exe: '/usr/bin/sleep', cwd: '/' } },
    { kind: 'foreign', pid: 4242 },
  ],
  [
    'a PostgreSQL of another installation on this directory',
    { process: { ...base.process, exe: '/usr/lib/postgresql/17/bin/postgres' } },
    { kind: 'foreign', pid: 4242 },
  ],
  [
    'our binary on another data directory',
    { process: { ...base.process, cwd: '/elsewhere/pgdata' } },
    { kind: 'foreign', pid: 4242 },
  ],
  ['no /proc to prove it is ours', { process: { state: 'running' } }, { kind: 'foreign', pid: 4242 }],
  [
    'no owner record and a parent other than init: possibly a live hub',
    { owner: null, process: { ...base.process, ppid: 555 } },
    { kind: 'in-use', pid: 4242, ownerPid: 555 },
  ],
  ['no owner record, parent is init: an orphan', { owner: null }, { kind: 'orphan', pid: 4242 }],
];

describe('judgeLock', () => {
  it.each(cases)('%s', (_name, change, verdict) => {
    expect(judgeLock({ ...base, ...change })).toEqual(verdict);
  });
});
