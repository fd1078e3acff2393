// `shoal tracker`: runs a BitTorrent tracker (HTTP BEP 3/48 and UDP BEP 15) until interrupted.
// Thin: parses flags, loads the allow/passkey files, builds the store and starts TrackerServer.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import {
  JsonLogger,
  isLogLevel,
  MemoryStore,
  readAllowFile,
  readPasskeysFile,
  TrackerServer,
  type TrackerStore,
} from '../../tracker/index.js';
import type { WorkerContext } from '../../tracker/cluster.js';
import type { CliIO, Command } from '../command.js';

const usage = `usage: shoal tracker [options]

Runs a BitTorrent tracker: HTTP announce/scrape (BEP 3, 23, 7, 24, 48) and UDP (BEP 15).
Endpoints: /announce, /scrape, /<passkey>/announce, /stats (JSON), /metrics (Prometheus).

options:
  --host ADDR              address to bind (default 0.0.0.0; '::' for dual-stack)
  --http-port N|off        HTTP port (default 6969)
  --udp-port N|off         UDP port (default 6969)
  --store memory|redis://HOST:PORT
                           swarm store (default memory); with Redis several tracker
                           processes share swarms
  --interval SECONDS       announce interval (default 1800); min interval is half
  --allow FILE             only track the info hashes listed (40 hex digits per line)
  --private                require a passkey: clients announce to /<passkey>/announce
  --passkeys FILE          known passkeys, one per line (required with --private)
  --trusted-proxy ADDR     believe X-Forwarded-For / ip= from this address (repeatable)
  --max-swarms N           memory store: most torrents tracked (default 1000000)
  --max-peers-per-swarm N  memory store: most peers per torrent (default 100000)
  --workers N              processes sharing the ports (default 1): with the memory store
                           each owns a shard of the swarms, with Redis they share it
  --log-level LEVEL        debug|info|warn|error|silent (default info); JSON lines on stderr
`;

function port(v: string | undefined, name: string, dflt: number): number | null {
  if (v === undefined) return dflt;
  if (v === 'off') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name}: expected a port 0-65535 or 'off', got '${v}'`);
  return n;
}

function positive(v: string | undefined, name: string, dflt: number, max = 2 ** 31): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name}: expected a whole number 1-${max}, got '${v}'`);
  return n;
}

export interface TrackerCliConfig {
  readonly host: string;
  readonly httpPort: number | null;
  readonly udpPort: number | null;
  readonly store: string;
  readonly intervalSec: number;
  readonly allowFile?: string | undefined;
  readonly private: boolean;
  readonly passkeysFile?: string | undefined;
  readonly trustedProxies: string[];
  readonly maxSwarms: number;
  readonly maxPeersPerSwarm: number;
  readonly workers: number;
  readonly logLevel: string;
}

export function parseTrackerArgs(argv: string[]): TrackerCliConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      'http-port': { type: 'string' },
      'udp-port': { type: 'string' },
      store: { type: 'string' },
      interval: { type: 'string' },
      allow: { type: 'string' },
      private: { type: 'boolean' },
      passkeys: { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true },
      'max-swarms': { type: 'string' },
      'max-peers-per-swarm': { type: 'string' },
      workers: { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const store = values.store ?? 'memory';
  if (store !== 'memory' && !/^rediss?:\/\//.test(store)) {
    throw new UsageError(`--store: expected 'memory' or 'redis://HOST:PORT', got '${store}'`);
  }
  const httpPort = port(values['http-port'], '--http-port', 6969);
  const udpPort = port(values['udp-port'], '--udp-port', 6969);
  if (httpPort === null && udpPort === null) throw new UsageError('--http-port and --udp-port cannot both be off');
  if (values.private && !values.passkeys) throw new UsageError('--private needs --passkeys FILE');
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level: unknown level '${logLevel}'`);
  const workers = positive(values.workers, '--workers', 1, 64);
  return {
    host: values.host ?? '0.0.0.0',
    httpPort,
    udpPort,
    store,
    intervalSec: positive(values.interval, '--interval', 1800, 86400),
    allowFile: values.allow,
    private: values.private ?? false,
    passkeysFile: values.passkeys,
    trustedProxies: values['trusted-proxy'] ?? [],
    maxSwarms: positive(values['max-swarms'], '--max-swarms', 1_000_000),
    maxPeersPerSwarm: positive(values['max-peers-per-swarm'], '--max-peers-per-swarm', 100_000),
    workers,
    logLevel,
  };
}

/** Builds and starts a server from a CLI config (also used by each cluster worker). */
/**
 * Builds and starts a server from a CLI config. In a cluster worker (`worker` given) the store is
 * this worker's shard of a memory store, or the shared Redis; connection ids use the cluster key.
 */
export async function startTracker(
  cfg: TrackerCliConfig,
  io: Pick<CliIO, 'stderr' | 'signal'>,
  worker?: WorkerContext,
): Promise<TrackerServer> {
  let store: TrackerStore;
  if (cfg.store === 'memory') {
    const local = new MemoryStore({ maxSwarms: cfg.maxSwarms, maxPeersPerSwarm: cfg.maxPeersPerSwarm });
    store = local;
    if (worker) {
      const { ShardedStore } = await import('../../tracker/sharded-store.js');
      const { joinShards } = await import('../../tracker/cluster.js');
      const sharded = new ShardedStore(local, worker.index, worker.workers);
      store = sharded;
      try {
        await joinShards(sharded, await sharded.open());
      } catch (e) {
        await sharded.close();
        throw e;
      }
    }
  } else {
    const { RedisStore } = await import('../../tracker/redis-store.js');
    store = await RedisStore.connect(cfg.store);
  }
  const server = new TrackerServer({
    host: cfg.host,
    httpPort: cfg.httpPort,
    udpPort: cfg.udpPort,
    store,
    intervalSec: cfg.intervalSec,
    access: {
      allow: cfg.allowFile === undefined ? undefined : await readAllowFile(cfg.allowFile),
      private: cfg.private,
      passkeys: cfg.passkeysFile === undefined ? undefined : await readPasskeysFile(cfg.passkeysFile),
      trustedProxies: new Set(cfg.trustedProxies),
    },
    logger: new JsonLogger(io.stderr, cfg.logLevel as 'info'),
    signal: io.signal,
    connectionIdKey: worker?.key,
  });
  try {
    await server.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  return server;
}

export const command: Command = {
  summary: 'run a BitTorrent tracker (HTTP + UDP)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const cfg = parseTrackerArgs(argv);
    const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    const announce = (a: { http?: number | undefined; udp?: number | undefined }): void => {
      if (a.http !== undefined) io.stdout.write(`shoal tracker: http://${host}:${a.http}/announce\n`);
      if (a.udp !== undefined) io.stdout.write(`shoal tracker: udp://${host}:${a.udp}/announce\n`);
    };
    if (cfg.workers > 1) {
      const { isClusterWorker, runPrimary, runWorker, workerContext } = await import('../../tracker/cluster.js');
      if (isClusterWorker()) return runWorker(() => startTracker(cfg, io, workerContext()), io.signal);
      return runPrimary({ workers: cfg.workers, stderr: io.stderr, signal: io.signal, onReady: announce });
    }
    const server = await startTracker(cfg, io);
    announce({ http: server.addresses.http?.port, udp: server.addresses.udp?.port });
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.stop();
    return 0;
  },
};
