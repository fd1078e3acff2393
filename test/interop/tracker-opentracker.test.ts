// shoal's tracker client against Debian's opentracker (whitelist build) on loopback: announce
// and scrape over HTTP and over UDP, two peers seeing each other, a refused (unlisted) torrent,
// and the Announcer failing over from a dead tracker to opentracker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Announcer, httpAnnounce, httpScrape, TrackerClientError, UdpTrackerClient, type AnnounceParams } from '../../src/discovery/index.js';
import type { PeerAddress } from '../../src/tracker-proto/index.js';
import { opentracker } from './harness/opentracker.js';
import { requireTool } from './harness/tools.js';

const ihHttp = new Uint8Array(20).fill(0x5a);
const ihUdp = new Uint8Array(20).fill(0x5b);
const ihAnn = new Uint8Array(20).fill(0x5c);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const params = (ih: Uint8Array, n: number, over: Partial<AnnounceParams> = {}): AnnounceParams => ({
  infoHash: ih, peerId: new Uint8Array(20).fill(n), port: 20000 + n, uploaded: 0, downloaded: 0, left: 1000,
  event: 'started', key: n, ...over,
});
const ports = (ps: PeerAddress[]): number[] => ps.map((p) => p.port).sort();

test('shoal client announces to and scrapes opentracker over HTTP and UDP', { timeout: 60_000 }, async (t) => {
  if (!(await requireTool('opentracker', t))) return;
  const ot = await opentracker.start(t, { whitelist: [hex(ihHttp), hex(ihUdp), hex(ihAnn)] });
  // HTTP
  const h1 = await httpAnnounce(ot.httpUrl, params(ihHttp, 1), { timeoutMs: 5000 });
  assert.ok(h1.interval > 0);
  const h2 = await httpAnnounce(ot.httpUrl, params(ihHttp, 2, { left: 0 }), { timeoutMs: 5000 });
  assert.ok(ports(h2.peers).includes(20001), `peer 1 listed: ${JSON.stringify(h2.peers)}`);
  assert.equal(h2.complete, 1);
  assert.equal(h2.incomplete, 1);
  assert.deepEqual(await httpScrape(ot.httpUrl, [ihHttp], { timeoutMs: 5000 }), [{ complete: 1, incomplete: 1, downloaded: 0 }]);
  await assert.rejects(
    httpAnnounce(ot.httpUrl, params(new Uint8Array(20).fill(1), 1), { timeoutMs: 5000 }),
    (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_FAILURE',
  );
  // UDP
  const udp = new UdpTrackerClient({ timeoutMs: 1000, retries: 2 });
  t.after(() => udp.close());
  const u1 = await udp.announce(ot.udpUrl, params(ihUdp, 3));
  assert.ok(u1.interval > 0);
  const u2 = await udp.announce(ot.udpUrl, params(ihUdp, 4, { left: 0 }));
  assert.ok(ports(u2.peers).includes(20003), `peer 3 listed: ${JSON.stringify(u2.peers)}`);
  assert.equal(u2.complete, 1);
  assert.equal(u2.incomplete, 1);
  assert.deepEqual(await udp.scrape(ot.udpUrl, [ihUdp, ihHttp]), [
    { complete: 1, incomplete: 1, downloaded: 0 },
    { complete: 1, incomplete: 1, downloaded: 0 },
  ]);
  // stopped removes us
  await udp.announce(ot.udpUrl, params(ihUdp, 3, { event: 'stopped' }));
  assert.deepEqual(await udp.scrape(ot.udpUrl, [ihUdp]), [{ complete: 1, incomplete: 0, downloaded: 0 }]);
  await assert.rejects(
    udp.announce(ot.udpUrl, params(new Uint8Array(20).fill(1), 1)),
    (e: unknown) => e instanceof TrackerClientError && e.code === 'TRACKER_FAILURE',
  );
});

test('Announcer: a dead first tier only warns; opentracker in the next tier answers (UDP and HTTP)', { timeout: 60_000 }, async (t) => {
  if (!(await requireTool('opentracker', t))) return;
  const ot = await opentracker.start(t, { whitelist: [hex(ihAnn)] });
  const mk = (n: number, url: string): Announcer =>
    new Announcer({
      tiers: [['udp://127.0.0.1:9/announce'], [url]],
      status: () => ({ infoHash: ihAnn, peerId: new Uint8Array(20).fill(n), port: 21000 + n, uploaded: 0, downloaded: 0, left: 5 }),
      udp: { timeoutMs: 200, retries: 0 },
    });
  const a = mk(1, ot.udpUrl);
  const b = mk(2, ot.httpUrl);
  t.after(() => Promise.all([a.stop(), b.stop()]));
  const warnings: string[] = [];
  a.on('warning', (w) => warnings.push(w.tracker));
  b.on('warning', () => undefined);
  const aDone = once(a, 'announced');
  a.start();
  await aDone;
  assert.deepEqual(warnings, ['udp://127.0.0.1:9/announce']);
  const got = once(b, 'peers');
  b.start();
  const [peers] = (await got) as [PeerAddress[], string];
  assert.ok(ports(peers).includes(21001), `got ${JSON.stringify(peers)}`);
  await a.stop();
  await b.stop();
  const udp = new UdpTrackerClient({ timeoutMs: 1000 });
  t.after(() => udp.close());
  assert.deepEqual(await udp.scrape(ot.udpUrl, [ihAnn]), [{ complete: 0, incomplete: 0, downloaded: 0 }], 'both sent stopped');
});
