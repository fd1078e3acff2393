import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { createProgress, renderProgress } from '../../src/cli/progress.js';
import { parsePieceLength } from '../../src/cli/commands/create.js';
import { parseMetainfo, toHex } from '../../src/metainfo/index.js';
import { libtorrentOr, libtorrentView } from '../create/lt.js';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty = false) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'shoal-cli-create-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'data');
mkdirSync(join(data, 'inner'), { recursive: true });
writeFileSync(join(data, 'one.bin'), Buffer.alloc(100_000, 1));
writeFileSync(join(data, 'inner', 'two.txt'), 'two\0two');

async function shoal(args: string[], tty = false): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture(tty);
  const io: CliIO = { stdout, stderr, env: {}, cwd: dir, signal: new AbortController().signal };
  const code = await main(args, io);
  return { code, out: stdout.text, err: stderr.text };
}

test('create writes a torrent and prints its hashes and magnet link', async () => {
  const r = await shoal([
    'create', 'data', '-o', 'out.torrent', '--format', 'hybrid',
    '--announce', 'http://127.0.0.1:6969/announce', '-a', 'udp://127.0.0.1:6969,http://127.0.0.1:7070/announce',
    '--web-seed', 'http://127.0.0.1:8080/', '--piece-length', '16K', '--private', '--comment', 'c',
    '--source', 'S', '--no-date', '--threads', '2',
  ]);
  assert.equal(r.code, 0, r.err);
  const m = parseMetainfo(readFileSync(join(dir, 'out.torrent')));
  assert.equal(m.version, 'hybrid');
  assert.equal(m.pieceLength, 16384);
  assert.deepEqual(m.announce, [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969', 'http://127.0.0.1:7070/announce']]);
  assert.deepEqual(m.webSeeds, ['http://127.0.0.1:8080/']);
  assert.equal(m.private, true);
  assert.equal(m.comment, 'c');
  assert.equal(m.source, 'S');
  assert.equal(m.creationDate, undefined);
  assert.match(r.out, new RegExp(`info hash v1: ${toHex(m.infoHashV1 ?? new Uint8Array())}`));
  assert.match(r.out, new RegExp(`info hash v2: ${toHex(m.infoHashV2 ?? new Uint8Array())}`));
  assert.match(r.out, /^magnet: magnet:\?xt=urn:btih:[0-9a-f]{40}&xt=urn:btmh:1220[0-9a-f]{64}/m);
  assert.equal(r.err, '', 'no progress bar when stderr is not a TTY');
});

test('the default format is v1 and the default output is ./<name>.torrent', async () => {
  const r = await shoal(['create', 'data', '--no-date']);
  assert.equal(r.code, 0, r.err);
  const m = parseMetainfo(readFileSync(join(dir, 'data.torrent')));
  assert.equal(m.version, 'v1');
  assert.doesNotMatch(r.out, /info hash v2/);
  const again = await shoal(['create', 'data', '--no-date', '-o', 'again.torrent']);
  assert.equal(again.code, 0);
  assert.deepEqual(readFileSync(join(dir, 'again.torrent')), readFileSync(join(dir, 'data.torrent')), '--no-date is reproducible');
});

test('a progress bar on a TTY', async () => {
  const r = await shoal(['create', 'data', '-o', 'tty.torrent'], true);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /hashing \[#+\] 100\.0%/);
  assert.ok(r.err.endsWith('\n'));
});

test('errors are one line with a non-zero exit', async () => {
  const cases: [string[], number, RegExp][] = [
    [['create', 'missing', '-o', 'x.torrent'], 1, /no such file or folder: .*missing \[CREATE_PATH_NOT_FOUND\]/],
    [['create', 'data', '-o', join(dir, 'no-such-folder', 'x.torrent')], 1, /folder does not exist \[CREATE_OUTPUT_UNWRITABLE\]/],
    [['create', 'data', '-o', 'data'], 1, /it is a folder \[CREATE_OUTPUT_UNWRITABLE\]/],
    [['create', 'data', '--format', 'v3'], 2, /--format/],
    [['create', 'data', '--piece-length', '1000'], 1, /power of two/],
    [['create', 'data', '--announce', 'nope'], 2, /not a URL/],
    [['create', 'data', '--threads', '0'], 2, /--threads/],
    [['create'], 2, /exactly one/],
    [['create', 'data', '--bogus'], 2, /bogus/],
  ];
  mkdirSync(join(dir, 'empty'));
  cases.push([['create', 'empty'], 1, /no files to share \[CREATE_EMPTY\]/]);
  if (process.getuid?.() !== 0) {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    cases.push([['create', 'data', '-o', join(ro, 'x.torrent')], 1, /permission denied \[CREATE_OUTPUT_UNWRITABLE\]/]);
  }
  for (const [args, code, pattern] of cases) {
    const r = await shoal(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
    assert.equal(r.err.trimEnd().split('\n').length, 1, `one line: ${r.err}`);
  }
});

test('--help prints the usage', async () => {
  const r = await shoal(['create', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /usage: shoal create <path>/);
});

test('libtorrent checks what the CLI made', async (t) => {
  if (!libtorrentOr(t)) return;
  for (const format of ['v1', 'v2', 'hybrid']) {
    const file = join(dir, `lt-${format}.torrent`);
    const r = await shoal(['create', 'data', '-o', file, '-f', format, '-l', '16384', '-q']);
    assert.equal(r.code, 0, r.err);
    const m = parseMetainfo(readFileSync(file));
    const lt = libtorrentView(file, dir);
    assert.equal(lt.v1, m.infoHashV1 ? toHex(m.infoHashV1) : null);
    assert.equal(lt.v2, m.infoHashV2 ? toHex(m.infoHashV2) : null);
    assert.equal(lt.have, m.pieceCount, `${format}: ${lt.have}/${m.pieceCount} (${lt.state})`);
  }
});

test('piece length sizes and the progress bar text', () => {
  assert.equal(parsePieceLength('16384'), 16384);
  assert.equal(parsePieceLength('16K'), 16384);
  assert.equal(parsePieceLength('4m'), 4 << 20);
  assert.equal(parsePieceLength('2MiB'), 2 << 20);
  assert.throws(() => parsePieceLength('1.5M'), { code: 'USAGE' });
  const line = renderProgress('hashing', 512 << 20, 1 << 30, 1000, 99);
  assert.match(line, /^hashing \[#+-+\] {2}50\.0% +512\.0 MiB\/1\.00 GiB +512\.0 MiB\/s ETA 00:01$/);
  assert.equal(line.length, renderProgress('hashing', 1, 1 << 30, 1000, 99).length, 'the bar keeps its length');
  assert.ok(renderProgress('x', 1, 2, 10, 30).length <= 30);
  const off = new Capture(false);
  createProgress(off).update(1, 2);
  assert.equal(off.text, '');
  let now = 0;
  const on = new Capture(true);
  const bar = createProgress(on, { now: () => now, intervalMs: 100 });
  bar.update(1, 10);
  bar.update(2, 10);
  now = 150;
  bar.update(3, 10);
  assert.equal(on.text.split('\r').length - 1, 2, 'redraws are throttled');
  bar.finish();
  bar.finish();
  assert.ok(on.text.endsWith('\n'));
});
