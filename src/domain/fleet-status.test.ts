import { describe, expect, it } from 'vitest';
import { cellStateOf, fleetStatusOf, stateListSource, type FleetStatusFacts } from './fleet-status.js';

const applied = { renderError: null, bundleDigest: 'sha256:a', appliedDigest: 'sha256:a' };
const behind = { renderError: null, bundleDigest: 'sha256:b', appliedDigest: 'sha256:a' };
const healthy = { health: 'Current', drifted: false };
const base: FleetStatusFacts = {
  connectionState: 'Connected',
  desired: applied,
  lastJob: { state: 'succeeded', error: null },
  resources: healthy,
};

describe('fleetStatusOf', () => {
  it.each<[string, Partial<FleetStatusFacts>, string, string, string | null]>([
    ['applied and healthy', {}, 'Synced', 'Current', null],
    [
      'a render failure wins over everything, even a disconnected agent',
      { desired: { ...applied, renderError: 'a.yaml: bad' }, connectionState: 'Disconnected' },
      'Failed',
      'Unknown',
      'a.yaml: bad',
    ],
    [
      'disconnected: Unknown, never Synced or healthy',
      { connectionState: 'Disconnected' },
      'Unknown',
      'Unknown',
      'the agent is disconnected',
    ],
    ['pending agent', { connectionState: 'Pending' }, 'Unknown', 'Unknown', 'the agent has not joined yet'],
    ['queued job', { lastJob: { state: 'queued', error: null } }, 'Progressing', 'Current', null],
    ['leased job', { lastJob: { state: 'leased', error: null } }, 'Progressing', 'Current', null],
    ['failed job', { lastJob: { state: 'failed', error: 'boom' } }, 'Failed', 'Current', 'boom'],
    [
      'drifted',
      { resources: { health: 'Current', drifted: true } },
      'OutOfSync',
      'Current',
      'live objects differ from the desired state',
    ],
    ['not yet applied', { desired: behind }, 'OutOfSync', 'Current', null],
    ['no desired state, no job', { desired: null, lastJob: null }, 'Unknown', 'Current', null],
    ['nothing reported', { resources: null }, 'Synced', 'Unknown', null],
    ['degraded objects', { resources: { health: 'Failed', drifted: false } }, 'Synced', 'Failed', null],
  ])('%s', (_name, patch, sync, health, message) => {
    expect(fleetStatusOf({ ...base, ...patch })).toEqual({ sync, health, message });
  });
});

describe('stateListSource', () => {
  it('accepts comma-separated known states only', () => {
    const re = new RegExp(stateListSource(['Synced', 'Failed']));
    expect(re.test('Synced')).toBe(true);
    expect(re.test('Synced,Failed')).toBe(true);
    expect(re.test('Synced,')).toBe(false);
    expect(re.test('synced')).toBe(false);
    expect(re.test('')).toBe(false);
  });
});

describe('cellStateOf', () => {
  it.each([
    ['Failed', 'Current', 'failed'],
    ['Synced', 'Failed', 'failed'],
    ['OutOfSync', 'InProgress', 'outofsync'],
    ['Progressing', 'Unknown', 'progressing'],
    ['Synced', 'Terminating', 'progressing'],
    ['Synced', 'Current', 'ok'],
    ['Synced', 'Unknown', 'unknown'],
    ['Unknown', 'Current', 'unknown'],
  ])('%s and %s is %s', (sync, health, state) => {
    expect(cellStateOf(sync, health)).toBe(state);
  });
});
