// Host delegates (issue 14, item 4), the pure rules: who may act for a host, who is asked, and
// which delegate lists are refused (and by which rule).
import { describe, expect, it } from 'vitest';
import { approvers, checkDelegates, mayActFor } from '../../src/domain/delegation.js';
import type { User } from '../../src/domain/types.js';
import { ruleOf } from './fixtures/domain.js';

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

/** ruleOf, each refusal naming the field delegates. */
const delegatesRule = (fn: () => unknown) => ruleOf(fn, (e) => expect(e.field).toBe('delegates'));

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
    expect(delegatesRule(() => checkDelegates(host, [undefined], ['x'], 5))).toBe('unknown_user');
    expect(delegatesRule(() => checkDelegates(host, [user('a', { disabled: true })], ['a'], 5))).toBe(
      'unknown_user',
    );
    expect(delegatesRule(() => checkDelegates(host, [user('a', { role: 'receptionist' })], ['a'], 5))).toBe(
      'not_host',
    );
    expect(delegatesRule(() => checkDelegates(host, [user('a', { hostId: 'kabag' })], ['a'], 5))).toBe(
      'own_login',
    );
    expect(delegatesRule(() => checkDelegates(host, [user('a'), user('a')], ['a', 'a'], 5))).toBe('repeat');
    expect(delegatesRule(() => checkDelegates(host, [user('a'), user('b')], ['a', 'b'], 1))).toBe('too_many');
  });
});
