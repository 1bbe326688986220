import { describe, expect, it } from 'vitest';
import { assessHealth } from '../domain/health/health.js';
import type { LiveObject } from '../domain/health/health.types.js';
import { HealthChecks, KEPT_CHARS } from './health-checks.js';

// A rule near its deadline on every object, as a careless or hostile application owner could
// write: without a budget, a job of 2,000 such objects holds the agent for 100 s.
const slow = {
  group: 'example.com',
  kind: 'Widget',
  current: 'self.spec.items.all(a, self.spec.items.all(b, a == b || a != b))',
};
const cheap = { group: 'example.com', kind: 'Gadget', current: 'status.?phase.orValue("") == "Ready"' };
const items = Array.from({ length: 3000 }, (_, i) => i);
const widget = (i: number): LiveObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: `w${i}` },
  spec: { items },
});
const gadget: LiveObject = {
  apiVersion: 'example.com/v1',
  kind: 'Gadget',
  metadata: { name: 'g' },
  status: { phase: 'Ready' },
};

/** Health of `n` widgets judged by the job's rules, as the applier judges a job's objects. */
function judge(checks: HealthChecks, rules: (typeof slow)[], n: number) {
  const compiled = checks.of({ healthChecks: rules });
  if (!compiled.ok) throw new Error(compiled.message);
  return Array.from({ length: n }, (_, i) => assessHealth(widget(i), compiled.health));
}

describe('the evaluation budget of custom health checks', () => {
  it('stops judging by a rule set that spent its time: Unknown, saying why, and other rule sets go on', () => {
    const checks = new HealthChecks({
      ruleSet: { capacityMs: 200, perMinuteMs: 200, scope: 'these rules' },
      agent: { capacityMs: 10_000, perMinuteMs: 10_000, scope: "this agent's rules" },
    });
    const verdicts = judge(checks, [slow], 40);
    const timedOut = verdicts.filter((v) => v.message?.includes('took longer than 50 ms'));
    const skipped = verdicts.filter((v) => v.message?.includes('was not evaluated'));
    expect(verdicts.every((v) => v.status === 'Unknown')).toBe(true);
    // 200 ms buys about four 50 ms evaluations (the last may overdraw by one deadline)
    expect(timedOut.length).toBeGreaterThanOrEqual(1);
    expect(timedOut.length).toBeLessThanOrEqual(6);
    expect(skipped[0].message).toBe(
      'health check example.com/Widget was not evaluated: the evaluation time of these rules (200 ms a minute) is spent; judged again later',
    );
    expect(timedOut.length + skipped.length).toBe(40);

    // another application's rules have their own budget
    const other = checks.of({ healthChecks: [cheap] });
    expect(other.ok && assessHealth(gadget, other.health).status).toBe('Current');
  });

  it("stops every rule set once the agent's budget is spent", () => {
    const checks = new HealthChecks({
      ruleSet: { capacityMs: 10_000, perMinuteMs: 10_000, scope: 'these rules' },
      agent: { capacityMs: 200, perMinuteMs: 200, scope: "this agent's rules" },
    });
    const verdicts = judge(checks, [slow], 40);
    expect(verdicts.filter((v) => v.message?.includes('took longer than 50 ms')).length).toBeLessThanOrEqual(
      6,
    );
    const other = checks.of({ healthChecks: [cheap] });
    const verdict = other.ok ? assessHealth(gadget, other.health) : undefined;
    expect(verdict).toEqual({
      status: 'Unknown',
      message:
        "health check example.com/Gadget was not evaluated: the evaluation time of this agent's rules (200 ms a minute) is spent; judged again later",
    });
  });

  it('lets ordinary rules judge thousands of objects well within the default budget', () => {
    const checks = new HealthChecks();
    const compiled = checks.of({ healthChecks: [cheap] });
    if (!compiled.ok) throw new Error(compiled.message);
    const verdicts = Array.from({ length: 5000 }, () => assessHealth(gadget, compiled.health));
    expect(verdicts.every((v) => v.status === 'Current')).toBe(true);
  });
});

describe('rules from the hub, checked as input', () => {
  it('fails the job with a message, never throws, for a malformed or oversized list', () => {
    const checks = new HealthChecks();
    const malformed: unknown[] = [[null], ['current'], [[cheap]], 'rules', { 0: cheap }, 7];
    for (const healthChecks of malformed)
      expect(checks.of({ healthChecks } as never), JSON.stringify(healthChecks)).toEqual({
        ok: false,
        message: 'health checks: the job carries something other than a list of rules',
      });
    const many = Array.from({ length: 129 }, (_, i) => ({ ...cheap, kind: `Kind${i}` }));
    expect(checks.of({ healthChecks: many })).toEqual({
      ok: false,
      message: "health checks: the job carries 129 rules; at most 128 (the hub's and the application's)",
    });
    expect(checks.of({ healthChecks: many.slice(0, 128) }).ok).toBe(true);
    // a rule with fields of the wrong type is refused by validation, naming the field
    const wrong = checks.of({ healthChecks: [{ group: 7, kind: ['x'], current: { a: 1 } }] as never });
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.message).toContain('current must be a string');
  });
});

describe('rule sets kept compiled', () => {
  it('keeps at most KEPT_CHARS of rules compiled, the newest set always', () => {
    // 128 rules of three ~1,200-character expressions: the largest set a job can carry, which
    // took about 26 MiB of heap compiled; an application owner can make one per application
    const term = (i: number, k: number) => ` || status.f${i}_${k} == ${k}`;
    const expr = (i: number) =>
      `status.f${i} == 0` + Array.from({ length: 54 }, (_, k) => term(i, k + 1)).join('');
    const largest = (variant: number) =>
      Array.from({ length: 128 }, (_, i) => ({
        group: 'example.com',
        kind: `K${i}`,
        current: `${expr(i)} || status.variant == ${variant}`,
        inProgress: expr(i + 1000),
        failed: expr(i + 2000),
      }));
    const checks = new HealthChecks();
    let newest;
    for (let v = 0; v < 4; v++) {
      newest = checks.of({ healthChecks: largest(v) });
      expect(newest.ok).toBe(true);
      expect(checks.kept.chars).toBeLessThanOrEqual(Math.max(KEPT_CHARS, JSON.stringify(largest(v)).length));
    }
    expect(checks.kept.sets).toBe(1);
    // the newest is kept: the same compiled rules come back
    expect(checks.of({ healthChecks: largest(3) })).toBe(newest);
    // small sets are still kept by the dozen
    for (let v = 0; v < 40; v++)
      checks.of({ healthChecks: [{ ...cheap, current: `${cheap.current} || ${v} == 0` }] });
    expect(checks.kept.sets).toBe(32);
  });
});
