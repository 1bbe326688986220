/**
 * The custom health checks jobs carry, compiled once per distinct rule set: most jobs of a
 * cluster carry the same hub-wide rules, and compiling CEL costs more than judging with it.
 */
import {
  compileHealthChecks,
  describeRefused,
  HEALTH_CHECK_LIMITS,
  ruleFields,
  type CustomHealth,
  type HealthCheckRule,
} from '../domain/health/custom-health.js';
import { budgetedDeadline, HealthBudget, type HealthBudgetLimits } from '../domain/health/health-budget.js';
import { vmDeadline } from '../domain/health/vm-deadline.js';
import type { JobV1 } from '../protocol/v1/agent-protocol.js';

/** Most rules a job may carry: the hub's and the application's lists, each at its limit, merged. */
const MAX_RULES = 2 * HEALTH_CHECK_LIMITS.rules;

/** Distinct rule sets kept compiled (a cluster's applications rarely have more). */
const KEPT = 32;

/**
 * Characters of rules (as JSON) kept compiled, all sets together. A compiled expression takes
 * far more memory than its text: a set of 128 rules of three ~1,200-character expressions took
 * about 26 MiB of heap for its 515,000 characters (measured), so 32 such sets, which an
 * application owner can make with 32 applications, would hold some 850 MiB and get the agent
 * killed. This keeps at most about 50 MiB; the newest set is always kept, and an evicted one is
 * compiled again (about 0.2 s for the largest) when its job comes back.
 */
export const KEPT_CHARS = 1_000_000;

/**
 * Evaluation time custom rules may take. An ordinary rule takes about 0.2 ms per object (most
 * of it the deadline's watchdog), so one rule set judges some 50,000 objects a minute within
 * its 10 s; only rules near their 50 ms deadline on many objects reach it. One rule set (an
 * application's own rules, say) then cannot hold up the jobs of other applications for more
 * than 10 s a minute, and all of them together for more than 20 s.
 */
export const HEALTH_BUDGETS = {
  ruleSet: { capacityMs: 10_000, perMinuteMs: 10_000, scope: 'these rules' },
  agent: { capacityMs: 20_000, perMinuteMs: 20_000, scope: "this agent's rules" },
} satisfies Record<string, HealthBudgetLimits>;

export type CompiledChecks = { ok: true; health: CustomHealth | undefined } | { ok: false; message: string };

export class HealthChecks {
  private readonly compiled = new Map<string, CompiledChecks>();
  /** Sum of the keys' lengths in {@link compiled}. */
  private keptChars = 0;

  /** How many rule sets are kept compiled, and their size in characters. */
  get kept(): { sets: number; chars: number } {
    return { sets: this.compiled.size, chars: this.keptChars };
  }
  private readonly agentBudget: HealthBudget;

  constructor(
    private readonly budgets: typeof HEALTH_BUDGETS = HEALTH_BUDGETS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.agentBudget = new HealthBudget(budgets.agent, now);
  }

  /**
   * The job's rules compiled, `undefined` when it carries none. A rule the agent cannot
   * compile (a hub of another version, a hostile hub) fails the job before anything is
   * applied: judging with part of the rules would report wrong health.
   */
  of(job: Pick<JobV1, 'healthChecks'>): CompiledChecks {
    const rules: unknown = job.healthChecks;
    if (rules === undefined || rules === null || (Array.isArray(rules) && rules.length === 0))
      return { ok: true, health: undefined };
    // What the hub sent is checked like any input: a malformed list fails the job with a message
    // instead of throwing out of the job (which would leave it unanswered until its lease ran out).
    if (!Array.isArray(rules) || rules.some((r) => r === null || typeof r !== 'object' || Array.isArray(r)))
      return { ok: false, message: 'health checks: the job carries something other than a list of rules' };
    if (rules.length > MAX_RULES)
      return {
        ok: false,
        message: `health checks: the job carries ${rules.length} rules; at most ${MAX_RULES} (the hub's and the application's)`,
      };
    const key = JSON.stringify(rules);
    const known = this.compiled.get(key);
    if (known) {
      // most recently used last, so the oldest is the one dropped
      this.compiled.delete(key);
      this.compiled.set(key, known);
      return known;
    }
    const own = new HealthBudget(this.budgets.ruleSet, this.now);
    const deadline = budgetedDeadline(vmDeadline, [own, this.agentBudget], this.now);
    const result = compileHealthChecks([(rules as HealthCheckRule[]).map(ruleFields)], deadline);
    const entry: CompiledChecks = result.ok
      ? { ok: true, health: result.value }
      : { ok: false, message: `health checks: ${describeRefused(result.error)}` };
    this.compiled.set(key, entry);
    this.keptChars += key.length;
    while (this.compiled.size > 1 && (this.compiled.size > KEPT || this.keptChars > KEPT_CHARS)) {
      const oldest = this.compiled.keys().next().value!;
      this.compiled.delete(oldest);
      this.keptChars -= oldest.length;
    }
    return entry;
  }
}
