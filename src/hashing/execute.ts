// Runs one hash-pool job request and builds its reply: the body of a worker thread, shared with
// the pool's main-thread executor so both compute exactly the same thing.
import { runJob } from './compute.js';
import { hashFileRanges, ReadHashError } from './read-hash.js';
import type { JobReply, JobRequest } from './protocol.js';

export function execute(req: JobRequest): JobReply {
  const data = req.returnData ? req.data : undefined;
  try {
    const result =
      req.kind === 'filePieces' ? { kind: 'pieces' as const, pieces: hashFileRanges(req.ranges, req.spec) } : runJob(req, req.data);
    return { id: req.id, ok: true, result, ...(data ? { data } : {}) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const code = e instanceof ReadHashError ? { code: e.code } : {};
    return { id: req.id, ok: false, message, ...code, ...(data ? { data } : {}) };
  }
}

/** The reply's buffers, to move (not copy) back to the pool. */
export function replyTransferables(reply: JobReply): ArrayBuffer[] {
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
