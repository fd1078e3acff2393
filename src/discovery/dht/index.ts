// The BitTorrent DHT (BEP 5, 32, 42, 43, 44, 51): pure core and lookups, UDP node, simulator hooks.
export * from './node-id.js';
export * from './bep42.js';
export * from './routing-table.js';
export * from './lookup.js';
export * from './rpc.js';
export * from './tokens.js';
export * from './rate-limiter.js';
export * from './peer-store.js';
export * from './items.js';
export * from './item-store.js';
export * from './server.js';
export * from './core.js';
export * from './operations.js';
export * from './udp-socket.js';
export * from './state-file.js';
export * from './node.js';
