// Host delegates (issue 14, item 4): a host names other host logins (a secretary, an aide) who
// receive the host's approval requests and may decide for the host; the decision is recorded as
// the delegate's, with `onBehalfOf` the host. Pure: who a user may act for, and whether a list
// of delegates is acceptable.
import { DomainError } from './errors.js';
import type { Host, User } from './types.js';

/** May `user` (a host login acting as `ownHostId`) act for `host`? Their own, or as a delegate. */
export function mayActFor(
  host: Pick<Host, 'id' | 'delegates'>,
  userId: string,
  ownHostId: string | undefined,
): boolean {
  return host.id === ownHostId || (host.delegates ?? []).includes(userId);
}

/** Is `userId` still one of `host`'s delegates? (A delegate's link is good only while so.) */
export function isDelegate(host: Pick<Host, 'delegates'> | undefined, userId: string): boolean {
  return host !== undefined && (host.delegates ?? []).includes(userId);
}

/** Who receives a host's approval requests: the host (unless absent) and the delegates. */
export function approvers(host: Pick<Host, 'absent' | 'delegates'>): { host: boolean; delegates: string[] } {
  const delegates = host.delegates ?? [];
  // An absent host with nobody to stand in is still told: the request must reach someone.
  return { host: !host.absent || delegates.length === 0, delegates };
}

/**
 * Check `users` as the delegates of `host`: each an enabled host login, not the host's own, no
 * repeats, at most `max`. Returns their ids in the order given. Throws DomainError (field delegates).
 */
export function checkDelegates(
  host: Pick<Host, 'id'>,
  users: readonly (User | undefined)[],
  names: readonly string[],
  max: number,
): string[] {
  if (names.length > max) {
    throw new DomainError('invalid', `at most ${max} delegates (visits.maxDelegates)`, 'delegates', {
      rule: 'too_many',
    });
  }
  const ids: string[] = [];
  users.forEach((u, i) => {
    const name = names[i] ?? '';
    if (!u || u.disabled)
      throw new DomainError('invalid', `no user "${name}"`, 'delegates', { rule: 'unknown_user' });
    if (u.role !== 'host') {
      throw new DomainError('invalid', `"${name}" is not a host login`, 'delegates', { rule: 'not_host' });
    }
    if (u.hostId === host.id) {
      throw new DomainError('invalid', `"${name}" is the host's own login`, 'delegates', {
        rule: 'own_login',
      });
    }
    if (ids.includes(u.id))
      throw new DomainError('invalid', `"${name}" is named twice`, 'delegates', { rule: 'repeat' });
    ids.push(u.id);
  });
  return ids;
}
