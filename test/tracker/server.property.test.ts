// Hostile input against a live tracker: random datagrams (some with a valid connection id) and
// random HTTP request heads. The server must never crash, never reply to UDP garbage with more
// bytes than it received, and keep answering real requests afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { TrackerServer } from '../../src/tracker/index.js';
import { decodeUdpResponse, encodeUdpConnectRequest } from '../../src/tracker-proto/index.js';
import { httpGet, UdpProbe } from './util.js';

function rawHttp(port: number, data: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const t = setTimeout(() => s.destroy(), 300);
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.on('connect', () => s.end(data));
  });
}

test('random datagrams and HTTP heads never crash the tracker or amplify', { timeout: 60_000 }, async () => {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0, http: { headersTimeoutMs: 300 } });
  const a = await s.start();
  const udpPort = a.udp?.port ?? 0;
  const httpPort = a.http?.port ?? 0;
  const probe = await UdpProbe.open();
  try {
    const c = decodeUdpResponse((await probe.exchange(encodeUdpConnectRequest(1), udpPort)) ?? new Uint8Array(), 4);
    assert.ok(c.action === 'connect');
    const cid = Buffer.alloc(8);
    cid.writeBigUInt64BE(c.connectionId);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.boolean(), fc.constantFrom(0, 1, 2, 3, 7), async (body, withId, action) => {
        const pkt = Buffer.from(body);
        if (withId && pkt.length >= 16) {
          cid.copy(pkt, 0);
          pkt.writeUInt32BE(action, 8);
        }
        const reply = await probe.exchange(pkt, udpPort, '127.0.0.1', 40);
        if (reply) assert.ok(reply.length <= Math.max(pkt.length, 16) || (withId && action === 1), `reply ${reply.length} > request ${pkt.length}`);
      }),
      { numRuns: 150 },
    );
    const head = fc.array(fc.constantFrom('GET ', 'POST ', '/announce', '?', 'info_hash=', '%', '%zz', 'HTTP/1.1', 'HTTP/1.0', '\r\n', ': ', 'Content-Length: 3', 'Connection: close', 'x', ' '), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(head, async (parts) => rawHttp(httpPort, Buffer.from(parts.join('') + '\r\n\r\n', 'latin1'))),
      { numRuns: 100 },
    );
    // Still alive and correct.
    const st = await httpGet(`http://127.0.0.1:${httpPort}/stats`);
    assert.equal(st.status, 200);
    assert.ok((await probe.exchange(encodeUdpConnectRequest(2), udpPort)) !== undefined);
  } finally {
    probe.close();
    await s.stop();
  }
});
