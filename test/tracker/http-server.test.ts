import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { TrackerServer } from '../../src/tracker/index.js';
import { decodeAnnounceResponse, encodeAnnounceQuery } from '../../src/tracker-proto/index.js';
import { RedisStore } from '../../src/tracker/redis-store.js';
import { redisSkipReason, startRedis } from './redis-server.js';

/** Writes raw bytes, collects everything until the server closes or `ms` pass. */
function raw(port: number, data: string | string[], ms = 1000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text, closed });
    }, ms);
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve({ text, closed });
    });
    s.on('error', () => undefined);
    const parts = Array.isArray(data) ? data : [data];
    let i = 0;
    const next = (): void => {
      if (i < parts.length) {
        s.write(parts[i++] as string);
        setTimeout(next, 30);
      }
    };
    s.on('connect', next);
  });
}

const q = (n: number): string =>
  encodeAnnounceQuery({ infoHash: new Uint8Array(20).fill(9), peerId: new Uint8Array(20).fill(n), port: 100 + n, uploaded: 0, downloaded: 0, left: 1, event: 'started' });
const get = (path: string, extra = '', version = '1.1'): string => `GET ${path} HTTP/${version}\r\nHost: x\r\n${extra}\r\n`;

async function withServer(f: (port: number) => Promise<void>, extra: ConstructorParameters<typeof TrackerServer>[0] = {}): Promise<void> {
  const s = new TrackerServer({ host: '127.0.0.1', httpPort: 0, udpPort: null, ...extra });
  const a = await s.start();
  try {
    await f(a.http?.port ?? 0);
  } finally {
    await s.stop();
  }
}

function bodies(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1')) {
    const end = rest.indexOf('\r\n\r\n');
    const len = Number(/Content-Length: (\d+)/.exec(rest.slice(0, end))?.[1]);
    out.push(rest.slice(end + 4, end + 4 + len));
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

test('keep-alive and pipelining: replies in order on one connection', async () => {
  await withServer(async (port) => {
    const r = await raw(port, get(`/announce?${q(1)}`) + get(`/announce?${q(2)}`) + get('/stats'), 500);
    assert.equal(r.closed, false, 'HTTP/1.1 keeps the connection');
    const b = bodies(r.text);
    assert.equal(b.length, 3);
    const second = decodeAnnounceResponse(Buffer.from(b[1] ?? '', 'latin1'));
    assert.ok(second.ok);
    assert.deepEqual(second.peers, [{ ip: '127.0.0.1', port: 101 }]);
    assert.equal((JSON.parse(b[2] ?? '{}') as { peers: number }).peers, 2);
  });
});

test('HTTP/1.0 closes unless keep-alive is asked; Connection: close is honoured; HEAD has no body', async () => {
  await withServer(async (port) => {
    const a = await raw(port, get('/stats', '', '1.0'));
    assert.ok(a.closed);
    assert.match(a.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(a.text, /Connection: close/);
    const b = await raw(port, get('/stats', 'Connection: keep-alive\r\n', '1.0'), 300);
    assert.equal(b.closed, false);
    assert.match(b.text, /Connection: keep-alive/);
    const c = await raw(port, get('/stats', 'Connection: close\r\n'));
    assert.ok(c.closed);
    const h = await raw(port, `HEAD /stats HTTP/1.1\r\nConnection: close\r\n\r\n`);
    assert.match(h.text, /Content-Length: \d+\r\n/);
    assert.ok(h.text.endsWith('\r\n\r\n'), 'no body after the head');
  });
});

test('malformed requests: bad request line, bodies, huge heads, slow heads, odd methods', async () => {
  await withServer(
    async (port) => {
      assert.match((await raw(port, 'HELLO\r\n\r\n')).text, /^HTTP\/1\.1 400 /);
      assert.match((await raw(port, 'GET noslash HTTP/1.1\r\n\r\n')).text, /^HTTP\/1\.1 400 /);
      assert.match((await raw(port, 'GET / HTTP/2.0\r\n\r\n')).text, /^HTTP\/1\.1 400 /);
      assert.match((await raw(port, 'GET / HTTP/1.1\r\nbad header\r\n\r\n')).text, /^HTTP\/1\.1 400 /);
      assert.match((await raw(port, 'GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello')).text, /^HTTP\/1\.1 400 /);
      assert.match((await raw(port, 'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).text, /^HTTP\/1\.1 400 /);
      const huge = await raw(port, `GET /announce?x=${'a'.repeat(20000)}`);
      assert.match(huge.text, /^HTTP\/1\.1 431 /);
      assert.ok(huge.closed);
      assert.match((await raw(port, 'POST /announce HTTP/1.1\r\nConnection: close\r\n\r\n')).text, /^HTTP\/1\.1 405 /);
      const slow = await raw(port, ['GET /stats HTTP/1.1\r\n', 'X-a: 1\r\n'], 2000);
      assert.match(slow.text, /^HTTP\/1\.1 408 /);
      assert.ok(slow.closed);
      // Still serving.
      assert.match((await raw(port, get('/stats', 'Connection: close\r\n'))).text, /^HTTP\/1\.1 200 /);
    },
    { http: { headersTimeoutMs: 200 } },
  );
});

const skip = redisSkipReason();
test('pipelined replies stay in order with an asynchronous (Redis) store', { skip }, async () => {
  const redis = await startRedis();
  try {
    const store = await RedisStore.connect(redis.url, { prefix: `p:${Date.now()}:` });
    await withServer(
      async (port) => {
        const reqs = Array.from({ length: 10 }, (_, i) => get(`/announce?${q(i + 1)}&numwant=0`)).join('') + get('/nothing') + get('/stats', 'Connection: close\r\n');
        const r = await raw(port, reqs, 3000);
        const b = bodies(r.text);
        assert.equal(b.length, 12);
        for (let i = 0; i < 10; i++) {
          const d = decodeAnnounceResponse(Buffer.from(b[i] ?? '', 'latin1'));
          assert.ok(d.ok);
          assert.equal(d.incomplete, i + 1, `reply ${i} in order`);
        }
        assert.match(b[10] ?? '', /not found/);
        assert.ok(r.closed);
      },
      { store },
    );
  } finally {
    await redis.stop();
  }
});
