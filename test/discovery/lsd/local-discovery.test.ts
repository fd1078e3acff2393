// LocalDiscovery on a fake socket with a virtual clock, and on real loopback unicast sockets.
// Nothing here sends to a multicast group: every socket is injected, every destination 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { decodeLsdAnnounce, encodeLsdAnnounce, LocalDiscovery, type LsdPeer, type LsdSocket, type LsdTimers } from '../../../src/discovery/lsd/index.js';

const hash = (n: number): Uint8Array => new Uint8Array(20).fill(n);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

class FakeSocket extends EventEmitter implements LsdSocket {
  readonly sent: { msg: Uint8Array; port: number; address: string }[] = [];
  closed = false;
  failSends = false;
  send(msg: Uint8Array, port: number, address: string, cb?: (e: Error | null) => void): void {
    this.sent.push({ msg, port, address });
    cb?.(this.failSends ? new Error('EHOSTUNREACH') : null);
  }
  close(): void {
    this.closed = true;
  }
  deliver(msg: Uint8Array, address = '192.168.1.20'): void {
    this.emit('message', Buffer.from(msg), { address, port: 6771 });
  }
  /** Info hashes of each sent datagram. */
  announced(): string[][] {
    return this.sent.map((s) => decodeLsdAnnounce(s.msg).infoHashes.map(hexOf));
  }
}

class Clock implements LsdTimers {
  t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Advances time, firing due timers in order (bounded, so a bug cannot loop forever). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let i = 0; i < 10_000; i++) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
  get size(): number {
    return this.pending.size;
  }
}

function setup(extra: Partial<ConstructorParameters<typeof LocalDiscovery>[0]> = {}): { lsd: LocalDiscovery; sock: FakeSocket; clock: Clock; peers: LsdPeer[] } {
  const sock = new FakeSocket();
  const clock = new Clock();
  const lsd = new LocalDiscovery({ port: 6881, socket: sock, destination: { address: '127.0.0.1', port: 16771 }, cookie: 'mine', now: clock.now, timers: clock, ...extra });
  const peers: LsdPeer[] = [];
  lsd.on('peer', (p) => peers.push(p));
  return { lsd, sock, clock, peers };
}

test('announces new torrents at once (batched), then every 5 minutes', async () => {
  const { lsd, sock, clock } = setup();
  await lsd.start();
  lsd.add(hash(1));
  lsd.add(hash(2));
  lsd.add(hash(2));
  clock.advance(0);
  assert.deepEqual(sock.announced(), [[hexOf(hash(1)), hexOf(hash(2))]]);
  const first = sock.sent[0];
  assert.equal(first?.address, '127.0.0.1');
  assert.equal(first?.port, 16771);
  const d = decodeLsdAnnounce(first?.msg as Uint8Array);
  assert.equal(d.port, 6881);
  assert.equal(d.cookie, 'mine');
  assert.equal(d.host, '239.192.152.143:6771');
  clock.advance(299_999);
  assert.equal(sock.sent.length, 1);
  clock.advance(1);
  assert.equal(sock.sent.length, 2);
  clock.advance(300_000 * 3);
  assert.equal(sock.sent.length, 5);
  lsd.stop();
});

test('an early announce waits out the once-a-minute limit; repeated requests coalesce', async () => {
  const { lsd, sock, clock } = setup();
  await lsd.start();
  lsd.add(hash(1));
  clock.advance(10_000); // announced at t=0
  assert.equal(sock.sent.length, 1);
  for (let i = 0; i < 10; i++) assert.equal(lsd.announce(hash(1)), true);
  assert.equal(lsd.announce(hash(9)), false);
  clock.advance(49_999);
  assert.equal(sock.sent.length, 1);
  clock.advance(1); // t = 60,000
  assert.equal(sock.sent.length, 2);
  clock.advance(60_000);
  assert.equal(sock.sent.length, 2, 'back to the 5-minute rhythm');
  clock.advance(240_000);
  assert.equal(sock.sent.length, 3);
  lsd.stop();
});

test('a torrent added later is announced alone; removed torrents are no longer announced', async () => {
  const { lsd, sock, clock } = setup();
  await lsd.start();
  lsd.add(hash(1));
  clock.advance(100_000);
  lsd.add(hash(2));
  clock.advance(0);
  assert.deepEqual(sock.announced(), [[hexOf(hash(1))], [hexOf(hash(2))]]);
  lsd.remove(hash(1));
  clock.advance(600_000);
  assert.ok(sock.announced().slice(2).every((hs) => hs.length === 1 && hs[0] === hexOf(hash(2))));
  lsd.stop();
});

test('many torrents go out in several datagrams of at most 1400 bytes', async () => {
  const { lsd, sock, clock } = setup();
  await lsd.start();
  for (let i = 0; i < 60; i++) lsd.add(hash(i));
  clock.advance(0);
  assert.ok(sock.sent.length >= 3);
  assert.ok(sock.sent.every((s) => s.msg.length <= 1400));
  assert.equal(sock.announced().flat().length, 60);
  lsd.stop();
});

test('peers heard: tracked torrents only, own cookie ignored, garbage counted, repeats suppressed for a minute', async () => {
  const { lsd, sock, clock, peers } = setup();
  await lsd.start();
  lsd.add(hash(1));
  const other = (hashes: Uint8Array[], cookie?: string, port = 7000): Uint8Array => encodeLsdAnnounce({ host: '239.192.152.143:6771', port, infoHashes: hashes, ...(cookie ? { cookie } : {}) });
  sock.deliver(other([hash(1), hash(2)], 'theirs'));
  assert.deepEqual(peers.map((p) => [hexOf(p.infoHash), p.host, p.port]), [[hexOf(hash(1)), '192.168.1.20', 7000]]);
  sock.deliver(other([hash(1)], 'mine'));
  sock.deliver(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
  sock.deliver(new Uint8Array(5000));
  sock.deliver(other([hash(1)])); // no cookie: a repeat within a minute
  assert.equal(peers.length, 1);
  sock.deliver(other([hash(1)], 'theirs', 7001)); // another port is another peer
  sock.deliver(other([hash(1)], 'theirs'), '192.168.1.21');
  assert.equal(peers.length, 3);
  clock.advance(60_000);
  sock.deliver(other([hash(1)], 'theirs'));
  assert.equal(peers.length, 4);
  assert.deepEqual({ ...lsd.stats, sent: 0 }, { sent: 0, received: 8, malformed: 2, own: 1 });
  lsd.stop();
});

test('the memory of reported peers is bounded', async () => {
  const { lsd, sock, peers } = setup({ maxRemembered: 10 });
  await lsd.start();
  lsd.add(hash(1));
  for (let i = 0; i < 50; i++) sock.deliver(encodeLsdAnnounce({ host: 'h', port: 1000 + i, infoHashes: [hash(1)], cookie: 'x' }));
  assert.equal(peers.length, 50);
  // The oldest were forgotten, the newest are still suppressed.
  sock.deliver(encodeLsdAnnounce({ host: 'h', port: 1000, infoHashes: [hash(1)], cookie: 'x' }));
  sock.deliver(encodeLsdAnnounce({ host: 'h', port: 1049, infoHashes: [hash(1)], cookie: 'x' }));
  assert.equal(peers.length, 51);
  lsd.stop();
});

test('send failures are warnings; stop is idempotent, keeps an injected socket open, and silences everything', async () => {
  const { lsd, sock, clock, peers } = setup();
  const warnings: string[] = [];
  lsd.on('warning', (w) => warnings.push(w.message));
  await lsd.start();
  await lsd.start();
  sock.failSends = true;
  lsd.add(hash(1));
  clock.advance(0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] as string, /EHOSTUNREACH/);
  sock.emit('error', new Error('boom'));
  assert.equal(warnings.length, 2);
  lsd.stop();
  lsd.stop();
  assert.equal(sock.closed, false);
  assert.equal(sock.listenerCount('message'), 0);
  assert.equal(clock.size, 0);
  clock.advance(1_000_000);
  assert.equal(sock.sent.length, 1);
  sock.deliver(encodeLsdAnnounce({ host: 'h', port: 1, infoHashes: [hash(1)], cookie: 'x' }));
  assert.equal(peers.length, 0);
  // Starting again after stop is not possible (stop is final), and is harmless.
  await lsd.start();
  lsd.add(hash(2));
  clock.advance(1000);
  assert.equal(sock.sent.length, 1);
});

test('bad arguments', () => {
  assert.throws(() => new LocalDiscovery({ port: 0 }), /port/);
  const { lsd } = setup();
  assert.throws(() => lsd.add(new Uint8Array(32)), /20/);
});

function bindLoopback(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

test('two instances find each other over real loopback UDP (unicast, no multicast)', async () => {
  const [sa, sb] = await Promise.all([bindLoopback(), bindLoopback()]);
  const a = new LocalDiscovery({ port: 6881, socket: sa, destination: { address: '127.0.0.1', port: sb.address().port } });
  const b = new LocalDiscovery({ port: 7881, socket: sb, destination: { address: '127.0.0.1', port: sa.address().port } });
  // A third instance whose announces come back to itself: its own cookie filters them.
  const sc = await bindLoopback();
  const c = new LocalDiscovery({ port: 8881, socket: sc, destination: { address: '127.0.0.1', port: sc.address().port } });
  try {
    const heardByB = new Promise<LsdPeer>((resolve) => b.once('peer', resolve));
    const heardByA = new Promise<LsdPeer>((resolve) => a.once('peer', resolve));
    const cPeers: LsdPeer[] = [];
    c.on('peer', (p) => cPeers.push(p));
    await Promise.all([a.start(), b.start(), c.start()]);
    b.add(hash(7));
    a.add(hash(7));
    c.add(hash(7));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no LSD peer within 3 s')), 3000).unref());
    const [pb, pa] = await Promise.race([Promise.all([heardByB, heardByA]), timeout]);
    assert.deepEqual([hexOf(pb.infoHash), pb.host, pb.port], [hexOf(hash(7)), '127.0.0.1', 6881]);
    assert.deepEqual([hexOf(pa.infoHash), pa.host, pa.port], [hexOf(hash(7)), '127.0.0.1', 7881]);
    for (let i = 0; i < 50 && c.stats.own === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.stats.own, 1);
    assert.equal(cPeers.length, 0);
  } finally {
    for (const d of [a, b, c]) d.stop();
    for (const s of [sa, sb, sc]) s.close();
  }
});
