// Typed reads from decoded bencode, with errors that name the field path ("info.files[3].length").
// Parsers of metainfo, tracker responses and KRPC messages use these instead of casting.
import { ShoalError } from '../errors.js';
import { isBytes, isDict, type BDict, type BList, type BValue } from './types.js';

export class BencodeFieldError extends ShoalError {
  /** Dotted path of the offending field. */
  readonly field: string;
  constructor(code: string, field: string, message: string) {
    super(code, `${field}: ${message}`);
    this.field = field;
  }
}

const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function kind(v: BValue | undefined): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return 'an integer';
  if (isBytes(v)) return 'a byte string';
  if (Array.isArray(v)) return 'a list';
  return 'a dictionary';
}

/** Reads fields of one dictionary; `path` prefixes every error message. */
export class DictReader {
  constructor(readonly dict: BDict, readonly path: string, readonly errorCode = 'BAD_FIELD') {}

  static of(v: BValue | undefined, path: string, errorCode = 'BAD_FIELD'): DictReader {
    if (!isDict(v)) throw new BencodeFieldError(errorCode, path, `expected a dictionary, found ${kind(v)}`);
    return new DictReader(v, path, errorCode);
  }

  fieldPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, message: string): never {
    throw new BencodeFieldError(this.errorCode, this.fieldPath(key), message);
  }

  has(key: string): boolean {
    return this.dict.has(key);
  }

  raw(key: string): BValue | undefined {
    return this.dict.get(key);
  }

  private typed<T>(key: string, ok: (v: BValue) => v is BValue & T, what: string, optional: boolean): T | undefined {
    const v = this.dict.get(key);
    if (v === undefined) {
      if (optional) return undefined;
      this.fail(key, `required ${what} is missing`);
    }
    if (!ok(v)) this.fail(key, `expected ${what}, found ${kind(v)}`);
    return v as T;
  }

  int(key: string): number {
    return this.typed<number>(key, (v): v is number => typeof v === 'number', 'an integer', false) as number;
  }
  optInt(key: string): number | undefined {
    return this.typed<number>(key, (v): v is number => typeof v === 'number', 'an integer', true);
  }
  bytes(key: string): Uint8Array {
    return this.typed<Uint8Array>(key, isBytes, 'a byte string', false) as Uint8Array;
  }
  optBytes(key: string): Uint8Array | undefined {
    return this.typed<Uint8Array>(key, isBytes, 'a byte string', true);
  }
  /** A UTF-8 text field; invalid UTF-8 is an error. */
  str(key: string): string {
    return this.decodeUtf8(key, this.bytes(key));
  }
  optStr(key: string): string | undefined {
    const b = this.optBytes(key);
    return b === undefined ? undefined : this.decodeUtf8(key, b);
  }
  list(key: string): BList {
    return this.typed<BList>(key, (v): v is BList => Array.isArray(v), 'a list', false) as BList;
  }
  optList(key: string): BList | undefined {
    return this.typed<BList>(key, (v): v is BList => Array.isArray(v), 'a list', true);
  }
  dictAt(key: string): DictReader {
    const d = this.typed<BDict>(key, isDict, 'a dictionary', false) as BDict;
    return new DictReader(d, this.fieldPath(key), this.errorCode);
  }
  optDictAt(key: string): DictReader | undefined {
    const d = this.typed<BDict>(key, isDict, 'a dictionary', true);
    return d === undefined ? undefined : new DictReader(d, this.fieldPath(key), this.errorCode);
  }

  private decodeUtf8(key: string, b: Uint8Array): string {
    try {
      return utf8Fatal.decode(b);
    } catch {
      return this.fail(key, 'is not valid UTF-8');
    }
  }
}

/** A dictionary key as the bytes it stands for. */
export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as a dictionary key (latin1). */
export function bytesKey(b: Uint8Array): string {
  return latin1.decode(b);
}

/** A dictionary key read as UTF-8 text (file names in BEP 52 file trees); throws on invalid UTF-8. */
export function keyText(key: string): string {
  return utf8Fatal.decode(keyBytes(key));
}

/** Text as a dictionary key. */
export function textKey(text: string): string {
  return latin1.decode(new TextEncoder().encode(text));
}
