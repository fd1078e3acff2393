import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { TrackerServer } from '../../src/tracker/index.js';
import { JsonLogger } from '../../src/tracker/log.js';
import {
  decodeAnnounceResponse,
  decodeScrapeResponse,
  encodeAnnounceQuery,
  encodeScrapeQuery,
  type AnnounceRequest,
} from '../../src/tracker-proto/index.js';
import { httpGet } from './util.js';

const ih = new Uint8Array(20).fill(0xaa);
const pid = (n: number): Uint8Array => new Uint8Array(20).fill(n);

function q(over: Partial<AnnounceRequest> & { n: number }): string {
  return encodeAnnounceQuery({
    infoHash: ih,
    peerId: pid(over.n),
    port: 6000 + over.n,
    uploaded: 0,
    downloaded: 0,
    left: 100,
    event: 'started',
    ...over,
  });
}

async function withServer(
  opts: ConstructorParameters<typeof TrackerServer>[0],
  f: (base: string, s: TrackerServer) => Promise<void>,
): Promise<void> {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: null, ...opts });
  const a = await s.start();
  try {
    await f(`http://127.0.0.1:${a.http?.port}`, s);
  } finally {
    await s.stop();
  }
}

test('HTTP announce: peers exchanged, counts, interval, tracker id, external ip', async () => {
  await withServer({ intervalSec: 120 }, async (base) => {
    const r1 = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 1 })}`)).body);
    assert.ok(r1.ok);
    assert.deepEqual(r1.peers, []);
    assert.equal(r1.interval, 120);
    assert.equal(r1.minInterval, 60);
    assert.equal(r1.externalIp, '127.0.0.1');
    assert.ok(r1.trackerId && r1.trackerId.length > 0);
    const r2 = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 2, left: 0 })}`)).body);
    assert.ok(r2.ok);
    assert.deepEqual(r2.peers, [{ ip: '127.0.0.1', port: 6001 }]);
    assert.equal(r2.complete, 1);
    assert.equal(r2.incomplete, 1);
    // Non-compact, with and without peer ids.
    const r3 = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 3, compact: false })}`)).body);
    assert.ok(r3.ok);
    assert.equal(r3.peers.length, 2);
    assert.ok(r3.peers.every((p) => p.peerId?.length === 20 && p.ip === '127.0.0.1'));
    const r4 = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 4, compact: false, noPeerId: true })}`)).body);
    assert.ok(r4.ok);
    assert.ok(r4.peers.every((p) => p.peerId === undefined));
    // Scrape (BEP 48).
    const sc = decodeScrapeResponse((await httpGet(`${base}/scrape?${encodeScrapeQuery([ih, pid(9)])}`)).body);
    assert.deepEqual(sc, {
      ok: true,
      files: [
        { infoHash: ih, complete: 1, incomplete: 3, downloaded: 0 },
        { infoHash: pid(9), complete: 0, incomplete: 0, downloaded: 0 },
      ].sort((a, b) => Buffer.compare(a.infoHash, b.infoHash)),
    });
    // Stopped removes the peer.
    await httpGet(`${base}/announce?${q({ n: 2, event: 'stopped', left: 0 })}`);
    const r5 = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 1, event: 'none', numwant: 1 })}`)).body);
    assert.ok(r5.ok);
    assert.equal(r5.complete, 0);
    assert.equal(r5.peers.length, 1, 'numwant caps the list');
  });
});

test('HTTP bad input gets failure reasons; odd paths and methods get clean errors', async () => {
  await withServer({}, async (base) => {
    const failure = async (path: string): Promise<string> => {
      const r = await httpGet(base + path);
      assert.equal(r.status, 200, path);
      const d = decodeAnnounceResponse(r.body);
      assert.ok(!d.ok, path);
      return d.failureReason;
    };
    assert.match(await failure('/announce'), /missing info_hash/);
    assert.match(await failure('/announce?info_hash=abc'), /20 bytes/);
    assert.match(await failure(`/announce?${q({ n: 1 }).replace(/port=\d+/, 'port=70000')}`), /port/);
    assert.match(await failure(`/announce?${q({ n: 1 }).replace(/left=\d+/, 'left=-1')}`), /left/);
    assert.match(await failure(`/announce?${q({ n: 1 })}&numwant=99999999999999999999`), /numwant/);
    assert.match(await failure('/announce?%%%'), /percent/);
    assert.match(await failure('/scrape'), /full scrape/);
    assert.equal((await httpGet(`${base}/nothing`)).status, 404);
    assert.equal((await httpGet(`${base}/a/b/c/announce`)).status, 404);
    const big = await httpGet(`${base}/announce?x=${'a'.repeat(20000)}`).catch(() => ({ status: 431 }));
    assert.ok(big.status === 431 || big.status === 400 || big.status === 200, `status ${big.status}`);
  });
});

test('numwant defaults to 50 and is capped at 200', async () => {
  await withServer({}, async (base, s) => {
    for (let i = 0; i < 250; i++) {
      s.store.announce({
        infoHash: ih, peerId: pid(0).map((_, j) => (j === 0 ? i & 255 : j === 1 ? i >> 8 : 7)), addr: Uint8Array.of(10, 0, 0, 1, i >> 8, i & 255),
        event: 'started', seeder: false, numwant: 0, want: 'both', withPeerIds: false, now: Date.now(), ttlMs: 60_000,
      });
    }
    const d = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 1, left: 0 })}`)).body);
    assert.ok(d.ok);
    assert.equal(d.peers.length, 50);
    const m = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 1, left: 0, numwant: 100000 })}`)).body);
    assert.ok(m.ok);
    assert.equal(m.peers.length, 200);
  });
});

test('ip parameter and X-Forwarded-For are ignored unless from a trusted proxy', async () => {
  await withServer({}, async (base) => {
    await httpGet(`${base}/announce?${q({ n: 1, ip: '9.9.9.9' })}`);
    const d = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 2 })}`)).body);
    assert.ok(d.ok);
    assert.deepEqual(d.peers.map((p) => p.ip), ['127.0.0.1']);
  });
  await withServer({ access: { trustedProxies: new Set(['127.0.0.1']) } }, async (base) => {
    await httpGet(`${base}/announce?${q({ n: 1, ip: '9.9.9.9' })}`);
    const d = decodeAnnounceResponse((await httpGet(`${base}/announce?${q({ n: 2 })}`)).body);
    assert.ok(d.ok);
    assert.deepEqual(d.peers.map((p) => p.ip), ['9.9.9.9']);
    assert.equal(d.externalIp, '127.0.0.1');
  });
});

test('private mode: passkeys and allow list', async () => {
  const allow = new Set([Buffer.from(ih).toString('hex')]);
  await withServer({ access: { private: true, passkeys: new Set(['k1']), allow } }, async (base) => {
    const fr = async (path: string): Promise<string | undefined> => {
      const d = decodeAnnounceResponse((await httpGet(base + path)).body);
      return d.ok ? undefined : d.failureReason;
    };
    assert.match((await fr(`/announce?${q({ n: 1 })}`)) ?? '', /private tracker/);
    assert.match((await fr(`/nope/announce?${q({ n: 1 })}`)) ?? '', /unknown passkey/);
    assert.equal(await fr(`/k1/announce?${q({ n: 1 })}`), undefined);
    assert.match((await fr(`/k1/announce?${q({ n: 1, infoHash: pid(3) })}`)) ?? '', /unregistered torrent/);
    const sc = decodeScrapeResponse((await httpGet(`${base}/k1/scrape?${encodeScrapeQuery([ih])}`)).body);
    assert.ok(sc.ok);
    assert.equal(decodeScrapeResponse((await httpGet(`${base}/scrape?${encodeScrapeQuery([ih])}`)).body).ok, false);
  });
});

test('/stats JSON and /metrics Prometheus text; logs are JSON lines', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      lines.push(...c.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  await withServer({ logger: new JsonLogger(sink, 'info') }, async (base) => {
    await httpGet(`${base}/announce?${q({ n: 1 })}`);
    await httpGet(`${base}/announce?${q({ n: 2, left: 0 })}`);
    const st = await httpGet(`${base}/stats`);
    assert.match(st.type, /json/);
    const j = JSON.parse(st.body.toString()) as Record<string, unknown>;
    assert.equal(j.swarms, 1);
    assert.equal(j.peers, 2);
    assert.equal(j.seeders, 1);
    assert.equal(typeof j.announcesPerSecond, 'number');
    const m = (await httpGet(`${base}/metrics`)).body.toString();
    assert.match(m, /^# TYPE shoal_tracker_swarms gauge$/m);
    assert.match(m, /^shoal_tracker_announces_total\{proto="http"\} 2$/m);
    assert.match(m, /^shoal_tracker_peers\{state="seeder"\} 1$/m);
  });
  assert.ok(lines.length >= 2);
  for (const l of lines) {
    const o = JSON.parse(l) as { level: string; msg: string; time: string };
    assert.ok(o.level && o.msg && o.time);
  }
  assert.ok(lines.some((l) => l.includes('tracker stopped')));
});

test('stop() is idempotent and an AbortSignal stops the server', async () => {
  const ac = new AbortController();
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, signal: ac.signal });
  const a = await s.start();
  ac.abort();
  await s.stop();
  await s.stop();
  await assert.rejects(httpGet(`http://127.0.0.1:${a.http?.port}/stats`, 500));
});
