// Worker-thread entry of the hash pool: runs one job per message and replies with its result.
//
// Result buffers are transferred back (never copied); the job's own data buffer is handed back
// too when the caller transferred it in, so the caller can reuse it.
import { parentPort } from 'node:worker_threads';
import { execute, replyTransferables } from './execute.js';
import type { JobRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('hashing/worker must run in a worker thread');

port.on('message', (req: JobRequest) => {
  const reply = execute(req);
  port.postMessage(reply, replyTransferables(reply));
});
