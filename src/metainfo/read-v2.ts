// Reads a BEP 52 `file tree` and checks its `piece layers`.
//
// The tree is walked depth first with each directory's keys in raw byte order (the canonical
// order, which is also the piece-space order; a non-canonical file is read by its canonical
// meaning). A node with a '' key is a file: the '' dictionary carries `length` (and `pieces root`
// for a non-empty file) and must have no sibling keys. The root must not be a file; depth and
// file count are bounded before anything is allocated per file.
import { DictReader, bytesKey, isBytes, isDict, keyBytes, type BDict, type BValue } from '../bencode/index.js';
import { MetainfoError } from './errors.js';
import { HASH_SIZE, layerMatchesRoot } from './merkle.js';
import { MAX_PATH_DEPTH } from './paths.js';
import { lossyText } from './text.js';

export interface TreeFile {
  /** Path relative to the tree root. */
  readonly rel: readonly string[];
  readonly length: number;
  readonly root?: Uint8Array;
  readonly attr: string;
  readonly mtime?: number;
  readonly field: string;
}

function bad(message: string, field: string): never {
  throw new MetainfoError('METAINFO_BAD_FILE_TREE', message, field);
}

function readFile(entry: BValue, rel: readonly string[], field: string): TreeFile {
  if (!isDict(entry)) bad('a file entry must be a dictionary', field);
  const r = new DictReader(entry, field, 'METAINFO_BAD_FIELD');
  if (!r.has('length')) bad('a file entry has no length', field);
  const length = r.int('length');
  if (length < 0) throw new MetainfoError('METAINFO_BAD_LENGTH', `negative length ${length}`, r.fieldPath('length'));
  const attrBytes = r.raw('attr');
  const mtime = r.raw('mtime');
  const out: { -readonly [K in keyof TreeFile]: TreeFile[K] } = {
    rel,
    length,
    attr: isBytes(attrBytes) ? lossyText(attrBytes) : '',
    field,
  };
  if (typeof mtime === 'number') out.mtime = mtime;
  if (length > 0) {
    const root = r.optBytes('pieces root');
    if (root === undefined) bad('a non-empty file has no pieces root', field);
    if (root.length !== HASH_SIZE) bad(`pieces root of ${root.length} bytes, expected ${HASH_SIZE}`, r.fieldPath('pieces root'));
    out.root = root;
  }
  return out;
}

/**
 * The files of a file tree in piece-space order. `singleFile` when the root holds exactly one
 * entry and it is a file (BEP 52's single-file form). `maxDepth` bounds path length in components.
 */
export function readFileTree(
  tree: BDict,
  maxFiles: number,
  maxDepth = MAX_PATH_DEPTH - 1,
): { files: TreeFile[]; singleFile: boolean } {
  const base = 'info.file tree';
  if (tree.has('')) bad('the root of the file tree must not be a file', base);
  if (tree.size === 0) throw new MetainfoError('METAINFO_NO_FILES', 'empty file tree', base);
  const files: TreeFile[] = [];

  const walk = (node: BDict, rel: readonly string[]): void => {
    const keys = [...node.keys()].sort();
    for (const key of keys) {
      const child = node.get(key) as BValue;
      const name = lossyText(keyBytes(key));
      const path = [...rel, name];
      // Long paths are clipped in messages: the end says where, the depth is in the message.
      const field = `${base}.${path.length > 6 ? '…/' + path.slice(-3).join('/') : path.join('/')}`;
      if (key === '') bad('empty file name', field);
      if (path.length > maxDepth) {
        throw new MetainfoError('METAINFO_PATH_TOO_LONG', `path deeper than ${maxDepth} components`, field);
      }
      if (!isDict(child)) bad('expected a dictionary', field);
      if (child.has('')) {
        if (child.size !== 1) bad('a file entry must have no sibling keys', field);
        if (files.length >= maxFiles) {
          throw new MetainfoError('METAINFO_TOO_LARGE', `more than the limit of ${maxFiles} files`, base);
        }
        files.push(readFile(child.get('') as BValue, path, field));
      } else {
        if (child.size === 0) bad('empty directory', field);
        walk(child, path);
      }
    }
  };
  walk(tree, []);
  const only = tree.size === 1 ? tree.values().next().value : undefined;
  return { files, singleFile: isDict(only) && only.has('') };
}

/**
 * Checks `piece layers` (BEP 52): every file larger than one piece needs a layer of exactly one
 * hash per piece whose Merkle root is the file's `pieces root`. Returns the layers in use.
 */
export function checkPieceLayers(
  layers: BValue | undefined,
  files: readonly TreeFile[],
  pieceLength: number,
): Map<string, Uint8Array> {
  const field = 'piece layers';
  const needed = files.filter((f) => f.length > pieceLength);
  const out = new Map<string, Uint8Array>();
  if (needed.length === 0) return out;
  if (layers === undefined) throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', 'missing', field);
  if (!isDict(layers)) throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', 'expected a dictionary', field);
  for (const f of needed) {
    const key = bytesKey(f.root as Uint8Array);
    if (out.has(key)) continue; // identical files share a root, and a layer
    const layer = layers.get(key);
    const where = `${field} (for ${f.rel.join('/')})`;
    if (layer === undefined) throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', 'no layer for a file larger than one piece', where);
    if (!isBytes(layer)) throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', 'expected a byte string', where);
    const want = Math.ceil(f.length / pieceLength) * HASH_SIZE;
    if (layer.length !== want) {
      throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', `layer of ${layer.length} bytes, expected ${want}`, where);
    }
    if (!layerMatchesRoot(layer, f.root as Uint8Array, pieceLength)) {
      throw new MetainfoError('METAINFO_BAD_PIECE_LAYERS', 'layer does not match the pieces root', where);
    }
    out.set(key, layer);
  }
  return out;
}
