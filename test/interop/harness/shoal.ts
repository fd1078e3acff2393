// shoal's own CLI as an interop peer: runs `shoal download` / `shoal seed` from the TypeScript
// sources in a child process (no build needed) and reads its --json-progress lines, so tests
// can drive shoal exactly as a user would, next to libtorrent, Transmission and aria2.
import { fileURLToPath } from 'node:url';
import { spawnProcess } from './process.js';
import type { ManagedProcess } from './process.js';
import type { CleanupScope } from './tools.js';

/** Repository root: tsx is resolved from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHOAL_DEV = fileURLToPath(new URL('../../../scripts/shoal-dev.ts', import.meta.url));
/**
 * shoal under test never reaches beyond this machine, however the test file is run: no public DHT
 * routers (a test passes its own --bootstrap) and no LAN multicast for local service discovery.
 */
export const SHOAL_TEST_ENV: NodeJS.ProcessEnv = { ...process.env, SHOAL_DHT_BOOTSTRAP: '', SHOAL_LSD: 'off' };

/** The first line of `--json-progress` output. */
export interface ShoalStarted {
  event: 'started';
  port: number;
  infoHash: string;
  from: 'resume' | 'check';
  have: number;
  pieces: number;
}

/** A progress line (`event` 'progress') or the final one ('done'). */
export interface ShoalProgress {
  event: 'progress' | 'done';
  progress: number;
  have: number;
  pieces: number;
  downloaded: number;
  uploaded: number;
  downloadRate: number;
  uploadRate: number;
  peers: number;
  seeds: number;
  hashFailures: number;
  elapsedMs: number;
}

export interface ShoalPeerOptions {
  /** "HOST:PORT" peers to dial. */
  peers?: string[];
  /** Extra trackers (--announce). */
  announce?: string[];
  /** Listen address (default 127.0.0.1) and port (default any). */
  host?: string;
  port?: number;
  /** Local address for outgoing connections. */
  bind?: string;
  /** download: file indexes as `shoal info` lists them ("0,2-3"). */
  only?: string;
  recheck?: boolean;
  /** download: keep seeding after completion. */
  seed?: boolean;
  maxUploadRate?: string;
  maxDownloadRate?: string;
  extraArgs?: string[];
  /** How long to wait for the 'started' line (default 30 s: the start includes a data check). */
  startTimeoutMs?: number;
}

/** A running shoal download or seed. */
export class ShoalPeer {
  constructor(
    readonly process: ManagedProcess,
    readonly started: ShoalStarted,
    readonly host: string,
  ) {}

  get port(): number {
    return this.started.port;
  }

  /** "HOST:PORT" to hand to another client. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Every JSON line printed so far with this event (from the bounded output ring). */
  events(event: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.process.lines()) {
      if (l.stream !== 'stdout' || !l.text.startsWith('{')) continue;
      try {
        const v = JSON.parse(l.text) as Record<string, unknown>;
        if (v.event === event) out.push(v);
      } catch {
        // a line that only looks like JSON
      }
    }
    return out;
  }

  /** Messages of the 'warning' lines so far. */
  warnings(): string[] {
    return this.events('warning').map((w) => String(w.message));
  }

  /** The latest progress line, if any. */
  lastProgress(): ShoalProgress | undefined {
    const p = this.events('progress');
    return p[p.length - 1] as ShoalProgress | undefined;
  }

  /** download: waits for the 'done' line and exit code 0; returns the 'done' line. */
  async finished(timeoutMs: number): Promise<ShoalProgress> {
    const done = await this.process.waitForJson<ShoalProgress>((v) => v.event === 'done', timeoutMs, "shoal's 'done' line");
    await this.process.expectSuccess(5000);
    return done;
  }

  /** Waits until a progress line satisfies `pred`. */
  waitProgress(pred: (p: ShoalProgress) => boolean, timeoutMs: number, what = 'progress'): Promise<ShoalProgress> {
    return this.process.waitForJson<ShoalProgress>((v) => (v.event === 'progress' || v.event === 'done') && pred(v as unknown as ShoalProgress), timeoutMs, what);
  }

  /** SIGTERM (shoal shuts down cleanly), SIGKILL after the grace period. */
  stop(): Promise<unknown> {
    return this.process.stop();
  }
}

function commonArgs(o: ShoalPeerOptions): string[] {
  const args = ['--json-progress', '--host', o.host ?? '127.0.0.1'];
  if (o.port !== undefined) args.push('--port', String(o.port));
  if (o.bind !== undefined) args.push('--bind', o.bind);
  for (const p of o.peers ?? []) args.push('--peer', p);
  for (const a of o.announce ?? []) args.push('--announce', a);
  if (o.recheck === true) args.push('--recheck');
  if (o.maxUploadRate !== undefined) args.push('--max-upload-rate', o.maxUploadRate);
  return args;
}

async function startShoal(scope: CleanupScope, name: string, args: string[], o: ShoalPeerOptions): Promise<ShoalPeer> {
  const p = spawnProcess(scope, process.execPath, ['--import', 'tsx', SHOAL_DEV, ...args, ...(o.extraArgs ?? [])], {
    name,
    cwd: REPO_ROOT,
    killGraceMs: 5000,
    env: SHOAL_TEST_ENV,
  });
  const started = await p.waitForJson<ShoalStarted>((v) => v.event === 'started', o.startTimeoutMs ?? 30_000, "shoal's 'started' line");
  return new ShoalPeer(p, started, o.host ?? '127.0.0.1');
}

export const shoal = {
  /** `shoal download TORRENT -o DIR`; resolves once it has started (await `.finished()`). */
  download(scope: CleanupScope, torrent: string, outDir: string, o: ShoalPeerOptions = {}): Promise<ShoalPeer> {
    const args = ['download', torrent, '-o', outDir, ...commonArgs(o)];
    if (o.only !== undefined) args.push('--only', o.only);
    if (o.seed === true) args.push('--seed');
    if (o.maxDownloadRate !== undefined) args.push('--max-download-rate', o.maxDownloadRate);
    return startShoal(scope, 'shoal download', args, o);
  },

  /** `shoal seed TORRENT --dir DIR`; resolves once the data is checked and it listens. */
  seed(scope: CleanupScope, torrent: string, dataDir: string, o: ShoalPeerOptions = {}): Promise<ShoalPeer> {
    return startShoal(scope, 'shoal seed', ['seed', torrent, '--dir', dataDir, ...commonArgs(o)], o);
  },
};
