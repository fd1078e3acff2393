import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DhtNode, UdpDemux, isKrpcDatagram } from '../../../src/discovery/dht/index.js';
import { AbortedError } from '../../../src/errors.js';
import { seededBytes } from './helpers.js';

async function swarm(n: number, base = 10): Promise<DhtNode[]> {
  const first = await DhtNode.create({ host: `127.0.0.${base}`, bootstrap: [] });
  const nodes = [first];
  const boot = [first.address()];
  for (let i = 1; i < n; i++) nodes.push(await DhtNode.create({ host: `127.0.0.${base + i}`, bootstrap: boot }));
  await Promise.all(nodes.slice(1).map((x) => x.ready({ signal: AbortSignal.timeout(5000) })));
  return nodes;
}

test('DhtNodes on real loopback sockets: announce through one, find through another', async () => {
  const nodes = await swarm(12);
  try {
    const ih = seededBytes(1)(20);
    const r = await nodes[3]!.announce(ih, 6000, { signal: AbortSignal.timeout(10_000) });
    assert.ok(r.stored >= 1, `stored on ${r.stored}/${r.asked}`);
    const peers = await nodes[9]!.findPeers(ih, { signal: AbortSignal.timeout(10_000) });
    assert.deepEqual(peers, [{ host: '127.0.0.13', port: 6000 }]);
    const st = nodes[9]!.stats();
    assert.ok(st.tables[4]!.nodes >= 8);
    assert.equal(st.address.host, '127.0.0.19');
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
});

test('an aborted get_peers stops with AbortedError; operations after close are refused', async () => {
  const nodes = await swarm(3, 30);
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(nodes[1]!.findPeers(new Uint8Array(20), { signal: ac.signal }), AbortedError);
    await assert.rejects(nodes[1]!.announce(new Uint8Array(20), 1, { signal: ac.signal }), AbortedError);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await nodes[0]!.close(); // idempotent
  }
  await assert.rejects(nodes[1]!.announce(new Uint8Array(20), 1), /closed/);
});

test('the UDP socket can be shared: KRPC goes to the DHT, other datagrams to their own channel', async () => {
  const demux = await UdpDemux.bind('127.0.0.40', 0);
  const other: Uint8Array[] = [];
  const utp = demux.channel((d) => !isKrpcDatagram(d));
  utp.onMessage((d) => other.push(d));
  const dht = await DhtNode.create({ socket: demux.channel(isKrpcDatagram), bootstrap: [] });
  const peer = await DhtNode.create({ host: '127.0.0.41', bootstrap: [dht.address()] });
  const raw = createSocket('udp4');
  try {
    await peer.ready({ signal: AbortSignal.timeout(5000) });
    assert.deepEqual(await peer.ping(dht.address()), dht.id);
    await new Promise<void>((res) => raw.send(Uint8Array.of(0x41, 0, 1, 2), dht.address().port, '127.0.0.40', () => res()));
    // garbage that looks like KRPC must not hurt the node either
    await new Promise<void>((res) => raw.send(new TextEncoder().encode('d1:xe'), dht.address().port, '127.0.0.40', () => res()));
    for (let i = 0; i < 50 && other.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(other, [Uint8Array.of(0x41, 0, 1, 2)]);
    assert.deepEqual(await peer.ping(dht.address()), dht.id);
    assert.equal(dht.address().port, demux.address().port);
  } finally {
    raw.close();
    await peer.close();
    await dht.close();
    await demux.close();
  }
});

test('the state file keeps the id and the routing table across restarts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-dht-'));
  const nodes = await swarm(10, 50);
  try {
    const state = join(dir, 'dht.json');
    const a = await DhtNode.create({ host: '127.0.0.70', bootstrap: [nodes[0]!.address()], state });
    await a.ready({ signal: AbortSignal.timeout(5000) });
    const id = a.id;
    await a.close();
    const saved = JSON.parse(await readFile(state, 'utf8')) as { id: string; nodes: unknown[] };
    assert.equal(saved.id, Buffer.from(id).toString('hex'));
    assert.ok(saved.nodes.length >= 8);
    // restart without any bootstrap: the saved table is enough
    const b = await DhtNode.create({ host: '127.0.0.70', bootstrap: [], state });
    try {
      assert.deepEqual(b.id, id);
      await b.ready({ signal: AbortSignal.timeout(5000) });
      assert.ok(b.stats().tables[4]!.good >= 8);
    } finally {
      await b.close();
    }
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await rm(dir, { recursive: true, force: true });
  }
});

test('BEP 32: a dual-stack node answers over IPv6 and finds IPv6 peers', async () => {
  const a = await DhtNode.create({ host: '127.0.0.80', host6: '::1', bootstrap: [] });
  const b = await DhtNode.create({ host: '127.0.0.81', host6: '::1', bootstrap: [a.address(), { host: '::1', port: a.address().port }] });
  const c = await DhtNode.create({ host: '127.0.0.82', host6: '::1', bootstrap: [a.address(), { host: '::1', port: a.address().port }] });
  try {
    for (const n of [b, c]) for (const family of [4, 6] as const) await n.ready({ family, signal: AbortSignal.timeout(5000) });
    assert.deepEqual(b.core.families, [4, 6]);
    const ih = seededBytes(3)(20);
    await b.announce(ih, 7000);
    const peers = await c.findPeers(ih);
    assert.deepEqual(
      peers.map((p) => `${p.host}|${p.port}`).sort(),
      ['127.0.0.81|7000', '::1|7000'],
    );
  } finally {
    await Promise.all([a, b, c].map((n) => n.close()));
  }
});

test('a flood of garbage datagrams over real UDP does not hurt the node', async () => {
  const node = await DhtNode.create({ host: '127.0.0.95', bootstrap: [], rateLimit: false });
  const probe = await DhtNode.create({ host: '127.0.0.96', bootstrap: [] });
  const raw = createSocket('udp4');
  try {
    const rb = seededBytes(77);
    const port = node.address().port;
    const valid = new TextEncoder().encode('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe');
    for (let i = 0; i < 1500; i++) {
      let pkt: Uint8Array;
      if (i % 3 === 0) pkt = rb(rb(1)[0]! * 4);
      else {
        pkt = Uint8Array.from(valid);
        pkt[rb(1)[0]! % pkt.length] = rb(1)[0]!;
        if (i % 3 === 2) pkt = Uint8Array.of(0x64, ...pkt.subarray(0, rb(1)[0]! % pkt.length));
      }
      raw.send(pkt, port, '127.0.0.95');
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await probe.ping(node.address()), node.id);
    assert.ok(node.stats().core.malformed > 100);
  } finally {
    raw.close();
    await probe.close();
    await node.close();
  }
});
