import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../../src/bencode/index.js';
import {
  immutableTarget,
  itemKeyPair,
  mutableTarget,
  signedBuffer,
  signItem,
  verifyItemSignature,
} from '../../../src/discovery/dht/items.js';
import { ItemStore } from '../../../src/discovery/dht/item-store.js';
import { getItem, putItem, sampleInfohashes, verifiedItem, announce, type FoundItem } from '../../../src/discovery/dht/operations.js';
import { SimNetwork, type SimNode } from '../../../sim/dht/network.js';
import { seededBytes } from './helpers.js';

const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const te = new TextEncoder();
const hello = te.encode('Hello World!');
const PK = h('77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548');

test('BEP 44 test vectors: targets, signed buffers and signatures', () => {
  const v = encode(hello);
  assert.equal(new TextDecoder().decode(signedBuffer(1, v)), '3:seqi1e1:v12:Hello World!');
  assert.equal(new TextDecoder().decode(signedBuffer(1, v, te.encode('foobar'))), '4:salt6:foobar3:seqi1e1:v12:Hello World!');
  assert.equal(hex(mutableTarget(PK)), '4a533d47ec9c7d95b1ad75f576cffc641853b750');
  assert.equal(hex(mutableTarget(PK, te.encode('foobar'))), '411eba73b6f087ca51a3795d9c8c938d365e32c1');
  assert.equal(hex(immutableTarget(v)), 'e5f96f6f38320f0f33959cb4d3d656452117aadb');
  const sig1 = h('305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff 1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01');
  const sig2 = h('6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17d df9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08');
  assert.ok(verifyItemSignature(PK, sig1, signedBuffer(1, v)));
  assert.ok(verifyItemSignature(PK, sig2, signedBuffer(1, v, te.encode('foobar'))));
  assert.ok(!verifyItemSignature(PK, sig1, signedBuffer(2, v)));
  assert.ok(!verifyItemSignature(PK.subarray(1), sig1, signedBuffer(1, v)));
  assert.ok(!verifyItemSignature(new Uint8Array(32), sig1, signedBuffer(1, v)));
  // our own keys sign what verifies
  const kp = itemKeyPair(seededBytes(1)(32));
  const sig = signItem(kp.seed, signedBuffer(7, v));
  assert.ok(verifyItemSignature(kp.publicKey, sig, signedBuffer(7, v)));
});

test('item store: BEP 44 rules and error codes', () => {
  const store = new ItemStore({ maxItems: 3 });
  const r = store.put({ value: hello }, 0);
  assert.ok(r.ok);
  assert.equal(hex(r.target), 'e5f96f6f38320f0f33959cb4d3d656452117aadb');
  assert.deepEqual(store.get(r.target, 1)?.value, hello);
  assert.deepEqual(store.put({ value: new Uint8Array(1000) }, 0), { ok: false, code: 205, message: 'message (v field) too big' });
  const kp = itemKeyPair(seededBytes(2)(32));
  const put = (seq: number, value: Uint8Array, extra: { salt?: Uint8Array; cas?: number; sig?: Uint8Array } = {}): ReturnType<ItemStore['put']> =>
    store.put({ value, k: kp.publicKey, seq, sig: extra.sig ?? signItem(kp.seed, signedBuffer(seq, encode(value), extra.salt)), salt: extra.salt, cas: extra.cas }, 10);
  assert.ok(put(5, hello).ok);
  assert.equal((put(4, hello) as { code: number }).code, 302, 'lower seq');
  assert.equal((put(5, te.encode('other')) as { code: number }).code, 302, 'same seq, other value');
  assert.ok(put(5, hello).ok, 'same seq, same value: refresh');
  assert.equal((put(6, hello, { cas: 4 }) as { code: number }).code, 301, 'cas mismatch');
  assert.ok(put(6, hello, { cas: 5 }).ok);
  assert.equal((put(7, hello, { sig: new Uint8Array(64) }) as { code: number }).code, 206);
  assert.equal((put(7, hello, { salt: new Uint8Array(65) }) as { code: number }).code, 207);
  assert.equal(store.get(mutableTarget(kp.publicKey), 11)?.seq, 6);
  // bounded and expiring
  store.put({ value: 1 }, 20);
  store.put({ value: 2 }, 20);
  assert.equal(store.size, 3);
  store.expire(20 + 2 * 3600_000);
  assert.equal(store.size, 0);
});

test('verifiedItem rejects values that do not match the target or signature', () => {
  const kp = itemKeyPair(seededBytes(3)(32));
  const target = mutableTarget(kp.publicKey);
  const sig = signItem(kp.seed, signedBuffer(1, encode(hello)));
  const id = new Uint8Array(20);
  assert.ok(verifiedItem(target, { id, v: hello, k: kp.publicKey, seq: 1, sig }));
  assert.equal(verifiedItem(target, { id, v: te.encode('forged'), k: kp.publicKey, seq: 1, sig }), undefined);
  assert.equal(verifiedItem(target, { id, v: hello, k: kp.publicKey, seq: 2, sig }), undefined);
  assert.equal(verifiedItem(new Uint8Array(20), { id, v: hello }), undefined);
  assert.ok(verifiedItem(immutableTarget(encode(hello)), { id, v: hello }));
});

function network(n: number): { net: SimNetwork; nodes: SimNode[] } {
  const net = new SimNetwork({ seed: 21 });
  const boot = net.addNode();
  const nodes = [boot];
  for (let i = 1; i < n; i++) {
    const x = net.addNode({ bootstrap: [boot.address] });
    nodes.push(x);
    net.act(x, (c) => c.bootstrap());
    net.run(net.now + 100);
  }
  net.run(net.now + 15_000);
  return { net, nodes };
}

test('put and get of immutable and mutable items across a simulated network', () => {
  const { net, nodes } = network(40);
  let stored = 0;
  net.act(nodes[3]!, (c) => putItem(c, { value: hello, onDone: (r) => (stored = r.stored) }));
  net.run(net.now + 10_000);
  assert.ok(stored >= 6);
  let found: FoundItem | undefined;
  net.act(nodes[30]!, (c) => getItem(c, immutableTarget(encode(hello)), { onDone: (it) => (found = it) }));
  net.run(net.now + 10_000);
  assert.deepEqual(found?.value, hello);

  const kp = itemKeyPair(seededBytes(4)(32));
  const salt = te.encode('salt');
  for (const seq of [1, 2]) {
    const v = te.encode(`version ${seq}`);
    const sig = signItem(kp.seed, signedBuffer(seq, encode(v), salt));
    net.act(nodes[5 + seq]!, (c) => putItem(c, { value: v, k: kp.publicKey, seq, sig, salt, onDone: () => undefined }));
    net.run(net.now + 10_000);
  }
  let latest: FoundItem | undefined;
  net.act(nodes[20]!, (c) => getItem(c, mutableTarget(kp.publicKey, salt), { salt, onDone: (it) => (latest = it) }));
  net.run(net.now + 10_000);
  assert.equal(latest?.seq, 2);
  assert.deepEqual(latest?.value, te.encode('version 2'));
});

test('BEP 51: sample_infohashes returns what a node stores', () => {
  const { net, nodes } = network(20);
  const hashes = [1, 2, 3].map((i) => seededBytes(50 + i)(20));
  for (const ih of hashes) {
    net.act(nodes[2]!, (c) => announce(c, ih, { port: 1000, onDone: () => undefined }));
    net.run(net.now + 5000);
  }
  const holder = nodes.find((n) => n.core.peers.infoHashCount >= 2)!;
  let result: unknown;
  net.act(nodes[9]!, (c) => sampleInfohashes(c, holder.address, new Uint8Array(20), (r) => (result = r)));
  net.run(net.now + 2000);
  const r = result as { samples: Uint8Array[]; num: number; interval: number };
  assert.equal(r.num, holder.core.peers.infoHashCount);
  assert.equal(r.samples.length, r.num);
  assert.equal(r.interval, 300);
  for (const s of r.samples) assert.ok(hashes.some((x) => hex(x) === hex(s)));
});
