// Micro-benchmark of the peer wire decoder on its hot path: a stream of 16 KiB piece messages
// delivered in 64 KiB chunks, as a TCP socket would. Reports decode throughput (MB/s of wire
// bytes), and for reference the same stream with 16 KiB chunks and a memcpy of the whole stream.
// Usage: npx tsx bench/wire-codec.ts [seconds per case, default 2]
import { encodePieceHeader, WireDecoder, type WireMessage } from '../src/wire/index.js';

const BLOCK = 16 * 1024;
const PIECES = 4096; // 64 MiB of blocks per pass
const seconds = Number(process.argv[2] ?? 2);

function buildStream(): Uint8Array {
  const msgLen = 13 + BLOCK;
  const out = new Uint8Array(PIECES * msgLen);
  for (let i = 0; i < PIECES; i++) {
    out.set(encodePieceHeader(i >>> 4, (i & 15) * BLOCK, BLOCK), i * msgLen);
    out.fill(i & 0xff, i * msgLen + 13, (i + 1) * msgLen);
  }
  return out;
}

function chunksOf(b: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Copies, like fresh socket buffers: views would let the decoder see one contiguous buffer.
  for (let off = 0; off < b.length; off += size) out.push(b.slice(off, off + size));
  return out;
}

function run(name: string, chunks: readonly Uint8Array[], total: number): void {
  let bytes = 0;
  let messages = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    const d = new WireDecoder({ handshake: false });
    for (const c of chunks) {
      const msgs: WireMessage[] = d.push(c);
      for (const m of msgs) if (m.type === 'piece') sink += m.block.length;
      messages += msgs.length;
    }
    bytes += total;
    elapsed = performance.now() - start;
  }
  if (sink !== messages * BLOCK) throw new Error('lost blocks');
  const mbs = bytes / 1e6 / (elapsed / 1000);
  console.log(`${name.padEnd(34)} ${mbs.toFixed(0).padStart(7)} MB/s  ${(messages / (elapsed / 1000) / 1e3).toFixed(0)}k msg/s`);
}

function runCopy(chunks: readonly Uint8Array[], total: number): void {
  const dst = new Uint8Array(total);
  let bytes = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    let off = 0;
    for (const c of chunks) {
      dst.set(c, off);
      off += c.length;
    }
    bytes += total;
    elapsed = performance.now() - start;
  }
  console.log(`${'reference: memcpy of every byte'.padEnd(34)} ${(bytes / 1e6 / (elapsed / 1000)).toFixed(0).padStart(7)} MB/s`);
}

const stream = buildStream();
console.log(`node ${process.version}, ${PIECES} x 16 KiB piece messages (${(stream.length / 1e6).toFixed(1)} MB) per pass, ${seconds} s per case`);
run('decode, 64 KiB chunks', chunksOf(stream, 64 * 1024), stream.length);
run('decode, 16 KiB chunks', chunksOf(stream, 16 * 1024), stream.length);
run('decode, 1 MiB chunks', chunksOf(stream, 1024 * 1024), stream.length);
runCopy(chunksOf(stream, 64 * 1024), stream.length);
