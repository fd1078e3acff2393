// Metainfo layer: torrent files (BEP 3, 12, 19, 27, 47, 52) and magnet links (BEP 9, 53).
export * from './types.js';
export * from './errors.js';
export * from './merkle.js';
export * from './paths.js';
export * from './layout.js';
export * from './build.js';
export * from './parse.js';
export * from './magnet.js';
export * from './hash-layers.js';
