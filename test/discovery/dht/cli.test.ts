import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { command, parseDhtArgs } from '../../../src/cli/commands/dht.js';
import { DEFAULT_BOOTSTRAP, DhtNode } from '../../../src/discovery/dht/index.js';
import { UsageError } from '../../../src/errors.js';

test('shoal dht flags', () => {
  const c = parseDhtArgs(['--host', '127.0.0.1', '--port', '0', '--bootstrap', '127.0.0.2:6881', '--bootstrap', '[::1]:7000', '--state', 's.json', '--rate-limit', '0', '--read-only']);
  assert.equal(c.options.host, '127.0.0.1');
  assert.equal(c.options.port, 0);
  assert.deepEqual(c.options.bootstrap, [{ host: '127.0.0.2', port: 6881 }, { host: '::1', port: 7000 }]);
  assert.equal(c.options.state, 's.json');
  assert.equal(c.options.rateLimit, false);
  assert.equal(c.options.readOnly, true);
  const d = parseDhtArgs([]);
  assert.equal(d.options.port, 6881);
  assert.equal(d.options.host, '0.0.0.0');
  assert.deepEqual(d.options.bootstrap, DEFAULT_BOOTSTRAP);
  assert.deepEqual(parseDhtArgs(['--no-bootstrap']).options.bootstrap, []);
  for (const bad of [['--port', '70000'], ['--host', 'nope'], ['--host', '::1'], ['--host6', '1.2.3.4'], ['--bootstrap', 'x'], ['--bootstrap', 'a:1', '--no-bootstrap'], ['extra'], ['--rate-limit', 'x']]) {
    assert.throws(() => parseDhtArgs(bad), UsageError, bad.join(' '));
  }
});

test('shoal dht runs a node until interrupted and answers pings', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ac = new AbortController();
  const running = command.run(['--host', '127.0.0.90', '--port', '0', '--no-bootstrap'], { stdout, stderr, env: {}, cwd: '.', signal: ac.signal });
  for (let i = 0; i < 100 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
  const m = /^shoal dht: node ([0-9a-f]{40}) on udp 127\.0\.0\.90:(\d+)$/m.exec(out);
  assert.ok(m, out);
  const client = await DhtNode.create({ host: '127.0.0.91', bootstrap: [] });
  try {
    const id = await client.ping({ host: '127.0.0.90', port: Number(m[2]) });
    assert.equal(Buffer.from(id!).toString('hex'), m[1]);
  } finally {
    await client.close();
  }
  ac.abort();
  assert.equal(await running, 0);
});
