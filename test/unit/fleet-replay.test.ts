// The desk's memory of the snapshot requests it answered (fleet/replay.ts): each once, kept
// until the skew check refuses it by itself, never more than its bound. Moments are passed in:
// no clock, no waiting.
import { describe, expect, it } from 'vitest';
import { AnsweredRequests } from '../../src/fleet/replay.js';

describe('AnsweredRequests', () => {
  const at = 1_000_000;

  it('answers a request once, per gateway and moment', () => {
    const m = new AnsweredRequests(120_000, 10);
    expect(m.check('samping', at, at)).toBe('new');
    expect(m.check('samping', at, at + 5)).toBe('replayed');
    expect(m.check('samping', at + 1, at + 5)).toBe('new');
    expect(m.check('lain', at, at + 5)).toBe('new');
  });

  it('keeps a request while the skew check would take it, and drops it after', () => {
    const m = new AnsweredRequests(120_000, 10);
    // Signed ahead of the desk's clock (within the skew): it stays valid longer, and so is kept.
    expect(m.check('samping', at + 120_000, at)).toBe('new');
    expect(m.check('samping', at, at)).toBe('new');
    expect(m.check('samping', at, at + 120_000)).toBe('replayed');
    expect(m.size).toBe(2);
    // Past the window of the one signed at `at` only (the skew check refuses it by itself now).
    expect(m.check('x', at + 120_001, at + 120_001)).toBe('new');
    expect(m.size).toBe(2);
    expect(m.check('samping', at + 120_000, at + 240_000)).toBe('replayed');
    // Past the window of the one signed ahead too.
    expect(m.check('y', at + 240_001, at + 240_001)).toBe('new');
    expect(m.size).toBe(2);
    expect(m.check('samping', at + 120_000, at + 240_001)).toBe('new');
  });

  it('refuses new requests while full of ones in their window, never forgetting one early', () => {
    const m = new AnsweredRequests(120_000, 10);
    for (let i = 0; i < 10; i++) expect(m.check('samping', at + i, at + i)).toBe('new');
    expect(m.check('samping', at + 10, at + 10)).toBe('full');
    // Still refused as a replay, not forgotten to make room.
    expect(m.check('samping', at, at + 10)).toBe('replayed');
    expect(m.size).toBe(10);
    expect(m.secondsUntilRoom(at + 10)).toBe(120);
    // The oldest leaves its window: room for one.
    expect(m.check('samping', at + 120_001, at + 120_001)).toBe('new');
    expect(m.check('samping', at + 120_002, at + 120_001)).toBe('full');
    expect(m.size).toBe(10);
  });
});
