// Wire sizes of peer messages (BEP 3, 5, 6, 10, 52), length prefix included: what a simulated
// link charges against upload and download capacity. Messages travel as objects; only their size
// is taken from the wire format.
import type { WireMessage } from '../../src/wire/index.js';

export function wireSize(m: WireMessage): number {
  switch (m.type) {
    case 'piece':
      return 13 + m.block.length;
    case 'request':
    case 'cancel':
    case 'reject':
      return 17;
    case 'have':
    case 'suggest':
    case 'allowed-fast':
      return 9;
    case 'keep-alive':
      return 4;
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'not-interested':
    case 'have-all':
    case 'have-none':
      return 5;
    case 'bitfield':
      return 5 + m.bitfield.length;
    case 'port':
      return 7;
    case 'extended':
      return 6 + m.payload.length;
    case 'hash-request':
    case 'hash-reject':
      return 5 + 48;
    case 'hashes':
      return 5 + 48 + m.hashes.length;
    case 'handshake':
      return 68;
    case 'unknown':
      return 5 + m.payload.length;
  }
}
