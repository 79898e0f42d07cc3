// The password hashing thread is an isolate of its own (about 12 MiB resident): an idle
// gateway does not hold one (issue 16). It starts with a hash and stops once idle.
import { afterEach, expect, it } from 'vitest';
import {
  hashPassword,
  hashThreadRunning,
  setHashThreadIdle,
  verifyPassword,
} from '../../src/service/passwords.js';
import { eventually } from '../support/lab-tools.js';

afterEach(() => setHashThreadIdle(30_000));

it('starts with the first hash, stops after the idle time, and starts again for the next', async () => {
  setHashThreadIdle(50);
  expect(hashThreadRunning()).toBe(false);
  const stored = await hashPassword('kata sandi yang panjang');
  expect(hashThreadRunning()).toBe(true);
  await eventually(() => expect(hashThreadRunning()).toBe(false), 10_000);
  // A check after the stop gets a new thread, and the right answer.
  expect(await verifyPassword('kata sandi yang panjang', stored)).toBe(true);
  expect(await verifyPassword('salah', stored)).toBe(false);
});

it('does not stop under a hash that is running or waiting', async () => {
  setHashThreadIdle(1);
  // Each hash runs longer than the idle time; the ones queued behind it keep the thread up.
  const hashes = await Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword(`sandi-${i}`)));
  expect(hashes.every((h) => h.startsWith('scrypt$'))).toBe(true);
  await eventually(() => expect(hashThreadRunning()).toBe(false), 10_000);
});
