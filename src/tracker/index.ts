// The tracker server (BEP 3, 15, 23, 48) and its swarm stores.
export * from './server.js';
export * from './store.js';
export * from './memory-store.js';
export * from './access.js';
export * from './log.js';
export * from './metrics.js';
export * from './connection-id.js';
export * from './core.js';
