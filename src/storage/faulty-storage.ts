// Fault injection for tests: wraps a Storage and makes chosen reads or writes fail with
// STORAGE_INJECTED_FAULT, delays them, or corrupts read data, so the engine's handling of a failing
// disk (and its AbortSignal paths) can be tested deterministically.
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError } from '../errors.js';
import { DelegatingStorage } from './delegating-storage.js';
import { StorageError } from './errors.js';
import type { IoOptions, PieceWrite, Storage } from './types.js';

export interface FaultRules {
  /** Fail this write of `piece`; `nth` counts writes (pieces) seen so far, from 0. */
  failWrite?: (piece: number, nth: number) => boolean;
  /** Fail this read; `nth` counts reads seen so far, from 0. */
  failRead?: (piece: number, begin: number, length: number, nth: number) => boolean;
  /** Flip the first byte of what this read returns (a disk returning bad data). */
  corruptRead?: (piece: number, begin: number, length: number) => boolean;
  /** Milliseconds to hold each operation before it runs. */
  delayMs?: number | ((op: 'read' | 'write', piece: number) => number);
}

export class FaultyStorage extends DelegatingStorage {
  /** Mutable: tests may change the rules between operations. */
  rules: FaultRules;
  writesSeen = 0;
  readsSeen = 0;
  faults = 0;

  constructor(inner: Storage, rules: FaultRules = {}) {
    super(inner);
    this.rules = rules;
  }

  override async readBlock(piece: number, begin: number, length: number, opts: IoOptions = {}): Promise<Uint8Array> {
    const nth = this.readsSeen++;
    await this.delay('read', piece, opts.signal);
    if (this.rules.failRead?.(piece, begin, length, nth)) throw this.fault(`read of piece ${piece} at ${begin}+${length}`);
    const data = await this.inner.readBlock(piece, begin, length, opts);
    if (data.length > 0 && this.rules.corruptRead?.(piece, begin, length)) data[0] = (data[0] as number) ^ 0xff;
    return data;
  }

  override readPiece(piece: number, opts?: IoOptions): Promise<Uint8Array> {
    try {
      return this.readBlock(piece, 0, this.layout.pieceSize(piece), opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  override async writePieces(writes: readonly PieceWrite[], opts: IoOptions = {}): Promise<void> {
    const ok: PieceWrite[] = [];
    let failed: StorageError | undefined;
    for (const w of writes) {
      if (this.rules.failWrite?.(w.piece, this.writesSeen++)) failed ??= this.fault(`write of piece ${w.piece}`);
      else ok.push(w);
    }
    await this.delay('write', writes[0]?.piece ?? -1, opts.signal);
    if (ok.length > 0) await this.inner.writePieces(ok, opts);
    if (failed) throw failed;
  }

  private fault(what: string): StorageError {
    this.faults++;
    return new StorageError('STORAGE_INJECTED_FAULT', `storage: injected failure of ${what}`);
  }

  private async delay(op: 'read' | 'write', piece: number, signal: AbortSignal | undefined): Promise<void> {
    const d = this.rules.delayMs;
    const ms = typeof d === 'function' ? d(op, piece) : d ?? 0;
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, signal ? { signal } : {});
    } catch (e) {
      throw new AbortedError('storage: operation aborted', { cause: e });
    }
  }
}
