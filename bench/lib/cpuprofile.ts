// Summary of a V8 .cpuprofile (written by `node --cpu-prof`): self time per function, largest
// first, so a benchmark can say where a process spent its main-thread time.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  /** share of all sampled time, 0..1 */
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** sampled time outside (idle), 0..1 */
  readonly idleShare: number;
  readonly top: readonly SelfTime[];
}

/** Top `n` functions by self time; `root` shortens file URLs under it. */
export function summariseProfile(path: string, n = 15, root?: string): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; attribute it to that sample's function.
    const us = Math.max(0, deltas[i] ?? 0);
    const node = byId.get(samples[i] as number);
    if (!node) continue;
    total += us;
    const f = node.callFrame;
    if (f.functionName === '(idle)') idle += us;
    let url = f.url.replace(/^file:\/\//, '');
    if (root && url.startsWith(root)) url = relative(root, url);
    const where = url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const e = self.get(key) ?? { name: f.functionName || '(anonymous)', where, us: 0 };
    e.us += us;
    self.set(key, e);
  }
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, n)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: total ? e.us / total : 0 }));
  return { totalMs: total / 1000, idleShare: total ? idle / total : 0, top };
}
