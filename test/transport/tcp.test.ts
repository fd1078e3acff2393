import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connectTcp, listenTcp } from '../../src/transport/tcp.js';
import type { ByteStream } from '../../src/transport/types.js';

function sha1(b: Uint8Array): string {
  return createHash('sha1').update(b).digest('hex');
}

test('a dialled stream reads into reused memory: chunks copied during the call add up to what was sent', async (t) => {
  const payload = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 11)) & 0xff);
  const accepted: ByteStream[] = [];
  const listener = await listenTcp({ host: '127.0.0.1' }, (s) => {
    accepted.push(s);
    for (let off = 0; off < payload.length; off += 100_000) s.write([payload.subarray(off, off + 100_000)]);
  });
  const s = await connectTcp({ host: '127.0.0.1', port: listener.port });
  t.after(async () => {
    s.close();
    for (const a of accepted) a.close();
    await listener.close();
  });
  assert.equal(s.transientChunks, true);
  assert.notEqual(accepted[0]?.transientChunks, true, 'accepted connections hand out chunks of their own');
  const copies: Uint8Array[] = [];
  const views: Uint8Array[] = [];
  let got = 0;
  let paused = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), 10_000);
    s.on('data', (chunk) => {
      copies.push(Uint8Array.prototype.slice.call(chunk));
      views.push(chunk);
      got += chunk.length;
      if (!paused && got > payload.length / 2) {
        // Back-pressure still works with a reused read buffer.
        paused = true;
        s.pause();
        setTimeout(() => s.resume(), 20);
      }
      if (got >= payload.length) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const all = Buffer.concat(copies);
  assert.equal(sha1(all), sha1(payload));
  assert.ok(views.length > 1);
  assert.equal(new Set(views.map((v) => v.buffer)).size, 1, 'every chunk is a view of the same memory');
});
