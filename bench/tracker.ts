// Tracker benchmark (`npm run bench:tracker`): one load generator, on loopback, against shoal's
// tracker (one process with the memory store; and N processes sharing the ports with a Redis
// store), Debian's opentracker and the npm `bittorrent-tracker` server, each over UDP and HTTP,
// in the same run. For each: announces/s at saturation (many requests in flight, many distinct
// info hashes and peer ids), p50/p99 latency, server CPU per announce (utime+stime from
// /proc/PID/stat of the server and its children), and RSS per stored peer after a fill phase.
// Every phase is bounded in count and time; every process started is killed at the end.
//
//   npm run bench:tracker -- [--seconds S] [--count N] [--fill N] [--protos udp,http] [--workers N]
//     [--only shoal,echo,opentracker,bittorrent-tracker,shoal-cluster,shoal-redis]
//   (echo: a node:dgram server that answers with fixed bytes, the floor any Node tracker pays)
//     [--bt-ref DIR]   folder with `npm install --ignore-scripts bittorrent-tracker` (default /tmp/bt-ref)
//
// Run under `--role shoal-server ARGS...` it is the shoal tracker itself (a child process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SELF = fileURLToPath(import.meta.url);


// ---------------------------------------------------------------- processes and /proc

interface Server {
  readonly name: string;
  readonly udpPort: number;
  readonly httpPort: number;
  /** Root pids whose process trees are measured. */
  readonly pids: number[];
  /** Of those, a helper whose share is reported separately (the Redis server). */
  readonly helperPid?: number;
  stop(): Promise<void>;
}

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const REPO = fileURLToPath(new URL('..', import.meta.url));

function start(cmd: string, args: string[]): ChildProcess {
  // From the repository, so `--import tsx` resolves whatever the caller's directory.
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO });
  children.push(c);
  c.stderr?.on('data', () => undefined);
  return c;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** The pid and all its descendants (read from /proc). */
function tree(root: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const k of kids.get(p) ?? []) walk(k);
  };
  walk(root);
  return out;
}

/** CPU seconds (user + system) of the given process trees. */
function cpuSeconds(roots: number[]): number {
  const ticks = 100; // CLK_TCK on Linux x86-64
  let sum = 0;
  for (const pid of roots.flatMap(tree)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += Number(f[11]) + Number(f[12]);
    } catch {
      // exited
    }
  }
  return sum / ticks;
}

/** Resident memory in bytes of the given process trees. */
function rssBytes(roots: number[]): number {
  let sum = 0;
  for (const pid of roots.flatMap(tree)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      sum += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // exited
    }
  }
  return sum;
}

async function waitUntil(what: string, f: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await f()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// ---------------------------------------------------------------- workload

const HASHES = 1000;
const infoHash = (i: number): Buffer => createHash('sha1').update(`bench-hash-${i % HASHES}`).digest();
function peerId(i: number): Buffer {
  const b = Buffer.alloc(20);
  b.write('-BN0001-', 0, 'latin1');
  b.writeUInt32BE(i >>> 0, 12);
  b.writeUInt32BE(0x5eed, 16);
  return b;
}
const pct = (b: Buffer): string => [...b].map((x) => '%' + x.toString(16).padStart(2, '0')).join('');

interface Phase {
  announces: number;
  seconds: number;
  lost: number;
  latenciesMs: Float64Array;
}

function quantile(a: Float64Array, n: number, q: number): number {
  if (n === 0) return NaN;
  const s = a.slice(0, n).sort();
  return s[Math.min(n - 1, Math.floor(q * n))] as number;
}

/**
 * UDP load: `sockets` sockets, each with `window` announces in flight, peers `first`..first+span-1
 * in a rotating order (peer i announces to swarm i % HASHES), until `count` replies or `seconds`.
 */
async function udpLoad(port: number, o: { first: number; span: number; count: number; seconds: number; sockets?: number; window?: number }): Promise<Phase> {
  const nSock = o.sockets ?? 8;
  const window = o.window ?? 32;
  const lat = new Float64Array(o.count);
  let done = 0;
  let sent = 0;
  let lost = 0;
  const socks: UdpSocket[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: nSock }, async () => {
      const s = createSocket('udp4');
      socks.push(s);
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
      // connect (retried)
      const cid = await new Promise<Buffer>((resolve, reject) => {
        const req = Buffer.alloc(16);
        req.writeBigUInt64BE(0x41727101980n, 0);
        req.writeUInt32BE(0, 8);
        req.writeUInt32BE(0xc0ffee, 12);
        const iv = setInterval(() => s.send(req, port, '127.0.0.1'), 300);
        const to = setTimeout(() => reject(new Error('no UDP connect reply')), 5000);
        s.once('message', (m) => {
          clearInterval(iv);
          clearTimeout(to);
          resolve(Buffer.from(m.subarray(8, 16)));
        });
        s.send(req, port, '127.0.0.1');
      });
      const inflight = new Map<number, number>();
      const template = Buffer.alloc(98);
      cid.copy(template, 0);
      template.writeUInt32BE(1, 8);
      template.writeInt32BE(-1, 92);
      let tx = (socks.length << 24) >>> 0;
      const fire = (): void => {
        if (sent >= o.count || performance.now() - t0 > o.seconds * 1000) return;
        const i = o.first + (sent++ % o.span);
        tx = (tx + 1) >>> 0;
        // A fresh buffer per datagram: dgram may read it after this function returns.
        const pkt = Buffer.from(template);
        pkt.writeUInt32BE(tx, 12);
        infoHash(i).copy(pkt, 16);
        peerId(i).copy(pkt, 36);
        pkt.writeUInt32BE(0, 56);
        pkt.writeUInt32BE(0, 60);
        pkt.writeUInt32BE(0, 64);
        pkt.writeUInt32BE(i % 5 === 0 ? 0 : 1000, 68); // one in five peers seeds
        pkt.writeUInt32BE(0, 80);
        pkt.writeUInt16BE(1024 + (i % 60000), 96);
        inflight.set(tx, performance.now());
        s.send(pkt, port, '127.0.0.1');
      };
      s.on('message', (m) => {
        if (m.length < 8) return;
        const t = inflight.get(m.readUInt32BE(4));
        if (t === undefined) return;
        inflight.delete(m.readUInt32BE(4));
        if (done < lat.length) lat[done] = performance.now() - t;
        done++;
        fire();
      });
      // Lost datagrams (full socket buffers) are counted and replaced, never waited on forever.
      const sweep = setInterval(() => {
        const now = performance.now();
        for (const [k, t] of inflight) {
          if (now - t > 1000) {
            inflight.delete(k);
            lost++;
            fire();
          }
        }
      }, 200);
      for (let w = 0; w < window; w++) fire();
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          const over = sent >= o.count || performance.now() - t0 > o.seconds * 1000;
          if (over && (inflight.size === 0 || performance.now() - t0 > o.seconds * 1000 + 1500)) {
            clearInterval(check);
            clearInterval(sweep);
            resolve();
          }
        }, 20);
      });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of socks) s.close();
  return { announces: done, seconds, lost, latenciesMs: lat };
}

/**
 * HTTP load: `conns` connections, one request in flight on each; keep-alive where the server
 * allows it, a new connection where it closes (opentracker closes after every reply).
 */
async function httpLoad(port: number, o: { first: number; span: number; count: number; seconds: number; conns?: number }): Promise<Phase> {
  const nConn = o.conns ?? 32;
  const lat = new Float64Array(o.count);
  let done = 0;
  let sent = 0;
  let lost = 0;
  const t0 = performance.now();
  const over = (): boolean => sent >= o.count || performance.now() - t0 > o.seconds * 1000;
  const request = (i: number): string =>
    `GET /announce?info_hash=${pct(infoHash(i))}&peer_id=${pct(peerId(i))}&port=${1024 + (i % 60000)}` +
    `&uploaded=0&downloaded=0&left=${i % 5 === 0 ? 0 : 1000}&compact=1&numwant=50 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const worker = async (): Promise<void> => {
    let sock: Socket | undefined;
    let buf: Buffer = Buffer.alloc(0);
    let onReply: ((ok: boolean) => void) | undefined;
    /** The socket the outstanding request was written to. */
    let current: Socket | undefined;
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1');
        s.setNoDelay(true);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
        s.on('data', (c: Buffer) => {
          if (current !== s) return;
          buf = buf.length ? Buffer.concat([buf, c]) : c;
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = buf.subarray(0, end).toString('latin1');
          const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
          if (len >= 0 && buf.length >= end + 4 + len) {
            buf = buf.subarray(end + 4 + len);
            if (/connection:\s*close/i.test(head) || /^HTTP\/1\.0/.test(head)) {
              s.destroy();
              if (sock === s) sock = undefined;
            }
            current = undefined;
            onReply?.(true);
          }
        });
        const gone = (): void => {
          if (sock === s) sock = undefined;
          if (current !== s) return; // a socket we are done with closing late
          // A reply without content-length ends with the connection.
          current = undefined;
          if (buf.indexOf('\r\n\r\n') !== -1) {
            buf = Buffer.alloc(0);
            onReply?.(true);
          } else onReply?.(false);
        };
        s.on('end', gone);
        s.on('close', gone);
        s.on('error', () => undefined);
      });
    while (!over()) {
      const i = o.first + (sent++ % o.span);
      const t = performance.now();
      try {
        sock ??= await open();
        buf = Buffer.alloc(0);
        const ok = await new Promise<boolean>((resolve) => {
          const to = setTimeout(() => resolve(false), 2000);
          onReply = (x) => {
            clearTimeout(to);
            onReply = undefined;
            resolve(x);
          };
          current = sock;
          sock?.write(request(i));
        });
        if (ok) {
          if (done < lat.length) lat[done] = performance.now() - t;
          done++;
        } else {
          lost++;
          sock?.destroy();
          sock = undefined;
        }
      } catch {
        lost++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    sock?.destroy();
  };
  await Promise.all(Array.from({ length: nConn }, worker));
  return { announces: done, seconds: (performance.now() - t0) / 1000, lost, latenciesMs: lat };
}

// ---------------------------------------------------------------- servers

async function udpAnswers(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return await new Promise<boolean>((resolve) => {
      const req = Buffer.alloc(16);
      req.writeBigUInt64BE(0x41727101980n, 0);
      const t = setTimeout(() => resolve(false), 300);
      s.once('message', () => {
        clearTimeout(t);
        resolve(true);
      });
      s.send(req, port, '127.0.0.1');
    });
  } finally {
    s.close();
  }
}

async function httpAccepts(port: number, hash: Buffer): Promise<boolean> {
  const url = `http://127.0.0.1:${port}/announce?info_hash=${pct(hash)}&peer_id=${pct(peerId(999_999_999))}&port=1&uploaded=0&downloaded=0&left=0&numwant=0&compact=1`;
  const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
  const body = Buffer.from(await r.arrayBuffer()).toString('latin1');
  if (body.includes('failure reason')) return false;
  await fetch(url + '&event=stopped', { signal: AbortSignal.timeout(1000) }).then((x) => x.arrayBuffer());
  return true;
}

async function shoalServer(workers: number, redisUrl?: string): Promise<Server> {
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--http-port', String(port), '--udp-port', String(port), '--log-level', 'warn'];
  if (workers > 1) args.push('--workers', String(workers));
  if (redisUrl !== undefined) args.push('--store', redisUrl);
  // SHOAL_BENCH_NODE_ARGS (e.g. "--cpu-prof") is passed to the shoal server's node, for profiling.
  const nodeArgs = (process.env.SHOAL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const c = start(process.execPath, [...nodeArgs, '--import', 'tsx', SELF, '--role', 'shoal-server', ...args]);
  await waitUntil('shoal tracker', () => udpAnswers(port));
  if (workers > 1) await waitUntil('all shoal workers', () => tree(c.pid ?? 0).length > workers);
  const kind = redisUrl !== undefined ? 'redis' : workers > 1 ? 'sharded memory' : 'memory';
  return { name: workers > 1 ? `shoal x${workers} (${kind})` : `shoal (${kind})`, udpPort: port, httpPort: port, pids: [c.pid ?? 0], stop: () => stopChild(c) };
}

async function echoServer(): Promise<Server> {
  const port = await freePort();
  const c = start(process.execPath, ['--import', 'tsx', SELF, '--role', 'udp-echo', String(port)]);
  await waitUntil('udp echo', () => udpAnswers(port));
  return { name: 'node:dgram floor (echo)', udpPort: port, httpPort: port, pids: [c.pid ?? 0], stop: () => stopChild(c) };
}

async function redisServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const c = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning']);
  await waitUntil('redis-server', () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    }),
  );
  return { url: `redis://127.0.0.1:${port}`, pid: c.pid ?? 0, stop: () => stopChild(c) };
}

async function opentrackerServer(dir: string): Promise<Server> {
  const port = await freePort();
  const wl = join(dir, 'whitelist');
  writeFileSync(wl, Array.from({ length: HASHES }, (_, i) => infoHash(i).toString('hex') + '\n').join(''), { mode: 0o644 });
  const conf = join(dir, 'opentracker.conf');
  writeFileSync(conf, `access.whitelist ${wl}\n`);
  const c = start('opentracker', ['-f', conf, '-i', '127.0.0.1', '-p', String(port), '-P', String(port)]);
  // It loads the whitelist in the background: wait until every bench hash is accepted.
  await waitUntil('opentracker whitelist', async () => (await httpAccepts(port, infoHash(0))) && httpAccepts(port, infoHash(HASHES - 1)));
  return { name: 'opentracker', udpPort: port, httpPort: port, pids: [c.pid ?? 0], stop: () => stopChild(c) };
}

async function btServer(ref: string): Promise<Server> {
  const port = await freePort();
  const mod = join(ref, 'node_modules', 'bittorrent-tracker', 'server.js');
  const code =
    `import Server from ${JSON.stringify(mod)};` +
    `const s = new Server({ ws: false, stats: false }); s.on('error', () => {}); s.on('warning', () => {});` +
    `s.listen(${port}, () => console.log('listening'));` +
    `process.on('SIGTERM', () => s.close(() => process.exit(0)));`;
  const c = start(process.execPath, ['--input-type=module', '-e', code]);
  await waitUntil('bittorrent-tracker', () => udpAnswers(port));
  return { name: 'bittorrent-tracker', udpPort: port, httpPort: port, pids: [c.pid ?? 0], stop: () => stopChild(c) };
}

// ---------------------------------------------------------------- run

interface Row {
  server: string;
  proto: 'udp' | 'http';
  rate: number;
  p50: number;
  p99: number;
  cpuUs: number;
  lost: number;
  announces: number;
  /** CPU µs per announce spent in the helper process (Redis), included in cpuUs. */
  helperUs?: number;
}

async function measure(s: Server, proto: 'udp' | 'http', o: { count: number; seconds: number }): Promise<Row> {
  const span = 20_000;
  const load = proto === 'udp' ? udpLoad : httpLoad;
  // Warm-up: JIT, swarm creation, connection ids; then the measured run over the same peers.
  await load(s.udpPort, { first: 0, span, count: Math.min(o.count, 20_000), seconds: 2 });
  const c0 = cpuSeconds(s.pids);
  const h0 = s.helperPid === undefined ? 0 : cpuSeconds([s.helperPid]);
  const ph = await load(s.udpPort, { first: 0, span, count: o.count, seconds: o.seconds });
  const c1 = cpuSeconds(s.pids);
  const h1 = s.helperPid === undefined ? 0 : cpuSeconds([s.helperPid]);
  return {
    server: s.name,
    proto,
    rate: ph.announces / ph.seconds,
    p50: quantile(ph.latenciesMs, Math.min(ph.announces, o.count), 0.5),
    p99: quantile(ph.latenciesMs, Math.min(ph.announces, o.count), 0.99),
    cpuUs: ((c1 - c0) * 1e6) / Math.max(1, ph.announces),
    lost: ph.lost,
    announces: ph.announces,
    helperUs: s.helperPid === undefined ? undefined : ((h1 - h0) * 1e6) / Math.max(1, ph.announces),
  };
}

/** RSS growth per stored peer: `fill` new distinct peers over UDP after the throughput runs. */
async function rssPerPeer(s: Server, fill: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  const before = rssBytes(s.pids);
  await udpLoad(s.udpPort, { first: 1_000_000, span: fill, count: fill, seconds: 60 });
  await new Promise((r) => setTimeout(r, 300));
  return (rssBytes(s.pids) - before) / fill;
}

async function bench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seconds: { type: 'string', default: '8' },
      count: { type: 'string', default: '300000' },
      fill: { type: 'string', default: '100000' },
      only: { type: 'string' },
      'bt-ref': { type: 'string', default: '/tmp/bt-ref' },
      workers: { type: 'string', default: '2' },
      protos: { type: 'string', default: 'udp,http' },
    },
  });
  const o = { seconds: Number(values.seconds), count: Number(values.count) };
  const fill = Number(values.fill);
  const only = values.only?.split(',');
  const protos = values.protos.split(',');
  const want = (n: string): boolean => !only || only.includes(n);
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-tracker-'));
  chmodSync(dir, 0o755); // opentracker drops to 'nobody' before it reads its whitelist
  const rows: Row[] = [];
  const rss = new Map<string, number>();
  const have = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).error === undefined;
  const run = async (make: () => Promise<Server>, withRss: boolean): Promise<void> => {
    const s = await make();
    try {
      for (const proto of (['udp', 'http'] as const).filter((x) => protos.includes(x))) {
        const r = await measure(s, proto, o);
        rows.push(r);
        const helper = r.helperUs === undefined ? '' : ` (redis-server ${r.helperUs.toFixed(1)} µs of it)`;
        console.error(`  ${r.server} ${proto}: ${Math.round(r.rate)}/s p99 ${r.p99.toFixed(2)} ms cpu ${r.cpuUs.toFixed(1)} µs${helper}`);
      }
      if (withRss && fill > 0) rss.set(s.name, await rssPerPeer(s, fill));
    } finally {
      await s.stop();
    }
  };
  try {
    console.error(`tracker bench: ${o.count} announces or ${o.seconds} s per run, ${HASHES} swarms, 20000 peers; fill ${fill} peers`);
    if (want('shoal')) await run(() => shoalServer(1), true);
    if (want('echo')) {
      const s = await echoServer();
      try {
        const r = await measure(s, 'udp', o);
        rows.push(r);
        console.error(`  ${r.server} udp: ${Math.round(r.rate)}/s cpu ${r.cpuUs.toFixed(1)} µs`);
      } finally {
        await s.stop();
      }
    }
    if (want('opentracker')) {
      if (have('opentracker')) await run(() => opentrackerServer(dir), true);
      else console.error('  opentracker not installed: skipped');
    }
    if (want('bittorrent-tracker')) {
      if (existsSync(join(values['bt-ref'], 'node_modules', 'bittorrent-tracker'))) await run(() => btServer(values['bt-ref']), true);
      else console.error(`  bittorrent-tracker not found in ${values['bt-ref']}: npm install --ignore-scripts bittorrent-tracker there`);
    }
    if (want('shoal-cluster')) await run(() => shoalServer(Number(values.workers)), false);
    if (want('shoal-redis') && have('redis-server')) {
      const redis = await redisServer();
      try {
        await run(async () => {
          const s = await shoalServer(Number(values.workers), redis.url);
          return { ...s, pids: [...s.pids, redis.pid], helperPid: redis.pid };
        }, false);
      } finally {
        await redis.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  print(rows, rss);
}

function print(rows: Row[], rss: Map<string, number>): void {
  const lines: string[] = [];
  lines.push('| server | proto | announces/s | p50 ms | p99 ms | CPU µs/announce (= ms per 1,000) | lost | RSS bytes/peer |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const m = rss.get(r.server);
    lines.push(
      `| ${r.server} | ${r.proto} | ${Math.round(r.rate)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuUs.toFixed(1)}${r.helperUs === undefined ? '' : ` (Redis ${r.helperUs.toFixed(1)})`} | ${r.lost} | ${m === undefined || r.proto === 'http' ? '' : Math.round(m)} |`,
    );
  }
  const get = (server: string, proto: string): Row | undefined => rows.find((r) => r.server === server && r.proto === proto);
  const ratios: string[] = [];
  for (const proto of ['udp', 'http']) {
    const s = get('shoal (memory)', proto);
    for (const ref of ['opentracker', 'bittorrent-tracker']) {
      const x = get(ref, proto);
      if (s && x) {
        ratios.push(`shoal/${ref} ${proto}: CPU per announce ${(s.cpuUs / x.cpuUs).toFixed(2)}x, throughput ${(s.rate / x.rate).toFixed(2)}x, p99 ${(s.p99 / x.p99).toFixed(2)}x`);
      }
    }
    for (const c of rows.filter((r) => r.server.startsWith('shoal x') && r.proto === proto)) {
      if (s) ratios.push(`${c.server}/single ${proto}: throughput ${(c.rate / s.rate).toFixed(2)}x, CPU per announce ${(c.cpuUs / s.cpuUs).toFixed(2)}x`);
    }
  }
  const sm = rss.get('shoal (memory)');
  for (const ref of ['opentracker', 'bittorrent-tracker']) {
    const x = rss.get(ref);
    if (sm !== undefined && x !== undefined) ratios.push(`shoal/${ref} RSS per peer: ${(sm / x).toFixed(2)}x`);
  }
  console.log(lines.join('\n'));
  console.log('');
  for (const r of ratios) console.log(`- ${r}`);
}

if (process.argv[2] === '--role' && process.argv[3] === 'udp-echo') {
  // The floor of node:dgram: answers connects and announces with fixed bytes, no tracker logic.
  const port = Number(process.argv[4]);
  const s = createSocket('udp4');
  const reply = Buffer.alloc(20 + 6 * 50);
  reply.writeUInt32BE(1, 0);
  s.on('message', (m, r) => {
    if (m.length < 16) return;
    const b = Buffer.allocUnsafe(m.readUInt32BE(8) === 0 ? 16 : reply.length);
    reply.copy(b, 0, 0, b.length);
    b.writeUInt32BE(m.readUInt32BE(8), 0);
    b.writeUInt32BE(m.readUInt32BE(12), 4);
    s.send(b, r.port, r.address);
  });
  s.bind(port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
} else if (process.argv[2] === '--role' && process.argv[3] === 'shoal-server') {
  const { main } = await import('../src/cli/main.js');
  process.exitCode = await main(['tracker', ...process.argv.slice(4)]);
} else {
  await bench();
}
