// Debian's opentracker (whitelist build) on loopback. It answers only for info hashes in its
// whitelist file, so every test lists the hashes it uses; allow() adds more and reloads the
// list with SIGHUP. Both the first load and reloads happen in the background, so start() and
// allow() wait until a marker hash written with the list is accepted. v2 hashes are announced truncated to 20 bytes (BEP 52), so they are
// whitelisted that way.
import { createHash } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asProcessFailure, spawnProcess } from './process.js';
import type { ManagedProcess } from './process.js';
import { freeTcpPort, freeUdpPort, GiveUp, tmpDir, waitFor } from './tools.js';
import type { CleanupScope } from './tools.js';

export interface OpentrackerOptions {
  /** Info hashes in hex (40 chars, or 64 for v2, which is truncated to 40). */
  whitelist: string[];
  /** Ports; free ones are picked by default. */
  httpPort?: number;
  udpPort?: number;
}

export interface Opentracker {
  httpUrl: string;
  udpUrl: string;
  httpPort: number;
  udpPort: number;
  process: ManagedProcess;
  /** Adds hashes to the whitelist and waits until the tracker has reloaded it. */
  allow(hashes: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** The 40-hex-char form opentracker keys on. */
export function trackerHash(hex: string): string {
  const h = hex.toLowerCase();
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(h)) throw new Error(`not a hex info hash: ${hex}`);
  return h.slice(0, 40);
}

/**
 * Marker hashes: each (re)load of the whitelist adds a new one, and once the tracker accepts
 * it, the whole file (read at once) is in. Probing with the marker leaves real swarms alone.
 */
function marker(generation: number): string {
  return createHash('sha1').update(`shoal-interop-opentracker-marker-${generation}`).digest('hex');
}

/**
 * Whether the tracker accepts `hex`: a plain announce gets a "failure reason" for unlisted
 * hashes (an event=stopped announce does not, so it cannot be the probe). The probe peer is
 * removed again with event=stopped.
 */
async function accepts(httpPort: number, hex: string): Promise<boolean> {
  const ih = hex.replace(/../g, '%$&');
  const base = `http://127.0.0.1:${httpPort}/announce?info_hash=${ih}&peer_id=-SH0000-probeprobepr&port=1&uploaded=0&downloaded=0&left=0&numwant=0&compact=1`;
  const get = async (url: string): Promise<string> => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return Buffer.from(await res.arrayBuffer()).toString('latin1');
  };
  if ((await get(base)).includes('failure reason')) return false;
  await get(`${base}&event=stopped`);
  return true;
}

export const opentracker = {
  async start(scope: CleanupScope, o: OpentrackerOptions): Promise<Opentracker> {
    const dir = await tmpDir(scope, 'shoal-opentracker-');
    // As root, opentracker drops to "nobody" before it reads the list: it must be world-readable.
    await chmod(dir, 0o755);
    const whitelistFile = join(dir, 'whitelist');
    const conf = join(dir, 'opentracker.conf');
    let generation = 0;
    const hashes = new Set([marker(generation), ...o.whitelist.map(trackerHash)]);
    const writeList = (): Promise<void> => writeFile(whitelistFile, [...hashes].map((h) => h + '\n').join(''), { mode: 0o644 });
    await writeList();
    await writeFile(conf, `access.whitelist ${whitelistFile}\n`);
    const httpPort = o.httpPort ?? (await freeTcpPort());
    const udpPort = o.udpPort ?? (await freeUdpPort());
    const p = spawnProcess(scope, 'opentracker', ['-f', conf, '-i', '127.0.0.1', '-p', String(httpPort), '-P', String(udpPort)], {
      name: 'opentracker',
      // Dropping privileges clears a parent-death signal, so a watchdog process guards it.
      dieWithParent: 'watchdog',
    });
    // The list is loaded by a worker thread after the sockets are up: wait until it is in.
    await waitFor(
      async () => {
        if (p.exitStatusNow !== undefined) throw new GiveUp(p.failure('exited during start-up'));
        return accepts(httpPort, marker(0));
      },
      { timeoutMs: 10_000, intervalMs: 50, what: `opentracker on 127.0.0.1:${httpPort} to load its whitelist` },
    ).catch((e: unknown) => {
      throw asProcessFailure(p, e);
    });
    return {
      httpUrl: `http://127.0.0.1:${httpPort}/announce`,
      udpUrl: `udp://127.0.0.1:${udpPort}/announce`,
      httpPort,
      udpPort,
      process: p,
      async allow(more: string[]): Promise<void> {
        for (const h of more) hashes.add(trackerHash(h));
        generation++;
        const probe = marker(generation);
        hashes.add(probe);
        await writeList();
        // SIGHUP makes opentracker re-read the list; one that arrives before its reload thread
        // waits for it can be lost, so it is re-sent until the new marker is accepted (bounded).
        let lastHup = -Infinity;
        await waitFor(
          async () => {
            if (performance.now() - lastHup > 1000) {
              process.kill(p.pid, 'SIGHUP');
              lastHup = performance.now();
            }
            return accepts(httpPort, probe);
          },
          { timeoutMs: 10_000, intervalMs: 50, what: 'opentracker to reload its whitelist' },
        );
      },
      async stop(): Promise<void> {
        await p.stop();
      },
    };
  },
};
