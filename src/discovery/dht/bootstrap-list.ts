// Bootstrap addresses: "host:port" parsing and name resolution (A and AAAA), and the public
// routers used when a caller gives no list (real-world use only: tests pass their own).
import { lookup as dnsLookup } from 'node:dns/promises';
import { ShoalError } from '../../errors.js';
import { canonicalHost, type KrpcAddress } from '../../krpc/index.js';

/** Well-known public bootstrap routers; used only when no bootstrap list is given. */
export const DEFAULT_BOOTSTRAP = ['router.bittorrent.com:6881', 'router.utorrent.com:6881', 'dht.transmissionbt.com:6881', 'dht.libtorrent.org:25401'];

/** Parses "host:port" or "[v6]:port". */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new ShoalError('DHT_BAD_ADDRESS', `expected HOST:PORT, got '${s}'`);
  return { host: m[1] as string, port };
}

/** Resolves names to every address they have; unresolvable entries are skipped. */
export async function resolveAll(list: readonly (string | KrpcAddress)[]): Promise<KrpcAddress[]> {
  const out: KrpcAddress[] = [];
  await Promise.all(
    list.map(async (entry) => {
      const a = typeof entry === 'string' ? parseHostPort(entry) : entry;
      const literal = canonicalHost(a.host);
      if (literal) return void out.push({ host: literal, port: a.port });
      try {
        for (const r of await dnsLookup(a.host, { all: true })) {
          const h = canonicalHost(r.address);
          if (h) out.push({ host: h, port: a.port });
        }
      } catch {
        // an unresolvable router is skipped; the others may do
      }
    }),
  );
  return out;
}
