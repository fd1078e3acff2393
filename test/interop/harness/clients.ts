// The real BitTorrent programs the interop tests drive, in one import.
export { libtorrent, LtPeer, LT_DRIVER } from './libtorrent.js';
export type { LtCheckResult, LtCreateOptions, LtCreateResult, LtFile, LtPeerOptions, LtStatus, LtTorrentInfo, TorrentFormat } from './libtorrent.js';
export { opentracker, trackerHash } from './opentracker.js';
export type { Opentracker, OpentrackerOptions } from './opentracker.js';
export { transmission, TransmissionDaemon, TR_STATUS } from './transmission.js';
export type { TransmissionOptions, TransmissionTorrent } from './transmission.js';
export { aria2 } from './aria2.js';
export type { Aria2Options } from './aria2.js';
export { mktorrent, transmissionCreate } from './creators.js';
export type { MktorrentOptions, TransmissionCreateOptions } from './creators.js';
