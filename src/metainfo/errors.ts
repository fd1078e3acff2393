// Typed errors of the metainfo layer (BEP 3, 9, 47, 52, 53): each names what is wrong and, for a
// torrent file, the field path where ("info.files[3].path[1]").
import { ShoalError } from '../errors.js';

export type MetainfoErrorCode =
  | 'METAINFO_MALFORMED' // not bencode, or not a dictionary
  | 'METAINFO_TOO_LARGE' // a size, count or depth bound was exceeded
  | 'METAINFO_NEWER_VERSION' // meta version > 2
  | 'METAINFO_BAD_FIELD' // a field is missing or of the wrong type
  | 'METAINFO_BAD_PIECE_LENGTH'
  | 'METAINFO_BAD_PIECES'
  | 'METAINFO_BAD_LENGTH'
  | 'METAINFO_NO_FILES'
  | 'METAINFO_BAD_FILE_TREE'
  | 'METAINFO_BAD_PIECE_LAYERS'
  | 'METAINFO_HYBRID_MISMATCH'
  | 'METAINFO_PATH_TRAVERSAL' // a '..' or '.' component, or an absolute path
  | 'METAINFO_BAD_PATH' // empty component, NUL, separator inside a component, empty path
  | 'METAINFO_PATH_TOO_LONG' // component over 255 bytes or path deeper than the bound
  | 'METAINFO_DUPLICATE_PATH' // two files on the same disk path, or a file where a folder must be
  | 'METAINFO_BAD_BUILD_INPUT'; // buildTorrent / planPieceSpace called with inconsistent input

export class MetainfoError extends ShoalError {
  declare readonly code: MetainfoErrorCode;
  /** Dotted path of the offending field, when the error is about one. */
  readonly field: string | undefined;

  constructor(code: MetainfoErrorCode, message: string, field?: string, options?: { cause?: unknown }) {
    super(code, field ? `torrent: ${field}: ${message}` : `torrent: ${message}`, options);
    this.field = field;
  }
}

export type MagnetErrorCode =
  | 'MAGNET_BAD_URI' // not a magnet: URI, or badly percent-encoded
  | 'MAGNET_NO_HASH' // no usable xt
  | 'MAGNET_BAD_HASH' // xt with a wrong length or encoding
  | 'MAGNET_BAD_PEER' // x.pe that is not host:port
  | 'MAGNET_BAD_SELECT' // so that is not a list of indexes and ranges
  | 'MAGNET_TOO_LARGE'; // too long, too many parameters

export class MagnetError extends ShoalError {
  declare readonly code: MagnetErrorCode;
  constructor(code: MagnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, `magnet: ${message}`, options);
  }
}
