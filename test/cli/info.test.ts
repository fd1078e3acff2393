import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'metainfo');

function capture(cwd = FIXTURES): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const io: CliIO = {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    env: {},
    cwd,
    signal: new AbortController().signal,
  };
  return { io, out: () => out, err: () => err };
}

async function run(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  const c = capture(cwd);
  const code = await main(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

test('shoal info <hybrid.torrent> prints a summary', async () => {
  const r = await run(['info', 'multi-hybrid.torrent']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.match(r.out, /^name: +multi-hybrid$/m);
  assert.match(r.out, /^version: +hybrid \(v1 \+ v2\)$/m);
  assert.match(r.out, /^info hash v1: +[0-9a-f]{40}$/m);
  assert.match(r.out, /^info hash v2: +[0-9a-f]{64}$/m);
  assert.match(r.out, /^piece length: +16\.0 KiB \(16384 bytes\)$/m);
  assert.match(r.out, /^files \(7\):$/m);
  assert.match(r.out, /^ +81913 +multi-hybrid\/sub\/deeper\/five\.bin$/m);
  assert.match(r.out, /^ +20000 +multi-hybrid\/ünï\/日本\.txt$/m);
  assert.doesNotMatch(r.out, /\.pad/);
  assert.match(r.out, /tier 1: +http:\/\/127\.0\.0\.1:6969\/announce/);
  assert.match(r.out, /tier 2: +udp:\/\/127\.0\.0\.1:6969/);
  assert.match(r.out, /^created: +2023-11-14T22:13:20Z$/m);
  assert.match(r.out, /^comment: +fixture multi-hybrid$/m);
  assert.match(r.out, /^magnet: +magnet:\?xt=urn:btih:[0-9a-f]{40}&xt=urn:btmh:1220[0-9a-f]{64}&dn=multi-hybrid&tr=/m);
});

test('shoal info --json gives the machine-readable fields', async () => {
  const r = await run(['info', '--json', join(FIXTURES, 'multi-v2.torrent')]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(j.name, 'multi-v2');
  assert.equal(j.version, 'v2');
  assert.equal(j.infoHash, undefined);
  assert.match(String(j.infoHashV2), /^[0-9a-f]{64}$/);
  assert.equal(j.pieceLength, 16384);
  assert.equal(j.pieceCount, 15);
  assert.equal(j.length, 183935);
  assert.deepEqual((j.files as { path: string }[]).map((f) => f.path).slice(0, 2), ['multi-v2/a.bin', 'multi-v2/empty']);
  assert.deepEqual(j.announce, [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']]);
  assert.deepEqual(j.webSeeds, []);
  assert.equal(j.private, false);
  assert.match(String(j.magnet), /^magnet:\?xt=urn:btmh:1220/);
  const v1 = JSON.parse((await run(['info', '--json', 'multi-hybrid.torrent'])).out) as Record<string, unknown>;
  assert.match(String(v1.infoHash), /^[0-9a-f]{40}$/);
  assert.equal((v1.files as unknown[]).length, 7);
});

test('shoal info <magnet> shows what the link has', async () => {
  const uri = 'magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Some+Name&tr=udp%3A%2F%2Ft%3A1&x.pe=[::1]:5&so=1,3-4';
  const text = await run(['info', uri]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^name: +Some Name$/m);
  assert.match(text.out, /^info hash v1: +c12fe1c06bba254a9dc9f519b335aa7c1367a88a$/m);
  assert.match(text.out, /^select only: +1,3,4$/m);
  const j = JSON.parse((await run(['info', uri, '--json'])).out) as Record<string, unknown>;
  assert.equal(j.infoHash, 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a');
  assert.deepEqual(j.announce, [['udp://t:1']]);
  assert.deepEqual(j.peers, ['[::1]:5']);
  assert.deepEqual(j.selectOnly, [1, 3, 4]);
  assert.equal(j.magnet, 'magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn=Some%20Name&tr=udp%3A%2F%2Ft%3A1&x.pe=[::1]:5&so=1,3-4');
});

test('bad input: one line on stderr, non-zero exit, no stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-info-'));
  try {
    writeFileSync(join(dir, 'junk.torrent'), 'this is not bencode');
    writeFileSync(join(dir, 'evil.torrent'), 'd4:infod5:filesld6:lengthi1e4:pathl2:..6:passwdeee4:name1:x12:piece lengthi16384e6:pieces20:xxxxxxxxxxxxxxxxxxxxee');
    mkdirSync(join(dir, 'folder'));
    const cases: [string[], number, RegExp][] = [
      [['info', 'junk.torrent'], 1, /METAINFO_MALFORMED/],
      [['info', 'evil.torrent'], 1, /info\.files\[0\]\.path\[0\].*METAINFO_PATH_TRAVERSAL/],
      [['info', 'missing.torrent'], 1, /ENOENT/],
      [['info', 'folder'], 2, /not a file/],
      [['info', 'magnet:?dn=x'], 1, /MAGNET_NO_HASH/],
      [['info', 'magnet:?xt=urn:btih:123'], 1, /MAGNET_BAD_HASH/],
      [['info'], 2, /USAGE/],
      [['info', 'a', 'b'], 2, /USAGE/],
      [['info', '--bogus', 'a'], 2, /USAGE/],
    ];
    for (const [args, code, pattern] of cases) {
      const r = await run(args, dir);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err, pattern);
      assert.match(r.err, /^shoal: [^\n]*\n$/, `one line for ${args.join(' ')}: ${r.err}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shoal info --help', async () => {
  const r = await run(['info', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: shoal info <file\.torrent \| magnet-link> \[--json\]/);
});
