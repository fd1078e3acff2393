// Multi-process tracker: N worker processes share the HTTP and UDP ports (node:cluster with shared
// handles, so the kernel spreads datagrams and connections over the workers and the primary does
// no per-request work). Swarms are shared either through Redis, or, with the memory store, by
// sharding: worker i owns the swarms that map to i (sharded-store.ts) and the workers reach each
// other over loopback links whose ports the primary distributes. Workers share a connection-id
// key, so a client may be answered by any of them. The primary only forks, relays shutdown and
// the link table, and restarts a crashed worker (a bounded number of times).
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ShoalError } from '../errors.js';
import type { TrackerAddresses, TrackerServer } from './server.js';
import type { ShardedStore } from './sharded-store.js';

interface ReadyMessage {
  readonly type: 'shoal-tracker-ready';
  readonly http?: number | undefined;
  readonly udp?: number | undefined;
}
interface LinkMessage {
  readonly type: 'shoal-shard-link';
  readonly index: number;
  readonly port: number;
}
interface TableMessage {
  readonly type: 'shoal-shard-table';
  readonly ports: number[];
}

/** What a worker learns from the primary through its environment. */
export interface WorkerContext {
  /** Position of this worker, 0..workers-1 (stable across restarts). */
  readonly index: number;
  readonly workers: number;
  /** Connection-id key shared by all workers. */
  readonly key: Uint8Array;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

export function workerContext(env: NodeJS.ProcessEnv = process.env): WorkerContext {
  const index = Number(env.SHOAL_TRACKER_WORKER_INDEX);
  const workers = Number(env.SHOAL_TRACKER_WORKERS);
  const key = Buffer.from(env.SHOAL_TRACKER_KEY ?? '', 'hex');
  if (!Number.isInteger(index) || !Number.isInteger(workers) || key.length !== 32) {
    throw new ShoalError('TRACKER_CLUSTER_ENV', 'tracker worker started without its cluster environment');
  }
  return { index, workers, key };
}

/**
 * Worker side of sharding: publishes this shard's link port and resolves once the primary has sent
 * the ports of every shard (bounded); later tables (after a worker restart) update the store.
 */
export function joinShards(store: ShardedStore, port: number, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new ShoalError('TRACKER_CLUSTER_TIMEOUT', 'no shard table from the cluster primary')), timeoutMs);
    process.on('message', (m: TableMessage) => {
      if (m?.type !== 'shoal-shard-table') return;
      store.setPorts(m.ports);
      if (store.ready) {
        clearTimeout(t);
        resolve();
      }
    });
    const msg: LinkMessage = { type: 'shoal-shard-link', index: store.index, port };
    process.send?.(msg);
  });
}

/** Worker side: starts the server, reports its ports, stops on 'shutdown' or the signal. */
export async function runWorker(start: () => Promise<TrackerServer>, signal: AbortSignal): Promise<number> {
  const server = await start();
  const a: TrackerAddresses = server.addresses;
  const ready: ReadyMessage = { type: 'shoal-tracker-ready', http: a.http?.port, udp: a.udp?.port };
  process.send?.(ready);
  await new Promise<void>((resolve) => {
    process.on('message', (m) => {
      if (m === 'shutdown') resolve();
    });
    process.once('disconnect', () => resolve());
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.stop();
  process.disconnect?.();
  return 0;
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly stderr: Writable;
  readonly signal: AbortSignal;
  /** Called once with the ports of the first worker to be ready. */
  readonly onReady?: (ports: { http?: number | undefined; udp?: number | undefined }) => void;
  /** Restarts allowed for crashed workers over the whole run (default 10). */
  readonly maxRestarts?: number;
}

/** Primary side: forks workers running the same command line and waits for the signal. */
export async function runPrimary(o: PrimaryOptions): Promise<number> {
  // Workers accept connections themselves instead of the primary handing each one over.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const key = randomBytes(32).toString('hex');
  let restarts = o.maxRestarts ?? 10;
  let stopping = false;
  let announced = false;
  let failed = false;
  const live = new Map<Worker, number>();
  const linkPorts: number[] = new Array<number>(o.workers).fill(0);
  const broadcast = (): void => {
    if (!linkPorts.every((p) => p > 0)) return;
    const table: TableMessage = { type: 'shoal-shard-table', ports: [...linkPorts] };
    for (const w of live.keys()) if (w.isConnected()) w.send(table);
  };
  const fork = (index: number): void => {
    const w = cluster.fork({ SHOAL_TRACKER_WORKER_INDEX: String(index), SHOAL_TRACKER_WORKERS: String(o.workers), SHOAL_TRACKER_KEY: key });
    live.set(w, index);
    w.on('message', (m: ReadyMessage | LinkMessage) => {
      if (m?.type === 'shoal-shard-link' && m.index === index) {
        linkPorts[index] = m.port;
        broadcast();
      } else if (m?.type === 'shoal-tracker-ready' && !announced) {
        announced = true;
        o.onReady?.({ http: m.http, udp: m.udp });
      }
    });
    w.on('exit', (code) => {
      live.delete(w);
      linkPorts[index] = 0;
      if (stopping) return;
      if (restarts-- > 0 && announced) {
        o.stderr.write(`shoal tracker: worker ${w.process.pid} exited (${code}); restarting\n`);
        fork(index);
      } else {
        failed = true;
        o.stderr.write(`shoal tracker: worker ${w.process.pid} exited (${code}); stopping\n`);
        stop();
      }
    });
  };
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const stop = (): void => {
    if (stopping && live.size > 0) return;
    stopping = true;
    if (live.size === 0) done();
    for (const w of live.keys()) {
      if (w.isConnected()) w.send('shutdown');
      const kill = setTimeout(() => w.process.kill('SIGKILL'), 10_000);
      kill.unref();
    }
    const poll = setInterval(() => {
      if (live.size === 0) {
        clearInterval(poll);
        done();
      }
    }, 50);
  };
  for (let i = 0; i < o.workers; i++) fork(i);
  if (o.signal.aborted) stop();
  else o.signal.addEventListener('abort', stop, { once: true });
  await finished;
  return failed ? 1 : 0;
}
