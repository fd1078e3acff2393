// BEP 44 item rules shared by the storing and the requesting side: targets (SHA-1 of the value
// for immutable items, of key + salt for mutable ones), the signed buffer
// ("4:salt<len>:<salt>" if salted, then "3:seqi<seq>e1:v" and the bencoded value) and ed25519
// signing and verification through node:crypto.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { encode, type BValue } from '../../bencode/index.js';

export const ITEM_MAX_VALUE = 1000;
export const ITEM_MAX_SALT = 64;

const te = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function sha1(data: Uint8Array): Uint8Array {
  return Uint8Array.from(createHash('sha1').update(data).digest());
}

/** The bencoded form of a value, as hashed and signed. */
export function encodeValue(v: BValue): Uint8Array {
  return encode(v);
}

export function immutableTarget(encodedValue: Uint8Array): Uint8Array {
  return sha1(encodedValue);
}

export function mutableTarget(publicKey: Uint8Array, salt?: Uint8Array): Uint8Array {
  return sha1(salt && salt.length > 0 ? concat([publicKey, salt]) : publicKey);
}

/** The bytes a mutable item's signature covers. */
export function signedBuffer(seq: number, encodedValue: Uint8Array, salt?: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  if (salt && salt.length > 0) parts.push(te.encode(`4:salt${salt.length}:`), salt);
  parts.push(te.encode(`3:seqi${seq}e1:v`), encodedValue);
  return concat(parts);
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function publicKeyObject(k: Uint8Array): KeyObject | undefined {
  if (k.length !== 32) return undefined;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(k) }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

export function verifyItemSignature(k: Uint8Array, sig: Uint8Array, buffer: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  const key = publicKeyObject(k);
  if (!key) return false;
  try {
    return verify(null, buffer, key, sig);
  } catch {
    return false;
  }
}

/** An ed25519 key pair for mutable items: the 32-byte seed and the 32-byte public key. */
export interface ItemKeyPair {
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

const PKCS8_ED25519_PREFIX = Uint8Array.from(Buffer.from('302e020100300506032b657004220420', 'hex'));

function privateKeyObject(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(concat([PKCS8_ED25519_PREFIX, seed])), format: 'der', type: 'pkcs8' });
}

/** The key pair of a 32-byte ed25519 seed. */
export function itemKeyPair(seed: Uint8Array): ItemKeyPair {
  const jwk = createPublicKey(privateKeyObject(seed)).export({ format: 'jwk' });
  return { seed: Uint8Array.from(seed), publicKey: Uint8Array.from(Buffer.from(jwk.x as string, 'base64url')) };
}

export function signItem(seed: Uint8Array, buffer: Uint8Array): Uint8Array {
  return Uint8Array.from(sign(null, buffer, privateKeyObject(seed)));
}
