// BEP 42 external-IP voting: DHT replies carry the requester's address as the responder saw it
// (`ip`). One reply cannot be trusted, so an address is believed once 3 distinct reporters agree.
// Bounded: at most 20 candidate addresses, and the tally restarts every 200 reports.

export class ExternalIpVote {
  private votes = new Map<string, Set<string>>();
  private seen = 0;

  constructor(private readonly quorum = 3) {}

  /** Records that `reporter` saw us as `ip`; returns `ip` when it just reached the quorum. */
  add(ip: string, reporter: string): string | undefined {
    if (++this.seen > 200) {
      this.votes = new Map();
      this.seen = 0;
    }
    let voters = this.votes.get(ip);
    if (!voters) {
      if (this.votes.size >= 20) return undefined;
      voters = new Set();
      this.votes.set(ip, voters);
    }
    if (voters.has(reporter)) return undefined;
    voters.add(reporter);
    return voters.size === this.quorum ? ip : undefined;
  }
}
