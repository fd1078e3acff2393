// Peer exchange with libtorrent (BEP 11, ut_pex): shoal is told about one libtorrent seeder S
// only, with no tracker, DHT or local discovery, and must find a second seeder X that only S
// knows. X runs with PEX disabled, so it can neither learn shoal's address nor dial it: any
// connection between shoal and X was opened by shoal, from an address it could only have had
// from S's ut_pex message. The test passes when X reports that it uploaded to shoal.
//
// libtorrent sends its first (full) PEX list to a peer at the first one-second tick after the
// extension handshake at which the torrent has more than one peer, then a diff once a minute;
// S has X and shoal, so the list comes within seconds. shoal's download rate is capped so the
// download is still running when it arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTorrent } from '../../src/create/index.js';
import { libtorrent, type LtPeer, type LtPeerInfo, type LtStatus } from './harness/libtorrent.js';
import { shoal } from './harness/shoal.js';
import { makeRandomFile, requireLibtorrent, sha256File, tmpDir } from './harness/tools.js';

const SIZE = 3 * 1024 * 1024 + 777;
/** shoal's download cap: the whole file takes about 12 s, so PEX arrives mid-download. */
const RATE = String(256 * 1024);
const S_HOST = '127.0.0.2';
const SHOAL_HOST = '127.0.0.3';
const X_HOST = '127.0.0.4';

/** Waits for a progress line of `peer` whose peer list has an entry matching `pred`. */
async function waitPeer(peer: LtPeer, pred: (p: LtPeerInfo) => boolean, timeoutMs: number, what: string): Promise<LtPeerInfo> {
  const line = await peer.process.waitForJson<LtStatus>((v) => Array.isArray(v.peerList) && (v.peerList as LtPeerInfo[]).some(pred), timeoutMs, what);
  return (line.peerList ?? []).find(pred) as LtPeerInfo;
}

test('shoal uses a peer it learned from libtorrent through ut_pex', { timeout: 90_000 }, async (t) => {
  if (!(await requireLibtorrent(t))) return;
  const dir = await tmpDir(t);
  const file = join(dir, 'pex.bin');
  await makeRandomFile(file, SIZE, 'pex-interop');
  const made = await createTorrent({ path: file, format: 'v1', pieceLength: 65536, threads: 1 });
  const torrent = join(dir, 'pex.torrent');
  await writeFile(torrent, made.torrent);

  // X: a seeder that never takes part in PEX and that nobody but S is told about.
  const x = await libtorrent.seed(t, torrent, dir, { host: X_HOST, noPex: true, keepRedundant: true, reportPeers: true });
  // S: a seeder that dials X and keeps the seed-to-seed connection, so X is in its PEX list.
  const s = await libtorrent.seed(t, torrent, dir, { host: S_HOST, peers: [x.address], keepRedundant: true, reportPeers: true });
  await waitPeer(s, (p) => p.address === x.address && p.outgoing, 20_000, 'S connected to X');

  const out = await tmpDir(t);
  const dl = await shoal.download(t, torrent, out, {
    host: SHOAL_HOST,
    bind: SHOAL_HOST,
    peers: [s.address],
    maxDownloadRate: RATE,
    extraArgs: ['--no-dht', '--no-lsd'],
  });

  // X only ever hears of shoal by shoal dialling it; uploaded > 0 means shoal downloaded from X.
  const fromShoal = (p: LtPeerInfo): boolean => p.address.startsWith(`${SHOAL_HOST}:`);
  const seen = await waitPeer(x, (p) => fromShoal(p) && p.uploaded > 0, 45_000, 'X uploading to shoal (a peer shoal can only know from PEX)');
  assert.equal(seen.outgoing, false, 'shoal dialled X, not the other way round');
  assert.equal(seen.pex, false);

  await dl.finished(60_000);
  assert.equal(await sha256File(join(out, 'pex.bin')), await sha256File(file), 'the download differs from its source');
});
