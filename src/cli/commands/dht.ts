// `shoal dht`: runs a standalone DHT node (BEP 5, with BEP 32/42/43/44/51) until interrupted,
// e.g. as the bootstrap node of a private network. Thin: parses flags and wraps DhtNode.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { DEFAULT_BOOTSTRAP, DhtNode, parseHostPort, type DhtNodeOptions } from '../../discovery/dht/index.js';
import { canonicalHost } from '../../krpc/index.js';
import type { CliIO, Command } from '../command.js';

const usage = `usage: shoal dht [options]

Runs a DHT node (BEP 5; IPv6 BEP 32, node-id security BEP 42, read-only BEP 43,
items BEP 44, infohash sampling BEP 51) until interrupted. With --no-bootstrap it
starts a new network: other nodes then use it as their --bootstrap.

options:
  --host ADDR              IPv4 address to bind (default 0.0.0.0)
  --port N                 UDP port (default 6881; 0 picks a free one)
  --host6 ADDR             also run the IPv6 DHT on this address (same port)
  --bootstrap HOST:PORT    a node to join through (repeatable; [v6]:port for IPv6);
                           default: the public routers ${DEFAULT_BOOTSTRAP[0]} and others
  --no-bootstrap           join nothing: the first node of a private network
  --state FILE             keep the node id and routing table in FILE across restarts
  --read-only              BEP 43: never answer queries (a node that cannot be reached)
  --enforce-node-id        BEP 42: keep only nodes whose id matches their IP
  --rate-limit N           queries per second accepted from one IP (default 20; 0: no limit)
  --stats-interval SEC     print a JSON stats line every SEC seconds (default 0: never)
`;

export interface DhtCliConfig {
  readonly options: DhtNodeOptions;
  readonly statsIntervalSec: number;
}

function integer(v: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name}: expected a whole number ${min}-${max}, got '${v}'`);
  return n;
}

function ip(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  const h = canonicalHost(v);
  if (h === undefined) throw new UsageError(`${name}: expected an IP address, got '${v}'`);
  return h;
}

export function parseDhtArgs(argv: string[]): DhtCliConfig {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      host6: { type: 'string' },
      bootstrap: { type: 'string', multiple: true },
      'no-bootstrap': { type: 'boolean' },
      state: { type: 'string' },
      'read-only': { type: 'boolean' },
      'enforce-node-id': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      'stats-interval': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values['no-bootstrap'] && values.bootstrap) throw new UsageError('--bootstrap and --no-bootstrap exclude each other');
  const bootstrap = values['no-bootstrap'] ? [] : values.bootstrap?.map((b) => {
    try {
      return parseHostPort(b);
    } catch (e) {
      throw new UsageError(`--bootstrap: ${(e as Error).message}`);
    }
  });
  const host = ip(values.host, '--host') ?? '0.0.0.0';
  if (host.includes(':')) throw new UsageError('--host: expected an IPv4 address (use --host6 for IPv6)');
  const host6 = ip(values.host6, '--host6');
  if (host6 !== undefined && !host6.includes(':')) throw new UsageError('--host6: expected an IPv6 address');
  const rate = integer(values['rate-limit'], '--rate-limit', 20, 0, 1_000_000);
  return {
    options: {
      host,
      port: integer(values.port, '--port', 6881, 0, 65535),
      host6,
      bootstrap: bootstrap ?? DEFAULT_BOOTSTRAP,
      state: values.state,
      readOnly: values['read-only'] ?? false,
      enforceNodeId: values['enforce-node-id'] ?? false,
      rateLimit: rate === 0 ? false : { perSecond: rate, burst: rate * 3 },
    },
    statsIntervalSec: integer(values['stats-interval'], '--stats-interval', 0, 0, 86400),
  };
}

export const command: Command = {
  summary: 'run a standalone DHT node (e.g. a bootstrap node)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const cfg = parseDhtArgs(argv);
    const node = await DhtNode.create(cfg.options);
    node.on('warning', (e) => io.stderr.write(`shoal dht: warning: ${e.message}\n`));
    node.on('idChange', (id, extIp) =>
      io.stderr.write(`shoal dht: external IP ${extIp}: new BEP 42 node id ${Buffer.from(id).toString('hex')}\n`),
    );
    const a = node.address();
    const where = (h: string, p: number): string => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);
    io.stdout.write(`shoal dht: node ${Buffer.from(node.id).toString('hex')} on udp ${where(a.host, a.port)}\n`);
    if (cfg.options.host6 !== undefined) io.stdout.write(`shoal dht: also on udp ${where(cfg.options.host6, a.port)}\n`);
    const stats =
      cfg.statsIntervalSec > 0
        ? setInterval(() => io.stdout.write(JSON.stringify(node.stats()) + '\n'), cfg.statsIntervalSec * 1000)
        : undefined;
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    if (stats) clearInterval(stats);
    await node.close();
    return 0;
  },
};
