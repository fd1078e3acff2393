// `shoal info`: shows what a .torrent file or a magnet link describes (BEP 3/52 metainfo, BEP 9/53
// magnet links), as text for people or as JSON for scripts.
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import {
  formatMagnet,
  magnetFromMetainfo,
  parseMagnet,
  toHex,
  type MagnetLink,
  type Metainfo,
} from '../../metainfo/index.js';
import type { CliIO, Command } from '../command.js';
import { readTorrent } from '../read-torrent.js';

const usage = `usage: shoal info <file.torrent | magnet-link> [--json]

Shows what a torrent file or a magnet link describes: name, version (v1, v2, hybrid),
info hashes, piece length and count, total size, files (padding files hidden), trackers
by tier, web seeds, private flag, creation date, comment, creator and the magnet link.

options:
  --json      print one JSON object instead of text
  -h, --help  show this help
`;

/** Terminal-safe text: control characters in names would otherwise reach the terminal. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatSize(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]} (${n} bytes)`;
}

const VERSION_TEXT = { v1: 'v1', v2: 'v2', hybrid: 'hybrid (v1 + v2)' } as const;

function torrentJson(meta: Metainfo): Record<string, unknown> {
  const out: Record<string, unknown> = { name: meta.name, version: meta.version };
  if (meta.infoHashV1) out.infoHash = toHex(meta.infoHashV1);
  if (meta.infoHashV2) out.infoHashV2 = toHex(meta.infoHashV2);
  Object.assign(out, {
    pieceLength: meta.pieceLength,
    pieceCount: meta.pieceCount,
    length: meta.length,
    files: meta.files
      .filter((f) => !f.pad)
      .map((f) => {
        const path = f.rawPath.join('/');
        const disk = f.path.join('/');
        return disk === path ? { path, length: f.length } : { path, diskPath: disk, length: f.length };
      }),
    announce: meta.announce,
    webSeeds: meta.webSeeds,
    private: meta.private,
  });
  if (meta.creationDate !== undefined) out.creationDate = meta.creationDate;
  if (meta.comment !== undefined) out.comment = meta.comment;
  if (meta.createdBy !== undefined) out.createdBy = meta.createdBy;
  if (meta.source !== undefined) out.source = meta.source;
  out.magnet = formatMagnet(magnetFromMetainfo(meta));
  return out;
}

function magnetJson(m: MagnetLink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.name !== undefined) out.name = m.name;
  if (m.infoHashV1) out.infoHash = toHex(m.infoHashV1);
  if (m.infoHashV2) out.infoHashV2 = toHex(m.infoHashV2);
  if (m.length !== undefined) out.length = m.length;
  // A magnet has no tiers: each tracker is its own tier, as libtorrent reads them.
  out.announce = m.trackers.map((t) => [t]);
  out.webSeeds = m.webSeeds;
  out.peers = m.peers.map((p) => (p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`));
  if (m.selectOnly) out.selectOnly = m.selectOnly;
  out.magnet = formatMagnet(m);
  return out;
}

function row(label: string, value: string): string {
  return `${(label + ':').padEnd(15)}${value}`;
}

function listLines(label: string, items: readonly string[]): string[] {
  if (items.length === 0) return [];
  return [`${label}:`, ...items.map((i) => `  ${clean(i)}`)];
}

function torrentText(meta: Metainfo): string[] {
  const lines = [row('name', clean(meta.name)), row('version', VERSION_TEXT[meta.version])];
  if (meta.infoHashV1) lines.push(row('info hash v1', toHex(meta.infoHashV1)));
  if (meta.infoHashV2) lines.push(row('info hash v2', toHex(meta.infoHashV2)));
  lines.push(row('piece length', formatSize(meta.pieceLength)), row('pieces', String(meta.pieceCount)));
  lines.push(row('total size', formatSize(meta.length)), row('private', meta.private ? 'yes' : 'no'));
  if (meta.creationDate !== undefined) {
    const d = new Date(meta.creationDate * 1000);
    lines.push(row('created', Number.isNaN(d.getTime()) ? String(meta.creationDate) : d.toISOString().replace('.000Z', 'Z')));
  }
  if (meta.createdBy !== undefined) lines.push(row('created by', clean(meta.createdBy)));
  if (meta.comment !== undefined) lines.push(row('comment', clean(meta.comment)));
  if (meta.source !== undefined) lines.push(row('source', clean(meta.source)));
  if (meta.announce.length > 0) {
    lines.push('trackers:');
    meta.announce.forEach((tier, i) => tier.forEach((url, j) => lines.push(`  ${j === 0 ? `tier ${i + 1}:` : ''}`.padEnd(11) + clean(url))));
  }
  lines.push(...listLines('web seeds', meta.webSeeds));
  const files = meta.files.filter((f) => !f.pad);
  lines.push(`files (${files.length}):`);
  const width = files.reduce((w, f) => Math.max(w, String(f.length).length), 0);
  for (const f of files) lines.push(`  ${String(f.length).padStart(width)}  ${clean(f.rawPath.join('/'))}`);
  lines.push(row('magnet', formatMagnet(magnetFromMetainfo(meta))));
  return lines;
}

function magnetText(m: MagnetLink): string[] {
  const lines = ['magnet link (metadata not fetched: files unknown)'];
  if (m.name !== undefined) lines.push(row('name', clean(m.name)));
  if (m.infoHashV1) lines.push(row('info hash v1', toHex(m.infoHashV1)));
  if (m.infoHashV2) lines.push(row('info hash v2', toHex(m.infoHashV2)));
  if (m.length !== undefined) lines.push(row('total size', formatSize(m.length)));
  lines.push(...listLines('trackers', m.trackers), ...listLines('web seeds', m.webSeeds));
  lines.push(...listLines('peers', m.peers.map((p) => (p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`))));
  if (m.selectOnly) lines.push(row('select only', m.selectOnly.join(',')));
  lines.push(row('magnet', formatMagnet(m)));
  return lines;
}


export const command: Command = {
  summary: 'show what a .torrent file or magnet link describes',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('expected one .torrent file or magnet link (see shoal info --help)');
    const input = positionals[0] as string;
    let out: string;
    if (/^magnet:/i.test(input)) {
      const m = parseMagnet(input);
      out = values.json ? JSON.stringify(magnetJson(m), null, 2) : magnetText(m).join('\n');
    } else {
      const meta = await readTorrent(input, io.cwd);
      out = values.json ? JSON.stringify(torrentJson(meta), null, 2) : torrentText(meta).join('\n');
    }
    io.stdout.write(out + '\n');
    return 0;
  },
};
