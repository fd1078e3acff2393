// `shoal create`: makes a .torrent (v1 BEP 3, v2 BEP 52, hybrid with BEP 47 padding) from a file or
// folder, hashing on every core, and prints its info hashes and magnet link.
import { access, constants, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateError, createTorrent } from '../../create/index.js';
import { UsageError } from '../../errors.js';
import { formatMagnet, magnetFromMetainfo, toHex, type TorrentVersion } from '../../metainfo/index.js';
import type { CliIO, Command } from '../command.js';
import { createProgress, formatBytes } from '../progress.js';

const usage = `usage: shoal create <path> [-o FILE.torrent] [options]

Makes a .torrent from a file (a single-file torrent) or a folder (every file below it,
hidden files included, sorted by path; symlinks and special files are skipped with a note),
hashing on all cores, then prints the info hash(es) and the magnet link.

options:
  -o, --output FILE         where to write the torrent (default: ./<name>.torrent)
  -f, --format v1|v2|hybrid torrent format (default v1: every client reads it; hybrid adds
                            BEP 52 v2 hashes for v2 clients, at twice the hashing work)
  -a, --announce URL        tracker; repeat for more tiers, one URL per tier, or give
                            URL1,URL2 for several trackers in one tier (BEP 12)
  -w, --web-seed URL        web seed (BEP 19); repeatable
  -l, --piece-length BYTES  power of two, 16K to 64M (suffix K or M accepted); default:
                            chosen for about 1000-2000 pieces, 16 KiB to 16 MiB
  -p, --private             private torrent: peers from its trackers only (BEP 27)
  -c, --comment TEXT        free-text comment
  -s, --source TEXT         info.source tag (gives the torrent its own info hash)
  -n, --name NAME           torrent name (default: the file or folder name)
      --no-date             write no creation date (same input, same bytes)
  -t, --threads N           hashing threads (default: the number of CPUs)
  -q, --quiet               no progress bar and no notes, only the result
  -h, --help                show this help
`;

const FORMATS: readonly TorrentVersion[] = ['v1', 'v2', 'hybrid'];

export function parsePieceLength(text: string): number {
  const m = /^(\d+)\s*([kKmM](?:i?[bB])?)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--piece-length: not a size: ${text}`);
  const unit = (m[2] ?? '').toLowerCase().startsWith('m') ? 2 ** 20 : m[2] ? 2 ** 10 : 1;
  return Number(m[1]) * unit;
}

function parseThreads(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--threads: expected 1 to 256, found ${text}`);
  return n;
}

function tiers(urls: readonly string[]): string[][] {
  return urls.map((u) => u.split(',').map((s) => s.trim()).filter((s) => s.length > 0)).filter((t) => t.length > 0);
}

function checkUrl(flag: string, url: string): void {
  if (!URL.canParse(url)) throw new UsageError(`${flag}: not a URL: ${url}`);
}

/** Fails early (before hours of hashing) when the torrent could not be written. */
async function checkWritable(out: string): Promise<void> {
  const unwritable = (why: string, cause?: unknown): CreateError =>
    new CreateError('CREATE_OUTPUT_UNWRITABLE', `cannot write ${out}: ${why}`, { cause });
  try {
    const st = await stat(out);
    if (st.isDirectory()) throw unwritable('it is a folder');
    await access(out, constants.W_OK);
    return;
  } catch (e) {
    if (e instanceof CreateError) throw e;
    if (!isCode(e, 'ENOENT')) throw unwritable(describe(e), e);
  }
  try {
    await access(dirname(out), constants.W_OK);
  } catch (e) {
    throw unwritable(isCode(e, 'ENOENT') ? 'its folder does not exist' : describe(e), e);
  }
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && (e as { code: unknown }).code === code;
}

function describe(e: unknown): string {
  if (isCode(e, 'EACCES') || isCode(e, 'EPERM')) return 'permission denied';
  if (isCode(e, 'EROFS')) return 'read-only file system';
  return e instanceof Error ? e.message : String(e);
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string', short: 'f', default: 'v1' },
      announce: { type: 'string', short: 'a', multiple: true, default: [] },
      'web-seed': { type: 'string', short: 'w', multiple: true, default: [] },
      'piece-length': { type: 'string', short: 'l' },
      private: { type: 'boolean', short: 'p', default: false },
      comment: { type: 'string', short: 'c' },
      source: { type: 'string', short: 's' },
      name: { type: 'string', short: 'n' },
      'no-date': { type: 'boolean', default: false },
      threads: { type: 'string', short: 't' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one file or folder (see shoal create --help)');
  const format = values.format as TorrentVersion;
  if (!FORMATS.includes(format)) throw new UsageError(`--format: expected v1, v2 or hybrid, found ${values.format}`);
  const announce = tiers(values.announce);
  for (const u of announce.flat()) checkUrl('--announce', u);
  for (const u of values['web-seed']) checkUrl('--web-seed', u);
  const pieceLength = values['piece-length'] === undefined ? undefined : parsePieceLength(values['piece-length']);
  const threads = values.threads === undefined ? undefined : parseThreads(values.threads);

  const path = resolve(io.cwd, positionals[0] as string);
  const name = values.name ?? basename(path);
  const out = resolve(io.cwd, values.output ?? `${name}.torrent`);
  await checkWritable(out);

  const bar = values.quiet ? undefined : createProgress(io.stderr, { label: 'hashing' });
  let created;
  try {
    created = await createTorrent({
      path,
      format,
      ...(pieceLength !== undefined ? { pieceLength } : {}),
      ...(announce.length > 0 ? { announce } : {}),
      ...(values['web-seed'].length > 0 ? { webSeeds: values['web-seed'] } : {}),
      private: values.private,
      ...(values.comment !== undefined ? { comment: values.comment } : {}),
      ...(values.source !== undefined ? { source: values.source } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values['no-date'] ? { creationDate: null } : {}),
      ...(threads !== undefined ? { threads } : {}),
      // This process only hashes: its main thread is one of the hashing threads.
      mainThread: true,
      signal: io.signal,
      onProgress: (done, total) => bar?.update(done, total),
      onNote: (note) => {
        if (!values.quiet) io.stderr.write(`note: ${note}\n`);
      },
    });
    bar?.finish();
  } catch (e) {
    bar?.clear();
    throw e;
  }

  const tmp = `${out}.${process.pid}.partial`;
  try {
    await writeFile(tmp, created.torrent);
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CreateError('CREATE_OUTPUT_UNWRITABLE', `cannot write ${out}: ${describe(e)}`, { cause: e });
  }

  const m = created.metainfo;
  const lines = [
    `created ${out}`,
    `  ${m.version}, ${m.files.filter((f) => !f.pad).length} file(s), ${formatBytes(m.length)}, ` +
      `${m.pieceCount} pieces of ${formatBytes(m.pieceLength)}`,
  ];
  if (m.infoHashV1) lines.push(`info hash v1: ${toHex(m.infoHashV1)}`);
  if (m.infoHashV2) lines.push(`info hash v2: ${toHex(m.infoHashV2)}`);
  lines.push(`magnet: ${formatMagnet(magnetFromMetainfo(m))}`);
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

export const command: Command = {
  summary: 'make a .torrent (v1, v2 or hybrid) from a file or folder',
  usage,
  run,
};
