// Worker-thread entry of the hash pool: runs one job per message and replies with its result.
//
// Result buffers are transferred back (never copied); the job's own data buffer is handed back
// too when the caller transferred it in, so the caller can reuse it.
import { parentPort } from 'node:worker_threads';
import { runJob } from './compute.js';
import { hashFileRanges, ReadHashError } from './read-hash.js';
import type { JobReply, JobRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('hashing/worker must run in a worker thread');

function transferables(reply: JobReply): ArrayBuffer[] {
  const list = new Set<ArrayBuffer>();
  const add = (u: Uint8Array | undefined): void => {
    if (u && u.buffer instanceof ArrayBuffer) list.add(u.buffer);
  };
  if (reply.data) add(reply.data);
  if (reply.ok) {
    const r = reply.result;
    if (r.kind === 'digest') add(r.digest);
    else if (r.kind === 'pieces') {
      add(r.pieces.sha1);
      for (const s of r.pieces.v2 ?? []) add(s);
    }
  }
  return [...list];
}

port.on('message', (req: JobRequest) => {
  let reply: JobReply;
  const data = req.returnData ? req.data : undefined;
  try {
    const result =
      req.kind === 'filePieces' ? { kind: 'pieces' as const, pieces: hashFileRanges(req.ranges, req.spec) } : runJob(req, req.data);
    reply = { id: req.id, ok: true, result, ...(data ? { data } : {}) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof ReadHashError ? { code: e.code } : {};
    reply = { id: req.id, ok: false, message, ...code, ...(data ? { data } : {}) };
  }
  port.postMessage(reply, transferables(reply));
});
