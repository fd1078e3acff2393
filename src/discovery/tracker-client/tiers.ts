// BEP 12 multitracker order: tiers tried in order; within a tier the URLs are shuffled once
// (with injected randomness) and a tracker that answers moves to the front of its tier.

export interface TierEntry {
  readonly tier: number;
  readonly url: string;
}

export class TrackerTiers {
  private readonly tiers: string[][];

  constructor(tiers: readonly (readonly string[])[], random: () => number) {
    const seen = new Set<string>();
    this.tiers = [];
    for (const tier of tiers) {
      const t: string[] = [];
      for (const u of tier) {
        if (seen.has(u)) continue;
        seen.add(u);
        t.push(u);
      }
      for (let i = t.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [t[i], t[j]] = [t[j] as string, t[i] as string];
      }
      if (t.length > 0) this.tiers.push(t);
    }
  }

  /** Every URL in the order to try them now. */
  order(): TierEntry[] {
    return this.tiers.flatMap((t, tier) => t.map((url) => ({ tier, url })));
  }

  /** Moves `url` to the front of its tier (BEP 12: after a successful connection). */
  promote(url: string): void {
    for (const t of this.tiers) {
      const i = t.indexOf(url);
      if (i > 0) {
        t.splice(i, 1);
        t.unshift(url);
      }
      if (i >= 0) return;
    }
  }

  get size(): number {
    return this.tiers.reduce((n, t) => n + t.length, 0);
  }

  snapshot(): string[][] {
    return this.tiers.map((t) => [...t]);
  }
}
