// aria2c as a leecher. aria2 cannot be handed a peer address: it finds peers only through the
// torrent's trackers, so tests pair it with a whitelisted opentracker (or shoal's tracker).
import { spawnProcess } from './process.js';
import type { ManagedProcess } from './process.js';
import type { CleanupScope } from './tools.js';

export interface Aria2Options {
  /** BitTorrent listen port (aria2's default range otherwise). */
  listenPort?: number;
  /** Seconds between announces; short so a seeder that announced late is still found (default 2). */
  trackerIntervalS?: number;
  /** Whole-run limit in ms (default 30 s); the process is killed after it. */
  timeoutMs?: number;
  extraArgs?: string[];
}

export const aria2 = {
  /** Starts aria2c; the returned process exits 0 once the download is complete and verified. */
  start(scope: CleanupScope, torrent: string, outDir: string, o: Aria2Options = {}): ManagedProcess {
    const args = [
      '--no-conf=true',
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--disable-ipv6=true',
      '--seed-time=0',
      '--file-allocation=none',
      '--allow-overwrite=true',
      '--auto-save-interval=0',
      '--summary-interval=1',
      '--console-log-level=notice',
      `--bt-tracker-interval=${o.trackerIntervalS ?? 2}`,
      `--bt-stop-timeout=${Math.ceil((o.timeoutMs ?? 30_000) / 1000)}`,
      `--dir=${outDir}`,
    ];
    if (o.listenPort !== undefined) args.push(`--listen-port=${o.listenPort}`);
    args.push(...(o.extraArgs ?? []), torrent);
    return spawnProcess(scope, 'aria2c', args, { name: 'aria2c' });
  },

  /** Downloads `torrent` into `outDir`; resolves when aria2c exits 0, throws with its output otherwise. */
  async download(scope: CleanupScope, torrent: string, outDir: string, o: Aria2Options = {}): Promise<void> {
    const p = aria2.start(scope, torrent, outDir, o);
    await p.expectSuccess(o.timeoutMs ?? 30_000);
  },
};
