// The gate in front of every password check an unauthenticated client can cause (HTTP login,
// MQTT CONNECT): throttles applied before anything is hashed, so a flood of wrong passwords
// costs a map lookup, not a scrypt run, and never queues in front of the doors (issue 11).
//
//   - per address: `addressFailures.max` failed checks within the window and the address is
//     refused until the oldest of them ages out;
//   - per address and user name: `accountFailures.max` failures within the window refuse that
//     pair only. An outsider cannot lock the admin out: the admin's own desk is another address;
//   - an address that failed within its window holds at most `perAddressPending` checks
//     waiting or running (a desk or a Pi-local client that never failed is not held back);
//   - overall, at most `hashQueueMax` checks waiting or running: beyond that, "busy" at once
//     (a 503 or CONNACK 3) instead of a queue that grows with the attack. A few more slots
//     (RESERVED) are kept for an address and user name that logged in before, so the admin at
//     their own desk still gets in while a flood from elsewhere fills the rest.
// IPv6 addresses count by their /64: one host holds a whole prefix.
import { isIPv6 } from 'node:net';
import type { Config } from '../config/schema.js';

export interface GateLimits {
  hashQueueMax: number;
  perAddressPending: number;
  addressFailures: { max: number; windowMs: number };
  accountFailures: { max: number; windowMs: number };
}

/** The limits of the configuration's `auth` section. */
export function gateLimits(auth: Config['auth']): GateLimits {
  return {
    hashQueueMax: auth.hashQueueMax,
    perAddressPending: auth.perAddressPending,
    addressFailures: { max: auth.addressFailures.max, windowMs: auth.addressFailures.windowSeconds * 1000 },
    accountFailures: { max: auth.accountFailures.max, windowMs: auth.accountFailures.windowMinutes * 60_000 },
  };
}

export type GateRefusal = 'busy' | 'address_throttled' | 'account_throttled';

export type GateOutcome =
  | { outcome: 'ok' }
  | { outcome: 'wrong' }
  | { outcome: 'refused'; reason: GateRefusal; retryAfterSeconds: number };

/** Entries kept per map at most: beyond it the oldest go (the maps cannot grow with an attack). */
const MAX_TRACKED = 10_000;
/** Checks beyond hashQueueMax for pairs that succeeded before. */
const RESERVED = 2;
/** How long a success vouches for its address and user name. */
const TRUST_MS = 30 * 24 * 60 * 60_000;

export class PasswordGate {
  private running = 0;
  private readonly pendingByAddress = new Map<string, number>();
  private readonly addressFails = new Map<string, number[]>();
  private readonly accountFails = new Map<string, number[]>();
  /** Address and user name -> when it last logged in (only successes get here). */
  private readonly trusted = new Map<string, number[]>();

  constructor(
    private readonly limits: GateLimits,
    private readonly now: () => number = Date.now,
    /** Each refusal, for metrics and a bounded log. */
    private readonly onRefused: (reason: GateRefusal, address: string) => void = () => {},
  ) {}

  /**
   * Would any login from this address be refused now, whatever the user name? Throttled for its
   * failures; or it failed within the window and either has perAddressPending checks in flight
   * already or finds every slot taken (a flood from many addresses: each has failed once, and
   * none could get a hash now; the reserved slots are for a login that succeeded from there
   * before, which over MQTT is a device let in on its cached credentials without the gate). A broker asks this as a connection is
   * accepted, before a CONNECT is read: an address that never failed is always let through.
   */
  refusesAddress(address: string): boolean {
    const { addressFailures: a } = this.limits;
    const addr = addressKey(address);
    const failures = recent(this.addressFails, addr, this.now(), a.windowMs).length;
    if (failures >= a.max) return true;
    if (failures === 0) return false;
    return (
      (this.pendingByAddress.get(addr) ?? 0) >= this.limits.perAddressPending ||
      this.running >= this.limits.hashQueueMax
    );
  }

  /** Checks waiting or running now. */
  get pending(): number {
    return this.running;
  }

  /**
   * Would an attempt of `username` from `address` be refused now? Asked before anything else is
   * spent on the attempt (the broker asks before it reads the user file): a refusal counts as
   * attempt()'s would.
   */
  refuses(address: string, username: string): Extract<GateOutcome, { outcome: 'refused' }> | undefined {
    const addr = addressKey(address);
    const refused = this.refusal(addr, pairKey(addr, username), this.now());
    if (!refused) return undefined;
    this.onRefused(refused.reason, addr);
    return { outcome: 'refused', ...refused };
  }

  /**
   * Admit an attempt of `username` from `address` and run `check` (the password hash) if the
   * throttles allow; a failure counts against the address and the pair, a success clears the pair.
   */
  async attempt(address: string, username: string, check: () => Promise<boolean>): Promise<GateOutcome> {
    const refused = this.refuses(address, username);
    if (refused) return refused;
    const addr = addressKey(address);
    const pair = pairKey(addr, username);
    this.running++;
    this.pendingByAddress.set(addr, (this.pendingByAddress.get(addr) ?? 0) + 1);
    let ok = false;
    try {
      ok = await check();
    } finally {
      this.running--;
      const left = (this.pendingByAddress.get(addr) ?? 1) - 1;
      if (left > 0) this.pendingByAddress.set(addr, left);
      else this.pendingByAddress.delete(addr);
    }
    const at = this.now();
    if (ok) {
      this.accountFails.delete(pair);
      record(this.trusted, pair, at, 1);
      return { outcome: 'ok' };
    }
    record(this.addressFails, addr, at, this.limits.addressFailures.max);
    record(this.accountFails, pair, at, this.limits.accountFailures.max);
    return { outcome: 'wrong' };
  }

  private refusal(
    addr: string,
    pair: string,
    now: number,
  ): { reason: GateRefusal; retryAfterSeconds: number } | undefined {
    const { addressFailures: a, accountFailures: u } = this.limits;
    const byAddress = recent(this.addressFails, addr, now, a.windowMs);
    if (byAddress.length >= a.max) {
      return { reason: 'address_throttled', retryAfterSeconds: secondsUntil(byAddress, a, now) };
    }
    const byPair = recent(this.accountFails, pair, now, u.windowMs);
    if (byPair.length >= u.max) {
      return { reason: 'account_throttled', retryAfterSeconds: secondsUntil(byPair, u, now) };
    }
    const vouched = recent(this.trusted, pair, now, TRUST_MS).length > 0;
    if (
      this.running >= this.limits.hashQueueMax + (vouched ? RESERVED : 0) ||
      (byAddress.length > 0 && (this.pendingByAddress.get(addr) ?? 0) >= this.limits.perAddressPending)
    ) {
      return { reason: 'busy', retryAfterSeconds: 1 };
    }
    return undefined;
  }
}

const pairKey = (addr: string, username: string) => `${addr}\u0000${username.trim().toLowerCase()}`;

/** The failures of `key` still within the window (the stale ones are forgotten). */
function recent(map: Map<string, number[]>, key: string, now: number, windowMs: number): number[] {
  const list = map.get(key);
  if (!list) return [];
  const kept = list.filter((t) => now - t < windowMs);
  if (kept.length) map.set(key, kept);
  else map.delete(key);
  return kept;
}

function record(map: Map<string, number[]>, key: string, at: number, max: number): void {
  const list = map.get(key) ?? [];
  list.push(at);
  map.delete(key);
  map.set(key, list.slice(-max));
  // Insertion order is age order (a key is re-inserted at each failure): drop the oldest.
  while (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
}

function secondsUntil(failures: number[], limit: { max: number; windowMs: number }, now: number): number {
  const oldest = failures[failures.length - limit.max] ?? now;
  return Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1000));
}

/** The address a throttle counts: IPv4 (also IPv4-mapped IPv6) as is, IPv6 by its /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
