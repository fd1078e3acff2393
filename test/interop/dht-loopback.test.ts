// Real processes on loopback: one `shoal dht` bootstrap node and a few hundred DHT nodes spread
// over several processes (several nodes per process, each on its own 127.0.x.y address). A peer
// announced through a node in one process is found through nodes in the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnProcess } from './harness/process.js';
import { seededBytes } from '../discovery/dht/helpers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../discovery/dht/fixtures/${name}`, import.meta.url));
const PROCESSES = 5;
const PER_PROCESS = 60;

class SwarmProc {
  private next = 1;
  private readonly waiting = new Map<number, (v: Record<string, unknown>) => void>();
  readonly ready: Promise<Record<string, unknown>>;
  readonly stderr: string[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let onReady: (v: Record<string, unknown>) => void = () => undefined;
    this.ready = new Promise((r) => (onReady = r));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => this.stderr.length < 200 && this.stderr.push(d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if ('ready' in v) onReady(v);
      else if (typeof v.id === 'number') this.waiting.get(v.id)?.(v);
    });
  }

  call(cmd: Record<string, unknown>, timeoutMs = 25_000): Promise<Record<string, unknown>> {
    const id = this.next++;
    this.child.stdin.write(JSON.stringify({ ...cmd, id }) + '\n');
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(cmd)}; stderr: ${this.stderr.join('')}`)), timeoutMs);
      this.waiting.set(id, (v) => {
        clearTimeout(t);
        resolve(v);
      });
    });
  }
}

test(`${PROCESSES * PER_PROCESS} DHT nodes in ${PROCESSES} processes join through one shoal dht and find each other's peers`, { timeout: 90_000 }, async (t) => {
  const boot = spawnProcess(t, process.execPath, ['--import', 'tsx', fixture('dht-cli.ts'), '--host', '127.0.9.1', '--port', '0', '--no-bootstrap', '--rate-limit', '0'], { name: 'shoal dht' });
  const m = await boot.waitForLine(/^shoal dht: node ([0-9a-f]{40}) on udp (\S+)$/, 20_000);
  const bootAddr = m[2] as string;
  const procs: SwarmProc[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('dht-swarm-proc.ts'), `127.0.${10 + p}`, String(PER_PROCESS), bootAddr], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => {
      child.stdin.end();
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
    procs.push(new SwarmProc(child));
  }
  const readies = await Promise.all(
    procs.map((p) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`not ready: ${p.stderr.join('')}`)), 60_000);
      });
      return Promise.race([p.ready, timeout]).finally(() => clearTimeout(timer));
    }),
  );
  const joined = readies.reduce((n, r) => n + (r.ready as number), 0);
  assert.equal(joined, PROCESSES * PER_PROCESS, 'every node joined');

  const rb = seededBytes(42);
  for (let trial = 0; trial < 4; trial++) {
    const infoHash = Buffer.from(rb(20)).toString('hex');
    const from = trial % PROCESSES;
    const to = (trial + 2) % PROCESSES;
    const node = (trial * 17) % PER_PROCESS;
    const ann = await procs[from]!.call({ cmd: 'announce', node, infoHash, port: 7000 + trial });
    assert.ok((ann.stored as number) >= 4, `announce stored on ${String(ann.stored)}/${String(ann.asked)}`);
    for (const n of [3, 31, 59]) {
      // No retry: a lookup that has found no peers waits for its slow queries to the nodes that
      // hold the announce (lookup.ts), which is what a loaded machine used to make it miss.
      const r = await procs[to]!.call({ cmd: 'getPeers', node: n, infoHash });
      assert.deepEqual(r.peers, [{ host: `127.0.${10 + from}.${node + 1}`, port: 7000 + trial }], `lookup from process ${to} node ${n}`);
    }
  }
  // Routing-table health: after the joining nodes' follow-up lookups every table holds k nodes.
  let smallest = 0;
  for (let i = 0; i < 30 && smallest < 8; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    const all = await Promise.all(procs.map((p) => p.call({ cmd: 'stats' })));
    smallest = Math.min(...all.flatMap((s) => s.good as number[]));
  }
  assert.ok(smallest >= 8, `smallest routing table has ${smallest} good nodes`);
});
