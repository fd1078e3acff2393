// Text fields of torrents (BEP 3: UTF-8). Files in the wild carry invalid UTF-8 and legacy
// encodings with a `<key>.utf-8` twin, so text is decoded leniently (U+FFFD for bad bytes) and
// the twin is preferred; a wrong type on an optional, descriptive field is ignored, not fatal.
import { isBytes, type BDict } from '../bencode/index.js';

// ignoreBOM keeps a leading U+FEFF: it is part of the name, not a marker.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

export function lossyText(b: Uint8Array): string {
  return lenient.decode(b);
}

/** An optional text field, preferring `<key>.utf-8`; undefined when absent or not a string. */
export function optText(d: BDict, key: string): string | undefined {
  const alt = d.get(`${key}.utf-8`);
  if (isBytes(alt)) return lossyText(alt);
  const v = d.get(key);
  return isBytes(v) ? lossyText(v) : undefined;
}
