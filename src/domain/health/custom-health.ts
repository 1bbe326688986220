/**
 * Custom health checks: for one group/kind, CEL expressions say when an object is `current`,
 * `inProgress` or `failed` (the same three expressions as Flux's `healthCheckExprs`), for custom
 * resources whose controllers write no `Ready` condition.
 *
 * Checked once, when a rule is configured ({@link validateHealthCheck}: syntax, types, size and
 * nesting limits, each problem with its position), and compiled again where objects are judged
 * ({@link compileHealthChecks}). Evaluation runs under a deadline ({@link Deadline}): CEL has no
 * loops, but a comprehension over a large list or a backtracking regular expression can still
 * take long, and a health rule must never stall the agent.
 */
import { Environment } from '@marcbachmann/cel-js';
import { parsePointer } from '../apply/ignore-differences.js';
import { isCoreSecret, redactedPointers } from '../apply/redaction.js';
import { condition, conditionMessage, field, groupOf, staleGeneration } from './health-fields.js';
import type { HealthResult, LiveObject } from './health.types.js';

/** A rule as configured: which objects it judges, and up to three boolean CEL expressions. */
export interface HealthCheckRule {
  /** API group, `''` for the core group. */
  group: string;
  kind: string;
  /** True when the object reached its desired state (required). */
  current: string;
  /** True while a controller is still working on it. */
  inProgress?: string;
  /** True when it will not get there without a change. */
  failed?: string;
}

/** The three expressions of a rule, in the order they are evaluated. */
export const HEALTH_EXPRESSIONS = ['inProgress', 'failed', 'current'] as const;
export type HealthExpressionName = (typeof HEALTH_EXPRESSIONS)[number];

/** Where in an expression a problem is: 0-based offset, 1-based line and column. */
export interface ExpressionPosition {
  offset: number;
  line: number;
  column: number;
}

/** One reason a rule is refused. */
export interface HealthCheckProblem {
  field: HealthExpressionName | 'group' | 'kind';
  message: string;
  position?: ExpressionPosition;
}

/**
 * The limits of one rule. Together they are the rule's cost limit: an expression is small
 * (characters, syntax nodes, depth) and nests at most two comprehensions (`all`, `exists`,
 * `exists_one`, `map`, `filter`), so its work grows at most with the square of a list's size;
 * the deadline bounds the rest.
 */
export const HEALTH_CHECK_LIMITS = {
  expressionChars: 2048,
  astNodes: 400,
  depth: 32,
  comprehensionNesting: 2,
  /** Rules one list (the hub's, or an application's) may hold. */
  rules: 64,
  /** Time all expressions of one rule may take on one object. */
  deadlineMs: 50,
} as const;

/** Runs `fn`, interrupting it when it takes longer than `ms` (throws {@link DeadlineExceeded}). */
export type Deadline = <T>(fn: () => T, ms: number) => T;

/** Thrown by a {@link Deadline} whose function ran out of time. */
export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`took longer than ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * The variables an expression sees: the object's top-level fields, as in Flux (`status`,
 * `metadata`, `spec`...), and `self`, the whole object, as in Kubernetes validation rules.
 * A field the object lacks is an empty map, so `status.conditions` on an object without status
 * is a missing key (the expression is then not true), not an unknown variable.
 */
const VARIABLES = ['apiVersion', 'kind', 'metadata', 'spec', 'status', 'data', 'self'] as const;

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function environment(): Environment {
  let env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
    limits: {
      maxAstNodes: HEALTH_CHECK_LIMITS.astNodes,
      maxDepth: HEALTH_CHECK_LIMITS.depth,
      maxListElements: 100,
      maxMapEntries: 100,
      maxCallArguments: 8,
    },
  });
  for (const name of VARIABLES) env = env.registerVariable(name, 'dyn');
  return env;
}

const ENV = environment();

type Program = ReturnType<Environment['parse']>;

/** A node of the library's syntax tree: an operator and its arguments. */
interface AstNode {
  op: string;
  args: unknown;
  pos?: number;
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && typeof (value as AstNode).op === 'string';
}

/** The deepest nesting of comprehension macros in a syntax tree. */
function comprehensionDepth(node: unknown): number {
  if (Array.isArray(node)) return Math.max(0, ...node.map(comprehensionDepth));
  if (!isNode(node)) return 0;
  const inner = comprehensionDepth(node.args);
  const isComprehension =
    node.op === 'rcall' && Array.isArray(node.args) && COMPREHENSIONS.has(String(node.args[0]));
  return inner + (isComprehension ? 1 : 0);
}

/** Offset → line and column (both 1-based), as an editor shows them. */
export function positionOf(text: string, offset: number): ExpressionPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, clamped);
  const line = before.split('\n').length;
  const column = clamped - (before.lastIndexOf('\n') + 1) + 1;
  return { offset: clamped, line, column };
}

/** The library's error position, if it gave one. */
function errorOffset(error: unknown): number | undefined {
  const e = error as { range?: { start?: unknown }; node?: { pos?: unknown } };
  const start = e?.range?.start ?? e?.node?.pos;
  return typeof start === 'number' ? start : undefined;
}

/** The first line of a library error: the rest is a drawing of the position, given apart. */
function errorSummary(error: unknown): string {
  const e = error as { summary?: unknown; message?: unknown };
  const text = typeof e?.summary === 'string' ? e.summary : String(e?.message ?? error);
  return text.split('\n')[0];
}

type Compiled = { ok: true; program: Program } | { ok: false; problem: HealthCheckProblem };

/** Parses and type-checks one expression within the limits. */
function compileExpression(name: HealthExpressionName, text: string): Compiled {
  const problem = (message: string, offset?: number): Compiled => ({
    ok: false,
    problem: {
      field: name,
      message,
      ...(offset === undefined ? {} : { position: positionOf(text, offset) }),
    },
  });
  if (text.trim() === '') return problem(`${name} is empty`);
  if (text.length > HEALTH_CHECK_LIMITS.expressionChars)
    return problem(`${name} is longer than ${HEALTH_CHECK_LIMITS.expressionChars} characters`);
  let program: Program;
  try {
    program = ENV.parse(text);
  } catch (error) {
    return problem(`${name}: ${errorSummary(error)}`, errorOffset(error));
  }
  const nesting = comprehensionDepth(program.ast);
  if (nesting > HEALTH_CHECK_LIMITS.comprehensionNesting)
    return problem(
      `${name} nests ${nesting} comprehensions; at most ${HEALTH_CHECK_LIMITS.comprehensionNesting} are allowed`,
    );
  let checked: { valid: boolean; type?: string; error?: unknown };
  try {
    checked = program.check();
  } catch (error) {
    return problem(`${name}: ${errorSummary(error)}`, errorOffset(error));
  }
  if (!checked.valid) return problem(`${name}: ${errorSummary(checked.error)}`, errorOffset(checked.error));
  if (checked.type !== 'bool' && checked.type !== 'dyn')
    return problem(`${name} must be a bool expression, not ${String(checked.type)}`);
  return { ok: true, program };
}

const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]{0,62}$/;

/**
 * Checks a rule once: every problem (field, message and, for syntax and types, position) and,
 * for the expressions that compiled, their programs.
 */
function checkRule(rule: HealthCheckRule): {
  problems: HealthCheckProblem[];
  programs: Partial<Record<HealthExpressionName, Program>>;
} {
  const problems: HealthCheckProblem[] = [];
  const programs: Partial<Record<HealthExpressionName, Program>> = {};
  if (typeof rule.group !== 'string' || rule.group.length > 253 || !GROUP.test(rule.group))
    problems.push({
      field: 'group',
      message: "group must be an API group such as cert-manager.io ('' for core)",
    });
  if (typeof rule.kind !== 'string' || !KIND.test(rule.kind))
    problems.push({ field: 'kind', message: 'kind must be a Kubernetes kind such as Certificate' });
  for (const name of HEALTH_EXPRESSIONS) {
    const text = rule[name];
    if (text === undefined && name !== 'current') continue;
    if (typeof text !== 'string') {
      problems.push({ field: name, message: `${name} must be a string` });
      continue;
    }
    const compiled = compileExpression(name, text);
    if (compiled.ok) programs[name] = compiled.program;
    else problems.push(compiled.problem);
  }
  return { problems, programs };
}

/** Every reason `rule` cannot be used, each with its field and, for syntax and types, position. */
export function validateHealthCheck(rule: HealthCheckRule): HealthCheckProblem[] {
  return checkRule(rule).problems;
}

/**
 * Exactly a rule's fields, whatever else the value carried (a stored row, a request, the wire):
 * what is stored, audited, sent to agents and compiled.
 */
export function ruleFields(r: HealthCheckRule): HealthCheckRule {
  return {
    group: r.group,
    kind: r.kind,
    current: r.current,
    ...(r.inProgress === undefined ? {} : { inProgress: r.inProgress }),
    ...(r.failed === undefined ? {} : { failed: r.failed }),
  };
}

/** The rules of a list that share a group/kind with an earlier one (the key, once each). */
export function duplicateKinds(rules: readonly HealthCheckRule[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const r of rules) {
    const key = kindKey(r.group, r.kind);
    (seen.has(key) ? twice : seen).add(key);
  }
  return [...twice];
}

/** How a rule is named in messages: `cert-manager.io/Certificate`, `v1/Pod`-style `core/Pod`. */
export function kindKey(group: string, kind: string): string {
  return `${group || 'core'}/${kind}`;
}

/** One rule ready to judge objects. */
export interface CompiledHealthCheck {
  rule: HealthCheckRule;
  programs: Partial<Record<HealthExpressionName, Program>>;
}

/** Compiled rules by group/kind. */
export interface CustomHealth {
  /** The rule for an object's group and kind, if one was given. */
  ruleFor(obj: LiveObject): CompiledHealthCheck | undefined;
  readonly size: number;
  readonly deadline: Deadline;
}

/** Rules that cannot be compiled: each refused rule with its problems. */
export interface RefusedHealthChecks {
  refused: { key: string; problems: HealthCheckProblem[] }[];
}

/**
 * Compiles rule lists, later lists overriding earlier ones for the same group/kind (the hub's
 * rules, then an application's). Every rule must compile: a list with a bad rule is refused
 * whole, since judging with part of it would report wrong health.
 */
export function compileHealthChecks(
  lists: readonly (readonly HealthCheckRule[])[],
  deadline: Deadline,
): { ok: true; value: CustomHealth } | { ok: false; error: RefusedHealthChecks } {
  const byKind = new Map<string, CompiledHealthCheck>();
  const refused: RefusedHealthChecks['refused'] = [];
  for (const rules of lists)
    for (const rule of rules) {
      const key = kindKey(rule.group, rule.kind);
      const { problems, programs } = checkRule(rule);
      if (problems.length) {
        refused.push({ key, problems });
        continue;
      }
      byKind.set(`${rule.group}/${rule.kind}`, { rule, programs });
    }
  if (refused.length) return { ok: false, error: { refused } };
  return {
    ok: true,
    value: {
      ruleFor: (obj) => byKind.get(`${groupOf(obj.apiVersion)}/${obj.kind}`),
      size: byKind.size,
      deadline,
    },
  };
}

/** The message refused rules are reported with, e.g. in a failed job. */
export function describeRefused(error: RefusedHealthChecks): string {
  return error.refused
    .map(({ key, problems }) => `health check ${key}: ${problems.map((p) => p.message).join('; ')}`)
    .join('; ');
}

/** What an expression sees instead of a secret value. */
export const HIDDEN_VALUE = '(redacted)';

function hidden(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hidden);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hidden(v)]));
  return HIDDEN_VALUE;
}

/**
 * The object as expressions see it: the values at its redacted fields (a Secret's `data` and
 * `stringData`, whatever `flotilla.io/redact` lists) replaced by {@link HIDDEN_VALUE}, keys
 * kept. Otherwise a rule would be an oracle on them: `data.token.startsWith("YQ")` gives one
 * bit of a value per verdict, enough to read a SOPS-encrypted or sealed Secret its author
 * cannot decrypt. `has(data.token)` still works.
 */
function visibleObject(obj: LiveObject): LiveObject {
  const pointers = redactedPointers(obj);
  if (pointers.length === 0) return obj;
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const pointer of pointers) {
    const tokens = parsePointer(pointer);
    if (tokens.length === 0) return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
    let parent: unknown = copy;
    for (const t of tokens.slice(0, -1))
      parent =
        parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[t] : undefined;
    const last = tokens[tokens.length - 1];
    if (parent !== null && typeof parent === 'object' && Object.hasOwn(parent, last))
      (parent as Record<string, unknown>)[last] = hidden((parent as Record<string, unknown>)[last]);
  }
  return copy as LiveObject;
}

/** What the expressions see: the object's top-level fields (absent ones as empty maps) and `self`. */
function bindingOf(live: LiveObject): Record<string, unknown> {
  const obj = visibleObject(live);
  const binding: Record<string, unknown> = { self: obj };
  for (const name of VARIABLES) if (name !== 'self') binding[name] = obj[name] ?? {};
  return binding;
}

/** A short word on the object's own state, for the verdict's message. */
function objectMessage(obj: LiveObject): string | undefined {
  const ready = condition(obj, 'Ready');
  if (ready) return conditionMessage(ready, `Ready is ${ready.status}`);
  const message = field(obj.status, 'message');
  return typeof message === 'string' && message.trim() !== '' ? message : undefined;
}

/**
 * What an expression's error on a Secret says instead of the library's message, which quotes
 * the values it failed on (`duration(data.token)`: "Invalid duration string: <the value>",
 * `data[data.token]`: "No such key: <the value>"). Scrubbing the known values afterwards is not
 * enough: an expression can transform a value first (`substring`, `+`), and a drift-watch report
 * of a Secret changed in the cluster carries values no bundle holds.
 */
const SECRET_ERROR = "failed on this Secret (the error is not shown: it may quote the Secret's data)";

const VERDICTS: Record<HealthExpressionName, HealthResult['status']> = {
  inProgress: 'InProgress',
  failed: 'Failed',
  current: 'Current',
};

/**
 * Judges one object by its rule: a status not yet observed for the latest generation is
 * InProgress; then `inProgress`, `failed` and `current` are tried in that order, and the first
 * true one decides. An expression that fails on the object (a field not written yet) counts as
 * not true; when none is true the object is InProgress, with the first failure in the message.
 * Running out of time is Unknown.
 */
export function evaluateHealthCheck(
  check: CompiledHealthCheck,
  obj: LiveObject,
  deadline: Deadline,
): HealthResult {
  const name = kindKey(check.rule.group, check.rule.kind);
  const stale = staleGeneration(obj);
  if (stale) return stale;
  const binding = bindingOf(obj);
  const secret = isCoreSecret(obj);
  let outcome: { matched: HealthExpressionName | null; errors: string[] };
  try {
    outcome = deadline(() => {
      const errors: string[] = [];
      for (const expr of HEALTH_EXPRESSIONS) {
        const program = check.programs[expr];
        if (!program) continue;
        try {
          const value: unknown = program(binding);
          if (value === true) return { matched: expr, errors };
          if (typeof value !== 'boolean') errors.push(`${expr} gave ${typeof value}, not a bool`);
        } catch (error) {
          errors.push(`${expr}: ${secret ? SECRET_ERROR : errorSummary(error)}`);
        }
      }
      return { matched: null, errors };
    }, HEALTH_CHECK_LIMITS.deadlineMs);
  } catch (error) {
    if (error instanceof DeadlineExceeded)
      return { status: 'Unknown', message: `health check ${name} ${error.message}` };
    throw error;
  }
  const detail = objectMessage(obj);
  if (outcome.matched) {
    const said = `health check ${name}: ${outcome.matched} is true`;
    return { status: VERDICTS[outcome.matched], message: detail ? `${said}: ${detail}` : said };
  }
  const why = outcome.errors.length ? `: ${outcome.errors[0]}` : detail ? `: ${detail}` : '';
  return { status: 'InProgress', message: `health check ${name}: no expression is true yet${why}` };
}

/** One problem as a line: its message, and where it is (`line 1, column 16`). */
export function describeProblem(p: HealthCheckProblem, prefix = ''): string {
  const at = p.position ? ` (line ${p.position.line}, column ${p.position.column})` : '';
  return `${prefix}${p.message}${at}`;
}

/**
 * What a job carries: the hub's rules, each replaced by the application's rule for the same
 * group/kind, then the application's other rules. Sorted by group/kind, so the same rules give
 * the same list (the agent compiles each distinct list once).
 */
export function mergeHealthChecks(
  hub: readonly HealthCheckRule[],
  application: readonly HealthCheckRule[],
): HealthCheckRule[] {
  const byKind = new Map<string, HealthCheckRule>();
  for (const r of [...hub, ...application]) byKind.set(`${r.group}/${r.kind}`, r);
  return [...byKind.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}
