// Errors the CLI reports as a plain message and an exit code, never with a stack trace.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit codes: 1 for bad input or a failed operation, 2 for a missing or inconsistent option. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
