// `shoal download`: placeholder until its issue lands; it says so and fails.
import { ShoalError } from '../../errors.js';
import type { Command } from '../command.js';

export const command: Command = {
  summary: '(not available yet)',
  usage: 'usage: shoal download (not available yet)',
  run() {
    return Promise.reject(new ShoalError('NOT_IMPLEMENTED', 'shoal download is not available in this build'));
  },
};
