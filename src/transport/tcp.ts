// TCP transport: net.Socket adapted to the ByteStream interface, plus connect and listen.
// Connections we dial read into one buffer shared by all of them (Node's `onread`), instead of
// a fresh 64 KiB allocation per read that only the garbage collector frees: at hundreds of MB/s
// that garbage was a fifth of a download's memory. Their chunks are therefore transient (valid
// during the 'data' call only). Accepted connections cannot do this: net.Server has no onread.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { ShoalError } from '../errors.js';
import type { ByteStream, ByteStreamEvents, PeerAddress } from './types.js';

export class TransportError extends ShoalError {}

/** Read buffer of every dialled connection; reads are synchronous callbacks, never concurrent. */
const SHARED_READ_BUFFER_SIZE = 256 * 1024;
let sharedReadBuffer: Buffer | undefined;

class TcpStream extends EventEmitter implements ByteStream {
  closed = false;
  readonly remoteAddress: string;
  readonly remotePort: number;

  constructor(private readonly socket: net.Socket, readonly transientChunks = false) {
    super();
    this.remoteAddress = normaliseHost(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    // With onread, the socket calls onRead() instead of emitting 'data'.
    if (!transientChunks) socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish());
    socket.on('end', () => socket.end());
  }

  /** The onread callback of a dialled socket: `buf` is the shared read buffer. */
  onRead(nread: number, buf: Buffer): boolean {
    // A plain Uint8Array view, so that a listener's .slice() copies (Buffer#slice would not).
    if (!this.closed) this.emit('data', new Uint8Array(buf.buffer, buf.byteOffset, nread));
    return true;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    if (chunks.length === 1) return this.socket.write(chunks[0] as Uint8Array);
    // cork/uncork turns the chunks into one writev syscall.
    this.socket.cork();
    let ok = true;
    for (const c of chunks) ok = this.socket.write(c);
    this.socket.uncork();
    return ok;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.socket.destroy();
    this.finish(error);
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', error);
  }

  override on<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof ByteStreamEvents>(event: E, listener: ByteStreamEvents[E]): this {
    return super.off(event, listener);
  }
}

function normaliseHost(h: string): string {
  return h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h;
}

export function wrapSocket(socket: net.Socket): ByteStream {
  return new TcpStream(socket);
}

function sharedBuffer(): Buffer {
  return (sharedReadBuffer ??= Buffer.allocUnsafe(SHARED_READ_BUFFER_SIZE));
}

/** Dials a peer; rejects with TransportError on failure, timeout or abort. */
export function connectTcp(addr: PeerAddress, opts: { timeoutMs?: number; signal?: AbortSignal; localAddress?: string } = {}): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    let stream: TcpStream | undefined;
    const socket = net.connect({
      host: addr.host,
      port: addr.port,
      localAddress: opts.localAddress,
      onread: { buffer: sharedBuffer(), callback: (n, buf) => stream?.onRead(n, buf as Buffer) ?? true },
    });
    const timer = setTimeout(() => fail(new TransportError('CONNECT_TIMEOUT', `connect to ${addr.host}:${addr.port} timed out`)), opts.timeoutMs ?? 10_000);
    const onAbort = (): void => fail(new TransportError('ABORTED', 'connect aborted'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup(): void {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    }
    function fail(err: Error): void {
      cleanup();
      socket.destroy();
      reject(err);
    }
    function onError(err: Error): void {
      fail(new TransportError('CONNECT_FAILED', `connect to ${addr.host}:${addr.port}: ${err.message}`, { cause: err }));
    }
    socket.once('error', onError);
    socket.once('connect', () => {
      cleanup();
      resolve((stream = new TcpStream(socket, true)));
    });
  });
}

export interface TcpListener {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Listens for peers; each accepted connection is handed over as a ByteStream. */
export function listenTcp(opts: { host?: string; port?: number }, onStream: (s: ByteStream) => void): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, (socket) => onStream(wrapSocket(socket)));
    server.once('error', (err) => reject(new TransportError('LISTEN_FAILED', `listen on ${opts.host ?? '0.0.0.0'}:${opts.port ?? 0}: ${err.message}`, { cause: err })));
    server.listen(opts.port ?? 0, opts.host, () => {
      const a = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        port: a.port,
        host: a.address,
        close: () => (closing ??= new Promise((r) => server.close(() => r()))),
      });
    });
  });
}
