// The password gate: throttles before any hash (issue 11: each failed MQTT CONNECT cost a
// scrypt run before its failure was counted), and scrypt off libuv's thread pool.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressKey, type GateLimits, PasswordGate } from '../../src/service/password-gate.js';
import { hashPassword, verifyPassword } from '../../src/service/passwords.js';

const LIMITS: GateLimits = {
  hashQueueMax: 4,
  perAddressPending: 2,
  addressFailures: { max: 10, windowMs: 60_000 },
  accountFailures: { max: 5, windowMs: 15 * 60_000 },
};

/** A check that resolves when the test says so, counting how many were started. */
function pendingChecks() {
  const started: Array<(ok: boolean) => void> = [];
  return {
    started,
    check: () => new Promise<boolean>((resolve) => started.push(resolve)),
  };
}

describe('PasswordGate', () => {
  it('bounds the checks waiting or running: a flood beyond hashQueueMax is refused at once, unhashed', async () => {
    const gate = new PasswordGate(LIMITS, () => 0);
    const c = pendingChecks();
    const outcomes = Array.from({ length: 40 }, (_, i) => gate.attempt(`10.0.0.${i + 1}`, 'admin', c.check));
    // Refusals answer without waiting for the checks in flight.
    const refused = await Promise.all(outcomes.slice(LIMITS.hashQueueMax));
    expect(refused.every((o) => o.outcome === 'refused' && o.reason === 'busy')).toBe(true);
    expect(c.started).toHaveLength(LIMITS.hashQueueMax);
    expect(gate.pending).toBe(LIMITS.hashQueueMax);
    for (const done of c.started) done(false);
    expect((await Promise.all(outcomes.slice(0, LIMITS.hashQueueMax))).map((o) => o.outcome)).toEqual(
      Array(LIMITS.hashQueueMax).fill('wrong'),
    );
    expect(gate.pending).toBe(0);
  });

  it('an address that failed holds at most perAddressPending checks; one that never failed is not held back', async () => {
    const gate = new PasswordGate(LIMITS, () => 0);
    expect((await gate.attempt('10.0.0.1', 'x', async () => false)).outcome).toBe('wrong');
    const c = pendingChecks();
    expect(gate.refusesAddress('10.0.0.1')).toBe(false);
    const a = [1, 2, 3].map(() => gate.attempt('10.0.0.1', 'x', c.check));
    expect(await a[2]).toMatchObject({ outcome: 'refused', reason: 'busy' });
    // What a broker asks at accept: any login from it now would be refused before its hash.
    expect(gate.refusesAddress('10.0.0.1')).toBe(true);
    expect(gate.refuses('10.0.0.1', 'someone')).toMatchObject({ outcome: 'refused', reason: 'busy' });
    // Another address (no failure) gets in with as many as the overall bound allows.
    const b = [1, 2].map(() => gate.attempt('10.0.0.2', 'x', c.check));
    expect(gate.refusesAddress('10.0.0.2')).toBe(false);
    expect(c.started).toHaveLength(4);
    for (const done of c.started) done(true);
    expect((await Promise.all([a[0], a[1], ...b])).map((o) => o!.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(gate.refusesAddress('10.0.0.1')).toBe(false);
  });

  it('throttles an address after addressFailures, whatever the user name, until they age out', async () => {
    const clock = { now: 0 };
    const gate = new PasswordGate(LIMITS, () => clock.now);
    let hashed = 0;
    const wrong = async () => {
      hashed++;
      return false;
    };
    for (let i = 0; i < 10; i++)
      expect((await gate.attempt('10.0.0.9', `u${i}`, wrong)).outcome).toBe('wrong');
    const r = await gate.attempt('10.0.0.9', 'someone-else', wrong);
    expect(r).toMatchObject({ outcome: 'refused', reason: 'address_throttled' });
    expect(r.outcome === 'refused' && r.retryAfterSeconds).toBe(60);
    expect(hashed).toBe(10);
    // What a broker asks at accept, before a CONNECT is read.
    expect(gate.refusesAddress('10.0.0.9')).toBe(true);
    expect(gate.refusesAddress('10.0.0.10')).toBe(false);
    clock.now += 60_000;
    expect(gate.refusesAddress('10.0.0.9')).toBe(false);
    expect((await gate.attempt('10.0.0.9', 'u', async () => true)).outcome).toBe('ok');
  });

  it('locks a user name per address: the same name from another address is not affected', async () => {
    const gate = new PasswordGate(LIMITS, () => 0);
    for (let i = 0; i < 5; i++) await gate.attempt('10.0.0.66', 'Admin', async () => false);
    expect(await gate.attempt('10.0.0.66', 'admin', async () => true)).toMatchObject({
      outcome: 'refused',
      reason: 'account_throttled',
    });
    expect((await gate.attempt('10.0.0.7', 'admin', async () => true)).outcome).toBe('ok');
  });

  it('a success clears the pair, not the address', async () => {
    const gate = new PasswordGate({ ...LIMITS, addressFailures: { max: 6, windowMs: 60_000 } }, () => 0);
    for (let i = 0; i < 4; i++) await gate.attempt('10.0.0.5', 'a', async () => false);
    expect((await gate.attempt('10.0.0.5', 'a', async () => true)).outcome).toBe('ok');
    for (let i = 0; i < 2; i++) await gate.attempt('10.0.0.5', 'a', async () => false);
    expect((await gate.attempt('10.0.0.5', 'b', async () => true)).outcome).toBe('refused');
  });

  it('keeps a slot for an address and user name that logged in before, while a flood fills the rest', async () => {
    const gate = new PasswordGate(LIMITS, () => 0);
    expect((await gate.attempt('10.0.0.50', 'admin', async () => true)).outcome).toBe('ok');
    const c = pendingChecks();
    const flood = Array.from({ length: 20 }, (_, i) => gate.attempt(`10.9.0.${i + 1}`, 'admin', c.check));
    expect(c.started).toHaveLength(LIMITS.hashQueueMax);
    // A newcomer is busy; the admin's own desk still gets its check.
    expect(await gate.attempt('10.0.0.51', 'admin', c.check)).toMatchObject({ reason: 'busy' });
    const desk = gate.attempt('10.0.0.50', 'admin', c.check);
    expect(c.started).toHaveLength(LIMITS.hashQueueMax + 1);
    c.started.at(-1)!(true);
    expect((await desk).outcome).toBe('ok');
    for (const done of c.started) done(false);
    await Promise.all(flood);
  });

  it('counts IPv6 by its /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:127.0.0.5')).toBe('127.0.0.5');
    expect(addressKey('10.1.2.3')).toBe('10.1.2.3');
  });
});

describe('scrypt off the thread pool', () => {
  it('hashes and verifies while every libuv pool thread is stuck (it used to wait behind them)', async () => {
    // Each open() of a FIFO with no writer blocks a pool thread, using no CPU: four (the pool's
    // size, UV_THREADPOOL_SIZE) hold the whole pool until the test opens the writing ends.
    const dir = mkdtempSync(join(tmpdir(), 'pintu-pool-'));
    const fifos = [0, 1, 2, 3].map((i) => join(dir, `f${i}`));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    let released = false;
    const stuck = fifos.map((f) =>
      open(f, 'r').then(async (h) => {
        if (!released) throw new Error('a pool thread was free');
        await h.close();
      }),
    );
    try {
      const h = await hashPassword('correct horse');
      // On the pool the hash would wait for a free thread: none is free until the writers below.
      expect(await verifyPassword('correct horse', h)).toBe(true);
    } finally {
      released = true;
      for (const f of fifos) closeSync(openSync(f, 'w'));
      await Promise.all(stuck);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
