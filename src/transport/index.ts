// Peer transports: byte streams behind one interface.
export * from './types.js';
export * from './tcp.js';
