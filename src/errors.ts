// Base error type of shoal. Every failure that can reach a user is a ShoalError subclass with a
// stable, machine-readable `code`; the CLI prints `message` as one line and never a stack trace.

export class ShoalError extends Error {
  /** Stable identifier, e.g. `BENCODE_TRUNCATED`; safe to match on. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Wrong use of a command or API (bad flag, missing argument). The CLI exits with status 2. */
export class UsageError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', message, options);
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends ShoalError {
  constructor(message = 'operation aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

export function isShoalError(e: unknown): e is ShoalError {
  return e instanceof ShoalError;
}
