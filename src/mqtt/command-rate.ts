// The rate of door commands over MQTT: a token bucket per publisher (a login on the embedded
// broker; on an external broker, which does not say who published, a door). One login that
// sends thousands of UNLOCKs a second would otherwise have each one carried out and journaled.

export class CommandRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;
  private readonly perMs: number;

  constructor(
    perMinute: number,
    private readonly now: () => number = Date.now,
    /** Keys kept at most (the least recently used is forgotten, with a full bucket). */
    private readonly maxKeys = 1000,
  ) {
    // A tenth of a minute's worth at once: a person's few quick commands pass, a flood does not.
    this.burst = Math.max(1, Math.ceil(perMinute / 10));
    this.perMs = perMinute / 60_000;
  }

  /** Take one command's token for `key`; false when its allowance is used up. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.perMs);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
