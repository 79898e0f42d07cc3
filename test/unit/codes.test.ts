// Keypad access codes (SOP step 6): fresh, not trivially guessable, unique among active codes.
import { describe, expect, it } from 'vitest';
import { type CodeIssuer, issueCode, isTrivial } from '../../src/domain/codes.js';

/** An issuer that plays back the given digits (then repeats the last code forever). */
function scripted(
  codes: string[],
  hash = (c: string) => `h(${c})`,
): CodeIssuer & { hashed: string[]; draws: number } {
  const digits = codes.join('').split('').map(Number);
  const last = codes.at(-1)!.split('').map(Number);
  let i = 0;
  const issuer = {
    hashed: [] as string[],
    draws: 0,
    randomInt(max: number): number {
      expect(max).toBe(10);
      issuer.draws++;
      const d = i < digits.length ? digits[i]! : last[(i - digits.length) % last.length]!;
      i++;
      return d;
    },
    hash(code: string): string {
      issuer.hashed.push(code);
      return hash(code);
    },
  };
  return issuer;
}

/** A small deterministic PRNG issuer (mulberry32). */
function seeded(seed: number): CodeIssuer {
  let a = seed >>> 0;
  return {
    randomInt(max) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * max);
    },
    hash: (c) => `k:${c}`,
  };
}

describe('issueCode', () => {
  it('returns a code of the requested length and its hash', () => {
    const issuer = scripted(['482915']);
    expect(issueCode(6, () => false, issuer)).toEqual({ code: '482915', hash: 'h(482915)' });
    expect(issuer.draws).toBe(6);
  });

  it.each([4, 6, 8, 10])('length %i: only digits, exactly that many', (length) => {
    const issuer = seeded(length);
    for (let i = 0; i < 200; i++) {
      const { code, hash } = issueCode(length, () => false, issuer);
      expect(code).toMatch(new RegExp(`^\\d{${length}}$`));
      expect(hash).toBe(`k:${code}`);
      expect(isTrivial(code)).toBe(false);
    }
  });

  it('skips trivial codes (000000, 123456, 987654) without even hashing them', () => {
    const issuer = scripted(['000000', '123456', '987654', '555555', '482915']);
    expect(issueCode(6, () => false, issuer).code).toBe('482915');
    expect(issuer.hashed).toEqual(['482915']);
  });

  it('skips codes whose hash is already taken by an active code', () => {
    const taken = new Set(['h(482915)', 'h(305718)']);
    const issuer = scripted(['482915', '305718', '640372']);
    const seen: string[] = [];
    const result = issueCode(
      6,
      (h) => {
        seen.push(h);
        return taken.has(h);
      },
      issuer,
    );
    expect(result).toEqual({ code: '640372', hash: 'h(640372)' });
    expect(seen).toEqual(['h(482915)', 'h(305718)', 'h(640372)']);
  });

  it('never returns a taken hash over many draws', () => {
    const issuer = seeded(42);
    const taken = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { hash } = issueCode(4, (h) => taken.has(h), issuer);
      expect(taken.has(hash)).toBe(false);
      taken.add(hash);
    }
    expect(taken.size).toBe(500);
  });

  it('throws when every hash is taken, after a bounded number of attempts', () => {
    const issuer = scripted(['482915']);
    expect(() => issueCode(6, () => true, issuer)).toThrow(/no free access code/);
    expect(issuer.draws).toBe(6 * 1000);
  });

  it('throws when every code of the length is trivial (length 1)', () => {
    expect(() => issueCode(1, () => false, seeded(1))).toThrow(/no free access code/);
  });

  it('throws when the random source keeps producing trivial codes', () => {
    const issuer = scripted(['111111']);
    expect(() => issueCode(6, () => false, issuer)).toThrow(/no free access code/);
    expect(issuer.hashed).toEqual([]);
  });
});

describe('isTrivial', () => {
  it.each(['000000', '111111', '999999', '7777', '0', '5'])('all one digit %s is trivial', (c) => {
    expect(isTrivial(c)).toBe(true);
  });

  it.each(['123456', '987654', '0123', '3210', '456789', '12345678', '12', '98'])(
    'a straight run %s is trivial',
    (c) => {
      expect(isTrivial(c)).toBe(true);
    },
  );

  it.each(['890123', '789012', '210987', '109876'])('a run wrapping through 9/0 (%s) is trivial', (c) => {
    expect(isTrivial(c)).toBe(true);
  });

  it.each([
    '482915',
    '135791',
    '246802',
    '112233',
    '123457',
    '121212',
    '654322',
    '13',
    '102938',
    '000001',
    '100000',
  ])('%s is not trivial', (c) => {
    expect(isTrivial(c)).toBe(false);
  });
});
