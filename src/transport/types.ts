// The one interface every peer transport implements: an ordered, reliable byte stream.
// TCP now; uTP, WebRTC data channels and MSE encryption later wrap or replace it without the
// engine noticing. Writes take an array of chunks so a piece header and its block go out in one
// writev, without concatenation.

export interface ByteStreamEvents {
  data: (chunk: Uint8Array) => void;
  /** The write buffer drained below its high-water mark. */
  drain: () => void;
  /** The stream is gone; `error` is set when it did not end cleanly. Fires exactly once. */
  close: (error?: Error) => void;
}

export interface ByteStream {
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Queue chunks for sending; returns false when the caller should wait for `drain`. */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Bytes queued but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Stop reading from the network (back-pressure on the sender) / resume. */
  pause(): void;
  resume(): void;
  close(error?: Error): void;
  readonly closed: boolean;
  /**
   * The chunk a 'data' listener gets is only valid during that call: the transport reads the next
   * bytes into the same memory. A listener that keeps any part of it must copy that part.
   */
  readonly transientChunks?: boolean;
  on<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): this;
  off<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): this;
}

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export function formatAddress(a: PeerAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
