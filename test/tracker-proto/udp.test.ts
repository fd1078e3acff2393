import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesToIp,
  decodeUdpRequest,
  decodeUdpResponse,
  encodeUdpAnnounceRequest,
  encodeUdpAnnounceResponse,
  encodeUdpConnectRequest,
  encodeUdpConnectResponse,
  encodeUdpError,
  encodeUdpScrapeRequest,
  encodeUdpScrapeResponse,
  ipToBytes,
  TrackerProtoError,
} from '../../src/tracker-proto/index.js';

const ih = Uint8Array.from({ length: 20 }, (_, i) => i);
const pid = Uint8Array.from({ length: 20 }, (_, i) => 100 + i);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TrackerProtoError, `expected TrackerProtoError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

test('connect request/response', () => {
  const req = encodeUdpConnectRequest(0x12345678);
  assert.equal(req.length, 16);
  assert.deepEqual(decodeUdpRequest(req), { action: 'connect', transactionId: 0x12345678 });
  const bad = req.slice();
  bad[0] = 9;
  assert.equal(code(() => decodeUdpRequest(bad)), 'TRACKER_UDP_BAD_PROTOCOL');
  assert.deepEqual(decodeUdpResponse(encodeUdpConnectResponse(7, 0xfedcba9876543210n), 4), {
    action: 'connect',
    transactionId: 7,
    connectionId: 0xfedcba9876543210n,
  });
});

test('announce request with BEP 41 URLData over several chunks', () => {
  const urlData = '/' + 'p'.repeat(300) + '/announce';
  const b = encodeUdpAnnounceRequest({
    connectionId: 5n,
    transactionId: 6,
    infoHash: ih,
    peerId: pid,
    downloaded: 1,
    left: 2 ** 50,
    uploaded: 3,
    event: 'stopped',
    key: 0xffffffff,
    numwant: 10,
    port: 51413,
    urlData,
  });
  const r = decodeUdpRequest(b);
  assert.equal(r.action, 'announce');
  if (r.action !== 'announce') return;
  assert.equal(r.connectionId, 5n);
  assert.deepEqual(r.infoHash, ih);
  assert.deepEqual(r.peerId, pid);
  assert.equal(r.left, 2 ** 50);
  assert.equal(r.event, 'stopped');
  assert.equal(r.key, 0xffffffff);
  assert.equal(r.numwant, 10);
  assert.equal(r.port, 51413);
  assert.equal(r.urlData, urlData);
  assert.equal(r.ip, undefined);
});

test('announce request errors: truncated, bad event, port 0, huge counters, options past the end', () => {
  const good = encodeUdpAnnounceRequest({
    connectionId: 1n, transactionId: 1, infoHash: ih, peerId: pid, downloaded: 0, left: 0, uploaded: 0,
    event: 'none', port: 1,
  });
  assert.equal(code(() => decodeUdpRequest(good.subarray(0, 97))), 'TRACKER_UDP_TRUNCATED');
  const ev = good.slice();
  ev[83] = 4;
  assert.equal(code(() => decodeUdpRequest(ev)), 'TRACKER_BAD_EVENT');
  const p0 = good.slice();
  p0[97] = 0;
  assert.equal(code(() => decodeUdpRequest(p0)), 'TRACKER_BAD_PORT');
  const big = good.slice();
  big[64] = 0xff;
  assert.equal(code(() => decodeUdpRequest(big)), 'TRACKER_BAD_NUMBER');
  const opt = new Uint8Array(101);
  opt.set(good);
  opt[98] = 2;
  opt[99] = 5;
  assert.equal(code(() => decodeUdpRequest(opt)), 'TRACKER_UDP_TRUNCATED');
  assert.equal(code(() => decodeUdpRequest(new Uint8Array(15))), 'TRACKER_UDP_TRUNCATED');
  assert.equal(code(() => decodeUdpRequest(new Uint8Array(4000))), 'TRACKER_UDP_OVERSIZED');
  const act = good.slice();
  act[11] = 9;
  assert.equal(code(() => decodeUdpRequest(act)), 'TRACKER_UDP_BAD_ACTION');
});

test('scrape request: 1..74 hashes, exact length', () => {
  const b = encodeUdpScrapeRequest(3n, 4, [ih, pid]);
  assert.deepEqual(decodeUdpRequest(b), { action: 'scrape', connectionId: 3n, transactionId: 4, infoHashes: [ih, pid] });
  assert.equal(code(() => decodeUdpRequest(b.subarray(0, b.length - 1))), 'TRACKER_UDP_BAD_LENGTH');
  assert.equal(code(() => decodeUdpRequest(b.subarray(0, 16))), 'TRACKER_UDP_BAD_LENGTH');
  assert.equal(code(() => encodeUdpScrapeRequest(1n, 1, [])), 'TRACKER_UNENCODABLE');
});

test('announce response IPv4 and IPv6, scrape and error responses', () => {
  const v4 = encodeUdpAnnounceResponse(1, 1800, 2, 3, Uint8Array.of(10, 0, 0, 1, 0, 80, 10, 0, 0, 2, 0, 81));
  assert.deepEqual(decodeUdpResponse(v4, 4), {
    action: 'announce', transactionId: 1, interval: 1800, leechers: 2, seeders: 3,
    peers: [{ ip: '10.0.0.1', port: 80 }, { ip: '10.0.0.2', port: 81 }],
  });
  assert.equal(code(() => decodeUdpResponse(v4, 6)), 'TRACKER_UDP_BAD_LENGTH');
  const a6 = new Uint8Array(18);
  a6.set(ipToBytes('2001:db8::5'));
  a6[17] = 99;
  const v6 = encodeUdpAnnounceResponse(2, 60, 0, 1, a6);
  const r6 = decodeUdpResponse(v6, 6);
  assert.ok(r6.action === 'announce');
  assert.deepEqual(r6.peers, [{ ip: '2001:db8::5', port: 99 }]);
  const s = encodeUdpScrapeResponse(5, [{ seeders: 1, completed: 2, leechers: 3 }]);
  assert.deepEqual(decodeUdpResponse(s, 4), { action: 'scrape', transactionId: 5, entries: [{ seeders: 1, completed: 2, leechers: 3 }] });
  assert.equal(code(() => decodeUdpResponse(s.subarray(0, 19), 4)), 'TRACKER_UDP_BAD_LENGTH');
  assert.deepEqual(decodeUdpResponse(encodeUdpError(8, 'bad'), 4), { action: 'error', transactionId: 8, message: 'bad' });
  assert.deepEqual(decodeUdpResponse(encodeUdpError(8, ''), 4), { action: 'error', transactionId: 8, message: '' });
  assert.equal(code(() => decodeUdpResponse(new Uint8Array(7), 4)), 'TRACKER_UDP_TRUNCATED');
  assert.equal(code(() => decodeUdpResponse(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1), 4)), 'TRACKER_UDP_TRUNCATED');
});

test('IP text and bytes', () => {
  assert.equal(bytesToIp(ipToBytes('192.168.1.20')), '192.168.1.20');
  assert.equal(bytesToIp(ipToBytes('::ffff:1.2.3.4')), '1.2.3.4');
  assert.equal(bytesToIp(ipToBytes('2001:DB8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(bytesToIp(ipToBytes('::')), '::');
  assert.equal(bytesToIp(ipToBytes('1::')), '1::');
  assert.equal(bytesToIp(ipToBytes('1:0:2:3:4:5:6:7')), '1:0:2:3:4:5:6:7');
  for (const bad of ['1.2.3', '01.2.3.4', '256.1.1.1', '1:2:3', '1::2::3', 'fe80::1%eth0', '', 'x']) {
    assert.equal(code(() => ipToBytes(bad)), 'TRACKER_BAD_IP', bad);
  }
});
