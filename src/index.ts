// shoal's library API: each layer re-exported from its own index. The wire codec and the swarm
// state machines are namespaced (`wire.WireDecoder`, `swarm.PiecePicker`) because their small
// names (BLOCK_SIZE, Bitfield, ...) would otherwise collide with the other layers'.
export * from './errors.js';
export * from './bencode/index.js';
export * from './metainfo/index.js';
export * from './storage/index.js';
export * from './hashing/index.js';
export { createTorrent, walk, choosePieceLength, type CreateTorrentOptions, type CreatedTorrent } from './create/index.js';
export * from './create/errors.js';
export * from './transport/index.js';
export * from './session/index.js';
export * as wire from './wire/index.js';
export * as swarm from './swarm/index.js';
export * as tracker from './tracker/index.js';
export * as trackerProto from './tracker-proto/index.js';
export * as discovery from './discovery/index.js';
