// The bencode data model (BEP 3).
//
// Byte strings stay bytes (Uint8Array): torrent fields such as `pieces` are binary. Dictionary keys
// are byte strings too; they are held as JavaScript strings in which each char is one byte
// (latin1), so the mapping is lossless and sorting by char code is sorting by raw bytes, as BEP 3
// requires. For ASCII keys, which is nearly all of them, the latin1 string is the key as written.

export type BValue = number | Uint8Array | BList | BDict;
export type BList = BValue[];
/** Dictionary: keys are byte strings held as latin1 strings (see module comment). */
export type BDict = Map<string, BValue>;

/**
 * What the encoder accepts: the data model plus two conveniences. A JS `string` value is encoded
 * as its UTF-8 bytes; a plain object's keys are taken as UTF-8 text (same as latin1 for ASCII).
 */
export type BEncodable =
  | number
  | bigint
  | string
  | Uint8Array
  | readonly BEncodable[]
  | ReadonlyMap<string, BEncodable>
  | { readonly [key: string]: BEncodable | undefined };

export function isDict(v: unknown): v is BDict {
  return v instanceof Map;
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}
