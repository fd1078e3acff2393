// `shoal seed`: verifies local data against a torrent, then serves it until interrupted.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { CliIO, Command } from '../command.js';
import { PEER_OPTIONS, PEER_OPTIONS_USAGE, peerRunOptions } from '../peer-options.js';
import { readTorrent } from '../read-torrent.js';
import { runSwarm } from '../swarm-run.js';

const usage = `usage: shoal seed <file.torrent> --dir <dir> [options]

Verifies the data in <dir> (or trusts matching resume data), then uploads it to peers until
SIGINT/SIGTERM, announcing 'stopped' to trackers and closing every connection on the way out.

options:
  -d, --dir DIR              folder holding the torrent's data (required)
  --super-seed               initial seeding (BEP 16): show each peer only pieces few others
                             have, so less upload goes into duplicates; for a new torrent's first seed
${PEER_OPTIONS_USAGE}`;

export const command: Command = {
  summary: 'seed a torrent from local data',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...PEER_OPTIONS, dir: { type: 'string', short: 'd' }, 'super-seed': { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('seed takes one torrent file (see shoal seed --help)');
    if (!values.dir) throw new UsageError('seed needs --dir <dir>');
    const metainfo = await readTorrent(positionals[0] as string, io.cwd);
    return runSwarm({
      ...peerRunOptions(values),
      mode: 'seed',
      source: { metainfo },
      dir: resolve(io.cwd, values.dir),
      seed: true,
      sequential: false,
      superSeed: values['super-seed'] ?? false,
    }, io);
  },
};
