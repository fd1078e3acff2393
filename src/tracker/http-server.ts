// A small HTTP/1.1 server on node:net for the tracker's GET-only endpoints. node:http costs
// about twice the CPU per request for what a tracker needs (a request line, two headers, one
// short reply), and announces are the whole load; this server does exactly that much: bounded
// request heads (431 past the limit), no request bodies (400), keep-alive per HTTP/1.0 and 1.1
// rules, pipelined requests answered in order (also when a store answers asynchronously),
// back-pressure, idle and slow-header timeouts, a connection cap and graceful close.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HttpHandler, HttpReply, HttpRequestInfo } from './http-handler.js';
import { isPromise } from './store.js';

export interface HttpServerOptions {
  /** Largest request head accepted, bytes (default 16 KiB). */
  readonly maxHeadBytes?: number;
  /** Idle keep-alive connections close after this, ms (default 15 s). */
  readonly keepAliveTimeoutMs?: number;
  /** A request head must arrive within this, ms (default 20 s). */
  readonly headersTimeoutMs?: number;
  /** Most open connections (default 20,000). */
  readonly maxConnections?: number;
  /** Most requests queued per connection before reading pauses (default 32). */
  readonly maxPipelined?: number;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

interface Conn {
  readonly socket: Socket;
  readonly remoteAddress: string;
  buf: Buffer | undefined;
  /** Requests taken but not yet answered (pipelining). */
  queued: number;
  /** Tail of the in-order reply chain while an asynchronous reply is pending. */
  chain: Promise<void> | undefined;
  /** When the current partial request head started, for the slow-header timeout. */
  partialSince: number;
  closing: boolean;
}

interface Parsed {
  readonly method: string;
  readonly target: string;
  readonly keepAlive: boolean;
  readonly http10: boolean;
  readonly headers: Map<string, string> | undefined;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

const WANTED = new Set(['connection', 'x-forwarded-for', 'content-length', 'transfer-encoding']);

/** Parses one request head (without the final CRLFCRLF); a number is an error reply status. */
function parseHead(head: string): Parsed | number {
  let eol = head.indexOf('\r\n');
  if (eol === -1) eol = head.length;
  // Request line: METHOD SP /target SP HTTP/1.x
  const sp1 = head.indexOf(' ');
  const sp2 = head.lastIndexOf(' ', eol);
  if (sp1 < 1 || sp1 > 16 || sp2 <= sp1 + 1 || eol - sp2 !== 9 || head.charCodeAt(sp1 + 1) !== 0x2f) return 400;
  const method = head.slice(0, sp1);
  if (!/^[A-Z]+$/.test(method)) return 400;
  const version = head.slice(sp2 + 1, eol);
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return 400;
  const target = head.slice(sp1 + 1, sp2);
  if (target.includes(' ')) return 400;
  let headers: Map<string, string> | undefined;
  for (let at = eol + 2; at < head.length; ) {
    let end = head.indexOf('\r\n', at);
    if (end === -1) end = head.length;
    const c = head.indexOf(':', at);
    if (c <= at || c > end) return 400;
    // Only what the tracker uses is kept; repeated X-Forwarded-For lines are joined.
    const name = head.slice(at, c).trim().toLowerCase();
    if (WANTED.has(name)) {
      headers ??= new Map();
      const v = head.slice(c + 1, end).trim();
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? v : `${prev}, ${v}`);
    }
    at = end + 2;
  }
  const http10 = version === 'HTTP/1.0';
  let keepAlive = !http10;
  if (headers) {
    const cl = headers.get('content-length');
    if (headers.has('transfer-encoding') || (cl !== undefined && cl !== '0')) return 400; // GET only: no bodies
    const conn = (headers.get('connection') ?? '').toLowerCase();
    keepAlive = http10 ? conn.includes('keep-alive') : !conn.includes('close');
  }
  return { method, target, keepAlive, http10, headers };
}

/** What the endpoint handler sees of one request. */
class Request implements HttpRequestInfo {
  constructor(
    readonly method: string,
    readonly target: string,
    readonly remoteAddress: string,
    private readonly headers: Map<string, string> | undefined,
  ) {}
  header(name: string): string | undefined {
    return this.headers?.get(name);
  }
}

function serialize(r: HttpReply, keepAlive: boolean, http10: boolean, head: boolean): Buffer {
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
  const conn = keepAlive ? (http10 ? 'Connection: keep-alive\r\n' : '') : 'Connection: close\r\n';
  const h = `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? 'Status'}\r\nContent-Type: ${r.type}\r\nContent-Length: ${body.length}\r\n${conn}\r\n`;
  const out = Buffer.allocUnsafe(h.length + (head ? 0 : body.length));
  out.write(h, 0, 'latin1');
  if (!head) out.set(body, h.length);
  return out;
}

export class TrackerHttpServer {
  private readonly server: Server;
  private readonly conns = new Set<Conn>();
  private readonly maxHead: number;
  private readonly headersTimeout: number;
  private readonly maxPipelined: number;
  private sweep: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly handler: HttpHandler,
    private readonly onError: (e: Error) => void,
    opts: HttpServerOptions = {},
  ) {
    this.maxHead = opts.maxHeadBytes ?? 16384;
    this.headersTimeout = opts.headersTimeoutMs ?? 20_000;
    this.maxPipelined = opts.maxPipelined ?? 32;
    const idle = opts.keepAliveTimeoutMs ?? 15_000;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket, idle));
    this.server.maxConnections = opts.maxConnections ?? 20_000;
    this.server.on('error', (e) => this.onError(e));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
      this.sweep = setInterval(() => this.dropSlowHeads(), Math.min(5000, this.headersTimeout));
      this.sweep.unref();
    });
  }

  private accept(socket: Socket, idleMs: number): void {
    const c: Conn = { socket, remoteAddress: socket.remoteAddress ?? '', buf: undefined, queued: 0, chain: undefined, partialSince: 0, closing: false };
    this.conns.add(c);
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('drain', () => this.resume(c));
    socket.on('error', () => undefined);
    socket.on('close', () => this.conns.delete(c));
    if (this.closing) socket.destroy();
  }

  private onData(c: Conn, chunk: Buffer): void {
    if (c.closing) return;
    c.buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
    this.drain(c);
  }

  /** Takes every complete request head from the buffer, answering in order. */
  private drain(c: Conn): void {
    while (c.buf !== undefined && !c.closing) {
      if (c.queued >= this.maxPipelined || c.socket.writableNeedDrain) {
        c.socket.pause();
        return;
      }
      const end = c.buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (c.buf.length > this.maxHead) this.reject(c, 431);
        else if (c.partialSince === 0) c.partialSince = Date.now();
        return;
      }
      if (end > this.maxHead) return this.reject(c, 431);
      const head = c.buf.toString('latin1', 0, end);
      c.buf = end + 4 === c.buf.length ? undefined : c.buf.subarray(end + 4);
      c.partialSince = c.buf === undefined ? 0 : Date.now();
      const p = parseHead(head);
      if (typeof p === 'number') return this.reject(c, p);
      this.dispatch(c, p);
    }
  }

  private dispatch(c: Conn, p: Parsed): void {
    const keepAlive = p.keepAlive && !this.closing;
    const info = new Request(p.method, p.target, c.remoteAddress, p.headers);
    let reply: HttpReply | Promise<HttpReply>;
    try {
      reply = this.handler(info);
    } catch (e) {
      this.onError(e instanceof Error ? e : new Error(String(e)));
      reply = { status: 500, type: 'text/plain', body: 'internal error\n' };
    }
    const write = (r: HttpReply): void => {
      c.queued--;
      if (c.socket.destroyed) return;
      c.socket.write(serialize(r, keepAlive, p.http10, p.method === 'HEAD'));
      if (!keepAlive) {
        c.closing = true;
        c.socket.end();
      } else this.resume(c);
    };
    c.queued++;
    if (!isPromise(reply) && c.chain === undefined) {
      write(reply);
      return;
    }
    const prev = c.chain ?? Promise.resolve();
    const mine = prev
      .then(() => reply)
      .then(write, (e: unknown) => {
        this.onError(e instanceof Error ? e : new Error(String(e)));
        write({ status: 500, type: 'text/plain', body: 'internal error\n' });
      });
    c.chain = mine;
    void mine.then(() => {
      if (c.chain === mine) c.chain = undefined;
    });
    if (!keepAlive) c.closing = true; // read no further requests on this connection
  }

  private resume(c: Conn): void {
    if (c.closing || c.socket.destroyed) return;
    if (c.socket.isPaused() && c.queued < this.maxPipelined && !c.socket.writableNeedDrain) {
      c.socket.resume();
      this.drain(c);
    }
    if (this.closing && c.queued === 0) c.socket.end();
  }

  private reject(c: Conn, status: number): void {
    c.closing = true;
    c.buf = undefined;
    const r: HttpReply = { status, type: 'text/plain', body: `${REASONS[status] ?? 'error'}\n` };
    const send = (): void => {
      if (!c.socket.destroyed) c.socket.end(serialize(r, false, false, false));
    };
    if (c.chain) void c.chain.then(send);
    else send();
  }

  private dropSlowHeads(): void {
    const now = Date.now();
    for (const c of this.conns) {
      if (c.partialSince !== 0 && now - c.partialSince > this.headersTimeout) this.reject(c, 408);
    }
  }

  /** Stops accepting; idle connections close now, busy ones after their reply, all within `graceMs`. */
  close(graceMs: number): Promise<void> {
    this.closing = true;
    if (this.sweep) clearInterval(this.sweep);
    return new Promise<void>((resolve) => {
      const cut = setTimeout(() => {
        for (const c of this.conns) c.socket.destroy();
      }, graceMs);
      this.server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      for (const c of this.conns) {
        if (c.queued === 0) c.socket.end();
      }
    });
  }
}
