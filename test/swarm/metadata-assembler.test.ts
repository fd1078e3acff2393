import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MetadataAssembler, type MetadataDataResult, type MetadataRequest, type PeerId } from '../../src/swarm/index.js';
import { encode } from '../../src/bencode/index.js';
import { answerMetadataRequest, decodeUtMetadata, encodeUtMetadata } from '../../src/wire/index.js';

/** A bencoded info dictionary of about `size` bytes (deterministic content). */
function makeInfo(size: number): Uint8Array {
  const pieces = new Uint8Array(Math.max(0, size - 80)).map((_, i) => (i * 31 + 7) & 0xff);
  return encode(new Map<string, number | Uint8Array | string>([['length', 12345], ['name', 'file.bin'], ['piece length', 16384], ['pieces', pieces]]));
}
const sha1 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(b).digest());
const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

type Behaviour = 'honest' | 'garbage' | 'reject' | 'silent';

/** Answers every request as the named peers would, through the real codec, and returns the results. */
function answer(a: MetadataAssembler, reqs: readonly MetadataRequest[], peers: ReadonlyMap<PeerId, Behaviour>, info: Uint8Array, now: number): MetadataDataResult[] {
  const out: MetadataDataResult[] = [];
  for (const { peer, piece } of reqs) {
    const how = peers.get(peer) ?? 'silent';
    if (how === 'silent') continue;
    const src = how === 'garbage' ? info.map((b) => b ^ 0x5a) : info;
    const msg = how === 'reject' ? { type: 'reject' as const, piece } : answerMetadataRequest(src, piece);
    const back = decodeUtMetadata(encodeUtMetadata(msg));
    if (back.type === 'data') out.push(a.onData(peer, back.piece, back.totalSize, back.data, now));
    else if (back.type === 'reject') a.onReject(peer, back.piece, now);
  }
  return out;
}

/** Polls and answers until done or `rounds` polls (time advancing by `step` each round). */
function run(a: MetadataAssembler, peers: ReadonlyMap<PeerId, Behaviour>, info: Uint8Array, opts: { rounds?: number; step?: number; start?: number } = {}): { results: MetadataDataResult[]; now: number } {
  const results: MetadataDataResult[] = [];
  let now = opts.start ?? 0;
  for (let i = 0; i < (opts.rounds ?? 100) && !a.done; i++) {
    results.push(...answer(a, a.poll(now), peers, info, now));
    now += opts.step ?? 1000;
  }
  return { results, now };
}

test('one peer: requests every piece, assembles and verifies (v1)', () => {
  const info = makeInfo(40_000);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  assert.equal(a.addPeer('A', info.length), 'accepted');
  const first = a.poll(0);
  assert.deepEqual(first, [{ peer: 'A', piece: 0 }, { peer: 'A', piece: 1 }]); // 2 outstanding per peer
  assert.deepEqual(a.poll(0), []);
  assert.equal(a.nextWakeAt(0), 20_000);
  const r = answer(a, first, new Map([['A', 'honest']]), info, 10);
  assert.deepEqual(r, [{ kind: 'accepted' }, { kind: 'accepted' }]);
  assert.deepEqual(a.progress, { size: info.length, received: 2, pieces: 3 });
  const last = a.poll(20);
  assert.deepEqual(last, [{ peer: 'A', piece: 2 }]);
  const [done] = answer(a, last, new Map([['A', 'honest']]), info, 30);
  assert.equal(done?.kind, 'complete');
  assert.ok(done?.kind === 'complete' && Buffer.from(done.info).equals(info));
  assert.ok(a.done && a.info && Buffer.from(a.info).equals(info));
  assert.deepEqual(a.poll(40), []);
  assert.equal(a.nextWakeAt(40), undefined);
  assert.equal(a.addPeer('B', info.length), 'done');
  assert.equal(a.onData('A', 0, info.length, info.subarray(0, 16384), 50).kind, 'ignored');
});

test('v2 and hybrid hashes: every given hash must match', () => {
  const info = makeInfo(20_000);
  for (const opts of [{ infoHashV2: sha256(info) }, { infoHashV1: sha1(info), infoHashV2: sha256(info) }]) {
    const a = new MetadataAssembler(opts);
    a.addPeer(1, info.length);
    const { results } = run(a, new Map([[1, 'honest']]), info);
    assert.equal(results.at(-1)?.kind, 'complete');
  }
  // A hybrid whose v2 hash does not match is not accepted on the strength of v1.
  const a = new MetadataAssembler({ infoHashV1: sha1(info), infoHashV2: sha256(makeInfo(100)) });
  a.addPeer(1, info.length);
  const { results } = run(a, new Map([[1, 'honest']]), info, { rounds: 3 });
  assert.deepEqual(results.find((r) => r.kind === 'hash-mismatch'), { kind: 'hash-mismatch', contributors: [1], culprit: 1 });
  assert.ok(!a.done);
});

test('several peers: each piece asked of one peer at a time, load spread', () => {
  const info = makeInfo(16384 * 6 - 100);
  assert.ok(info.length > 16384 * 5 && info.length <= 16384 * 6);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  for (const p of ['A', 'B', 'C']) a.addPeer(p, info.length);
  const reqs = a.poll(0);
  assert.equal(reqs.length, 6);
  assert.deepEqual(reqs.map((r) => r.piece), [0, 1, 2, 3, 4, 5]);
  for (const p of ['A', 'B', 'C']) assert.equal(reqs.filter((r) => r.peer === p).length, 2);
  const peers = new Map<PeerId, Behaviour>([['A', 'honest'], ['B', 'honest'], ['C', 'honest']]);
  const results = answer(a, reqs, peers, info, 5);
  assert.deepEqual(results.map((r) => r.kind), ['accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'complete']);
  assert.ok(a.done && Buffer.from(a.info as Uint8Array).equals(info));
});

test('a peer that sends garbage: mismatch names contributors; suspects are tried alone; the liar is proven and banned', () => {
  const info = makeInfo(16384 * 3);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  a.addPeer('liar', info.length);
  a.addPeer('good', info.length);
  const peers = new Map<PeerId, Behaviour>([['liar', 'garbage'], ['good', 'honest']]);
  const first = run(a, peers, info, { rounds: 1 });
  const mismatch = first.results.find((r) => r.kind === 'hash-mismatch');
  assert.ok(mismatch && mismatch.kind === 'hash-mismatch');
  assert.deepEqual([...mismatch.contributors].sort(), ['good', 'liar']);
  assert.equal(mismatch.culprit, undefined);
  // Both are suspects now: the first fetches alone and is proven guilty, then the other succeeds.
  const rest = run(a, peers, info, { start: 1000 });
  const kinds = rest.results.map((r) => r.kind);
  assert.deepEqual(rest.results.filter((r) => r.kind === 'hash-mismatch'), [{ kind: 'hash-mismatch', contributors: ['liar'], culprit: 'liar' }]);
  assert.equal(kinds.at(-1), 'complete');
  assert.ok(a.done);
  assert.ok(a.isBanned('liar'));
});

test('garbage then the caller drops the contributors: a new peer completes the download', () => {
  const info = makeInfo(16384 * 2 + 1);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  a.addPeer('X', info.length);
  a.addPeer('Y', info.length);
  const peers = new Map<PeerId, Behaviour>([['X', 'garbage'], ['Y', 'garbage'], ['Z', 'honest']]);
  const { results } = run(a, peers, info, { rounds: 1 });
  const m = results.find((r) => r.kind === 'hash-mismatch');
  assert.ok(m?.kind === 'hash-mismatch');
  for (const p of m.contributors) a.removePeer(p);
  assert.deepEqual(a.poll(2000), []);
  a.addPeer('Z', info.length);
  const end = run(a, peers, info, { start: 3000 });
  assert.equal(end.results.at(-1)?.kind, 'complete');
});

test('unsuspected peers are preferred over suspects', () => {
  const info = makeInfo(16384 * 2);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  a.addPeer('L1', info.length);
  a.addPeer('L2', info.length);
  run(a, new Map([['L1', 'garbage'], ['L2', 'honest']]), info, { rounds: 1 });
  a.addPeer('N', info.length);
  const reqs = a.poll(5000);
  assert.ok(reqs.length > 0 && reqs.every((r) => r.peer === 'N'));
});

test('timeouts: the piece goes to another peer, the slow peer rests, a late answer still counts', () => {
  const info = makeInfo(16384 * 2);
  const a = new MetadataAssembler({ infoHashV1: sha1(info), maxOutstandingPerPeer: 1, requestTimeoutMs: 10_000, backoffMs: 30_000 });
  a.addPeer('slow', info.length);
  a.addPeer('fast', info.length);
  const r0 = a.poll(0);
  assert.deepEqual(r0, [{ peer: 'slow', piece: 0 }, { peer: 'fast', piece: 1 }]);
  assert.equal(a.onData('fast', 1, info.length, info.subarray(16384), 100).kind, 'accepted');
  assert.deepEqual(a.poll(9_999), []);
  assert.deepEqual(a.poll(10_000), [{ peer: 'fast', piece: 0 }]);
  assert.deepEqual(a.poll(10_001), []);
  assert.equal(a.nextWakeAt(10_001), 20_000);
  // The slow peer's answer arrives late, before the fast one's: it is taken and completes.
  const late = a.onData('slow', 0, info.length, info.subarray(0, 16384), 12_000);
  assert.equal(late.kind, 'complete');
});

test('late answer for a re-assigned piece: the second answer is ignored as a duplicate', () => {
  const info = makeInfo(16384 * 3);
  const a = new MetadataAssembler({ infoHashV1: sha1(info), maxOutstandingPerPeer: 1, requestTimeoutMs: 10_000 });
  a.addPeer('slow', info.length);
  a.addPeer('other', info.length);
  a.poll(0); // slow:0, other:1
  a.onData('other', 1, info.length, info.subarray(16384, 32768), 10);
  assert.deepEqual(a.poll(10_000), [{ peer: 'other', piece: 0 }]);
  assert.equal(a.onData('slow', 0, info.length, info.subarray(0, 16384), 10_500).kind, 'accepted');
  const dup = a.onData('other', 0, info.length, info.subarray(0, 16384), 10_600);
  assert.deepEqual(dup, { kind: 'ignored', reason: 'piece already received' });
  assert.deepEqual(a.poll(10_700), [{ peer: 'other', piece: 2 }]);
});

test('rejects: the piece goes to another peer at once, the rejecting peer rests', () => {
  const info = makeInfo(16384 * 2);
  const a = new MetadataAssembler({ infoHashV1: sha1(info), maxOutstandingPerPeer: 2, backoffMs: 30_000, requestTimeoutMs: 100_000 });
  a.addPeer('R', info.length);
  const r = a.poll(0);
  assert.equal(r.length, 2);
  a.onReject('R', 0, 100);
  a.onReject('R', 5, 100); // not outstanding: ignored
  assert.deepEqual(a.poll(200), []); // R rests, nobody else
  a.addPeer('S', info.length);
  assert.deepEqual(a.poll(300), [{ peer: 'S', piece: 0 }]);
  a.onReject('S', 0, 400);
  assert.equal(a.nextWakeAt(400), 30_100); // the end of R's rest
  // When the rest is over R is asked again.
  const later = a.poll(30_100);
  assert.ok(later.some((x) => x.peer === 'R' && x.piece === 0));
});

test('size disagreement: the majority size is fetched; a lone liar about the size is proven and dropped', () => {
  const info = makeInfo(30_000);
  const a = new MetadataAssembler({ infoHashV1: sha1(info) });
  assert.equal(a.addPeer('liar', 50_000), 'accepted');
  a.addPeer('h1', info.length);
  a.addPeer('h2', info.length);
  const reqs = a.poll(0);
  assert.ok(reqs.every((r) => r.peer !== 'liar'));
  assert.equal(a.progress?.size, info.length);
  const { results } = run(a, new Map([['h1', 'honest'], ['h2', 'honest']]), info, { start: 0 });
  assert.equal(results.at(-1)?.kind, 'complete');

  // Tie: the first size seen is fetched first; its only peer sends data of that size that fails
  // the hash, is banned, and the other size is fetched.
  const b = new MetadataAssembler({ infoHashV1: sha1(info) });
  b.addPeer('liar', 50_000);
  b.addPeer('honest', info.length);
  const fake = new Uint8Array(50_000).fill(0x64);
  let now = 0;
  const out: MetadataDataResult[] = [];
  for (let i = 0; i < 20 && !b.done; i++, now += 1000) {
    for (const { peer, piece } of b.poll(now)) {
      const m = answerMetadataRequest(peer === 'liar' ? fake : info, piece);
      if (m.type === 'data') out.push(b.onData(peer, m.piece, m.totalSize, m.data, now));
    }
  }
  assert.deepEqual(out.filter((r) => r.kind === 'hash-mismatch'), [{ kind: 'hash-mismatch', contributors: ['liar'], culprit: 'liar' }]);
  assert.ok(b.done);
  assert.equal(b.addPeer('liar', 50_000), 'done');
});

test('size limits and candidate bounds', () => {
  const a = new MetadataAssembler({ infoHashV1: new Uint8Array(20), maxMetadataSize: 1000, maxSizeCandidates: 2 });
  assert.equal(a.addPeer('a', 0), 'bad-size');
  assert.equal(a.addPeer('a', -1), 'bad-size');
  assert.equal(a.addPeer('a', 1.5), 'bad-size');
  assert.equal(a.addPeer('a', 1001), 'bad-size');
  assert.equal(a.addPeer('a', 100), 'accepted');
  assert.equal(a.addPeer('b', 200), 'accepted');
  assert.equal(a.addPeer('c', 300), 'too-many-sizes');
  assert.equal(a.addPeer('c', 200), 'accepted');
  // 'a' alone at 100 may move to 300: its old candidate empties, freeing the slot.
  assert.equal(a.addPeer('a', 300), 'accepted');
  assert.equal(a.addPeer('d', 100), 'too-many-sizes');
  a.removePeer('a');
  assert.equal(a.addPeer('d', 100), 'accepted');
  assert.throws(() => new MetadataAssembler({}), /info hash/);
  assert.throws(() => new MetadataAssembler({ infoHashV1: new Uint8Array(32) }), /20/);
  assert.throws(() => new MetadataAssembler({ infoHashV2: new Uint8Array(20) }), /32/);
});

test('invalid and unrequested data', () => {
  const info = makeInfo(20_000);
  const a = new MetadataAssembler({ infoHashV1: sha1(info), backoffMs: 30_000 });
  a.addPeer('A', info.length);
  assert.equal(a.onData('A', 0, info.length, info.subarray(0, 16384), 0).kind, 'ignored'); // not requested yet
  assert.deepEqual(a.poll(0).map((r) => r.piece), [0, 1]);
  assert.equal(a.onData('A', 0, info.length + 1, info.subarray(0, 16384), 1).kind, 'invalid');
  assert.equal(a.onData('A', 1, info.length, info.subarray(0, 100), 1).kind, 'invalid');
  assert.equal(a.onData('A', 9, info.length, info.subarray(0, 100), 1).kind, 'invalid');
  assert.equal(a.onData('nobody', 0, info.length, info.subarray(0, 16384), 1).kind, 'ignored');
  // Invalid answers free their pieces at once and rest the peer.
  assert.equal(a.onData('A', 0, info.length, info.subarray(0, 16384), 2).kind, 'ignored');
  assert.deepEqual(a.poll(2), []);
  assert.deepEqual(a.poll(30_001).map((r) => r.piece), [0, 1]);
  // The buffer passed in is copied: the caller may reuse it.
  const chunk = info.slice(0, 16384);
  assert.equal(a.onData('A', 0, info.length, chunk, 30_002).kind, 'accepted');
  chunk.fill(0);
  assert.equal(a.onData('A', 1, info.length, info.subarray(16384), 30_003).kind, 'complete');
});

test('a peer leaving frees its pieces; re-announcing a new size moves it', () => {
  const a = new MetadataAssembler({ infoHashV1: new Uint8Array(20) });
  a.addPeer('A', 32768);
  assert.equal(a.poll(0).length, 2);
  a.removePeer('A');
  a.removePeer('A');
  assert.deepEqual(a.poll(1), []);
  a.addPeer('B', 32768);
  assert.deepEqual(a.poll(2).map((r) => r.piece), [0, 1]);
  assert.equal(a.addPeer('B', 32769), 'accepted');
  assert.deepEqual(a.poll(3).map((r) => r.piece), [0, 1]);
  assert.deepEqual(a.progress, { size: 32769, received: 0, pieces: 3 });
});

test('a silent solo suspect loses its turn to the next suspect', () => {
  const info = makeInfo(16384 * 2);
  const a = new MetadataAssembler({ infoHashV1: sha1(info), maxOutstandingPerPeer: 1, requestTimeoutMs: 5_000, backoffMs: 60_000 });
  a.addPeer('mute', info.length);
  a.addPeer('good', info.length);
  // Both contribute garbage once, so both become suspects.
  const garbage = info.map((x) => x ^ 1);
  for (const { peer, piece } of a.poll(0)) {
    const m = answerMetadataRequest(garbage, piece);
    if (m.type === 'data') a.onData(peer, piece, m.totalSize, m.data, 1);
  }
  // 'mute' is tried alone first and never answers; after its timeout 'good' gets the solo turn.
  const r1 = a.poll(10);
  assert.deepEqual(r1, [{ peer: 'mute', piece: 0 }]);
  const r2 = a.poll(5_010);
  assert.deepEqual(r2, [{ peer: 'good', piece: 0 }]);
  const peers = new Map<PeerId, Behaviour>([['good', 'honest'], ['mute', 'silent']]);
  const results = answer(a, r2, peers, info, 5_015);
  results.push(...run(a, peers, info, { start: 5_020, step: 100 }).results);
  assert.equal(results.at(-1)?.kind, 'complete');
});

test('random swarms: never a wrong result; with an honest peer present, always done', async () => {
  const fc = (await import('fast-check')).default;
  const info = makeInfo(16384 * 4 + 3000);
  const kinds = ['honest', 'garbage', 'reject', 'silent', 'slow', 'wrong-size'] as const;
  type Kind = (typeof kinds)[number];
  fc.assert(fc.property(
    fc.array(fc.record({ kind: fc.constantFrom(...kinds), joinAt: fc.nat({ max: 60_000 }), leaveAt: fc.option(fc.nat({ max: 300_000 }), { nil: undefined }) }), { minLength: 1, maxLength: 6 }),
    fc.integer({ min: 1, max: 3 }),
    (specs, perPeer) => {
      const a = new MetadataAssembler({ infoHashV1: sha1(info), maxOutstandingPerPeer: perPeer });
      const kindOf = new Map<PeerId, Kind>(specs.map((s, i) => [i, s.kind]));
      const joined = new Set<PeerId>();
      const left = new Set<PeerId>();
      // Pending answers: [time, peer, piece].
      let pending: [number, PeerId, number][] = [];
      for (let now = 0; now <= 30 * 60_000 && !a.done; now += 500) {
        specs.forEach((s, i) => {
          if (!joined.has(i) && s.joinAt <= now) {
            joined.add(i);
            a.addPeer(i, s.kind === 'wrong-size' ? info.length + 20_000 : info.length);
          }
          if (joined.has(i) && !left.has(i) && s.leaveAt !== undefined && s.leaveAt <= now) {
            left.add(i);
            a.removePeer(i);
          }
        });
        const due = pending.filter(([t]) => t <= now);
        pending = pending.filter(([t]) => t > now);
        for (const [, peer, piece] of due) {
          if (left.has(peer)) continue;
          const k = kindOf.get(peer) as Kind;
          if (k === 'reject') {
            a.onReject(peer, piece, now);
            continue;
          }
          const src = k === 'garbage' ? info.map((b) => b ^ 0xff) : k === 'wrong-size' ? new Uint8Array(info.length + 20_000) : info;
          const m = answerMetadataRequest(src, piece);
          if (m.type !== 'data') continue;
          const r = a.onData(peer, m.piece, m.totalSize, m.data, now);
          if (r.kind === 'complete') assert.ok(Buffer.from(r.info).equals(info));
          if (r.kind === 'hash-mismatch' && r.culprit !== undefined) assert.notEqual(kindOf.get(r.culprit), 'honest');
        }
        for (const { peer, piece } of a.poll(now)) {
          assert.ok(!a.isBanned(peer) && joined.has(peer) && !left.has(peer));
          const k = kindOf.get(peer) as Kind;
          if (k === 'silent') continue;
          pending.push([now + (k === 'slow' ? 30_000 : 200), peer, piece]);
        }
      }
      if (specs.some((s) => s.kind === 'honest' && s.leaveAt === undefined)) assert.ok(a.done, `not done: ${JSON.stringify(specs)}`);
      if (a.done) assert.ok(Buffer.from(a.info as Uint8Array).equals(info));
    },
  ), { numRuns: 150 });
});
