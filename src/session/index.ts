// The engine: torrents, peer connections, the client that owns sockets and the hash pool.
export * from './scheduler.js';
export * from './token-bucket.js';
export * from './peer-connection.js';
export * from './peer-state.js';
export * from './piece-checker.js';
export * from './piece-cache.js';
export * from './torrent.js';
export * from './dialer.js';
export * from './client.js';
export * from './open-torrent.js';
export * from './metadata-fetcher.js';
export * from './peer-link.js';
export * from './piece-assembler.js';
export * from './extensions.js';
export * from './corruption-ledger.js';
