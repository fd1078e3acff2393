// `shoal download`: fetches a torrent's files from the swarm, verifying every piece (BEP 3, 52);
// from a magnet link, the metadata first (BEP 9).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { parseMagnet } from '../../metainfo/index.js';
import type { CliIO, Command } from '../command.js';
import { PEER_OPTIONS, PEER_OPTIONS_USAGE, peerRunOptions } from '../peer-options.js';
import { readTorrent } from '../read-torrent.js';
import { parseOnly, runSwarm, type SwarmRunOptions } from '../swarm-run.js';
import { parseSize } from '../units.js';

const usage = `usage: shoal download <file.torrent | magnet-link> -o <dir> [options]

Downloads the torrent's files into <dir>, verifying every piece against its hash before it is
written. A magnet link's metadata is fetched from peers first (BEP 9: x.pe peers, trackers,
the DHT, --peer) and cached in <dir>/.shoal. Resumes from what is already in <dir>. Exits 0
once every selected file is complete.

options:
  -o, --output DIR           download folder (required)
  --seed                     keep seeding after completion until interrupted
  --sequential               download pieces in order (streaming)
  --only LIST                download only these files, by index as \`shoal info\` lists them (e.g. 0,2,4-6)
  --max-download-rate R      download limit in bytes/s
${PEER_OPTIONS_USAGE}`;

export const command: Command = {
  summary: 'download a torrent or magnet link (and optionally keep seeding it)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...PEER_OPTIONS,
        output: { type: 'string', short: 'o' },
        seed: { type: 'boolean' },
        sequential: { type: 'boolean' },
        only: { type: 'string' },
        'max-download-rate': { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('download takes one torrent file or magnet link (see shoal download --help)');
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
      ...peerRunOptions(values),
      mode: 'download',
      source: input,
      dir: resolve(io.cwd, values.output),
      seed: values.seed ?? false,
      sequential: values.sequential ?? false,
      ...(only ? { only } : {}),
      ...(values['max-download-rate'] ? { maxDownloadRate: parseSize(values['max-download-rate'], '--max-download-rate') } : {}),
    }, io);
  },
};
