/** The time source of src/vcs (commit timestamps), replaceable in tests. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
