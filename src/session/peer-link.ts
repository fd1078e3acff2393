// What the engine needs of a connected peer: typed messages in, typed messages out. Over a
// socket this is a PeerConnection (wire codec + byte stream); in the swarm simulator it is a
// simulated link that moves message objects on virtual time. Either way the engine is the same.
import type { BlockRequest } from '../swarm/index.js';
import type { Handshake, ReservedFlags, UnknownMessage, WireMessage } from '../wire/index.js';

/** Everything the engine may send after the handshake. */
export type OutgoingMessage = Exclude<WireMessage, Handshake | UnknownMessage>;

export interface PeerLinkHandler {
  message(m: WireMessage): void;
  /**
   * message() copies a piece's block out (or drops it) before it returns, so the link may pass
   * blocks as views of memory it reuses. Without it, a link hands out blocks the receiver owns.
   */
  blocksInPlace: boolean;
  /** The send buffer drained: uploads may continue. */
  drain(): void;
  close(reason: Error | undefined): void;
}

export interface PeerLink {
  /** "host:port", for logs and events. */
  readonly address: string;
  /** The peer's IP: what a ban applies to. */
  readonly remoteIp: string;
  readonly remotePort: number;
  /** We dialled it (so its remotePort is where it listens). */
  readonly outgoing: boolean;
  /** The peer id from its handshake. */
  readonly remotePeerId: Uint8Array;
  /** Extensions both handshakes enabled. */
  readonly features: Required<ReservedFlags>;
  readonly closed: boolean;
  /** Bytes queued for sending and not yet taken by the network. */
  readonly pendingBytes: number;
  send(m: OutgoingMessage): void;
  /** Many requests at once (one write on a socket). */
  sendRequests(blocks: readonly BlockRequest[]): void;
  /** Sets the receiver of events; messages that arrived earlier are delivered now. */
  attach(handler: Partial<PeerLinkHandler>): void;
  close(reason?: Error): void;
}
