// Where a swarm's unused upload capacity goes. Once per sample period, for every host present, the
// bytes its uplink did not send are put in the category its connections are in at that moment:
//  - nobody interested: no connected peer wants anything we have;
//  - nothing asked: peers we unchoke want our pieces but have no request waiting with us (what
//    they want from us they are fetching elsewhere, or we have nothing new for them yet);
//  - windows full: what we queued waits for slow receivers (their downlinks are the limit);
//  - between sends: something is queued now, but the uplink idled during part of the period.
// Hosts are grouped by upload class, and seeds apart. This is what showed that in a flash crowd's
// first 20 s the 20 Mbit/s peers left half their uplink unused with every unchoked peer served
// (the choker's extra slots while the uplink idles came from it). Reading state only, it changes
// nothing in the run.
import type { SimLink } from './network.js';
import type { SimPeer } from './peer.js';

export const IDLE_CAUSES = ['nobody interested', 'nothing asked', 'windows full', 'between sends'] as const;
export type IdleCause = (typeof IDLE_CAUSES)[number];

export interface ClassUse {
  readonly name: string;
  readonly hosts: number;
  /** Bytes sent / capacity over the period. */
  readonly used: number;
  /** Unused capacity by cause, as fractions of the capacity. */
  readonly idle: Readonly<Record<IdleCause, number>>;
  /** Mean number of peers unchoked and interested, and of peers interested. */
  readonly unchoked: number;
  readonly interested: number;
}

export class UploadDiagnosis {
  private readonly lastSent = new Map<SimPeer, number>();
  private lastT = 0;

  /** One row per class for the period since the previous call. */
  sample(t: number, present: Iterable<SimPeer>): ClassUse[] {
    const dt = t - this.lastT;
    this.lastT = t;
    const acc = new Map<string, { hosts: number; cap: number; sent: number; idle: Record<IdleCause, number>; unchoked: number; interested: number }>();
    for (const p of present) {
      const host = p.host;
      const sent = host.bytesSent - (this.lastSent.get(p) ?? host.bytesSent);
      this.lastSent.set(p, host.bytesSent);
      const name = p.complete ? `seed ${p.record.className}` : p.record.className;
      let a = acc.get(name);
      if (!a) {
        a = { hosts: 0, cap: 0, sent: 0, idle: { 'nobody interested': 0, 'nothing asked': 0, 'windows full': 0, 'between sends': 0 }, unchoked: 0, interested: 0 };
        acc.set(name, a);
      }
      let interested = 0;
      let unchoked = 0;
      let sendable = 0;
      let blocked = 0;
      for (const s of p.torrent.peers.values()) {
        if (!s.peerInterested) continue;
        interested++;
        if (s.amChoking) continue;
        unchoked++;
        if (s.uploads.length > 0 || s.conn.pendingBytes > 0) {
          if ((s.conn as SimLink).windowOpen()) sendable++;
          else blocked++;
        }
      }
      const cap = host.up * dt;
      a.hosts++;
      a.cap += cap;
      a.sent += sent;
      a.unchoked += unchoked;
      a.interested += interested;
      const cause: IdleCause = interested === 0 ? 'nobody interested'
        : sendable > 0 ? 'between sends' : blocked > 0 ? 'windows full' : 'nothing asked';
      a.idle[cause] += Math.max(0, cap - sent);
    }
    return [...acc].sort(([x], [y]) => x.localeCompare(y)).map(([name, a]) => ({
      name,
      hosts: a.hosts,
      used: a.cap > 0 ? a.sent / a.cap : 0,
      idle: Object.fromEntries(IDLE_CAUSES.map((c) => [c, a.cap > 0 ? a.idle[c] / a.cap : 0])) as Record<IdleCause, number>,
      unchoked: a.unchoked / a.hosts,
      interested: a.interested / a.hosts,
    }));
  }
}
