// Personal data rules (UU No. 27/2022): masking, display names, retention and erasure.
import { describe, expect, it } from 'vitest';
import {
  displayName,
  dueForErasure,
  eraseGuest,
  isMasked,
  maskDocumentNumber,
} from '../../src/domain/privacy.js';
import type { Guest } from '../../src/domain/types.js';
import { DAY, guest, jkt } from './fixtures/domain.js';

describe('maskDocumentNumber', () => {
  it('KTP (16 digits) keeps the first two and the last four: 35**********0001', () => {
    expect(maskDocumentNumber('3578012345670001')).toBe('35**********0001');
  });

  it.each([
    '3578 0123 4567 0001',
    '3578-0123-4567-0001',
    '35.78.01.234567.0001',
    ' 3578012345670001\n',
    '3578\t0123 4567-0001',
  ])('separators are ignored: %j', (raw) => {
    expect(maskDocumentNumber(raw)).toBe('35**********0001');
  });

  it('SIM numbers (12 and 14 digits)', () => {
    expect(maskDocumentNumber('1234-5678-9012')).toBe('12******9012');
    expect(maskDocumentNumber('1234 5678 901234')).toBe('12********1234');
  });

  it('letters are upper-cased (student card, passport-like numbers)', () => {
    expect(maskDocumentNumber('a12345678')).toBe('*******78');
    expect(maskDocumentNumber('nim.2021.10.123')).toBe('NI******0123');
  });

  it('a letter of assignment keeps its other punctuation', () => {
    expect(maskDocumentNumber('094/123/101.3/2024')).toBe('09***********2024');
  });

  it.each([
    ['123456', '****56'],
    ['12345', '***45'],
    ['123', '*23'],
    ['1234567', '*****67'],
    ['12345678', '******78'],
    ['123456789', '*******89'],
    ['12', '**'],
    ['1', '*'],
  ])('short values: %s -> %s', (raw, masked) => {
    expect(maskDocumentNumber(raw)).toBe(masked);
  });

  it('empty or blank input gives an empty string', () => {
    expect(maskDocumentNumber('')).toBe('');
    expect(maskDocumentNumber(' - . ')).toBe('');
  });

  it('keeps the length and hides at least half of it', () => {
    for (let n = 10; n <= 30; n++) {
      const raw = Array.from({ length: n }, (_, i) => String((i * 7 + 3) % 10)).join('');
      const m = maskDocumentNumber(raw);
      expect(m).toHaveLength(n);
      expect(m.slice(0, 2)).toBe(raw.slice(0, 2));
      expect(m.slice(-4)).toBe(raw.slice(-4));
      expect(m.slice(2, -4)).toMatch(/^\*+$/);
    }
    for (let n = 3; n <= 9; n++) {
      const raw = `${'9'.repeat(n - 2)}12`;
      expect(maskDocumentNumber(raw)).toBe(`${'*'.repeat(n - 2)}12`);
    }
  });

  it('is stable on an already masked value and isMasked recognises it', () => {
    const once = maskDocumentNumber('3578012345670001');
    expect(isMasked(once)).toBe(true);
    expect(maskDocumentNumber(once)).toBe(once);
    expect(isMasked('3578012345670001')).toBe(false);
  });
});

describe('displayName', () => {
  it('full shows the name as is', () => {
    expect(displayName('Budi Santoso', 'full')).toBe('Budi Santoso');
  });

  it('initials: upper-case initials with dots, separated by a space', () => {
    expect(displayName('Budi Santoso', 'initials')).toBe('B. S.');
    expect(displayName('siti nurhaliza binti ahmad', 'initials')).toBe('S. N. B. A.');
    expect(displayName('  Ani   Wijaya  ', 'initials')).toBe('A. W.');
    expect(displayName('Sukarno', 'initials')).toBe('S.');
  });

  it('initials never leak more than the first letter of each word', () => {
    const out = displayName('Bambang Pamungkas', 'initials')!;
    expect(out).not.toMatch(/amb|amu/i);
  });

  it('none shows nothing; an empty (erased) name shows nothing in any mode', () => {
    expect(displayName('Budi Santoso', 'none')).toBeUndefined();
    for (const mode of ['full', 'initials', 'none'] as const) expect(displayName('', mode)).toBeUndefined();
  });
});

describe('dueForErasure', () => {
  const now = jkt('2025-03-03', '02:00');
  const g = (id: string, lastSeenAt: number, extra: Partial<Guest> = {}) =>
    guest(id, { lastSeenAt, ...extra });

  it('days = 0 (or less) keeps identity data forever', () => {
    const ancient = [g('a', 0), g('b', now - 10_000 * DAY)];
    expect(dueForErasure(ancient, now, 0)).toEqual([]);
    expect(dueForErasure(ancient, now, -5)).toEqual([]);
  });

  it('erases guests last seen more than `days` ago; the boundary itself is kept', () => {
    const limit = now - 365 * DAY;
    const guests = [g('older', limit - 1), g('exact', limit), g('newer', limit + 1), g('today', now)];
    expect(dueForErasure(guests, now, 365).map((x) => x.id)).toEqual(['older']);
  });

  it('never lists an already erased guest again', () => {
    const guests = [g('a', now - 400 * DAY, { erasedAt: now - DAY }), g('b', now - 400 * DAY)];
    expect(dueForErasure(guests, now, 365).map((x) => x.id)).toEqual(['b']);
  });

  it('accepts any iterable and keeps its order', () => {
    const set = new Set([g('x', now - 40 * DAY), g('y', now - 5 * DAY), g('z', now - 31 * DAY)]);
    expect(dueForErasure(set, now, 30).map((x) => x.id)).toEqual(['x', 'z']);
  });

  it('counts in whole days of 24 h: 1 day', () => {
    expect(dueForErasure([g('a', now - DAY - 1)], now, 1)).toHaveLength(1);
    expect(dueForErasure([g('a', now - DAY)], now, 1)).toHaveLength(0);
  });
});

describe('eraseGuest', () => {
  const now = jkt('2025-03-03', '02:00');
  const before = guest('g-1');

  it('keeps id, institution and the timestamps; clears name, phone and document fields', () => {
    const erased = eraseGuest(before, now);
    expect(erased).toEqual({
      id: 'g-1',
      name: '',
      institution: 'Dinas Kominfo',
      firstSeenAt: before.firstSeenAt,
      lastSeenAt: before.lastSeenAt,
      erasedAt: now,
    });
    expect(erased).not.toHaveProperty('phone');
    expect(erased).not.toHaveProperty('documentMasked');
    expect(erased).not.toHaveProperty('documentKey');
    expect(JSON.stringify(erased)).not.toMatch(/Budi|0812|0001|k-abc/);
  });

  it('does not modify the input guest', () => {
    const copy = structuredClone(before);
    eraseGuest(before, now);
    expect(before).toEqual(copy);
  });

  it('an erased guest is no longer due for erasure', () => {
    const old = guest('g-2', { lastSeenAt: now - 800 * DAY });
    expect(dueForErasure([old], now, 365)).toHaveLength(1);
    expect(dueForErasure([eraseGuest(old, now)], now, 365)).toHaveLength(0);
  });
});
