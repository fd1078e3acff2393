// The DHT state file (BEP 5: "the routing table should be saved between invocations"): our id
// and the nodes that answered us, as JSON, written atomically (temporary file + rename).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { canonicalHost, type NodeContact } from '../../krpc/index.js';
import { idFromHex, toHex } from './node-id.js';

export interface DhtState {
  readonly id: Uint8Array;
  readonly nodes: NodeContact[];
}

const MAX_NODES = 2000;

export async function loadState(path: string): Promise<DhtState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined; // a damaged state file is only a slower start
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as { id?: unknown; nodes?: unknown };
  const id = typeof o.id === 'string' ? idFromHex(o.id) : undefined;
  if (!id) return undefined;
  const nodes: NodeContact[] = [];
  if (Array.isArray(o.nodes)) {
    for (const n of o.nodes.slice(0, MAX_NODES) as unknown[]) {
      if (typeof n !== 'object' || n === null) continue;
      const { id: nid, host, port } = n as { id?: unknown; host?: unknown; port?: unknown };
      const idb = typeof nid === 'string' ? idFromHex(nid) : undefined;
      const h = typeof host === 'string' ? canonicalHost(host) : undefined;
      if (idb && h && typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) nodes.push({ id: idb, host: h, port });
    }
  }
  return { id, nodes };
}

export async function saveState(path: string, state: DhtState): Promise<void> {
  const body = {
    version: 1,
    id: toHex(state.id),
    nodes: state.nodes.slice(0, MAX_NODES).map((n) => ({ id: toHex(n.id), host: n.host, port: n.port })),
  };
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(body, null, 1) + '\n');
  await rename(tmp, path);
}
