import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMagnet, MagnetError, magnetFromMetainfo, parseMagnet } from '../../src/metainfo/index.js';
import { bytesOf, hex, makeTorrent } from './helpers.js';

const H1 = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const H2 = 'a466e99716bf117aa0a51af3b3295d96d2d7cc964d861fbafa2d8e6de88cf9d2';

function rejects(uri: string, code: string): void {
  assert.throws(() => parseMagnet(uri), (e: unknown) => e instanceof MagnetError && e.code === code, `${uri} -> ${code}`);
}

test('v1 magnet: hex and base32 info hashes', () => {
  const m = parseMagnet(`magnet:?xt=urn:btih:${H1}`);
  assert.equal(hex(m.infoHashV1), H1);
  assert.equal(hex(m.infoHash), H1);
  assert.equal(m.infoHashV2, undefined);
  assert.deepEqual([m.trackers, m.webSeeds, m.peers], [[], [], []]);
  // The same hash in base32 (RFC 4648), upper and lower case; hex in upper case.
  const b32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK';
  assert.equal(hex(parseMagnet(`magnet:?xt=urn:btih:${b32}`).infoHash), H1);
  assert.equal(hex(parseMagnet(`magnet:?xt=urn:btih:${b32.toLowerCase()}`).infoHash), H1);
  assert.equal(hex(parseMagnet(`MAGNET:?XT=URN:BTIH:${H1.toUpperCase()}`).infoHash), H1);
});

test('v2 and hybrid magnets (urn:btmh multihash)', () => {
  const v2 = parseMagnet(`magnet:?xt=urn:btmh:1220${H2}`);
  assert.equal(hex(v2.infoHashV2), H2);
  assert.equal(hex(v2.infoHash), H2.slice(0, 40));
  const both = parseMagnet(`magnet:?xt=urn:btih:${H1}&xt=urn:btmh:1220${H2}`);
  assert.equal(hex(both.infoHashV1), H1);
  assert.equal(hex(both.infoHashV2), H2);
  assert.equal(hex(both.infoHash), H1);
  // Numbered exact topics, and repeats of the same hash, are accepted.
  const numbered = parseMagnet(`magnet:?xt.1=urn:btih:${H1}&xt.2=urn:btmh:1220${H2}&xt=urn:btih:${H1}`);
  assert.equal(hex(numbered.infoHashV2), H2);
});

test('dn, tr (in order, percent-decoded), ws, x.pe, so, xl; unknown parameters ignored', () => {
  const uri =
    `magnet:?xt=urn:btih:${H1}&dn=My+Torrent%20%C3%A9&tr=udp%3A%2F%2Ft1%3A80&tr=http://t2/a?x=1%26y=2&tr=udp%3A%2F%2Ft1%3A80` +
    `&ws=http%3A%2F%2Fw%2Ff%2B1&x.pe=10.0.0.1:6881&x.pe=%5B2001:db8::1%5D:51413&x.pe=peer.example:1&so=4-6,0,2,5&xl=1234&foo=bar&kt=a+b`;
  const m = parseMagnet(uri);
  assert.equal(m.name, 'My Torrent é');
  assert.deepEqual(m.trackers, ['udp://t1:80', 'http://t2/a?x=1&y=2']);
  assert.deepEqual(m.webSeeds, ['http://w/f+1']);
  assert.deepEqual(m.peers, [
    { host: '10.0.0.1', port: 6881 },
    { host: '2001:db8::1', port: 51413 },
    { host: 'peer.example', port: 1 },
  ]);
  assert.deepEqual(m.selectOnly, [0, 2, 4, 5, 6]);
  assert.equal(m.length, 1234);
  // An unreadable xl is informational only: ignored.
  assert.equal(parseMagnet(`magnet:?xt=urn:btih:${H1}&xl=-5`).length, undefined);
});

test('formatMagnet round-trips and percent-encodes values', () => {
  const m = parseMagnet(
    `magnet:?xt=urn:btih:${H1}&xt=urn:btmh:1220${H2}&dn=a%26b%3Dc+d&tr=http%3A%2F%2Ft%2Fa%3Fk%3D1%26p%3D2&ws=http://w/x%20y` +
      `&x.pe=[::1]:5&x.pe=127.0.0.1:6&so=0-3,7,9-10&xl=99`,
  );
  const s = formatMagnet(m);
  assert.match(s, /^magnet:\?xt=urn:btih:[0-9a-f]{40}&xt=urn:btmh:1220[0-9a-f]{64}&dn=a%26b%3Dc%20d&xl=99&tr=http%3A%2F%2Ft%2Fa%3Fk%3D1%26p%3D2/);
  assert.match(s, /&x\.pe=\[::1\]:5&x\.pe=127\.0\.0\.1:6&so=0-3,7,9-10$/);
  assert.deepEqual(parseMagnet(s), m);
  assert.equal(formatMagnet(parseMagnet(s)), s);
});

test('magnetFromMetainfo carries the hashes, name, all trackers and web seeds', () => {
  const { metainfo } = makeTorrent('name with spaces', [{ path: ['f'], data: bytesOf(10) }], 'hybrid', 16384, {
    announce: [['http://a/'], ['http://b/', 'http://a/']],
    webSeeds: ['http://w/'],
  });
  const m = magnetFromMetainfo(metainfo);
  assert.equal(hex(m.infoHashV1), hex(metainfo.infoHashV1));
  assert.equal(hex(m.infoHashV2), hex(metainfo.infoHashV2));
  assert.deepEqual(m.trackers, ['http://a/', 'http://b/']);
  const back = parseMagnet(formatMagnet(m));
  assert.deepEqual([back.name, back.trackers, back.webSeeds], ['name with spaces', m.trackers, ['http://w/']]);
  assert.equal(hex(back.infoHash), hex(metainfo.infoHash));
});

test('bad links are refused with a typed error', () => {
  rejects('http://example.com/', 'MAGNET_BAD_URI');
  rejects('magnet:xt=urn:btih:' + H1, 'MAGNET_BAD_URI');
  rejects('magnet:?dn=x', 'MAGNET_NO_HASH');
  rejects('magnet:?xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C', 'MAGNET_NO_HASH');
  rejects('magnet:?xt=urn:btih:' + H1.slice(1), 'MAGNET_BAD_HASH');
  rejects('magnet:?xt=urn:btih:' + H1 + '0', 'MAGNET_BAD_HASH');
  rejects('magnet:?xt=urn:btih:' + 'g'.repeat(40), 'MAGNET_BAD_HASH');
  rejects('magnet:?xt=urn:btih:' + '1'.repeat(32), 'MAGNET_BAD_HASH'); // '1' is not base32
  rejects('magnet:?xt=urn:btih:', 'MAGNET_BAD_HASH');
  rejects('magnet:?xt=urn:btmh:' + H2, 'MAGNET_BAD_HASH'); // no multihash prefix
  rejects('magnet:?xt=urn:btmh:1114' + H1, 'MAGNET_BAD_HASH'); // SHA-1 multihash
  rejects('magnet:?xt=urn:btmh:1220' + H2.slice(2), 'MAGNET_BAD_HASH');
  rejects('magnet:?xt=urn:btmh:1220' + H2 + '00', 'MAGNET_BAD_HASH');
  rejects(`magnet:?xt=urn:btih:${H1}&xt=urn:btih:${'0'.repeat(40)}`, 'MAGNET_BAD_HASH');
  rejects(`magnet:?xt=urn:btih:${H1}&dn=%E0%A4%A`, 'MAGNET_BAD_URI');
  rejects(`magnet:?xt=urn:btih:${H1}&dn=%FF`, 'MAGNET_BAD_URI');
  for (const pe of ['nohost', ':80', 'h:0', 'h:65536', 'h:x', '[::1]', '[::1]80', '[zz]:1', 'a b:1']) {
    rejects(`magnet:?xt=urn:btih:${H1}&x.pe=${encodeURIComponent(pe)}`, 'MAGNET_BAD_PEER');
  }
  for (const so of ['a', '1-', '-1', '3-1', '1,,2', '0-99999999', '1.5']) {
    rejects(`magnet:?xt=urn:btih:${H1}&so=${so}`, 'MAGNET_BAD_SELECT');
  }
  rejects(`magnet:?xt=urn:btih:${H1}&tr=${'x'.repeat(70000)}`, 'MAGNET_TOO_LARGE');
  rejects(`magnet:?xt=urn:btih:${H1}` + '&tr=x'.repeat(1001), 'MAGNET_TOO_LARGE');
  assert.throws(() => parseMagnet(`magnet:?xt=urn:btih:${H1}&so=0-10`, { maxSelect: 5 }), MagnetError);
  assert.throws(() => formatMagnet({ trackers: [], webSeeds: [], peers: [] }), MagnetError);
});
