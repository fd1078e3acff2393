// Peer discovery: tracker client (BEP 3, 7, 12, 15, 23, 24, 48) and Local Service Discovery (BEP 14).
export * from './tracker-client/index.js';
export * from './lsd/index.js';
