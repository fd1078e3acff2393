// Errors of the hash pool, each with a stable code.
import { ShoalError } from '../errors.js';

export class HashPoolClosedError extends ShoalError {
  constructor() {
    super('HASH_POOL_CLOSED', 'hash pool: closed before the job finished');
  }
}

export class HashWorkerError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HASH_WORKER_FAILED', `hash pool: ${message}`, options);
  }
}

/** A worker could not read a file it was asked to hash, or the file changed under it. */
export class HashReadError extends ShoalError {
  declare readonly code: 'HASH_FILE_CHANGED' | 'HASH_READ_FAILED';

  constructor(code: 'HASH_FILE_CHANGED' | 'HASH_READ_FAILED', message: string) {
    super(code, `hash pool: ${message}`);
  }
}
