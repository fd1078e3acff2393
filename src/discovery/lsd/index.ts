// Local Service Discovery (BEP 14): BT-SEARCH codec and the multicast adapter.
export * from './errors.js';
export * from './codec.js';
export * from './local-discovery.js';
