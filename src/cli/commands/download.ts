// `shoal download`: fetches a torrent's files from the swarm, verifying every piece (BEP 3, 52).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { CliIO, Command } from '../command.js';
import { readTorrent } from '../read-torrent.js';
import { parseOnly, runSwarm, type SwarmRunOptions } from '../swarm-run.js';
import { parseMagnet } from '../../metainfo/index.js';
import { parsePort, parseSize } from '../units.js';

const usage = `usage: shoal download <file.torrent | magnet-link> -o <dir> [options]

Downloads the torrent's files into <dir>, verifying every piece against its hash before it is
written. A magnet link's metadata is fetched from peers first (BEP 9: x.pe peers, trackers,
--peer) and cached in <dir>/.shoal. Resumes from what is already in <dir>. Exits 0 once every selected file is complete.

options:
  -o, --output DIR           download folder (required)
  --peer HOST:PORT           connect to this peer (repeatable)
  --announce URL             extra tracker (repeatable; the torrent's own trackers are used too)
  --port N                   listen port (default: any free port)
  --host ADDR                listen address (default: all interfaces)
  --bind ADDR                local address for outgoing connections
  --seed                     keep seeding after completion until interrupted
  --sequential               download pieces in order (streaming)
  --only LIST                download only these files, by index as \`shoal info\` lists them (e.g. 0,2,4-6)
  --max-upload-rate R        upload limit in bytes/s (e.g. 500k, 10M)
  --max-download-rate R      download limit in bytes/s
  --recheck                  hash the data on disk even if resume data matches
  --no-dht                   do not use the DHT (BEP 5); private torrents never do
  --no-lsd                   no Local Service Discovery (BEP 14 LAN multicast;
                             env SHOAL_LSD=off does the same)
  --bootstrap HOST:PORT      DHT entry node (repeatable; default: public routers, or
                             env SHOAL_DHT_BOOTSTRAP, comma-separated)
  --json-progress            print one JSON line per second instead of a progress bar
  -h, --help                 show this help
`;

export const command: Command = {
  summary: 'download a torrent (and optionally keep seeding it)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        peer: { type: 'string', multiple: true },
        announce: { type: 'string', multiple: true },
        port: { type: 'string' },
        host: { type: 'string' },
        bind: { type: 'string' },
        seed: { type: 'boolean' },
        sequential: { type: 'boolean' },
        only: { type: 'string' },
        'max-upload-rate': { type: 'string' },
        'max-download-rate': { type: 'string' },
        recheck: { type: 'boolean' },
        'no-dht': { type: 'boolean' },
        'no-lsd': { type: 'boolean' },
        bootstrap: { type: 'string', multiple: true },
        'json-progress': { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('download takes one torrent file (see shoal download --help)');
    const source = positionals[0] as string;
    if (!values.output) throw new UsageError('download needs -o <dir>');
    let input: SwarmRunOptions['source'];
    let only: number[] | undefined;
    if (source.startsWith('magnet:')) {
      input = { magnet: parseMagnet(source) };
      // Indexes need the file list: they apply once the metadata is in.
      if (values.only !== undefined) throw new UsageError('--only needs the file list: with a magnet link use its so= parameter, or the .torrent file');
    } else {
      const metainfo = await readTorrent(source, io.cwd);
      const visible = metainfo.files.flatMap((f, i) => (f.pad ? [] : [i]));
      only = parseOnly(values.only, visible.length)?.map((i) => visible[i] as number);
      input = { metainfo };
    }
    return runSwarm({
      mode: 'download',
      source: input,
      dir: resolve(io.cwd, values.output),
      peers: values.peer ?? [],
      announce: values.announce ?? [],
      ...(values.host ? { host: values.host } : {}),
      ...(values.port ? { port: parsePort(values.port) } : {}),
      ...(values.bind ? { bind: values.bind } : {}),
      seed: values.seed ?? false,
      sequential: values.sequential ?? false,
      ...(only ? { only } : {}),
      ...(values['max-upload-rate'] ? { maxUploadRate: parseSize(values['max-upload-rate'], '--max-upload-rate') } : {}),
      ...(values['max-download-rate'] ? { maxDownloadRate: parseSize(values['max-download-rate'], '--max-download-rate') } : {}),
      jsonProgress: values['json-progress'] ?? false,
      recheck: values.recheck ?? false,
      dht: !(values['no-dht'] ?? false),
      lsd: !(values['no-lsd'] ?? false),
      ...(values.bootstrap ? { bootstrap: values.bootstrap } : {}),
    }, io);
  },
};
