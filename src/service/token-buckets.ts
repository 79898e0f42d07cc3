// Token buckets by key: `burst` at once, then `perSecond`; the least recently used key is
// forgotten (with a full bucket) beyond `maxKeys`, so an attacker cannot grow the map. The one
// rate limiter of the edge: new HTTP connections per address, door commands per MQTT login.

export interface Rate {
  burst: number;
  perSecond: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: Rate,
    /** Milliseconds. */
    private readonly now: () => number,
    private readonly maxKeys: number,
  ) {}

  /** Take one token for `key`; false when its allowance is used up. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.rate.burst, at: now };
    b.tokens = Math.min(this.rate.burst, b.tokens + ((now - b.at) / 1000) * this.rate.perSecond);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
