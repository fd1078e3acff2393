// transmission-daemon (Transmission 3.00) driven over its JSON-RPC, on loopback, with DHT,
// LPD, uTP, PEX and port forwarding off. Transmission never dials loopback peers it learns
// from a tracker, so on loopback it is used as a seeder that the other client dials.
// Transmission 3.00 reads BitTorrent v1 torrents only (it rejects v2 and hybrid files).
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { asProcessFailure, spawnProcess } from './process.js';
import type { ManagedProcess } from './process.js';
import { freeTcpPort, GiveUp, tmpDir, waitFor } from './tools.js';
import type { CleanupScope } from './tools.js';

/** Transmission's torrent status codes (libtransmission tr_torrent_activity). */
export const TR_STATUS = { stopped: 0, checkWait: 1, check: 2, downloadWait: 3, download: 4, seedWait: 5, seed: 6 } as const;

export interface TransmissionTorrent {
  id: number;
  hashString: string;
  status: number;
  percentDone: number;
  haveValid: number;
  sizeWhenDone: number;
  leftUntilDone: number;
  error: number;
  errorString: string;
  peersConnected: number;
  uploadedEver: number;
}

const FIELDS = ['id', 'hashString', 'status', 'percentDone', 'haveValid', 'sizeWhenDone', 'leftUntilDone', 'error', 'errorString', 'peersConnected', 'uploadedEver'];

export class TransmissionDaemon {
  private sessionId = '';

  constructor(
    readonly process: ManagedProcess,
    readonly rpcUrl: string,
    readonly peerPort: number,
  ) {}

  /** "127.0.0.1:PEER_PORT", to hand to a client that dials Transmission. */
  get address(): string {
    return `127.0.0.1:${this.peerPort}`;
  }

  /** One RPC call, with the X-Transmission-Session-Id handshake (409 then retry). */
  async rpc(method: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(this.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Transmission-Session-Id': this.sessionId },
        body: JSON.stringify({ method, arguments: args }),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 409) {
        this.sessionId = res.headers.get('X-Transmission-Session-Id') ?? '';
        await res.body?.cancel();
        continue;
      }
      const body = (await res.json()) as { result?: string; arguments?: Record<string, unknown> };
      if (body.result !== 'success') throw new Error(`transmission ${method}: ${String(body.result)}`);
      return body.arguments ?? {};
    }
    throw new Error(`transmission ${method}: no session id accepted`);
  }

  /** Adds a .torrent whose data lives in (or goes to) `downloadDir`; returns its id. */
  async add(torrentFile: string, downloadDir: string): Promise<number> {
    const metainfo = (await readFile(torrentFile)).toString('base64');
    const r = await this.rpc('torrent-add', { metainfo, 'download-dir': resolve(downloadDir), paused: false });
    const t = (r['torrent-added'] ?? r['torrent-duplicate']) as { id?: number } | undefined;
    if (t?.id === undefined) throw new Error(`transmission torrent-add gave no id: ${JSON.stringify(r)}`);
    return t.id;
  }

  async torrent(id: number): Promise<TransmissionTorrent> {
    const r = await this.rpc('torrent-get', { ids: [id], fields: FIELDS });
    const list = r.torrents as TransmissionTorrent[] | undefined;
    const t = list?.[0];
    if (t === undefined) throw new Error(`transmission has no torrent ${id}`);
    return t;
  }

  /** Waits until torrent `id` has verified all its data and is seeding. */
  async waitSeeding(id: number, timeoutMs = 30_000): Promise<TransmissionTorrent> {
    return waitFor(
      async () => {
        if (this.process.exitStatusNow !== undefined) throw new GiveUp(this.process.failure('exited'));
        const t = await this.torrent(id);
        if (t.error !== 0) throw new Error(`transmission torrent error: ${t.errorString}`);
        return t.status === TR_STATUS.seed && t.percentDone === 1 && t.haveValid === t.sizeWhenDone ? t : undefined;
      },
      { timeoutMs, intervalMs: 100, what: `transmission to verify torrent ${id} and seed` },
    ).catch((e: unknown) => {
      throw asProcessFailure(this.process, e);
    });
  }

  stop(): Promise<unknown> {
    return this.process.stop();
  }
}

export interface TransmissionOptions {
  /** Peer port (default: a free one). */
  peerPort?: number;
  /** "required" makes it refuse plaintext peers; default "preferred" accepts both. */
  encryption?: 'required' | 'preferred' | 'tolerated';
  extraSettings?: Record<string, unknown>;
}

export const transmission = {
  /** Starts a daemon with a fresh config dir; resolves once its RPC answers. */
  async start(scope: CleanupScope, o: TransmissionOptions = {}): Promise<TransmissionDaemon> {
    const conf = await tmpDir(scope, 'shoal-transmission-');
    const peerPort = o.peerPort ?? (await freeTcpPort());
    const rpcPort = await freeTcpPort();
    const settings = {
      'dht-enabled': false,
      'lpd-enabled': false,
      'utp-enabled': false,
      'pex-enabled': false,
      'port-forwarding-enabled': false,
      'peer-port': peerPort,
      'peer-port-random-on-start': false,
      'bind-address-ipv4': '127.0.0.1',
      'bind-address-ipv6': '::1',
      'rpc-enabled': true,
      'rpc-bind-address': '127.0.0.1',
      'rpc-port': rpcPort,
      'rpc-authentication-required': false,
      'rpc-whitelist-enabled': false,
      'rpc-host-whitelist-enabled': false,
      'download-dir': conf,
      'incomplete-dir-enabled': false,
      'watch-dir-enabled': false,
      'start-added-torrents': true,
      'speed-limit-up-enabled': false,
      'speed-limit-down-enabled': false,
      'alt-speed-enabled': false,
      'ratio-limit-enabled': false,
      'idle-seeding-limit-enabled': false,
      'blocklist-enabled': false,
      'queue-stalled-enabled': false,
      'download-queue-enabled': false,
      'seed-queue-enabled': false,
      encryption: { required: 2, preferred: 1, tolerated: 0 }[o.encryption ?? 'preferred'],
      'message-level': 2,
      ...o.extraSettings,
    };
    await writeFile(join(conf, 'settings.json'), JSON.stringify(settings, null, 1));
    const p = spawnProcess(scope, 'transmission-daemon', ['-f', '-g', conf], { name: 'transmission-daemon' });
    const d = new TransmissionDaemon(p, `http://127.0.0.1:${rpcPort}/transmission/rpc`, peerPort);
    await waitFor(
      async () => {
        if (p.exitStatusNow !== undefined) throw new GiveUp(p.failure('exited during start-up'));
        await d.rpc('session-get');
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'transmission RPC' },
    ).catch((e: unknown) => {
      throw asProcessFailure(p, e);
    });
    return d;
  },

  /**
   * Seeds a v1 torrent whose data is in `dataDir` (the folder holding its file or top folder):
   * starts a daemon, adds the torrent and waits until Transmission has verified the data.
   */
  async seed(scope: CleanupScope, torrent: string, dataDir: string, o: TransmissionOptions = {}): Promise<TransmissionDaemon & { torrentId: number }> {
    const d = await transmission.start(scope, o);
    const id = await d.add(torrent, dataDir);
    await d.waitSeeding(id);
    return Object.assign(d, { torrentId: id });
  },
};
