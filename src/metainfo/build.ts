// Torrent file writer (BEP 3 v1, BEP 52 v2 and hybrid, BEP 47 attributes and padding, BEP 12
// announce-list, BEP 19 url-list, BEP 27 private).
//
// Pure: the creator plans the piece space (layout.ts), hashes the files off the main thread, then
// hands the hashes here. The output is canonical bencode, and is parsed back before it is
// returned, so a torrent shoal writes is always one shoal (and BEP 52) accepts.
import { encode, textKey, bytesKey, type BEncodable } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { checkPieceLength, type PlannedFile } from './layout.js';
import { HASH_SIZE } from './merkle.js';
import { parseMetainfo } from './parse.js';
import type { Metainfo, TorrentVersion } from './types.js';

export interface BuildInput {
  readonly name: string;
  readonly version: TorrentVersion;
  readonly pieceLength: number;
  /** One file published under `name` itself (no folder). */
  readonly singleFile: boolean;
  /** From planPieceSpace, in its order. */
  readonly files: readonly PlannedFile[];
  /** v1/hybrid: concatenated SHA-1 over the (padded) piece space. */
  readonly pieces?: Uint8Array;
  /** v2/hybrid: per non-pad non-empty file, in `files` order (merkle.ts fileTreeFromBlockHashes). */
  readonly v2Files?: readonly { readonly root: Uint8Array; readonly pieceLayer: Uint8Array }[];
  /** BEP 12 tiers; the first URL also becomes `announce`. */
  readonly announce?: readonly (readonly string[])[];
  readonly webSeeds?: readonly string[];
  readonly private?: boolean;
  readonly comment?: string;
  readonly createdBy?: string;
  /** Seconds since the epoch (injected: this layer has no clock). */
  readonly creationDate?: number;
  /** `info.source`: private trackers use it to give a re-published torrent its own info hash. */
  readonly source?: string;
}

function bad(message: string, field: string): never {
  throw new MetainfoError('METAINFO_BAD_BUILD_INPUT', message, field);
}

type Tree = Map<string, Tree | BEncodable>;

function fileDict(f: PlannedFile, root: Uint8Array | undefined, v2: boolean): Map<string, BEncodable> {
  const d = new Map<string, BEncodable>();
  d.set('length', f.length);
  const attr = v2 ? f.attr.replace(/p/g, '') : f.attr;
  if (attr) d.set('attr', attr);
  if (f.mtime !== undefined) d.set('mtime', f.mtime);
  if (root) d.set('pieces root', root);
  return d;
}

function checkInput(input: BuildInput): { real: PlannedFile[]; spaceEnd: number } {
  checkPieceLength(input.pieceLength, input.version, 'pieceLength');
  if (input.name.length === 0) bad('empty torrent name', 'name');
  if (input.files.length === 0) bad('no files', 'files');
  const real = input.files.filter((f) => !f.pad);
  if (input.singleFile && (real.length !== 1 || input.files.length !== 1)) {
    bad('a single-file torrent has exactly one file and no padding', 'files');
  }
  if (input.version !== 'hybrid' && real.length !== input.files.length) bad('padding files only belong in hybrid torrents', 'files');
  let spaceEnd = 0;
  for (const f of input.files) spaceEnd = Math.max(spaceEnd, f.offset + f.length);
  const pieceCount = Math.ceil(spaceEnd / input.pieceLength);
  if (input.version !== 'v2') {
    if (!input.pieces) bad('v1 and hybrid torrents need piece hashes', 'pieces');
    if (input.pieces.length !== pieceCount * 20) {
      bad(`expected ${pieceCount * 20} bytes of piece hashes, found ${input.pieces.length}`, 'pieces');
    }
  }
  if (input.version !== 'v1') {
    const nonEmpty = real.filter((f) => f.length > 0);
    if (!input.v2Files || input.v2Files.length !== nonEmpty.length) {
      bad(`expected one Merkle tree per non-empty file (${nonEmpty.length})`, 'v2Files');
    }
    input.v2Files.forEach((t, i) => {
      const len = (nonEmpty[i] as PlannedFile).length;
      if (t.root.length !== HASH_SIZE) bad('a pieces root is 32 bytes', `v2Files[${i}].root`);
      if (t.pieceLayer.length !== Math.ceil(len / input.pieceLength) * HASH_SIZE) {
        bad('piece layer length does not match the file length', `v2Files[${i}].pieceLayer`);
      }
    });
  }
  return { real, spaceEnd };
}

function v2Tree(input: BuildInput, real: readonly PlannedFile[]): { tree: Tree; layers: Map<string, BEncodable> } {
  const tree: Tree = new Map();
  const layers = new Map<string, BEncodable>();
  let next = 0;
  real.forEach((f, i) => {
    let root: Uint8Array | undefined;
    if (f.length > 0) {
      const t = (input.v2Files ?? [])[next++] as { root: Uint8Array; pieceLayer: Uint8Array };
      root = t.root;
      if (f.length > input.pieceLength) layers.set(bytesKey(t.root), t.pieceLayer);
    }
    const path = input.singleFile ? [input.name] : f.path;
    let node = tree;
    path.forEach((c, j) => {
      const k = textKey(c);
      if (j === path.length - 1) {
        if (node.has(k)) bad('duplicate path', `files[${i}].path`);
        node.set(k, new Map([['', fileDict(f, root, true)]]));
        return;
      }
      let child = node.get(k);
      if (child === undefined) {
        child = new Map();
        node.set(k, child);
      }
      if (!(child instanceof Map) || child.has('')) bad('a file is also used as a folder', `files[${i}].path`);
      node = child as Tree;
    });
  });
  return { tree, layers };
}

/** Writes a torrent file from a planned piece space and its hashes; returns it and its parse. */
export function buildTorrent(input: BuildInput): { torrent: Uint8Array; metainfo: Metainfo } {
  const { real } = checkInput(input);
  const info = new Map<string, BEncodable>();
  info.set('name', input.name);
  info.set('piece length', input.pieceLength);
  if (input.private) info.set('private', 1);
  if (input.source !== undefined) info.set('source', input.source);
  if (input.version !== 'v2') {
    info.set('pieces', input.pieces as Uint8Array);
    if (input.singleFile) {
      const f = input.files[0] as PlannedFile;
      info.set('length', f.length);
      if (f.attr) info.set('attr', f.attr);
      if (f.mtime !== undefined) info.set('mtime', f.mtime);
    } else {
      info.set(
        'files',
        input.files.map((f) => {
          const d = fileDict(f, undefined, false);
          d.set('path', [...f.path]);
          return d;
        }),
      );
    }
  }
  let layers: Map<string, BEncodable> | undefined;
  if (input.version !== 'v1') {
    const t = v2Tree(input, real);
    info.set('meta version', 2);
    info.set('file tree', t.tree as BEncodable);
    layers = t.layers;
  }

  const top = new Map<string, BEncodable>();
  const urls = (input.announce ?? []).map((tier) => tier.filter((u) => u.length > 0)).filter((tier) => tier.length > 0);
  const first = urls[0]?.[0];
  if (first !== undefined) top.set('announce', first);
  if (urls.length > 1 || (urls[0]?.length ?? 0) > 1) top.set('announce-list', urls.map((t) => [...t]));
  const seeds = (input.webSeeds ?? []).filter((u) => u.length > 0);
  if (seeds.length === 1) top.set('url-list', seeds[0] as string);
  else if (seeds.length > 1) top.set('url-list', [...seeds]);
  if (input.comment !== undefined) top.set('comment', input.comment);
  if (input.createdBy !== undefined) top.set('created by', input.createdBy);
  if (input.creationDate !== undefined) top.set('creation date', input.creationDate);
  top.set('info', info);
  if (layers) top.set('piece layers', layers);

  const torrent = encode(top);
  return { torrent, metainfo: parseMetainfo(torrent) };
}
