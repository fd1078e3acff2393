// Small types shared by the swarm state machines.

/**
 * How the caller names a peer connection. Any string or number that is unique among the peers of
 * one torrent for the connection's lifetime (the engine may use "ip:port", the simulator an integer).
 */
export type PeerId = string | number;
