// The contract between the CLI dispatcher and each `shoal <command>` module.
import type { Writable } from 'node:stream';

export interface CliIO {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Fires on SIGINT/SIGTERM: long-running commands stop cleanly. */
  readonly signal: AbortSignal;
}

export interface Command {
  /** One line for `shoal --help`. */
  readonly summary: string;
  /** Full usage text for `shoal <command> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit status. Errors thrown are ShoalErrors. */
  run(argv: string[], io: CliIO): Promise<number>;
}
