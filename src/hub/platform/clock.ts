/** The current time, behind an interface so services can be tested at fixed instants. */
export interface Clock {
  now(): Date;
}

/** Injection token for {@link Clock}. */
export const CLOCK = Symbol('CLOCK');

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };
