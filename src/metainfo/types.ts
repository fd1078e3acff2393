// The torrent metainfo model shared by every layer (BEP 3 v1, BEP 52 v2, hybrid; BEP 47 padding).
//
// Whatever the torrent's version, its content is presented as one "piece space": the files laid
// end to end, each at `offset`, covered by pieces of `pieceLength` bytes (the last may be short).
// v1 files are contiguous. Hybrid torrents carry explicit BEP 47 padding files so every file starts
// on a piece boundary. Pure v2 torrents have the same alignment without padding entries: the gaps
// are virtual. Storage, the picker and the wire protocol all work on this one shape.

export type TorrentVersion = 'v1' | 'v2' | 'hybrid';

export interface TorrentFile {
  /** Path components as written in the torrent (UTF-8), for display. */
  readonly rawPath: readonly string[];
  /** Path components made safe for the disk (see paths.ts); join under the download folder. */
  readonly path: readonly string[];
  readonly length: number;
  /** Byte offset of the file in the piece space. */
  readonly offset: number;
  /** BEP 47 padding file: never written to disk, reads as zeros. */
  readonly pad: boolean;
  /** BEP 47 attributes: any of 'x' (executable), 'h' (hidden), 'l' (symlink), 'p' (padding). */
  readonly attr: string;
  /** BEP 47 symlink target, when attr has 'l'. */
  readonly symlinkPath?: readonly string[];
  /** v2: the 32-byte Merkle root of the file's 16 KiB blocks (absent for empty files and v1). */
  readonly piecesRoot?: Uint8Array;
  /** Optional per-file modification time (seconds) and SHA-1 some creators add. */
  readonly mtime?: number;
  readonly sha1?: Uint8Array;
}

export interface Metainfo {
  readonly version: TorrentVersion;
  /** SHA-1 of the info dictionary bytes: present for v1 and hybrid. */
  readonly infoHashV1?: Uint8Array;
  /** SHA-256 of the info dictionary bytes: present for v2 and hybrid. */
  readonly infoHashV2?: Uint8Array;
  /** The 20-byte id used on the wire, at trackers and in the DHT: v1 hash, else v2 truncated. */
  readonly infoHash: Uint8Array;
  /** The info dictionary exactly as found in the file (what the hashes are taken over). */
  readonly infoBytes: Uint8Array;
  readonly name: string;
  readonly pieceLength: number;
  readonly pieceCount: number;
  /** Sum of the lengths of real (non-padding) files. */
  readonly length: number;
  /** End of the piece space: last file's offset + length. */
  readonly spaceLength: number;
  /** All files in piece-space order, padding files included (filter on `pad` for display). */
  readonly files: readonly TorrentFile[];
  /** v1 torrents with an `info.files` list (as opposed to a single `info.length`). */
  readonly multiFile: boolean;
  /** v1: concatenated 20-byte SHA-1 piece hashes. */
  readonly pieces?: Uint8Array;
  /** v2: `piece layers` by pieces root (key: the root's bytes as a latin1 string). */
  readonly pieceLayers?: ReadonlyMap<string, Uint8Array>;
  readonly private: boolean;
  /** BEP 12 tiers; a lone `announce` becomes one tier of one URL. */
  readonly announce: readonly (readonly string[])[];
  /** BEP 19 web seeds. */
  readonly webSeeds: readonly string[];
  readonly creationDate?: number;
  readonly comment?: string;
  readonly createdBy?: string;
  readonly source?: string;
}
