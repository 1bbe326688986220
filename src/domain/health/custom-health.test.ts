// The test alone reads the shipped rules and their YAML fixtures from disk; the code under test
// stays free of IO.
// eslint-disable-next-line no-restricted-imports
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  compileHealthChecks,
  DeadlineExceeded,
  describeProblem,
  mergeHealthChecks,
  duplicateKinds,
  evaluateHealthCheck,
  HEALTH_CHECK_LIMITS,
  positionOf,
  validateHealthCheck,
  type CustomHealth,
  type Deadline,
  type HealthCheckRule,
} from './custom-health.js';
import { assessHealth } from './health.js';
import type { HealthStatus, LiveObject } from './health.types.js';
import { vmDeadline } from './vm-deadline.js';

const rulesDir = new URL('../../../docs/health-checks/', import.meta.url);
const fixturesDir = new URL('./custom-fixtures/', import.meta.url);

/** The shipped example rules (docs/health-checks/<name>.yaml), by file name. */
const shipped = new Map<string, HealthCheckRule>(
  readdirSync(rulesDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [
      f.replace(/\.yaml$/, ''),
      parse(readFileSync(new URL(f, rulesDir), 'utf8')) as HealthCheckRule,
    ]),
);

function compiled(rules: HealthCheckRule[], deadline: Deadline = vmDeadline): CustomHealth {
  const result = compileHealthChecks([rules], deadline);
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

/** Fixtures: `custom-fixtures/<rule>/<case>.yaml`, two documents (`expect`, then the object). */
const fixtures = readdirSync(fixturesDir)
  .sort()
  .flatMap((ruleName) =>
    readdirSync(new URL(`${ruleName}/`, fixturesDir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((file) => {
        const docs = parseAllDocuments(readFileSync(new URL(`${ruleName}/${file}`, fixturesDir), 'utf8'));
        if (!Array.isArray(docs) || docs.length !== 2) throw new Error(`${ruleName}/${file}: two documents`);
        const [head, object] = docs.map((d) => d.toJS()) as [
          { expect: { status: HealthStatus; message: string } },
          LiveObject,
        ];
        return { name: `${ruleName}/${file}`, ruleName, expected: head.expect, object };
      }),
  );

describe('shipped health checks', () => {
  it.each([...shipped.keys()])('%s is valid and has at least 4 fixtures', (name) => {
    expect(validateHealthCheck(shipped.get(name)!)).toEqual([]);
    expect(fixtures.filter((f) => f.ruleName === name).length).toBeGreaterThanOrEqual(4);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const rule = shipped.get(f.ruleName);
    expect(rule, `docs/health-checks/${f.ruleName}.yaml`).toBeDefined();
    const result = assessHealth(f.object, compiled([rule!]));
    expect(result.status).toBe(f.expected.status);
    expect(result.message).toContain(String(f.expected.message));
  });
});

const widget = (status: unknown, extra: Partial<LiveObject> = {}): LiveObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'default', generation: 1 },
  ...(status === undefined ? {} : { status }),
  ...extra,
});

const phaseRule: HealthCheckRule = {
  group: 'example.com',
  kind: 'Widget',
  current: 'status.phase == "Ready"',
  failed: 'status.phase == "Broken"',
};

describe('validateHealthCheck', () => {
  it('accepts a rule with only current', () => {
    expect(validateHealthCheck({ group: '', kind: 'ConfigMap', current: 'has(data.ready)' })).toEqual([]);
  });

  it('gives a syntax error its line and column', () => {
    const current = 'status.phase ==\n  "Ready" &&& true';
    const [problem] = validateHealthCheck({ group: 'example.com', kind: 'Widget', current });
    expect(problem.field).toBe('current');
    expect(problem.message).toMatch(/^current: /);
    expect(problem.position).toEqual({ offset: current.indexOf('&&&') + 2, line: 2, column: 13 });
  });

  it('refuses an unknown variable, a non-bool result and each bad field, all at once', () => {
    const problems = validateHealthCheck({
      group: 'Not A Group',
      kind: '1x',
      current: 'stauts.phase == "Ready"',
      inProgress: '"still" + " working"',
      failed: '',
    });
    expect(problems.map((p) => p.field)).toEqual(['group', 'kind', 'inProgress', 'failed', 'current']);
    expect(problems[2].message).toContain('must be a bool expression, not string');
    expect(problems[3].message).toBe('failed is empty');
    expect(problems[4].message).toContain('stauts');
    expect(problems[4].position?.offset).toBe(0);
  });

  it('refuses three nested comprehensions and over-long expressions (the cost limit)', () => {
    const nested = 'status.a.all(x, x.b.all(y, y.c.all(z, z == 1)))';
    expect(validateHealthCheck({ ...phaseRule, current: nested })[0].message).toContain(
      'nests 3 comprehensions; at most 2',
    );
    expect(validateHealthCheck({ ...phaseRule, current: 'status.a.all(x, x.b.exists(y, y))' })).toEqual([]);
    const long = Array.from({ length: 300 }, () => 'true').join(' && ');
    expect(validateHealthCheck({ ...phaseRule, current: long })[0].message).toContain(
      `longer than ${HEALTH_CHECK_LIMITS.expressionChars} characters`,
    );
    const wide = Array.from({ length: 250 }, (_, i) => `status.f${i}`).join(' || ');
    expect(validateHealthCheck({ ...phaseRule, current: wide.slice(0, 2000) })[0].message).toMatch(
      /maxAstNodes/,
    );
  });

  it('names duplicate kinds in a list', () => {
    expect(duplicateKinds([phaseRule, { ...phaseRule, current: 'true' }])).toEqual(['example.com/Widget']);
    expect(duplicateKinds([phaseRule, { ...phaseRule, group: '' }])).toEqual([]);
  });

  it('reports positions as an editor does', () => {
    expect(positionOf('ab\ncd', 4)).toEqual({ offset: 4, line: 2, column: 2 });
    expect(positionOf('ab', 99)).toEqual({ offset: 2, line: 1, column: 3 });
  });
});

describe('evaluateHealthCheck', () => {
  const health = compiled([phaseRule]);

  it('replaces the built-in rules for its kind only', () => {
    // the generic rule calls an object with a status and no Ready condition Current
    expect(assessHealth(widget({ phase: 'Starting' })).status).toBe('Current');
    expect(assessHealth(widget({ phase: 'Starting' }), health).status).toBe('InProgress');
    expect(assessHealth(widget({ phase: 'Ready' }), health).status).toBe('Current');
    expect(assessHealth(widget({ phase: 'Broken', message: 'disk full' }), health)).toEqual({
      status: 'Failed',
      message: 'health check example.com/Widget: failed is true: disk full',
    });
    const other = { ...widget({ phase: 'Starting' }), kind: 'Gadget' };
    expect(assessHealth(other, health).status).toBe('Current');
  });

  it('keeps NotFound and Terminating before any rule', () => {
    expect(assessHealth(null, health).status).toBe('NotFound');
    const deleting = widget({ phase: 'Ready' });
    deleting.metadata.deletionTimestamp = '2026-11-29T00:00:00Z';
    expect(assessHealth(deleting, health).status).toBe('Terminating');
  });

  it('counts an expression that fails on a missing field as not true, and says why', () => {
    const result = assessHealth(widget(undefined), health);
    expect(result.status).toBe('InProgress');
    expect(result.message).toContain('no expression is true yet: failed: No such key: phase');
  });

  it('lets a later list override an earlier one for the same kind', () => {
    const result = compileHealthChecks(
      [[phaseRule], [{ ...phaseRule, current: 'status.phase == "Done"' }]],
      vmDeadline,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.size).toBe(1);
    expect(assessHealth(widget({ phase: 'Done' }), result.value).status).toBe('Current');
  });

  it('refuses a list with a bad rule whole, naming the rule', () => {
    const result = compileHealthChecks(
      [[phaseRule, { ...phaseRule, kind: 'Other', current: 'status.(' }]],
      vmDeadline,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.refused.map((r) => r.key)).toEqual(['example.com/Other']);
  });

  it('stops a runaway expression at the deadline: Unknown, and the next object is judged normally', () => {
    const slow = compiled([
      {
        group: 'example.com',
        kind: 'Widget',
        current: 'status.items.all(a, status.items.all(b, a == b || a != b))',
        failed: 'status.message.matches("^(a+)+$")',
      },
    ]);
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    const started = performance.now();
    const result = assessHealth(widget({ items, message: `${'a'.repeat(40)}!` }), slow);
    expect(result.status).toBe('Unknown');
    expect(result.message).toContain(`took longer than ${HEALTH_CHECK_LIMITS.deadlineMs} ms`);
    // the deadline interrupted it: far from the minutes the regular expression alone would take
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(assessHealth(widget({ items: [1], message: 'ok' }), slow).status).toBe('Current');
  });

  it('reports a deadline the way the injected deadline says', () => {
    const never: Deadline = () => {
      throw new DeadlineExceeded(7);
    };
    const check = compiled([phaseRule], never).ruleFor(widget({ phase: 'Ready' }))!;
    expect(evaluateHealthCheck(check, widget({ phase: 'Ready' }), never)).toEqual({
      status: 'Unknown',
      message: 'health check example.com/Widget took longer than 7 ms',
    });
  });

  it('reaches own fields only: nothing of the JavaScript prototype chain', () => {
    const probe = compiled([
      {
        group: 'example.com',
        kind: 'Widget',
        current: 'has(self.constructor) || has(self.__proto__) || has(status.toString)',
        failed: 'self["constructor"]["constructor"] == null',
      },
    ]);
    const result = assessHealth(widget({ phase: 'x' }), probe);
    expect(result.status).toBe('InProgress');
    expect(result.message).toContain('failed: No such key: constructor');
  });

  it("never quotes a Secret's data in the message, even transformed by the expression", () => {
    const token = 'c3VwZXJzZWNyZXQtdG9rZW4=';
    const secret: LiveObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token } };
    const leaky = [
      'duration(data.token) > duration("1s")',
      'data[data.token] == "x"',
      'data.token.matches(data.token + "(")',
      'data[data.token.substring(3)] == "x"',
    ];
    for (const expr of leaky) {
      const rule = compiled([{ group: '', kind: 'Secret', current: expr }]);
      const result = assessHealth(secret, rule);
      expect(result.status).toBe('InProgress');
      expect(result.message).toContain('current: failed on this Secret');
      expect(result.message).not.toContain(token.slice(3, 12));
    }
    // the same expression on a ConfigMap says what failed: its data is not secret
    const cm: LiveObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { token } };
    const rule = compiled([{ group: '', kind: 'ConfigMap', current: 'data[data.token] == "x"' }]);
    expect(assessHealth(cm, rule).message).toContain(`No such key: ${token}`);
  });

  it("hides a Secret's values and annotated fields from expressions: no verdict tells them", () => {
    const secret: LiveObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { token: 'YWJjZGVm' },
      stringData: { nested: 'plain' },
    };
    const judge = (obj: LiveObject, kind: string, current: string) =>
      assessHealth(obj, compiled([{ group: obj.apiVersion === 'v1' ? '' : 'example.com', kind, current }]))
        .status;
    // an oracle on the value is never true, whatever the value
    expect(judge(secret, 'Secret', 'data.token.startsWith("YW")')).toBe('InProgress');
    expect(judge(secret, 'Secret', 'self.stringData.nested == "plain"')).toBe('InProgress');
    expect(judge(secret, 'Secret', 'self.data.token == "(redacted)"')).toBe('Current');
    // keys still show: a rule can ask whether a field is there
    expect(judge(secret, 'Secret', 'has(data.token) && !has(data.other) && size(data) == 1')).toBe('Current');
    // any kind's fields listed in flotilla.io/redact
    const annotated: LiveObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', annotations: { 'flotilla.io/redact': '/spec/password' } },
      spec: { password: 'hunter2', size: 3 },
    };
    expect(judge(annotated, 'Widget', 'spec.password == "hunter2"')).toBe('InProgress');
    expect(judge(annotated, 'Widget', 'spec.size == 3 && has(spec.password)')).toBe('Current');
    // the object itself is not changed
    expect(secret.data).toEqual({ token: 'YWJjZGVm' });
    expect((annotated.spec as { password: string }).password).toBe('hunter2');
  });

  it('binds the top-level fields and self, absent ones as empty maps', () => {
    const rule = compiled([
      {
        group: '',
        kind: 'ConfigMap',
        current: 'self.kind == kind && data.ready == "yes" && size(spec) == 0 && metadata.name == "c"',
      },
    ]);
    const cm: LiveObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { ready: 'yes' },
    };
    expect(assessHealth(cm, rule).status).toBe('Current');
  });
});

describe('mergeHealthChecks', () => {
  it('lets the application rule replace the hub rule of its kind, sorted by group/kind', () => {
    const hub = [phaseRule, { group: '', kind: 'ConfigMap', current: 'true' }];
    const own = { ...phaseRule, current: 'status.phase == "Done"' };
    expect(mergeHealthChecks(hub, [own])).toEqual([hub[1], own]);
    expect(mergeHealthChecks([], [])).toEqual([]);
  });

  it('describes a problem with its position', () => {
    const [p] = validateHealthCheck({ ...phaseRule, current: 'status.phase ==' });
    expect(describeProblem(p, 'healthChecks[0].')).toBe(
      'healthChecks[0].current: Unexpected token: EOF (line 1, column 16)',
    );
  });
});
