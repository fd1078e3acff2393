// npm run sim:network-floor -- [--hosts N] [--degree D] [--seconds S] [--seed N]
//
// What the swarm simulator's network costs by itself, per message, at a given number of hosts:
// the floor under any engine the simulator drives. Hosts sit on the same simulated network as in
// sim:swarm (sim/swarm/network.ts: upload classes, latencies, flight windows), joined at random
// with D connections each on average (default 44; a flash crowd's peers end up with about 43).
// Every host "verifies" a random piece every 100 ms (1,000 pieces in 100 s, as the 10,000-peer
// crowd does) and announces it with a have to each neighbour that lacks it, as the engine does; a
// receiving end does only what any engine must do with a have: set the bit in that neighbour's
// bitfield and count the piece's availability. No Torrent, no picker, no choker.
//
// The flash crowd of 10,000 peers sends about 330 million messages, 70% of them haves. Its CPU time
// per message, next to this floor at the same number of hosts, says how much of it is the engine
// and how much any engine would pay on this network model and machine.
import { parseArgs } from 'node:util';
import { Bitfield } from '../src/swarm/index.js';
import { xoshiro128ss } from '../src/swarm/random.js';
import { VirtualClock } from './swarm/clock.js';
import { DEFAULT_CLASSES } from './swarm/config.js';
import { connect, SimHost, type SimLink } from './swarm/network.js';
import { ipOf, peerIdOf } from './swarm/peer.js';

const USAGE = 'usage: npm run sim:network-floor -- [--hosts N] [--degree D] [--seconds S] [--seed N]';
const PIECES = 1000;
const VERIFY_EVERY_MS = 100;

let a;
try {
  a = parseArgs({
    options: {
      hosts: { type: 'string', default: '10000' },
      degree: { type: 'string', default: '44' },
      seconds: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
    },
  }).values;
} catch (e) {
  console.error(`sim:network-floor: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const int = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    console.error(`sim:network-floor: --${name} must be an integer in [${min}, ${max}], got ${v}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const hosts = int('hosts', a.hosts, 2, 1_000_000);
const degree = int('degree', a.degree, 1, Math.min(1000, hosts - 1));
const seconds = int('seconds', a.seconds, 1, 3600);
const rand = xoshiro128ss(int('seed', a.seed, 0, 2 ** 32 - 1));

const clock = new VirtualClock(1);
/** One end of a connection: what the local host knows of the remote one. */
interface End {
  readonly link: SimLink;
  readonly has: Bitfield;
}
interface Host {
  readonly net: SimHost;
  readonly ends: End[];
  readonly mine: Bitfield;
  readonly availability: Int32Array;
}
const all: Host[] = [];
for (let i = 0; i < hosts; i++) {
  const c = DEFAULT_CLASSES[i % DEFAULT_CLASSES.length] as (typeof DEFAULT_CLASSES)[number];
  const net = new SimHost(clock, i, ipOf(i), { upload: c.upload, download: c.download, latencyMs: 10 + Math.floor(rand() * 40) });
  all.push({ net, ends: [], mine: new Bitfield(PIECES), availability: new Int32Array(PIECES) });
}
let received = 0;
function attach(host: Host, link: SimLink): void {
  const end: End = { link, has: new Bitfield(PIECES) };
  host.ends.push(end);
  link.attach({
    message: (m) => {
      received++;
      if (m.type === 'have' && end.has.set(m.index)) host.availability[m.index] = (host.availability[m.index] as number) + 1;
    },
  });
}
// degree / 2 dials per host: each connection has two ends, so hosts average `degree` ends.
for (let i = 0; i < hosts; i++) {
  for (let k = 0; k < degree / 2; k++) {
    let j = Math.floor(rand() * hosts);
    if (j === i) j = (j + 1) % hosts;
    const [ea, eb] = connect((all[i] as Host).net, (all[j] as Host).net, peerIdOf(i), peerIdOf(j));
    attach(all[i] as Host, ea);
    attach(all[j] as Host, eb);
  }
}
for (const host of all) {
  const verify = (): void => {
    const p = Math.floor(rand() * PIECES);
    if (host.mine.set(p)) {
      const msg = { type: 'have', index: p } as const;
      for (const e of host.ends) if (!e.has.get(p)) e.link.send(msg);
    }
    clock.setTimer(VERIFY_EVERY_MS, verify);
  };
  clock.setTimer(Math.floor(rand() * VERIFY_EVERY_MS), verify);
}
const cpu0 = process.cpuUsage();
await clock.run({ until: seconds * 1000 });
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const ends = all.reduce((s, h) => s + h.ends.length, 0);
console.log(`${hosts} hosts, ${(ends / hosts).toFixed(1)} connections each, ${seconds} virtual s: ${received} messages in ${cpuS.toFixed(1)} CPU s, ` +
  `${((cpuS * 1e6) / received).toFixed(2)} us per message, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
