// Feature bits in the 8 reserved bytes of the handshake: BEP 10 extension protocol, BEP 6 fast
// extension, BEP 5 DHT, BEP 52 v2 upgrade. A feature is in use only when both sides set its bit.
import { WireError } from './errors.js';

export interface ReservedFlags {
  /** BEP 10: reserved[5] & 0x10. */
  readonly extensionProtocol?: boolean;
  /** BEP 6: reserved[7] & 0x04. */
  readonly fast?: boolean;
  /** BEP 5: reserved[7] & 0x01. */
  readonly dht?: boolean;
  /** BEP 52: reserved[7] & 0x10, a hybrid torrent's peer that can switch to the v2 info hash. */
  readonly v2?: boolean;
}

function checkReserved(reserved: Uint8Array): void {
  if (reserved.length !== 8) {
    throw new WireError('WIRE_BAD_ARGUMENT', `reserved bytes must be 8 bytes long, got ${reserved.length}`);
  }
}

export function supportsExtensionProtocol(reserved: Uint8Array): boolean {
  return ((reserved[5] ?? 0) & 0x10) !== 0;
}
export function supportsFast(reserved: Uint8Array): boolean {
  return ((reserved[7] ?? 0) & 0x04) !== 0;
}
export function supportsDht(reserved: Uint8Array): boolean {
  return ((reserved[7] ?? 0) & 0x01) !== 0;
}
export function supportsV2(reserved: Uint8Array): boolean {
  return ((reserved[7] ?? 0) & 0x10) !== 0;
}

/** Builds reserved bytes with the given features set and everything else zero. */
export function makeReserved(flags: ReservedFlags): Uint8Array {
  const r = new Uint8Array(8);
  if (flags.extensionProtocol) r[5] = 0x10;
  r[7] = (flags.fast ? 0x04 : 0) | (flags.dht ? 0x01 : 0) | (flags.v2 ? 0x10 : 0);
  return r;
}

/** The known features of a handshake's reserved bytes (unknown bits are ignored). */
export function parseReserved(reserved: Uint8Array): Required<ReservedFlags> {
  checkReserved(reserved);
  return {
    extensionProtocol: supportsExtensionProtocol(reserved),
    fast: supportsFast(reserved),
    dht: supportsDht(reserved),
    v2: supportsV2(reserved),
  };
}

/** Features both sides announced: what the connection may actually use. */
export function commonFeatures(ours: Uint8Array, theirs: Uint8Array): Required<ReservedFlags> {
  const a = parseReserved(ours);
  const b = parseReserved(theirs);
  return {
    extensionProtocol: a.extensionProtocol && b.extensionProtocol,
    fast: a.fast && b.fast,
    dht: a.dht && b.dht,
    v2: a.v2 && b.v2,
  };
}
