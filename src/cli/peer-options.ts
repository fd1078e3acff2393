// The options `shoal download` and `shoal seed` share: where to listen, which peers and trackers
// to use, which discovery to run, rate limits and output. One definition, so the two commands
// cannot drift apart.
import { parsePort, parseSize } from './units.js';
import type { SwarmRunOptions } from './swarm-run.js';

export const PEER_OPTIONS = {
  peer: { type: 'string', multiple: true },
  announce: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  bind: { type: 'string' },
  'max-upload-rate': { type: 'string' },
  recheck: { type: 'boolean' },
  'no-dht': { type: 'boolean' },
  'no-lsd': { type: 'boolean' },
  bootstrap: { type: 'string', multiple: true },
  'json-progress': { type: 'boolean' },
} as const;

export const PEER_OPTIONS_USAGE = `  --peer HOST:PORT           connect to this peer (repeatable)
  --announce URL             extra tracker (repeatable; the torrent's own trackers are used too)
  --port N                   listen port, TCP, and UDP for the DHT (default: any free port)
  --host ADDR                listen address (default: all interfaces)
  --bind ADDR                local address for outgoing connections
  --max-upload-rate R        upload limit in bytes/s (e.g. 500k, 10M)
  --recheck                  hash the data on disk even if resume data matches
  --no-dht                   do not use the DHT (BEP 5); private torrents never do
  --no-lsd                   no Local Service Discovery (BEP 14 LAN multicast;
                             env SHOAL_LSD=off does the same)
  --bootstrap HOST:PORT      DHT entry node (repeatable; default: public routers, or
                             env SHOAL_DHT_BOOTSTRAP, comma-separated)
  --json-progress            print one JSON line per 250 ms instead of a progress bar
  -h, --help                 show this help
`;

interface PeerValues {
  peer?: string[];
  announce?: string[];
  port?: string;
  host?: string;
  bind?: string;
  'max-upload-rate'?: string;
  recheck?: boolean;
  'no-dht'?: boolean;
  'no-lsd'?: boolean;
  bootstrap?: string[];
  'json-progress'?: boolean;
}

/** The shared part of SwarmRunOptions, from parsed option values. */
export function peerRunOptions(v: PeerValues): Pick<SwarmRunOptions,
  'peers' | 'announce' | 'host' | 'port' | 'bind' | 'maxUploadRate' | 'recheck' | 'dht' | 'lsd' | 'bootstrap' | 'jsonProgress'> {
  return {
    peers: v.peer ?? [],
    announce: v.announce ?? [],
    ...(v.host ? { host: v.host } : {}),
    ...(v.port ? { port: parsePort(v.port) } : {}),
    ...(v.bind ? { bind: v.bind } : {}),
    ...(v['max-upload-rate'] ? { maxUploadRate: parseSize(v['max-upload-rate'], '--max-upload-rate') } : {}),
    recheck: v.recheck ?? false,
    dht: !(v['no-dht'] ?? false),
    lsd: !(v['no-lsd'] ?? false),
    ...(v.bootstrap ? { bootstrap: v.bootstrap } : {}),
    jsonProgress: v['json-progress'] ?? false,
  };
}
