// Storage of BEP 44 items on this node: immutable items under SHA-1 of their value, mutable ones
// under SHA-1 of key + salt with the newest sequence number winning (never downgraded; `cas`
// honoured). Bounded in count; items expire 2 hours after their last put.
import type { BValue } from '../../bencode/index.js';
import { KrpcErrorCodes } from '../../krpc/index.js';
import {
  encodeValue,
  immutableTarget,
  ITEM_MAX_SALT,
  ITEM_MAX_VALUE,
  mutableTarget,
  signedBuffer,
  verifyItemSignature,
} from './items.js';
import { idEquals, idKey } from './node-id.js';

export interface StoredItem {
  readonly target: Uint8Array;
  readonly value: BValue;
  readonly encoded: Uint8Array;
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
  at: number;
}

export interface PutRequest {
  readonly value: BValue;
  readonly k?: Uint8Array | undefined;
  readonly seq?: number | undefined;
  readonly sig?: Uint8Array | undefined;
  readonly salt?: Uint8Array | undefined;
  readonly cas?: number | undefined;
}

export type PutOutcome = { ok: true; target: Uint8Array } | { ok: false; code: number; message: string };

export interface ItemStoreOptions {
  readonly maxItems?: number;
  readonly ttlMs?: number;
}

export class ItemStore {
  private readonly items = new Map<string, StoredItem>();
  private readonly maxItems: number;
  private readonly ttlMs: number;

  constructor(opts: ItemStoreOptions = {}) {
    this.maxItems = opts.maxItems ?? 1000;
    this.ttlMs = opts.ttlMs ?? 2 * 3600_000;
  }

  get size(): number {
    return this.items.size;
  }

  get(target: Uint8Array, now: number): StoredItem | undefined {
    const it = this.items.get(idKey(target));
    return it && now - it.at < this.ttlMs ? it : undefined;
  }

  /** Validates and stores a put (BEP 44 rules and error codes). */
  put(req: PutRequest, now: number): PutOutcome {
    let encoded: Uint8Array;
    try {
      encoded = encodeValue(req.value);
    } catch {
      return { ok: false, code: KrpcErrorCodes.protocol, message: 'invalid value' };
    }
    if (encoded.length > ITEM_MAX_VALUE) return { ok: false, code: KrpcErrorCodes.valueTooBig, message: 'message (v field) too big' };
    if (req.k === undefined) {
      const target = immutableTarget(encoded);
      this.store({ target, value: req.value, encoded, at: now });
      return { ok: true, target };
    }
    if (req.salt !== undefined && req.salt.length > ITEM_MAX_SALT) {
      return { ok: false, code: KrpcErrorCodes.saltTooBig, message: 'salt (salt field) too big' };
    }
    if (req.k.length !== 32 || req.sig === undefined || req.sig.length !== 64 || req.seq === undefined || req.seq < 0) {
      return { ok: false, code: KrpcErrorCodes.protocol, message: 'mutable put needs k (32 bytes), sig (64 bytes) and seq >= 0' };
    }
    if (!verifyItemSignature(req.k, req.sig, signedBuffer(req.seq, encoded, req.salt))) {
      return { ok: false, code: KrpcErrorCodes.invalidSignature, message: 'invalid signature' };
    }
    const target = mutableTarget(req.k, req.salt);
    const existing = this.get(target, now);
    if (existing && existing.seq !== undefined) {
      if (req.cas !== undefined && req.cas !== existing.seq) {
        return { ok: false, code: KrpcErrorCodes.casMismatch, message: 'the CAS hash mismatched, re-read value and try again' };
      }
      if (req.seq < existing.seq || (req.seq === existing.seq && !idEquals(encoded, existing.encoded))) {
        return { ok: false, code: KrpcErrorCodes.seqTooLow, message: 'sequence number less than current' };
      }
    }
    this.store({ target, value: req.value, encoded, k: Uint8Array.from(req.k), seq: req.seq, sig: Uint8Array.from(req.sig), at: now });
    return { ok: true, target };
  }

  private store(item: StoredItem): void {
    const key = idKey(item.target);
    this.items.delete(key);
    if (this.items.size >= this.maxItems) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.set(key, item);
  }

  expire(now: number): void {
    for (const [k, it] of this.items) if (now - it.at >= this.ttlMs) this.items.delete(k);
  }
}
