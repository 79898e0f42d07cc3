// The per-room budget of refusals journaled one by one (mqtt.rooms.refusalsJournaledPerMinute):
// a token bucket, and the count of what it left out handed back once a whole minute passed
// without a refusal over budget. Fake timers: the windows are the timer's, not a sleep's.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { JournalBudget } from '../../src/service/journal-budget.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const budget = (perMinute: number) => {
  const summaries: Array<[string, number]> = [];
  const b = new JournalBudget(
    perMinute,
    (key, n) => summaries.push([key, n]),
    () => Date.now(),
  );
  return { b, summaries };
};

it('journals the first N of a minute, counts the rest, and says how many once the flood ends', () => {
  const { b, summaries } = budget(3);
  // t=0: a burst of 10; 3 journaled, 7 over budget (the first of them starts a window).
  const burst = Array.from({ length: 10 }, () => b.take('r101'));
  expect(burst).toEqual([true, true, true, false, false, false, false, false, false, false]);
  // One every 10 s up to t=50: a token every 20 s, so every other one is journaled.
  const later = [];
  for (let i = 0; i < 5; i++) {
    vi.advanceTimersByTime(10_000);
    later.push(b.take('r101'));
  }
  expect(later).toEqual([false, true, false, true, false]);
  // t=60: the window saw refusals over budget: the flood goes on; a new window to t=120.
  vi.advanceTimersByTime(10_000);
  expect(summaries).toEqual([]);
  vi.advanceTimersByTime(59_999);
  expect(summaries).toEqual([]);
  // t=120: a whole window without one: the 10 left out, once.
  vi.advanceTimersByTime(1);
  expect(summaries).toEqual([['r101', 10]]);
  vi.advanceTimersByTime(600_000);
  expect(summaries).toEqual([['r101', 10]]);
});

it('refills at N a minute, per room', () => {
  const { b } = budget(2);
  expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, false]);
  expect(b.take('b')).toBe(true);
  vi.advanceTimersByTime(30_000);
  expect([b.take('a'), b.take('a')]).toEqual([true, false]);
});

it('hands back what it left out at stop, once', () => {
  const { b, summaries } = budget(1);
  b.take('r101');
  b.take('r101');
  b.take('r101');
  b.flush();
  b.flush();
  expect(summaries).toEqual([['r101', 2]]);
  vi.advanceTimersByTime(120_000);
  expect(summaries).toEqual([['r101', 2]]);
});
