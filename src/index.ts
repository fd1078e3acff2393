// shoal's library API: each layer re-exported from its own index.
export * from './errors.js';
export * from './bencode/index.js';
