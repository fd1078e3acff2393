// Interop with libtorrent's DHT (Debian's python3-libtorrent 2.0, driven by py/dht_driver.py):
// libtorrent joins a small shoal DHT on loopback, bootstrapped only from a shoal node; each side
// finds the peers the other announced (BEP 5), fetches the other's immutable items (BEP 44),
// and libtorrent samples a shoal node's info hashes (BEP 51).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DhtNode } from '../../src/discovery/dht/index.js';
import { encode } from '../../src/bencode/index.js';
import { freeUdpPort, requireLibtorrent, SYSTEM_PYTHON } from './harness/tools.js';

const DRIVER = fileURLToPath(new URL('./py/dht_driver.py', import.meta.url));
const LT_HOST = '127.0.0.150';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Event = Record<string, unknown> & { event: string };

class LtDht {
  readonly events: Event[] = [];
  readonly output: string[] = [];
  private waiters = new Set<() => void>();

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => this.output.length < 200 && this.output.push(d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (this.output.length < 400) this.output.push(line);
      try {
        this.events.push(JSON.parse(line) as Event);
      } catch {
        return;
      }
      for (const w of this.waiters) w();
    });
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
  }

  /** Waits for an event (already seen or future) matching `pred`. */
  async waitFor(pred: (e: Event) => boolean, timeoutMs: number, what: string): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`libtorrent: timed out waiting for ${what}; output:\n${this.output.slice(-30).join('\n')}`);
      await new Promise<void>((resolve) => {
        const w = (): void => {
          this.waiters.delete(w);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(w, Math.min(left, 500));
        this.waiters.add(w);
      });
    }
  }
}

async function setup(t: TestContext): Promise<{ lt: LtDht; nodes: DhtNode[] } | undefined> {
  if (!(await requireLibtorrent(t))) return undefined;
  const boot = await DhtNode.create({ host: '127.0.0.160', bootstrap: [] });
  const nodes = [boot];
  t.after(() => Promise.all(nodes.map((n) => n.close())));
  for (let i = 1; i < 8; i++) nodes.push(await DhtNode.create({ host: `127.0.0.${160 + i}`, bootstrap: [boot.address()] }));
  await Promise.all(nodes.slice(1).map((n) => n.ready({ signal: AbortSignal.timeout(10_000) })));
  const port = await freeUdpPort(LT_HOST);
  const b = boot.address();
  const child = spawn(SYSTEM_PYTHON, [DRIVER, '--listen', `${LT_HOST}:${port}`, '--bootstrap', `${b.host}:${b.port}`, '--timeout', '120'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => {
    child.stdin.end();
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
  const lt = new LtDht(child);
  await lt.waitFor((e) => e.event === 'ready', 30_000, 'DHT bootstrap');
  return { lt, nodes };
}

test('libtorrent and shoal find the peers the other announced (BEP 5)', { timeout: 120_000 }, async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { lt, nodes } = s;
  // libtorrent announces; a shoal node that libtorrent never talked to finds it
  const ih1 = createHash('sha1').update('libtorrent announces').digest();
  lt.send({ cmd: 'announce', infoHash: hex(ih1) });
  const announcing = await lt.waitFor((e) => e.event === 'announcing', 10_000, 'announce');
  let found: { host: string; port: number }[] = [];
  for (let i = 0; i < 30 && !found.some((p) => p.host === LT_HOST); i++) {
    if (i > 0) await sleep(1000);
    found = await nodes[5]!.findPeers(ih1, { signal: AbortSignal.timeout(10_000) });
  }
  assert.deepEqual(found, [{ host: LT_HOST, port: announcing.port as number }]);

  // shoal announces; libtorrent's get_peers finds it
  const ih2 = createHash('sha1').update('shoal announces').digest();
  const ann = await nodes[3]!.announce(ih2, 7001, { signal: AbortSignal.timeout(10_000) });
  assert.ok(ann.stored >= 1);
  let peers: unknown[] = [];
  for (let i = 0; i < 10 && !peers.includes('127.0.0.163:7001'); i++) {
    const seen = lt.events.length;
    lt.send({ cmd: 'get_peers', infoHash: hex(ih2) });
    const e = await lt.waitFor((x) => x.event === 'peers' && x.infoHash === hex(ih2) && lt.events.indexOf(x) >= seen, 30_000, 'get_peers reply');
    peers = e.peers as unknown[];
  }
  assert.deepEqual(peers, ['127.0.0.163:7001']);
  // libtorrent also announced to shoal nodes with a shoal-issued token
  assert.ok(nodes.some((n) => n.stats().infoHashes > 0));
});

test('BEP 44 immutable items cross between libtorrent and shoal; libtorrent samples a shoal node (BEP 51)', { timeout: 120_000 }, async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { lt, nodes } = s;
  // libtorrent puts, shoal gets
  lt.send({ cmd: 'put_immutable', value: 'from libtorrent' });
  const put = await lt.waitFor((e) => e.event === 'put', 30_000, 'put_immutable');
  const target = Uint8Array.from(Buffer.from(put.target as string, 'hex'));
  assert.equal(hex(target), createHash('sha1').update(encode('from libtorrent')).digest('hex'));
  const item = await nodes[6]!.getItem(target, { signal: AbortSignal.timeout(10_000) });
  assert.ok(item, 'shoal found the item libtorrent stored');
  assert.equal(Buffer.from(item.value as Uint8Array).toString(), 'from libtorrent');
  // shoal puts, libtorrent gets
  const mine = await nodes[2]!.putImmutable(new TextEncoder().encode('from shoal'), { signal: AbortSignal.timeout(10_000) });
  assert.ok(mine.stored >= 1);
  lt.send({ cmd: 'get_immutable', target: hex(mine.target) });
  const got = await lt.waitFor((e) => e.event === 'item' && e.target === hex(mine.target), 30_000, 'get_immutable');
  assert.equal(got.value, hex(encode('from shoal')));
  // BEP 51: a shoal node with stored info hashes answers libtorrent's sample_infohashes
  const ih = createHash('sha1').update('sampled').digest();
  await nodes[1]!.announce(ih, 7002);
  const holder = nodes.find((n) => n.stats().infoHashes > 0)!;
  const a = holder.address();
  lt.send({ cmd: 'sample', host: a.host, port: a.port, target: hex(ih) });
  const sample = await lt.waitFor((e) => e.event === 'samples' && e.endpoint === `${a.host}:${a.port}`, 30_000, 'sample_infohashes');
  assert.ok((sample.num as number) >= 1);
  assert.ok((sample.samples as string[]).includes(hex(ih)));
});
