// New connections per remote address, as a token bucket: `burst` at once, then `perSecond`.
// The HTTP listener closes a connection over its address's rate as it is accepted, before a
// byte is read: a flood of connections each answered at once (a body to an unknown path)
// otherwise costs the event loop that decides the doors a parser and an answer each, thousands
// of times a second. (The MQTT listener has none: measured in the siege campaign, closing a
// flood of CONNECTs at accept let the attacker reconnect faster and cost the doors more than
// the password gate's quick CONNACK did.)
import { addressKey } from './password-gate.js';
import { type Rate, TokenBuckets } from './token-buckets.js';

export class AddressRate extends TokenBuckets {
  constructor(rate: Rate, now: () => number = () => performance.now()) {
    super(rate, now, 10_000);
  }

  /** May `address` (IPv6 by its /64) open one more connection now? Takes a token when it may. */
  override take(address: string): boolean {
    return super.take(addressKey(address));
  }
}
