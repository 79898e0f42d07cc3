// New connections per address as a token bucket (issue 11: floods of connections that are
// each refused, one by one, cost the event loop the doors use).
import { describe, expect, it } from 'vitest';
import { AddressRate } from '../../src/service/address-rate.js';

describe('AddressRate', () => {
  it('lets a burst through, then the rate; other addresses are not affected', () => {
    const clock = { now: 0 };
    const rate = new AddressRate({ burst: 3, perSecond: 2 }, () => clock.now);
    expect([1, 2, 3, 4].map(() => rate.take('10.0.0.1'))).toEqual([true, true, true, false]);
    expect(rate.take('10.0.0.2')).toBe(true);
    clock.now += 499;
    expect(rate.take('10.0.0.1')).toBe(false);
    clock.now += 1;
    expect(rate.take('10.0.0.1')).toBe(true);
    expect(rate.take('10.0.0.1')).toBe(false);
    // Refills up to the burst, no further.
    clock.now += 60_000;
    expect([1, 2, 3, 4].map(() => rate.take('10.0.0.1'))).toEqual([true, true, true, false]);
  });

  it('counts an IPv6 /64 as one address, and IPv4-mapped as IPv4', () => {
    const rate = new AddressRate({ burst: 2, perSecond: 0.1 }, () => 0);
    expect(rate.take('2001:db8:1:2::a')).toBe(true);
    expect(rate.take('2001:db8:1:2::b')).toBe(true);
    expect(rate.take('2001:db8:1:2:ffff::1')).toBe(false);
    expect(rate.take('::ffff:10.0.0.7')).toBe(true);
    expect(rate.take('10.0.0.7')).toBe(true);
    expect(rate.take('10.0.0.7')).toBe(false);
  });
});
