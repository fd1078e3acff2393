import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { parseTrackerArgs } from '../../src/cli/commands/tracker.js';
import { decodeAnnounceResponse, encodeAnnounceQuery } from '../../src/tracker-proto/index.js';
import { httpGet } from './util.js';

function io(signal: AbortSignal): { io: Parameters<typeof main>[1]; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (c: Buffer) => (o += c.toString()));
  stderr.on('data', (c: Buffer) => (e += c.toString()));
  return { io: { stdout, stderr, env: {}, cwd: process.cwd(), signal }, out: () => o, err: () => e };
}

test('argument validation gives usage errors (exit 2)', async () => {
  for (const args of [
    ['--http-port', 'x'],
    ['--udp-port', '70000'],
    ['--store', 'mongo://x'],
    ['--interval', '0'],
    ['--private'],
    ['--workers', '0'],
    ['--log-level', 'loud'],
    ['--http-port', 'off', '--udp-port', 'off'],
    ['extra'],
    ['--bogus'],
  ]) {
    const h = io(new AbortController().signal);
    assert.equal(await main(['tracker', ...args], h.io), 2, args.join(' '));
    assert.match(h.err(), /USAGE/);
  }
  const c = parseTrackerArgs(['--http-port', 'off', '--trusted-proxy', '10.0.0.1', '--trusted-proxy', '10.0.0.2']);
  assert.equal(c.httpPort, null);
  assert.deepEqual(c.trustedProxies, ['10.0.0.1', '10.0.0.2']);
});

test('shoal tracker serves, honours --allow, stops on the signal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-tracker-'));
  const ih = new Uint8Array(20).fill(7);
  writeFileSync(join(dir, 'allow'), `# tracked\n${Buffer.from(ih).toString('hex')}\n`);
  const ac = new AbortController();
  const h = io(ac.signal);
  const running = main(['tracker', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0', '--allow', join(dir, 'allow'), '--interval', '60'], h.io);
  const deadline = Date.now() + 5000;
  while (!/http:\/\/127\.0\.0\.1:\d+/.test(h.out()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)/.exec(h.out())?.[1]);
  assert.match(h.out(), /udp:\/\/127\.0\.0\.1:\d+\/announce/);
  const q = (hash: Uint8Array): string =>
    encodeAnnounceQuery({ infoHash: hash, peerId: new Uint8Array(20), port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'started' });
  const ok = decodeAnnounceResponse((await httpGet(`http://127.0.0.1:${port}/announce?${q(ih)}`)).body);
  assert.ok(ok.ok);
  assert.equal(ok.interval, 60);
  const no = decodeAnnounceResponse((await httpGet(`http://127.0.0.1:${port}/announce?${q(new Uint8Array(20).fill(8))}`)).body);
  assert.ok(!no.ok && /unregistered/.test(no.failureReason));
  ac.abort();
  assert.equal(await running, 0);
  assert.match(h.err(), /"msg":"tracker listening"/);
});

test('a bad allow file is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-tracker-'));
  writeFileSync(join(dir, 'allow'), 'not-a-hash\n');
  const h = io(new AbortController().signal);
  assert.equal(await main(['tracker', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0', '--allow', join(dir, 'allow')], h.io), 1);
  assert.match(h.err(), /entry 1 is not a 40-digit hex info hash/);
});
