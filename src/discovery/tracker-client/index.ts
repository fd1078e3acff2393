// Tracker client: HTTP and UDP announce/scrape and the multi-tracker Announcer.
export * from './errors.js';
export * from './types.js';
export * from './http-tracker.js';
export * from './udp-tracker.js';
export * from './tiers.js';
export * from './transport.js';
export * from './announcer.js';
