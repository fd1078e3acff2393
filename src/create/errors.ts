// Errors of torrent creation: each names the path or value at fault.
import { ShoalError } from '../errors.js';

export type CreateErrorCode =
  | 'CREATE_PATH_NOT_FOUND'
  | 'CREATE_NOT_A_FILE_OR_FOLDER'
  | 'CREATE_EMPTY'
  | 'CREATE_BAD_PIECE_LENGTH'
  | 'CREATE_FILE_CHANGED'
  | 'CREATE_READ_FAILED'
  | 'CREATE_TOO_DEEP'
  | 'CREATE_BAD_OPTION'
  | 'CREATE_OUTPUT_UNWRITABLE';

export class CreateError extends ShoalError {
  declare readonly code: CreateErrorCode;

  constructor(code: CreateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `create: ${message}`, options);
  }
}
