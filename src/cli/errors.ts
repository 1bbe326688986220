/** Exit code of a command that ran and failed (the hub refused, a sync failed, a timeout). */
export const EXIT_FAILED = 1;
/** Exit code of a command line that could not be understood. */
export const EXIT_USAGE = 2;

/**
 * An error the CLI reports as one line on stderr (`flotilla: <message>`) before exiting with
 * `exitCode`. Anything else thrown is a bug and is reported the same way, with exit code 1.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command line that makes no sense (a bad label, two sources for one value): exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}
