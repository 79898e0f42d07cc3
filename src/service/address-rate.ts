// New connections per remote address, as a token bucket: `burst` at once, then `perSecond`.
// Both listeners (HTTP and MQTT) close a connection over its address's rate as it is accepted,
// before a byte is read: a flood of connections that are refused one by one (a wrong password
// throttled only after it is hashed, a body to an unknown path) otherwise costs the event loop
// that decides the doors a parser and an answer each, thousands of times a second.
import { addressKey } from './password-gate.js';

/** Addresses remembered at most: beyond it the least recently seen go. */
const MAX_TRACKED = 10_000;

export class AddressRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: { burst: number; perSecond: number },
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** May `address` open one more connection now? Takes a token when it may. */
  take(address: string): boolean {
    const key = addressKey(address);
    const now = this.now();
    const b = this.buckets.get(key);
    const tokens = b
      ? Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond)
      : this.limit.burst;
    const ok = tokens >= 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: ok ? tokens - 1 : tokens, at: now });
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
    return ok;
  }
}
