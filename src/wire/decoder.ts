// Streaming peer wire decoder (BEP 3 framing; message set of BEP 5, 6, 10, 52): push the chunks a
// transport delivers, get back whole messages. Sans-I/O: no sockets, no timers.
//
// Costs on the hot path: a message that lies inside one chunk is parsed in place (a piece's block
// is a subarray view of the chunk); a message that spans chunks is copied once into a buffer of
// exactly its size. The length prefix and id are checked (checkFrame) before any payload byte is
// buffered, so at most one message of at most `maxMessageLength` bytes is ever held, and a
// hostile length prefix costs nothing. After an error the decoder stays failed: the connection
// should be dropped. With `reuseBlockBuffers`, a piece message that spans chunks is assembled in
// one of two buffers the decoder keeps, instead of a fresh allocation per block: a download then
// makes no garbage per block, but such a block is only valid until the next push().
import { WireError } from './errors.js';
import { readU32 } from './bytes.js';
import { checkFrame, KEEP_ALIVE, parsePayload, resolveLimits, type WireLimits } from './frame.js';
import { checkHandshakePrefix, decodeHandshake } from './handshake.js';
import { HANDSHAKE_LENGTH, MessageId, type WireMessage } from './types.js';

export interface WireDecoderOptions extends Partial<WireLimits> {
  /** Expect the 68-byte handshake as the first message (default true). */
  readonly handshake?: boolean;
  /**
   * Assemble piece messages that span chunks in two alternating buffers owned by the decoder
   * (default false). A returned piece's block then stays valid only until the next push(): the
   * caller must copy it out before pushing again.
   */
  readonly reuseBlockBuffers?: boolean;
}

const S_HANDSHAKE = 0;
const S_HEADER = 1;
const S_BODY = 2;

export class WireDecoder {
  readonly limits: WireLimits;
  private state: number;
  private hs: Uint8Array | null;
  private hsFilled = 0;
  /** Length prefix (4) and id (1) of a message whose header spans chunks. */
  private readonly head = new Uint8Array(5);
  private headFilled = 0;
  /** Payload of a message that spans chunks, allocated at its exact size. */
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private bodyId = 0;
  /** Stream offset of the message being decoded, for errors. */
  private msgStart = 0;
  /** Stream offset of the first byte of the current chunk. */
  private base = 0;
  private failure: unknown = null;
  /** With reuseBlockBuffers: the two piece-body buffers, and which one the next spanning piece takes. */
  private readonly spares: (Uint8Array | null)[] | null;
  private nextSpare = 0;

  constructor(opts: WireDecoderOptions = {}) {
    const { handshake, reuseBlockBuffers, ...limits } = opts;
    this.limits = resolveLimits(limits);
    this.spares = reuseBlockBuffers === true ? [null, null] : null;
    const wantHandshake = handshake ?? true;
    this.state = wantHandshake ? S_HANDSHAKE : S_HEADER;
    this.hs = wantHandshake ? new Uint8Array(HANDSHAKE_LENGTH) : null;
  }

  /** True until the handshake has been decoded (never true with {handshake:false}). */
  get awaitingHandshake(): boolean {
    return this.state === S_HANDSHAKE;
  }

  /** Bytes of an incomplete message held from earlier chunks (at most maxMessageLength + 4). */
  get bufferedBytes(): number {
    return (this.state === S_HANDSHAKE ? this.hsFilled : 0) + this.headFilled + this.bodyFilled;
  }

  /** Total bytes pushed so far. */
  get streamOffset(): number {
    return this.base;
  }

  /**
   * Decodes every complete message in `chunk` (plus what was buffered before). Throws WireError
   * on malformed input; after that every call rethrows the same error. Returned byte fields are
   * views into `chunk` or into a per-message buffer: do not reuse `chunk`'s memory while they live.
   */
  push(chunk: Uint8Array): WireMessage[] {
    if (this.failure !== null) throw this.failure;
    const out: WireMessage[] = [];
    try {
      this.run(chunk, out);
    } catch (e) {
      this.failure = e;
      throw e;
    }
    return out;
  }

  /** Declares the end of the stream: throws WIRE_TRUNCATED if a message was left incomplete. */
  end(): void {
    if (this.failure !== null) throw this.failure;
    const pending = this.state === S_BODY || this.headFilled > 0 || (this.state === S_HANDSHAKE && this.hsFilled > 0);
    if (pending) {
      const type = this.state === S_HANDSHAKE ? 'handshake' : undefined;
      this.failure = new WireError('WIRE_TRUNCATED', `stream ended inside a message (${this.bufferedBytes} bytes of it received)`, {
        messageType: type,
        offset: this.state === S_HANDSHAKE ? 0 : this.msgStart,
      });
      throw this.failure;
    }
  }

  private run(chunk: Uint8Array, out: WireMessage[]): void {
    const n = chunk.length;
    let pos = 0;
    if (this.state === S_HANDSHAKE) {
      const hs = this.hs as Uint8Array;
      const take = Math.min(HANDSHAKE_LENGTH - this.hsFilled, n);
      hs.set(take === n ? chunk : chunk.subarray(0, take), this.hsFilled);
      checkHandshakePrefix(hs, this.hsFilled, this.hsFilled + take, 0);
      this.hsFilled += take;
      pos = take;
      if (this.hsFilled === HANDSHAKE_LENGTH) {
        out.push(decodeHandshake(hs, 0));
        this.hs = null;
        this.state = S_HEADER;
      }
    }
    while (pos < n) {
      if (this.state === S_BODY) {
        const body = this.body as Uint8Array;
        const need = body.length - this.bodyFilled;
        if (n - pos < need) {
          body.set(pos === 0 ? chunk : chunk.subarray(pos), this.bodyFilled);
          this.bodyFilled += n - pos;
          pos = n;
          break;
        }
        body.set(chunk.subarray(pos, pos + need), this.bodyFilled);
        pos += need;
        this.body = null;
        this.bodyFilled = 0;
        this.state = S_HEADER;
        out.push(parsePayload(this.bodyId, body, 0, body.length));
        continue;
      }

      let len: number;
      let id: number;
      if (this.headFilled === 0 && n - pos >= 5) {
        // Common case: the whole header is in this chunk.
        this.msgStart = this.base + pos;
        len = readU32(chunk, pos);
        if (len === 0) {
          out.push(KEEP_ALIVE);
          pos += 4;
          continue;
        }
        id = chunk[pos + 4] as number;
        pos += 5;
      } else {
        if (this.headFilled === 0) this.msgStart = this.base + pos;
        const head = this.head;
        while (this.headFilled < 4 && pos < n) head[this.headFilled++] = chunk[pos++] as number;
        if (this.headFilled < 4) break;
        len = readU32(head, 0);
        if (len === 0) {
          out.push(KEEP_ALIVE);
          this.headFilled = 0;
          continue;
        }
        if (pos === n) break; // the id byte comes with the next chunk
        id = chunk[pos++] as number;
        this.headFilled = 0;
      }

      checkFrame(len, id, this.limits, this.msgStart);
      const payloadLength = len - 1;
      if (n - pos >= payloadLength) {
        out.push(parsePayload(id, chunk, pos, payloadLength));
        pos += payloadLength;
        continue;
      }
      const body = this.bodyBuffer(id, payloadLength);
      body.set(pos === 0 ? chunk : chunk.subarray(pos), 0);
      this.body = body;
      this.bodyFilled = n - pos;
      this.bodyId = id;
      this.state = S_BODY;
      pos = n;
    }
    this.base += n;
  }

  /**
   * Where a message that spans chunks is assembled. A piece message alternates between two kept
   * buffers: the one completed in this push() is still the caller's, so the one started at the
   * end of this push() must not be the same memory (only one spanning message can start per push).
   */
  private bodyBuffer(id: number, length: number): Uint8Array {
    const spares = this.spares;
    if (spares === null || id !== MessageId.piece) return new Uint8Array(length);
    const i = this.nextSpare;
    this.nextSpare = 1 - i;
    let buf = spares[i] ?? null;
    if (buf === null || buf.length < length) spares[i] = buf = new Uint8Array(length);
    return buf.length === length ? buf : buf.subarray(0, length);
  }
}

/** Decodes a complete stream (handshake first unless {handshake:false}); rejects a partial tail. */
export function decodeStream(bytes: Uint8Array, opts: WireDecoderOptions = {}): WireMessage[] {
  const d = new WireDecoder(opts);
  const out = d.push(bytes);
  d.end();
  return out;
}

/** Decodes exactly one length-prefixed message; fewer or more bytes are an error. */
export function decodeMessage(frame: Uint8Array, limits: Partial<WireLimits> = {}): WireMessage {
  const lim = resolveLimits(limits);
  if (frame.length < 4) throw new WireError('WIRE_TRUNCATED', `${frame.length} bytes cannot hold a length prefix`, { offset: 0 });
  const len = readU32(frame, 0);
  if (len === 0) {
    if (frame.length > 4) throw new WireError('WIRE_TRAILING_BYTES', `${frame.length - 4} bytes after the message`, { messageType: 'keep-alive', offset: 0 });
    return KEEP_ALIVE;
  }
  if (frame.length < 5) throw new WireError('WIRE_TRUNCATED', 'message id missing', { offset: 0 });
  const id = frame[4] as number;
  checkFrame(len, id, lim, 0);
  if (frame.length - 4 < len) throw new WireError('WIRE_TRUNCATED', `${len - (frame.length - 4)} bytes missing`, { offset: 0 });
  if (frame.length - 4 > len) throw new WireError('WIRE_TRAILING_BYTES', `${frame.length - 4 - len} bytes after the message`, { offset: 0 });
  return parsePayload(id, frame, 5, len - 1);
}
