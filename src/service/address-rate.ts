// New connections per remote address, as a token bucket: `burst` at once, then `perSecond`.
// The HTTP listener closes a connection over its address's rate as it is accepted, before a
// byte is read: a flood of connections each answered at once (a body to an unknown path)
// otherwise costs the event loop that decides the doors a parser and an answer each, thousands
// of times a second. (The MQTT listener has none: measured in the siege campaign, closing a
// flood of CONNECTs at accept let the attacker reconnect faster and cost the doors more than
// the password gate's quick CONNACK did.)
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
