import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimNetwork, type SimNode } from '../../../sim/dht/network.js';
import { announce, getPeers, ping } from '../../../src/discovery/dht/operations.js';
import { decodeKrpc, encodeKrpc, type KrpcAddress, type KrpcMessage } from '../../../src/krpc/index.js';
import { isCompliantNode } from '../../../src/discovery/dht/bep42.js';
import { seededBytes } from './helpers.js';

const MIN = 60_000;

function bootstrapped(n: number, seed = 1, opts: ConstructorParameters<typeof SimNetwork>[0] = { seed }): { net: SimNetwork; nodes: SimNode[] } {
  const net = new SimNetwork({ ...opts, seed });
  const first = net.addNode();
  const nodes = [first];
  for (let i = 1; i < n; i++) {
    const node = net.addNode({ bootstrap: [first.address] });
    nodes.push(node);
    net.act(node, (c) => c.bootstrap());
    net.run(net.now + 200);
  }
  net.run(net.now + 10_000);
  return { net, nodes };
}

/** A raw socket's view: sends a datagram to `node` from `from` and returns the replies. */
function exchange(net: SimNetwork, node: SimNode, from: KrpcAddress, m: KrpcMessage | Uint8Array): KrpcMessage[] {
  const data = m instanceof Uint8Array ? m : encodeKrpc(m);
  node.core.receive(data, from, net.now);
  return node.core.takeDatagrams().filter((d) => d.to.host === from.host && d.to.port === from.port).map((d) => decodeKrpc(d.data)).filter((m) => m.y !== 'q');
}

test('60 nodes bootstrap from one; a peer announced through one node is found through another', () => {
  const { net, nodes } = bootstrapped(60);
  for (const n of nodes) {
    assert.ok(n.core.table(4)!.size >= 8, `node ${n.index} has ${n.core.table(4)!.size} nodes`);
    assert.ok(n.core.isReady(4) || n.index === 0);
  }
  const infoHash = seededBytes(7)(20);
  let announced: { stored: number; asked: number } | undefined;
  net.act(nodes[5]!, (c) => announce(c, infoHash, { port: 51413, onDone: (r) => (announced = r) }));
  net.run(net.now + 20_000, () => announced !== undefined);
  assert.ok(announced && announced.stored >= 6, `stored on ${announced?.stored} of ${announced?.asked}`);
  let found: KrpcAddress[] | undefined;
  const streamed: KrpcAddress[] = [];
  net.act(nodes[42]!, (c) => getPeers(c, infoHash, { onPeer: (p) => streamed.push(p), onDone: (r) => (found = r.peers) }));
  net.run(net.now + 20_000, () => found !== undefined);
  assert.deepEqual(found, [{ host: nodes[5]!.address.host, port: 51413 }]);
  assert.deepEqual(streamed, found);
  // implied_port: the DHT port is announced
  let done = false;
  const other = seededBytes(8)(20);
  net.act(nodes[6]!, (c) => announce(c, other, { onDone: () => (done = true) }));
  net.run(net.now + 20_000, () => done);
  let found2: KrpcAddress[] = [];
  net.act(nodes[30]!, (c) => getPeers(c, other, { onDone: (r) => (found2 = r.peers) }));
  net.run(net.now + 20_000);
  assert.deepEqual(found2, [nodes[6]!.address]);
});

test('nodes get BEP 42 ids from their external IP; lookups never sit idle with unqueried candidates', () => {
  const { net, nodes } = bootstrapped(30, 2, { seed: 2, loss: 0.05 });
  for (const n of nodes) assert.ok(isCompliantNode(n.core.id, n.address.host));
  let idle = 0;
  let finished = 0;
  for (let i = 0; i < 10; i++) {
    net.act(nodes[i]!, (c) => getPeers(c, seededBytes(100 + i)(20), { onDone: () => finished++ }));
  }
  // check after every event
  net.run(net.now + 30_000, () => {
    for (const n of nodes) for (const l of n.core.runningLookups()) if (l.idleWithWork()) idle++;
    return finished === 10;
  });
  assert.equal(finished, 10);
  assert.equal(idle, 0);
});

test('garbage datagrams never crash a node; a malformed query gets error 203', () => {
  const { net, nodes } = bootstrapped(5, 3);
  const node = nodes[1]!;
  const rb = seededBytes(9);
  const from = { host: '11.9.9.9', port: 4000 };
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(rb(1)[0]! * 2);
    node.core.receive(rb(len), from, net.now);
  }
  // mutated valid packets
  const valid = encodeKrpc({ y: 'q', t: Uint8Array.of(1), id: rb(20), q: 'get_peers', infoHash: rb(20) });
  for (let i = 0; i < 2000; i++) {
    const m = Uint8Array.from(valid);
    m[rb(1)[0]! % m.length] = rb(1)[0]!;
    node.core.receive(m, from, net.now);
  }
  node.core.takeDatagrams();
  const replies = exchange(net, node, from, new TextEncoder().encode('d1:ad2:id3:abce1:q4:ping1:t2:xy1:y1:qe'));
  assert.equal(replies.length, 1);
  const r = replies[0]!;
  assert.ok(r.y === 'e');
  assert.equal(r.code, 203);
  assert.ok(node.core.stats.malformed > 100);
  // and it still works
  let pong: Uint8Array | undefined;
  net.act(nodes[2]!, (c) => ping(c, node.address, (id) => (pong = id)));
  net.run(net.now + 2000);
  assert.deepEqual(pong, node.core.id);
});

test('replies that match no outstanding query from that address are dropped', () => {
  const { net, nodes } = bootstrapped(3, 4);
  const a = nodes[1]!;
  const b = nodes[2]!;
  net.act(a, (c) => ping(c, b.address, () => undefined));
  const sent = a.core.takeOutgoing();
  void sent;
  // the ping went out already through act(); craft replies by hand
  const before = a.core.rpc.stats.repliesUnmatched;
  const rb = seededBytes(10);
  a.core.receiveMessage({ y: 'r', t: rb(4), r: { id: rb(20) } }, b.address, net.now);
  assert.equal(a.core.rpc.stats.repliesUnmatched, before + 1);
  // right transaction id, wrong address: send a ping and answer it from elsewhere
  let result: Uint8Array | undefined | 'pending' = 'pending';
  ping(a.core, b.address, (id) => (result = id));
  const out = a.core.takeOutgoing();
  const q = out.find((o) => o.to.port === b.address.port && o.to.host === b.address.host)!;
  a.core.receiveMessage({ y: 'r', t: q.message.t, r: { id: rb(20) } }, { host: '11.7.7.7', port: b.address.port }, net.now);
  assert.equal(result, 'pending');
  assert.equal(a.core.rpc.stats.repliesUnmatched, before + 2);
  a.core.receiveMessage({ y: 'r', t: q.message.t, r: { id: b.core.id } }, b.address, net.now);
  assert.deepEqual(result, b.core.id);
});

test('write tokens: bound to the IP, valid for 5-10 minutes', () => {
  const { net, nodes } = bootstrapped(2, 5);
  const node = nodes[1]!;
  const rb = seededBytes(11);
  const me = { host: '11.5.5.5', port: 7000 };
  const id = rb(20);
  const ih = rb(20);
  const gp = exchange(net, node, me, { y: 'q', t: Uint8Array.of(1), id, q: 'get_peers', infoHash: ih })[0]!;
  assert.ok(gp.y === 'r' && gp.r.token);
  assert.deepEqual(gp.ip, me, 'BEP 42 ip field echoes our address');
  const token = gp.r.token;
  const ann = (from: KrpcAddress, tok: Uint8Array): KrpcMessage =>
    exchange(net, node, from, { y: 'q', t: Uint8Array.of(2), id, q: 'announce_peer', infoHash: ih, port: 999, impliedPort: false, token: tok })[0]!;
  assert.equal(ann({ host: '11.5.5.6', port: 7000 }, token).y, 'e', 'token from another IP is refused');
  assert.equal(ann(me, rb(8)).y, 'e');
  assert.equal(ann({ host: me.host, port: 7001 }, token).y, 'r', 'same IP, other port: accepted');
  net.run(net.now + 6 * MIN);
  assert.equal(ann(me, token).y, 'r', 'still valid after 6 minutes');
  net.run(net.now + 5 * MIN);
  const late = ann(me, token);
  assert.ok(late.y === 'e' && late.code === 203, 'expired after 11 minutes');
  const values = exchange(net, node, { host: '11.5.5.9', port: 1 }, { y: 'q', t: Uint8Array.of(3), id: rb(20), q: 'get_peers', infoHash: ih })[0]!;
  assert.ok(values.y === 'r');
  assert.deepEqual(values.r.values, [{ host: me.host, port: 999 }]);
});

test('BEP 43: a read-only node answers nothing, flags its queries, and stays out of tables', () => {
  const net = new SimNetwork({ seed: 6 });
  const boot = net.addNode();
  const others = [1, 2, 3].map(() => net.addNode({ bootstrap: [boot.address] }));
  for (const o of others) net.act(o, (c) => c.bootstrap());
  net.run(5000);
  const ro = net.addNode({ bootstrap: [boot.address], readOnly: true });
  net.act(ro, (c) => c.bootstrap());
  const q = ro.core.takeOutgoing();
  void q;
  net.run(net.now + 5000);
  assert.ok(ro.core.table(4)!.size >= 3, 'the read-only node still learns the network');
  for (const n of [boot, ...others]) assert.equal(n.core.table(4)!.find(ro.core.id), undefined);
  const replies = exchange(net, ro, { host: '11.8.8.8', port: 1 }, { y: 'q', t: Uint8Array.of(1), id: seededBytes(1)(20), q: 'ping' });
  assert.equal(replies.length, 0);
  // its queries carry ro=1
  ping(ro.core, boot.address, () => undefined);
  const out = ro.core.takeDatagrams();
  assert.ok(new TextDecoder('latin1').decode(out[0]!.data).includes('2:roi1e'));
});

test('per-IP rate limit drops query floods', () => {
  const net = new SimNetwork({ seed: 7 });
  const node = net.addNode({ rateLimit: { perSecond: 10, burst: 20 } });
  const rb = seededBytes(12);
  let answered = 0;
  for (let i = 0; i < 100; i++) {
    answered += exchange(net, node, { host: '11.1.1.1', port: 5 }, { y: 'q', t: Uint8Array.of(i), id: rb(20), q: 'ping' }).length;
  }
  assert.equal(answered, 20);
  assert.equal(exchange(net, node, { host: '11.1.1.2', port: 5 }, { y: 'q', t: Uint8Array.of(1), id: rb(20), q: 'ping' }).length, 1);
  net.run(net.now + 1000);
  assert.equal(exchange(net, node, { host: '11.1.1.1', port: 5 }, { y: 'q', t: Uint8Array.of(1), id: rb(20), q: 'ping' }).length, 1);
});

test('BEP 42: a node told its external IP by several others adopts a compliant id', () => {
  const net = new SimNetwork({ seed: 8 });
  const boot = net.addNode();
  const peers = [1, 2, 3, 4].map(() => net.addNode({ bootstrap: [boot.address] }));
  for (const p of peers) net.act(p, (c) => c.bootstrap());
  net.run(3000);
  // a node that does not know its IP starts with a random id
  const n = net.addNode({ bootstrap: [boot.address], externalIp: undefined });
  assert.ok(!isCompliantNode(n.core.id, n.address.host));
  let changed: string | undefined;
  void changed;
  net.act(n, (c) => c.bootstrap());
  net.run(net.now + 5000);
  assert.ok(isCompliantNode(n.core.id, n.address.host), 'id re-derived from the voted IP');
  assert.equal(n.core.externalIp, n.address.host);
  assert.ok(n.core.table(4)!.size > 0);
});

test('routing tables persist: exported nodes reload and bootstrap without the bootstrap node', () => {
  const { net, nodes } = bootstrapped(20, 9);
  const saved = nodes[3]!.core.exportNodes();
  assert.ok(saved.length >= 8);
  const again = net.addNode({ id: nodes[3]!.core.id });
  net.act(again, (c) => {
    c.importNodes(saved);
    c.bootstrap();
  });
  net.run(net.now + 5000);
  assert.ok(again.core.isReady(4));
  assert.ok(again.core.table(4)!.stats(net.now).good >= 8);
});

test('buckets unchanged for 15 minutes are refreshed with find_node lookups', () => {
  const { net, nodes } = bootstrapped(20, 10);
  const c = nodes[7]!.core;
  net.run(net.now + 20 * MIN); // joining and its follow-up lookups are over
  const before = c.rpc.stats.queriesSent;
  // a quiet network: nothing but maintenance happens for the next 40 minutes
  net.run(net.now + 40 * MIN);
  assert.ok(c.rpc.stats.queriesSent - before >= 10, `refresh traffic: ${c.rpc.stats.queriesSent - before} queries`);
  assert.deepEqual(c.table(4)!.staleBuckets(net.now), []);
  assert.ok(c.table(4)!.stats(net.now).good >= 8);
});
