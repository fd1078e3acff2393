// One peer connection: a byte stream, the wire decoder, and the handshake (BEP 3, BEP 10 bits,
// BEP 6 bits). It turns bytes into WireMessages for the torrent and the torrent's sends into
// bytes; it knows nothing about pieces or policy. Outgoing bytes are batched per turn of the event
// loop, so a burst of requests or haves costs one write.
//
// Received bytes are not copied on their way in: a piece's block is a view of the socket's chunk
// or of a decoder buffer, both reused for the next read. A handler that declares `blocksInPlace`
// copies each block out before message() returns and gets it as is; every other receiver, and
// every message kept in the backlog, gets a detached copy. Other messages are copied only when
// the transport reuses its chunks (dialled TCP connections).
import { ShoalError } from '../errors.js';
import type { ByteStream } from '../transport/types.js';
import type { BlockRequest } from '../swarm/index.js';
import {
  commonFeatures,
  encodeHandshake,
  encodeMessage,
  encodePieceHeader,
  makeReserved,
  REQUEST_MESSAGE_LENGTH,
  WireDecoder,
  detachMessage,
  writeRequest,
  type Handshake,
  type ReservedFlags,
  type WireMessage,
} from '../wire/index.js';
import type { OutgoingMessage, PeerLink } from './peer-link.js';

export class PeerError extends ShoalError {}

/** Messages held while the connection changes hands (handshake -> torrent, fetcher -> torrent). */
const MAX_BACKLOG = 20_000;

export interface PeerConnectionEvents {
  handshake(h: Handshake): void;
  message(m: WireMessage): void;
  /**
   * message() is done with a piece's block when it returns (it copied what it keeps), so the
   * block may be a view of memory the connection reuses for the next read.
   */
  blocksInPlace: boolean;
  drain(): void;
  close(reason: Error | undefined): void;
}

/** Features shoal offers in its handshake. */
export const OUR_FEATURES: ReservedFlags = { extensionProtocol: true, fast: true };

export class PeerConnection implements PeerLink {
  private readonly decoder: WireDecoder;
  private out: Uint8Array[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private handler: Partial<PeerConnectionEvents> = {};
  /** Messages decoded before a handler was attached (the rest of the handshake's chunk). */
  private backlog: WireMessage[] = [];
  remoteHandshake: Handshake | undefined;
  features: Required<ReservedFlags> = { extensionProtocol: false, fast: false, dht: false, v2: false };
  closed = false;
  closeReason: Error | undefined;
  /** Bytes received and sent, all messages included. */
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly stream: ByteStream, readonly outgoing: boolean, maxMessageLength?: number) {
    this.decoder = new WireDecoder(maxMessageLength === undefined ? { reuseBlockBuffers: true } : { maxMessageLength, reuseBlockBuffers: true });
    stream.on('data', (chunk) => this.onData(chunk));
    stream.on('drain', () => this.handler.drain?.());
    stream.on('close', (err) => this.onClose(err));
  }

  get remoteIp(): string {
    return this.stream.remoteAddress;
  }

  get remotePort(): number {
    return this.stream.remotePort;
  }

  get remotePeerId(): Uint8Array {
    return this.remoteHandshake?.peerId ?? new Uint8Array(20);
  }

  /** Encodes a message; a piece's block goes out as is, after its 13-byte header (no copy). */
  send(m: OutgoingMessage): void {
    if (m.type === 'piece') this.sendBytes(encodePieceHeader(m.index, m.begin, m.block.length), m.block);
    else this.sendBytes(encodeMessage(m));
  }

  sendRequests(blocks: readonly BlockRequest[]): void {
    const out = new Uint8Array(blocks.length * REQUEST_MESSAGE_LENGTH);
    let off = 0;
    for (const b of blocks) off = writeRequest(out, off, b.piece, b.begin, b.length);
    this.sendBytes(out);
  }

  get address(): string {
    const h = this.stream.remoteAddress;
    return h.includes(':') ? `[${h}]:${this.stream.remotePort}` : `${h}:${this.stream.remotePort}`;
  }

  /** Sets who receives events; messages that arrived before are delivered now. */
  attach(handler: Partial<PeerConnectionEvents>): void {
    this.handler = handler;
    const backlog = this.backlog;
    this.backlog = [];
    for (const m of backlog) {
      if (this.closed) return;
      handler.message?.(m);
    }
  }

  sendHandshake(infoHash: Uint8Array, peerId: Uint8Array, features: ReservedFlags = OUR_FEATURES): void {
    this.sendBytes(encodeHandshake({ reserved: makeReserved(features), infoHash, peerId }));
  }

  /** Queues bytes; they leave in one write at the end of this turn of the event loop. */
  sendBytes(...chunks: Uint8Array[]): void {
    if (this.closed) return;
    for (const c of chunks) {
      this.out.push(c);
      this.outBytes += c.length;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Bytes waiting here or in the transport: the torrent stops serving uploads above a mark. */
  get pendingBytes(): number {
    return this.outBytes + this.stream.bufferedBytes;
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const chunks = this.out;
    this.bytesOut += this.outBytes;
    this.out = [];
    this.outBytes = 0;
    this.stream.write(chunks);
  }

  close(reason?: Error): void {
    if (this.closed) return;
    this.flush();
    this.stream.close(reason);
    this.onClose(reason);
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.bytesIn += chunk.length;
    let messages: WireMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (e) {
      this.close(e instanceof Error ? e : new PeerError('PEER_PROTOCOL', String(e)));
      return;
    }
    const transient = this.stream.transientChunks === true;
    for (const m of messages) {
      if (this.closed) return;
      if (m.type === 'handshake') {
        // The decoder assembles the handshake in a buffer of its own: nothing to detach.
        this.remoteHandshake = m;
        this.features = commonFeatures(makeReserved(OUR_FEATURES), m.reserved);
        this.handler.handshake?.(m);
        continue;
      }
      const h = this.handler;
      if (h.message) {
        const inPlace = m.type === 'piece' ? h.blocksInPlace === true : !transient;
        h.message(inPlace ? m : detachMessage(m));
      } else if (this.backlog.length < MAX_BACKLOG) this.backlog.push(detachMessage(m));
      else this.close(new PeerError('PEER_FLOOD', `more than ${MAX_BACKLOG} messages while nobody was listening`));
    }
  }

  private onClose(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = err;
    this.out = [];
    this.outBytes = 0;
    this.handler.close?.(err);
  }
}
