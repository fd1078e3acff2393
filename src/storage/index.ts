// Storage layer: piece <-> file mapping (BEP 3, BEP 47 padding, BEP 52 alignment), file and memory
// backends with back-pressure, test wrappers, verification of existing data, and resume files.
export * from './errors.js';
export * from './bitfield.js';
export * from './layout.js';
export * from './types.js';
export * from './paths.js';
export { BaseStorage, type BaseStorageOptions } from './base-storage.js';
export * from './file-storage.js';
export * from './memory-storage.js';
export * from './delegating-storage.js';
export * from './faulty-storage.js';
export * from './recording-storage.js';
export * from './check.js';
export * from './resume.js';
