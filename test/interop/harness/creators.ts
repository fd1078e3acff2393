// Other programs' torrent creators, for metainfo interop: mktorrent and transmission-create
// (both write BitTorrent v1 only).
import { run } from './process.js';

export interface MktorrentOptions {
  /** Announce URLs: each inner list is one tier (mktorrent: comma-separated within `-a`). */
  announce?: string[][];
  /** Piece length as a power of two (mktorrent's -l; default 18 = 256 KiB). */
  pieceLengthLog2?: number;
  name?: string;
  private?: boolean;
  comment?: string;
}

export const mktorrent = {
  async create(src: string, out: string, o: MktorrentOptions = {}): Promise<void> {
    const args = ['-d', '-o', out];
    for (const tier of o.announce ?? []) args.push('-a', tier.join(','));
    if (o.pieceLengthLog2 !== undefined) args.push('-l', String(o.pieceLengthLog2));
    if (o.name !== undefined) args.push('-n', o.name);
    if (o.private === true) args.push('-p');
    if (o.comment !== undefined) args.push('-c', o.comment);
    args.push(src);
    await run('mktorrent', args, { name: 'mktorrent', timeoutMs: 60_000 });
  },
};

export interface TransmissionCreateOptions {
  trackers?: string[];
  /** Piece size in KiB (transmission-create -s); its own choice by default. */
  pieceSizeKiB?: number;
  private?: boolean;
  comment?: string;
}

/**
 * transmission-create (Transmission 3.00). Note it leaves out hidden files and empty files,
 * so its file list can differ from the other creators' for the same folder.
 */
export async function transmissionCreate(src: string, out: string, o: TransmissionCreateOptions = {}): Promise<void> {
  const args = ['-o', out];
  for (const t of o.trackers ?? []) args.push('-t', t);
  if (o.pieceSizeKiB !== undefined) args.push('-s', String(o.pieceSizeKiB));
  if (o.private === true) args.push('-p');
  if (o.comment !== undefined) args.push('-c', o.comment);
  args.push(src);
  await run('transmission-create', args, { name: 'transmission-create', timeoutMs: 60_000 });
}
