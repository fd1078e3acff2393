import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode } from '../../src/bencode/index.js';
import {
  decodeAnnounceResponse,
  decodeScrapeResponse,
  encodeAnnounceQuery,
  encodeAnnounceResponse,
  encodeFailure,
  encodeScrapeQuery,
  encodeScrapeResponse,
  parseAnnounceQuery,
  parseQuery,
  parseScrapeQuery,
  percentEncode,
  scrapeUrlFromAnnounce,
  TrackerProtoError,
  withQuery,
  type AnnounceRequest,
} from '../../src/tracker-proto/index.js';

const ih = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 200) & 0xff);
const pid = new TextEncoder().encode('-SH0001-abcdefghijkl');

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TrackerProtoError, `expected TrackerProtoError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected an error');
}

test('announce query round trip keeps binary info_hash and peer_id', () => {
  const req: AnnounceRequest = {
    infoHash: ih,
    peerId: pid,
    port: 6881,
    uploaded: 10,
    downloaded: 2 ** 40,
    left: 0,
    event: 'completed',
    numwant: 80,
    key: 0xdeadbeef,
    compact: true,
    noPeerId: true,
    trackerId: Uint8Array.of(1, 2, 3),
  };
  const q = encodeAnnounceQuery(req);
  assert.match(q, /key=deadbeef/);
  const back = parseAnnounceQuery(q);
  assert.deepEqual(back.infoHash, ih);
  assert.deepEqual(back.peerId, pid);
  assert.equal(back.port, 6881);
  assert.equal(back.downloaded, 2 ** 40);
  assert.equal(back.left, 0);
  assert.equal(back.event, 'completed');
  assert.equal(back.numwant, 80);
  assert.equal(back.key, 0xdeadbeef);
  assert.equal(back.noPeerId, true);
  assert.deepEqual(back.trackerId, Uint8Array.of(1, 2, 3));
});

test('query parsing accepts raw and lower-case escapes, + as space, repeated keys', () => {
  assert.deepEqual(parseQuery('a=%41%6a+b&&c&a=1'), [
    { key: 'a', value: new TextEncoder().encode('Aj b') },
    { key: 'c', value: new Uint8Array(0) },
    { key: 'a', value: new TextEncoder().encode('1') },
  ]);
});

test('announce query errors', () => {
  const base = `info_hash=${percentEncode(ih)}&peer_id=${percentEncode(pid)}&port=1&left=0`;
  assert.equal(parseAnnounceQuery(base).event, 'none');
  assert.equal(code(() => parseAnnounceQuery(base.replace('info_hash=', 'x='))), 'TRACKER_MISSING_PARAM');
  assert.equal(code(() => parseAnnounceQuery(`info_hash=abc&peer_id=${percentEncode(pid)}&port=1&left=0`)), 'TRACKER_BAD_INFO_HASH');
  assert.equal(code(() => parseAnnounceQuery(base.replace('peer_id=', 'peer_id=x'))), 'TRACKER_BAD_PEER_ID');
  assert.equal(code(() => parseAnnounceQuery(base.replace('port=1', 'port=65536'))), 'TRACKER_BAD_PORT');
  assert.equal(code(() => parseAnnounceQuery(base.replace('port=1', 'port=0'))), 'TRACKER_BAD_PORT');
  assert.equal(code(() => parseAnnounceQuery(base.replace('left=0', 'left=-5'))), 'TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(base.replace('left=0', 'left=99999999999999999999'))), 'TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(base.replace('left=0', 'left=1e9'))), 'TRACKER_BAD_NUMBER');
  assert.equal(code(() => parseAnnounceQuery(base + '&event=exploded')), 'TRACKER_BAD_EVENT');
  assert.equal(code(() => parseAnnounceQuery(base + '&x=%zz')), 'TRACKER_BAD_QUERY');
  assert.equal(code(() => parseAnnounceQuery(base + '&x=%4')), 'TRACKER_BAD_QUERY');
  assert.equal(code(() => parseAnnounceQuery(base + '&x=' + 'a'.repeat(9000))), 'TRACKER_QUERY_TOO_LONG');
  assert.equal(code(() => parseAnnounceQuery(base + '&x'.repeat(100))), 'TRACKER_TOO_MANY_PARAMS');
  assert.equal(code(() => parseAnnounceQuery(base + `&info_hash=${percentEncode(ih)}`)), 'TRACKER_BAD_INFO_HASH');
  assert.equal(parseAnnounceQuery(base + '&numwant=-1').numwant, undefined);
  assert.equal(parseAnnounceQuery(base + '&event=paused').event, 'none');
  assert.equal(parseAnnounceQuery(base + '&compact=0').compact, false);
  assert.equal(parseAnnounceQuery(base + '&key=not-hex!').key !== undefined, true);
});

test('scrape query: several hashes, bounded count', () => {
  const q = encodeScrapeQuery([ih, pid]);
  assert.deepEqual(parseScrapeQuery(q), [ih, pid]);
  assert.deepEqual(parseScrapeQuery(''), []);
  assert.equal(code(() => parseScrapeQuery(encodeScrapeQuery(Array(5).fill(ih)), { maxHashes: 4 })), 'TRACKER_TOO_MANY_HASHES');
});

test('scrape URL from announce URL (BEP 48)', () => {
  assert.equal(scrapeUrlFromAnnounce('http://t.example/announce'), 'http://t.example/scrape');
  assert.equal(scrapeUrlFromAnnounce('http://t.example/x/announce.php?pk=1'), 'http://t.example/x/scrape.php?pk=1');
  assert.equal(scrapeUrlFromAnnounce('http://t.example/a'), undefined);
  assert.equal(scrapeUrlFromAnnounce('http://t.example/announce/x'), undefined);
  assert.equal(withQuery('http://t/a?pk=1', 'b=2'), 'http://t/a?pk=1&b=2');
  assert.equal(withQuery('http://t/a', 'b=2'), 'http://t/a?b=2');
});

test('announce response: compact, peers6, external ip, all optional keys; canonical bytes', () => {
  const fields = {
    interval: 1800,
    minInterval: 60,
    trackerId: Uint8Array.of(9),
    complete: 3,
    incomplete: 4,
    peers: Uint8Array.of(127, 0, 0, 1, 0x1a, 0xe1),
    peers6: Uint8Array.of(...new Array(15).fill(0), 1, 0, 80),
    warningMessage: 'slow down',
    externalIp: Uint8Array.of(10, 0, 0, 7),
  };
  const bytes = encodeAnnounceResponse(fields);
  assert.deepEqual(encode(decode(bytes)), bytes, 'canonical');
  const r = decodeAnnounceResponse(bytes);
  assert.ok(r.ok);
  assert.equal(r.interval, 1800);
  assert.equal(r.minInterval, 60);
  assert.equal(r.complete, 3);
  assert.equal(r.incomplete, 4);
  assert.equal(r.warningMessage, 'slow down');
  assert.equal(r.externalIp, '10.0.0.7');
  assert.deepEqual(r.trackerId, Uint8Array.of(9));
  assert.deepEqual(r.peers, [
    { ip: '127.0.0.1', port: 6881 },
    { ip: '::1', port: 80 },
  ]);
});

test('announce response: dictionary peer list with and without peer ids', () => {
  const bytes = encodeAnnounceResponse({
    interval: 10,
    peers: [
      { ip: '1.2.3.4', port: 5, peerId: pid },
      { ip: 'host.example', port: 6 },
    ],
  });
  const r = decodeAnnounceResponse(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.peers, [
    { ip: '1.2.3.4', port: 5, peerId: pid },
    { ip: 'host.example', port: 6 },
  ]);
});

test('failure reason and malformed responses', () => {
  assert.deepEqual(decodeAnnounceResponse(encodeFailure('unregistered torrent')), {
    ok: false,
    failureReason: 'unregistered torrent',
  });
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('d5:peers5:abcdee'))), 'TRACKER_BAD_RESPONSE');
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('<html>'))), 'TRACKER_BAD_RESPONSE');
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('d8:intervali-1e5:peers0:e'))), 'TRACKER_BAD_RESPONSE');
  assert.equal(code(() => decodeAnnounceResponse(new TextEncoder().encode('li1ee'))), 'TRACKER_BAD_RESPONSE');
});

test('scrape response round trip and failure', () => {
  const bytes = encodeScrapeResponse([{ infoHash: ih, complete: 1, incomplete: 2, downloaded: 3 }]);
  assert.deepEqual(decodeScrapeResponse(bytes), { ok: true, files: [{ infoHash: ih, complete: 1, incomplete: 2, downloaded: 3 }] });
  assert.deepEqual(decodeScrapeResponse(encodeFailure('no')), { ok: false, failureReason: 'no' });
  assert.equal(code(() => decodeScrapeResponse(new TextEncoder().encode('d5:filesd3:abcdeee'))), 'TRACKER_BAD_RESPONSE');
});
