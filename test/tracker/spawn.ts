// Spawns `shoal tracker` as a real process (from source) and stops it, for multi-process tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function spawnTracker(store: string, extra: string[] = []): Promise<{ child: ChildProcess; http: number; udp: number }> {
  const script = fileURLToPath(new URL('./run-cli.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, 'tracker', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0', '--store', store, '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracker did not start: ${out}`));
    }, 15_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const h = /http:\/\/[^:]+:(\d+)/.exec(out);
      const u = /udp:\/\/[^:]+:(\d+)/.exec(out);
      if (h && u) {
        clearTimeout(t);
        resolve({ child, http: Number(h[1]), udp: Number(u[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`tracker exited with ${code}: ${out}`)));
  });
}

export async function killTracker(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000); // a loaded machine can be slow to exit
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

