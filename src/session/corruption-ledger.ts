// Pinning the peer that sent a corrupt block. When a piece fails its hash check we cannot tell
// which of its blocks is bad, so we note a hash of every block and who sent it. Once the piece
// verifies (from other peers), the blocks whose hash differs from the good copy name the liar,
// even if it has disconnected since: its address is banned all the same. (libtorrent does the
// same with its "smart ban".)
import { createHash } from 'node:crypto';

export interface BlockSender {
  /** The engine's key of the peer connection. */
  readonly key: string;
  /** Its IP address, banned if it turns out to be the liar. */
  readonly ip: string;
}

interface BlockRecord {
  readonly sender: BlockSender;
  readonly begin: number;
  readonly hash: string;
}

/** Failures remembered per piece; a piece failing more often is surely attacked by several peers already struck. */
const MAX_FAILURES_PER_PIECE = 4;

export class CorruptionLedger {
  private readonly records = new Map<number, { failures: number; blocks: BlockRecord[] }>();

  constructor(private readonly blockSize = 16384) {}

  /** A piece failed its check: `senders[i]` sent block i of `data` (undefined if unknown). */
  recordFailure(piece: number, data: Uint8Array, senders: readonly (BlockSender | undefined)[]): void {
    const entry = this.records.get(piece) ?? { failures: 0, blocks: [] };
    if (entry.failures >= MAX_FAILURES_PER_PIECE) return;
    entry.failures++;
    senders.forEach((sender, i) => {
      if (sender === undefined) return;
      const begin = i * this.blockSize;
      entry.blocks.push({ sender, begin, hash: this.blockHash(data, begin) });
    });
    this.records.set(piece, entry);
  }

  /** The piece verified as `good`: returns the senders of blocks that differed from it. */
  liars(piece: number, good: Uint8Array): BlockSender[] {
    const entry = this.records.get(piece);
    if (!entry) return [];
    this.records.delete(piece);
    const out = new Map<string, BlockSender>();
    for (const r of entry.blocks) if (this.blockHash(good, r.begin) !== r.hash) out.set(r.sender.key, r.sender);
    return [...out.values()];
  }

  private blockHash(data: Uint8Array, begin: number): string {
    return createHash('sha1').update(data.subarray(begin, begin + this.blockSize)).digest('hex');
  }
}
