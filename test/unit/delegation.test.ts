// Host delegates (issue 14, item 4), the pure rules: who may act for a host, who is asked, and
// which delegate lists are refused (and by which rule).
import { describe, expect, it } from 'vitest';
import { approvers, checkDelegates, mayActFor } from '../../src/domain/delegation.js';
import { DomainError } from '../../src/domain/errors.js';
import type { User } from '../../src/domain/types.js';

const user = (id: string, over: Partial<User> = {}): User => ({
  id,
  username: id,
  displayName: id,
  role: 'host',
  passwordHash: '',
  hostId: `h-${id}`,
  createdAt: 0,
  ...over,
});

function ruleOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    expect(e.field).toBe('delegates');
    return e.detail.rule ?? e.code;
  }
}

describe('mayActFor', () => {
  const kabag = { id: 'kabag', delegates: ['u-sek'] };
  it('is the own host, or a host that named the user', () => {
    expect(mayActFor(kabag, 'u-kabag', 'kabag')).toBe(true);
    expect(mayActFor(kabag, 'u-sek', 'sekretaris')).toBe(true);
    expect(mayActFor(kabag, 'u-other', 'sekda')).toBe(false);
    expect(mayActFor({ id: 'kabag' }, 'u-sek', 'sekretaris')).toBe(false);
  });
});

describe('approvers', () => {
  it('the host unless absent, and the delegates; an absent host without delegates still', () => {
    expect(approvers({ delegates: ['a'] })).toEqual({ host: true, delegates: ['a'] });
    expect(approvers({ absent: true, delegates: ['a'] })).toEqual({ host: false, delegates: ['a'] });
    expect(approvers({ absent: true })).toEqual({ host: true, delegates: [] });
  });
});

describe('checkDelegates', () => {
  const host = { id: 'kabag' };
  it('takes enabled host logins of other hosts, in order', () => {
    expect(checkDelegates(host, [user('a'), user('b')], ['a', 'b'], 5)).toEqual(['a', 'b']);
    expect(checkDelegates(host, [], [], 0)).toEqual([]);
  });
  it('refuses by rule', () => {
    expect(ruleOf(() => checkDelegates(host, [undefined], ['x'], 5))).toBe('unknown_user');
    expect(ruleOf(() => checkDelegates(host, [user('a', { disabled: true })], ['a'], 5))).toBe(
      'unknown_user',
    );
    expect(ruleOf(() => checkDelegates(host, [user('a', { role: 'receptionist' })], ['a'], 5))).toBe(
      'not_host',
    );
    expect(ruleOf(() => checkDelegates(host, [user('a', { hostId: 'kabag' })], ['a'], 5))).toBe('own_login');
    expect(ruleOf(() => checkDelegates(host, [user('a'), user('a')], ['a', 'a'], 5))).toBe('repeat');
    expect(ruleOf(() => checkDelegates(host, [user('a'), user('b')], ['a', 'b'], 1))).toBe('too_many');
  });
});
