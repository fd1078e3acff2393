// Multi-process tracker: N worker processes share the HTTP and UDP ports (node:cluster with shared
// handles, so the kernel spreads datagrams and connections over the workers and the primary does
// no per-request work) and share swarms through a common store (Redis). The primary only forks,
// relays shutdown and restarts a crashed worker (a bounded number of times).
import cluster, { type Worker } from 'node:cluster';
import type { Writable } from 'node:stream';
import type { TrackerAddresses, TrackerServer } from './server.js';

interface ReadyMessage {
  readonly type: 'shoal-tracker-ready';
  readonly http?: number | undefined;
  readonly udp?: number | undefined;
}

export function isClusterWorker(): boolean {
  return cluster.isWorker;
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
  readonly stdout: Writable;
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
  let restarts = o.maxRestarts ?? 10;
  let stopping = false;
  let announced = false;
  let failed = false;
  const live = new Set<Worker>();
  const fork = (): void => {
    const w = cluster.fork({ SHOAL_TRACKER_WORKER: '1' });
    live.add(w);
    w.on('message', (m: ReadyMessage) => {
      if (m?.type === 'shoal-tracker-ready' && !announced) {
        announced = true;
        o.onReady?.({ http: m.http, udp: m.udp });
      }
    });
    w.on('exit', (code) => {
      live.delete(w);
      if (stopping) return;
      if (restarts-- > 0 && announced) {
        o.stderr.write(`shoal tracker: worker ${w.process.pid} exited (${code}); restarting\n`);
        fork();
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
    for (const w of live) {
      w.send('shutdown');
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
  for (let i = 0; i < o.workers; i++) fork();
  if (o.signal.aborted) stop();
  else o.signal.addEventListener('abort', stop, { once: true });
  await finished;
  return failed ? 1 : 0;
}
