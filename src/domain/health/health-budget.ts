/**
 * A budget of evaluation time for custom health checks, on top of each evaluation's deadline.
 * The deadline stops one runaway evaluation at 50 ms, but a rule that takes nearly that long on
 * every object still costs 100 s for a job of 2,000 objects, or a drift-watch burst over them,
 * while the agent judges nothing else (one agent serves every project's applications). Once a
 * budget is spent, objects its rules judge are Unknown until it refills: the health of the rest
 * of the fleet, and every sync, goes on. Pure: the clock is injected.
 */
import { DeadlineExceeded, type Deadline } from './custom-health.js';

/** Milliseconds of evaluation a budget holds at most, and gets back per minute. */
export interface HealthBudgetLimits {
  capacityMs: number;
  perMinuteMs: number;
  /** What the budget covers, for the message: `these rules`, `this agent`. */
  scope: string;
}

/** Thrown instead of evaluating when a budget is spent: the object is Unknown for now. */
export class HealthBudgetSpent extends DeadlineExceeded {
  constructor(limits: HealthBudgetLimits) {
    super(0);
    this.name = 'HealthBudgetSpent';
    this.message = `was not evaluated: the evaluation time of ${limits.scope} (${limits.perMinuteMs} ms a minute) is spent; judged again later`;
  }
}

/** A bucket of evaluation milliseconds, refilled continuously. */
export class HealthBudget {
  private tokens: number;
  private at: number;

  constructor(
    readonly limits: HealthBudgetLimits,
    private readonly now: () => number,
  ) {
    this.tokens = limits.capacityMs;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(
      this.limits.capacityMs,
      this.tokens + ((t - this.at) * this.limits.perMinuteMs) / 60_000,
    );
    this.at = t;
  }

  /** True while some time is left: an evaluation may start (and overdraw by its deadline at most). */
  available(): boolean {
    this.refill();
    return this.tokens > 0;
  }

  spend(ms: number): void {
    this.refill();
    this.tokens -= ms;
  }
}

/**
 * `inner`, charging the time each evaluation takes to every one of `budgets`; when one is spent
 * it throws {@link HealthBudgetSpent} without evaluating.
 */
export function budgetedDeadline(
  inner: Deadline,
  budgets: readonly HealthBudget[],
  now: () => number,
): Deadline {
  return <T>(fn: () => T, ms: number): T => {
    const spent = budgets.find((b) => !b.available());
    if (spent) throw new HealthBudgetSpent(spent.limits);
    const start = now();
    try {
      return inner(fn, ms);
    } finally {
      const took = now() - start;
      for (const b of budgets) b.spend(took);
    }
  };
}
