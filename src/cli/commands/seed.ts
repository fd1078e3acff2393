// `shoal seed`: verifies local data against a torrent, then serves it until interrupted.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { CliIO, Command } from '../command.js';
import { readTorrent } from '../read-torrent.js';
import { runSwarm } from '../swarm-run.js';
import { parsePort, parseSize } from '../units.js';

const usage = `usage: shoal seed <file.torrent> --dir <dir> [options]

Verifies the data in <dir> (or trusts matching resume data), then uploads it to peers until
SIGINT/SIGTERM, announcing 'stopped' to trackers and closing every connection on the way out.

options:
  -d, --dir DIR              folder holding the torrent's data (required)
  --peer HOST:PORT           connect to this peer (repeatable)
  --announce URL             extra tracker (repeatable)
  --port N                   listen port (default: any free port)
  --host ADDR                listen address (default: all interfaces)
  --bind ADDR                local address for outgoing connections
  --max-upload-rate R        upload limit in bytes/s (e.g. 500k, 10M)
  --recheck                  hash the data even if resume data matches
  --no-dht                   do not use the DHT (BEP 5); private torrents never do
  --no-lsd                   no Local Service Discovery (BEP 14 LAN multicast;
                             env SHOAL_LSD=off does the same)
  --bootstrap HOST:PORT      DHT entry node (repeatable; default: public routers, or
                             env SHOAL_DHT_BOOTSTRAP, comma-separated)
  --json-progress            print one JSON line per second
  -h, --help                 show this help
`;

export const command: Command = {
  summary: 'seed a torrent from local data',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string', short: 'd' },
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
      },
    });
    if (positionals.length !== 1) throw new UsageError('seed takes one torrent file (see shoal seed --help)');
    if (!values.dir) throw new UsageError('seed needs --dir <dir>');
    const metainfo = await readTorrent(positionals[0] as string, io.cwd);
    return runSwarm({
      mode: 'seed',
      source: { metainfo },
      dir: resolve(io.cwd, values.dir),
      peers: values.peer ?? [],
      announce: values.announce ?? [],
      ...(values.host ? { host: values.host } : {}),
      ...(values.port ? { port: parsePort(values.port) } : {}),
      ...(values.bind ? { bind: values.bind } : {}),
      seed: true,
      sequential: false,
      ...(values['max-upload-rate'] ? { maxUploadRate: parseSize(values['max-upload-rate'], '--max-upload-rate') } : {}),
      jsonProgress: values['json-progress'] ?? false,
      recheck: values.recheck ?? false,
      dht: !(values['no-dht'] ?? false),
      lsd: !(values['no-lsd'] ?? false),
      ...(values.bootstrap ? { bootstrap: values.bootstrap } : {}),
    }, io);
  },
};
