import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { TrackerServer } from '../../src/tracker/index.js';
import {
  Announcer,
  TrackerClientError,
  type AnnounceParams,
  type AnnounceStatus,
  type TrackerAnnounceResult,
  type TrackerTransport,
  type TrackerWarning,
} from '../../src/discovery/index.js';
import type { PeerAddress } from '../../src/tracker-proto/index.js';

const status = (left = 100): AnnounceStatus => ({
  infoHash: new Uint8Array(20).fill(1),
  peerId: new Uint8Array(20).fill(2),
  port: 6881,
  uploaded: 0,
  downloaded: 0,
  left,
});

interface Call {
  url: string;
  p: AnnounceParams;
  at: number;
}

/** A scripted transport: per-URL behaviour, every call recorded. */
class FakeTransport implements TrackerTransport {
  calls: Call[] = [];
  closed = false;
  constructor(private readonly behave: (url: string, p: AnnounceParams, n: number) => TrackerAnnounceResult | Error) {}
  async announce(url: string, p: AnnounceParams): Promise<TrackerAnnounceResult> {
    this.calls.push({ url, p, at: Date.now() });
    const r = this.behave(url, p, this.calls.length);
    if (r instanceof Error) throw r;
    return r;
  }
  async scrape(): Promise<{ complete: number; incomplete: number; downloaded: number }[]> {
    return [{ complete: 1, incomplete: 2, downloaded: 3 }];
  }
  close(): void {
    this.closed = true;
  }
}

const ok = (over: Partial<TrackerAnnounceResult> = {}): TrackerAnnounceResult => ({ interval: 0.05, peers: [{ ip: '10.0.0.1', port: 1 }], ...over });
const down = (): Error => new TrackerClientError('TRACKER_UNREACHABLE', 'down');

function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

test('BEP 12: tiers in order, failing trackers only warn, the answering tracker is promoted', async () => {
  const t = new FakeTransport((url) => (url === 'http://b/announce' ? ok() : down()));
  const warnings: TrackerWarning[] = [];
  const peers: [PeerAddress[], string][] = [];
  const a = new Announcer({
    tiers: [['http://a/announce', 'http://b/announce'], ['udp://c:1']],
    status: () => status(),
    transport: t,
    random: () => 0.99, // shuffle keeps the written order
    intervalFloorMs: 20,
    key: 0xabcdef,
  });
  a.on('warning', (w) => warnings.push(w));
  a.on('peers', (p, tr) => peers.push([p, tr]));
  a.start();
  await waitFor(() => t.calls.length >= 4);
  await a.stop();
  assert.deepEqual(t.calls.slice(0, 2).map((c) => c.url), ['http://a/announce', 'http://b/announce']);
  assert.equal(t.calls[1]?.p.event, 'started');
  assert.equal(t.calls[1]?.p.key, 0xabcdef);
  assert.equal(t.calls[2]?.url, 'http://b/announce', 'promoted to the front of its tier');
  assert.equal(t.calls[2]?.p.event, 'none');
  assert.ok(!t.calls.some((c) => c.url === 'udp://c:1' && c.p.event !== 'stopped'), 'the next tier is not needed');
  assert.ok(warnings.some((w) => w.tracker === 'http://a/announce' && /down/.test(w.message)));
  assert.deepEqual(peers[0], [[{ ip: '10.0.0.1', port: 1 }], 'http://b/announce']);
  assert.deepEqual(a.trackers[0], ['http://b/announce', 'http://a/announce']);
  const stopped = t.calls.filter((c) => c.p.event === 'stopped');
  assert.deepEqual(stopped.map((c) => c.url), ['http://b/announce'], 'stopped goes to the trackers that know us');
  assert.equal(stopped[0]?.p.numwant, 0);
  assert.ok(t.closed === false, 'an injected transport is not closed by the announcer');
});

test('all trackers down: exponential backoff with jitter, no error events', async () => {
  const t = new FakeTransport(() => down());
  const a = new Announcer({ tiers: [['http://a/announce']], status: () => status(), transport: t, retryBaseMs: 20, retryMaxMs: 1000, random: () => 0.5 });
  a.on('warning', () => undefined);
  a.start();
  await waitFor(() => t.calls.length >= 4, 5000);
  await a.stop();
  const gaps = t.calls.slice(1, 4).map((c, i) => c.at - (t.calls[i]?.at ?? 0));
  assert.ok((gaps[0] ?? 0) >= 15 && (gaps[1] ?? 0) >= 35 && (gaps[2] ?? 0) >= 75, `gaps grow: ${gaps.join(', ')}`);
  assert.equal(t.calls.filter((c) => c.p.event === 'stopped').length, 0, 'no stopped to a tracker that never answered');
});

test('interval and min interval are respected; completed is sent once; tracker id is echoed', async () => {
  let left = 100;
  const t = new FakeTransport(() => ok({ interval: 0.3, minInterval: 0.15, trackerId: Uint8Array.of(7) }));
  const a = new Announcer({ tiers: [['http://a/announce']], status: () => status(left), transport: t, intervalFloorMs: 10 });
  a.start();
  await waitFor(() => t.calls.length === 1);
  const t0 = t.calls[0]?.at ?? 0;
  left = 0;
  a.announce('completed');
  await waitFor(() => t.calls.length === 2);
  const second = t.calls[1] as Call;
  assert.equal(second.p.event, 'completed');
  assert.ok(second.at - t0 >= 140, `waited for min interval (${second.at - t0} ms)`);
  assert.deepEqual(second.p.trackerId, Uint8Array.of(7));
  await waitFor(() => t.calls.length === 3);
  const third = t.calls[2] as Call;
  assert.equal(third.p.event, 'none');
  assert.ok(third.at - second.at >= 280, `regular interval (${third.at - second.at} ms)`);
  await a.stop();
  await a.stop();
  assert.equal(t.calls.filter((c) => c.p.event === 'stopped').length, 1);
});

test('unsupported URLs and an empty tier list only warn', async () => {
  const a = new Announcer({ tiers: [['wss://x', 'ftp://y']], status: () => status(), transport: new FakeTransport(() => ok()) });
  const w: string[] = [];
  a.on('warning', (x) => w.push(x.message));
  a.start();
  await a.stop();
  assert.equal(w.length, 3);
  assert.match(w[2] ?? '', /no usable tracker/);
});

test('real network: a dead UDP tracker and a live shoal tracker; peers arrive, external ip reported', async () => {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, intervalSec: 60 });
  const addr = await s.start();
  const dead = 'udp://127.0.0.1:9/announce';
  const live = `http://127.0.0.1:${addr.http?.port}/announce`;
  const mk = (n: number): Announcer =>
    new Announcer({
      tiers: [[dead], [live, `udp://127.0.0.1:${addr.udp?.port}`]],
      status: () => ({ ...status(), peerId: new Uint8Array(20).fill(n), port: 7000 + n }),
      udp: { timeoutMs: 50, retries: 0 },
      random: () => 0.99,
    });
  const a1 = mk(1);
  const a2 = mk(2);
  try {
    const warned = once(a1, 'warning');
    const announced = once(a1, 'announced');
    a1.start();
    const [w] = (await warned) as [TrackerWarning];
    assert.equal(w.tracker, dead);
    const [info] = (await announced) as [{ externalIp: string; tracker: string; event: string }];
    assert.equal(info.externalIp, '127.0.0.1');
    assert.equal(info.event, 'started');
    a2.on('warning', () => undefined);
    const got = once(a2, 'peers');
    a2.start();
    const [peers] = (await got) as [PeerAddress[]];
    assert.deepEqual(peers, [{ ip: '127.0.0.1', port: 7001 }]);
    assert.deepEqual(await a2.scrape(), { complete: 0, incomplete: 2, downloaded: 0 });
  } finally {
    await a1.stop();
    await a2.stop();
    assert.equal((await s.store.stats(Date.now())).peers, 0, 'both sent stopped');
    await s.stop();
  }
});
