// Dispatches tracker requests by URL scheme: http(s):// to the HTTP client, udp:// to the UDP client.
import { TrackerClientError } from './errors.js';
import { httpAnnounce, httpScrape } from './http-tracker.js';
import { UdpTrackerClient, type UdpTrackerClientOptions } from './udp-tracker.js';
import type { AnnounceParams, RequestOptions, ScrapeCounts, TrackerAnnounceResult } from './types.js';

/** What the Announcer needs from the network; tests substitute their own. */
export interface TrackerTransport {
  announce(url: string, p: AnnounceParams, opts: RequestOptions): Promise<TrackerAnnounceResult>;
  scrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions): Promise<ScrapeCounts[]>;
  close(): void;
}

export function isSupportedTrackerUrl(url: string): boolean {
  return /^(https?|udp):\/\//i.test(url);
}

export class DefaultTrackerTransport implements TrackerTransport {
  private udpClient: UdpTrackerClient | undefined;
  constructor(private readonly udpOptions: UdpTrackerClientOptions = {}) {}

  private get udp(): UdpTrackerClient {
    return (this.udpClient ??= new UdpTrackerClient(this.udpOptions));
  }

  announce(url: string, p: AnnounceParams, opts: RequestOptions): Promise<TrackerAnnounceResult> {
    if (/^https?:\/\//i.test(url)) return httpAnnounce(url, p, opts);
    if (/^udp:\/\//i.test(url)) return this.udp.announce(url, p, opts);
    return Promise.reject(new TrackerClientError('TRACKER_UNSUPPORTED_URL', `unsupported tracker URL: ${url}`));
  }

  scrape(url: string, infoHashes: readonly Uint8Array[], opts: RequestOptions): Promise<ScrapeCounts[]> {
    if (/^https?:\/\//i.test(url)) return httpScrape(url, infoHashes, opts);
    if (/^udp:\/\//i.test(url)) return this.udp.scrape(url, infoHashes, opts);
    return Promise.reject(new TrackerClientError('TRACKER_UNSUPPORTED_URL', `unsupported tracker URL: ${url}`));
  }

  close(): void {
    this.udpClient?.close();
  }
}
