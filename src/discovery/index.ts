// Peer discovery: trackers (BEP 3, 12, 15, 23, 48) for now.
export * from './tracker-client/index.js';
export * from './lsd/index.js';
