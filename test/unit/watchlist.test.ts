// Watchlist (issue 14, item 5): how an arrival is compared with the entries. Examples for the
// Indonesian ways of writing one name (titles, order, dotted degrees, accents, a typing slip),
// then properties: the name match ignores what the writer changes and is symmetric, the edit
// distance behaves as one, and an expired entry or another institution never matches by name.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  checkWatchlistEntry,
  dueForPurge,
  editDistance,
  matchWatchlist,
  namesClose,
  nameTokens,
  normaliseDocumentNumber,
  normaliseInstitution,
  type WatchlistEntry,
} from '../../src/domain/watchlist.js';
import { DAY, jkt } from './fixtures/domain.js';

const NOW = jkt('2026-03-02', '09:00');
const entry = (over: Partial<WatchlistEntry> = {}): WatchlistEntry => ({
  id: 'w1',
  name: 'Budi Santoso',
  institution: 'PT Maju Jaya',
  reason: 'Ancaman terhadap petugas, 2025',
  validUntil: NOW + 30 * DAY,
  createdAt: NOW - DAY,
  createdBy: 'satpam',
  ...over,
});
const rules = { nameMaxEdits: 1 };

describe('names', () => {
  it('drops titles, accents, punctuation and dotted degrees', () => {
    expect(nameTokens('Drs. H. Ahmad Fauzi, M.Si.')).toEqual(['ahmad', 'fauzi']);
    expect(nameTokens('Ir. Siti Rahayu, S.H., M.H.')).toEqual(['siti', 'rahayu']);
    expect(nameTokens('Bpk. José  Ramos-Horta')).toEqual(['jose', 'ramos', 'horta']);
  });

  it.each([
    ['Budi Santoso', 'budi santoso', true],
    ['Budi Santoso', 'Santoso, Budi', true],
    ['Budi Santoso', 'Bapak Budi Santoso, S.E.', true],
    ['Budi Santoso', 'Budi Santosa', true], // one slip in a long token
    ['Budi Santoso', 'Budi Santoso Wijaya', true], // a third name written on the form
    ['Budi Santoso', 'Budi', false], // one common token is not enough
    ['Budi Santoso', 'Bude Santoso', false], // short tokens must be exact
    ['Budi Santoso', 'Budi Sentosa', false], // two slips
    ['Suharto', 'Soeharto', true], // spelling before 1972
    ['Djoko Santoso', 'Joko Santoso', true],
    ['Sukarno', 'Sukarni', true], // one edit in a long single name
    ['Adi', 'Ari', false],
  ])('%s ~ %s: %s', (a, b, close) => {
    expect(namesClose(a, b, 1)).toBe(close);
    expect(namesClose(b, a, 1)).toBe(close);
  });

  it('pairs tokens one to one, not greedily', () => {
    // "santosa" is close to both "santoso" and "santosi": a greedy pass could take the wrong one.
    expect(namesClose('Santosa Santoso', 'Santoso Santosi', 1)).toBe(true);
    // One token of the other name cannot serve two of this one.
    expect(namesClose('Budi Budi', 'Budi Santoso', 1)).toBe(false);
  });

  it('normalises institutions and document numbers', () => {
    expect(normaliseInstitution('PT. Maju Jaya (Persero) Tbk')).toBe('maju jaya');
    expect(normaliseDocumentNumber(' 3578 0123.4567-0001 ')).toBe('3578012345670001');
  });
});

describe('matchWatchlist', () => {
  it('matches by document key whatever the name and institution', () => {
    const e = entry({ documentKey: 'k1' });
    expect(
      matchWatchlist([e], { name: 'Someone Else', institution: '', documentKey: 'k1' }, NOW, rules),
    ).toEqual([{ entryId: 'w1', by: 'document' }]);
  });

  it('matches by a close name only with the same institution', () => {
    const e = entry();
    expect(matchWatchlist([e], { name: 'Budi Santosa', institution: 'Maju Jaya' }, NOW, rules)).toEqual([
      { entryId: 'w1', by: 'name' },
    ]);
    expect(matchWatchlist([e], { name: 'Budi Santoso', institution: 'CV Sinar' }, NOW, rules)).toEqual([]);
    expect(matchWatchlist([e], { name: 'Budi Santoso', institution: '' }, NOW, rules)).toEqual([]);
  });

  it('matches nothing once valid-until has passed, and the sweep takes it then', () => {
    const e = entry({ validUntil: NOW, documentKey: 'k1' });
    expect(
      matchWatchlist([e], { name: 'Budi Santoso', institution: 'Maju Jaya', documentKey: 'k1' }, NOW, rules),
    ).toEqual([]);
    expect(dueForPurge([e, entry({ id: 'w2' })], NOW).map((x) => x.id)).toEqual(['w1']);
  });
});

describe('checkWatchlistEntry', () => {
  const field = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      if (e instanceof DomainError) return e.field;
      throw e;
    }
    return undefined;
  };
  const ok = { name: ' Budi Santoso ', institution: 'PT Maju Jaya ', reason: 'x', validUntil: NOW + DAY };

  it('trims and takes a valid entry', () => {
    expect(checkWatchlistEntry(ok, NOW, { maxDays: 365 })).toEqual({
      name: 'Budi Santoso',
      institution: 'PT Maju Jaya',
      reason: 'x',
      validUntil: NOW + DAY,
    });
  });

  it('refuses a name of titles only, no reason, or a valid-until outside (now, now + maxDays]', () => {
    expect(field(() => checkWatchlistEntry({ ...ok, name: 'Drs. H.' }, NOW, { maxDays: 365 }))).toBe('name');
    expect(field(() => checkWatchlistEntry({ ...ok, reason: '  ' }, NOW, { maxDays: 365 }))).toBe('reason');
    expect(field(() => checkWatchlistEntry({ ...ok, validUntil: NOW }, NOW, { maxDays: 365 }))).toBe(
      'validUntil',
    );
    expect(
      field(() => checkWatchlistEntry({ ...ok, validUntil: NOW + 366 * DAY }, NOW, { maxDays: 365 })),
    ).toBe('validUntil');
    expect(field(() => checkWatchlistEntry({ ...ok, validUntil: Number.NaN }, NOW, { maxDays: 365 }))).toBe(
      'validUntil',
    );
  });
});

// ---------------------------------------------------------------- properties

const TITLES = ['Drs.', 'H.', 'Ir.', 'S.H.', 'M.Si.', 'Bapak', 'Ibu', 'Dr.'];
const token = fc.stringMatching(/^[a-z]{2,10}$/).filter((t) => nameTokens(t).length === 1);
const name = fc.array(token, { minLength: 1, maxLength: 4 });
const capitalise = (t: string) => t[0]!.toUpperCase() + t.slice(1);

describe('properties', () => {
  test.prop([name, fc.array(fc.constantFrom(...TITLES), { maxLength: 2 }), fc.boolean(), fc.nat()])(
    'a name is close to itself however it is written (case, order, titles, punctuation)',
    (tokens, titles, upper, shift) => {
      const k = shift % tokens.length;
      const rotated = [...tokens.slice(k), ...tokens.slice(0, k)];
      const written = `${titles.join(' ')} ${rotated.map((t) => (upper ? t.toUpperCase() : capitalise(t))).join(', ')}`;
      expect(namesClose(tokens.join(' '), written, 0)).toBe(true);
    },
  );

  test.prop([name, name, fc.nat(2)])('closeness is symmetric', (a, b, edits) => {
    expect(namesClose(a.join(' '), b.join(' '), edits)).toBe(namesClose(b.join(' '), a.join(' '), edits));
  });

  test.prop([token, token, fc.nat(3)])(
    'edit distance: zero on itself, symmetric, at least the length difference',
    (a, b, limit) => {
      expect(editDistance(a, a, limit)).toBe(0);
      expect(editDistance(a, b, limit)).toBe(editDistance(b, a, limit));
      expect(editDistance(a, b, limit)).toBeGreaterThanOrEqual(
        Math.min(Math.abs(a.length - b.length), limit + 1),
      );
      expect(editDistance(a, b, limit)).toBeLessThanOrEqual(limit + 1);
    },
  );

  // Without e, h and j no old-spelling pair (oe, dj, ch...) can appear, so the slip stays one edit.
  test.prop([
    fc.stringMatching(/^[a-dfgik-z]{5,10}$/),
    fc.nat(),
    fc.constantFrom(...'abcdfgiklmnopqrstuvwxyz'),
  ])('one slip in a long token is within one edit', (t, at, c) => {
    const i = at % t.length;
    const slipped = t.slice(0, i) + c + t.slice(i + 1);
    expect(editDistance(t, slipped, 1)).toBeLessThanOrEqual(1);
    expect(namesClose(`Budi ${t}`, `Budi ${slipped}`, 1)).toBe(true);
  });

  test.prop([name, fc.integer({ min: -5, max: 0 })])(
    'an expired entry never matches, by name or document',
    (tokens, days) => {
      const e = entry({ name: tokens.join(' '), documentKey: 'k', validUntil: NOW + days * DAY });
      expect(
        matchWatchlist(
          [e],
          { name: tokens.join(' '), institution: e.institution, documentKey: 'k' },
          NOW,
          rules,
        ),
      ).toEqual([]);
    },
  );

  test.prop([name, fc.stringMatching(/^[A-Z][a-z]{3,12}$/)])(
    'another institution never matches by name',
    (tokens, other) => {
      fc.pre(normaliseInstitution(other) !== normaliseInstitution('PT Maju Jaya'));
      const e = entry({ name: tokens.join(' ') });
      expect(matchWatchlist([e], { name: tokens.join(' '), institution: other }, NOW, rules)).toEqual([]);
    },
  );
});
