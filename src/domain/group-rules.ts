// The rules a group visit (rombongan) adds to one person's visit: the group's one document
// (Surat Tugas) is held by the leader's visit, so a member is badged only while the leader's
// visit holds it, and it goes back only when no member still holds a badge. Kept apart from
// domain/group.ts (which plans group commands through domain/visit.ts) so visit.ts can ask
// them without an import cycle.
import { DomainError } from './errors.js';
import type { Visit } from './types.js';

/** The group's persons, as the command's context knows them. */
interface GroupContext {
  groupOf?: (groupId: string) => readonly Visit[];
}

/** The members of `leader`'s group who hold a badge now, in badging order. */
export function badgesOut(leader: Visit, ctx: GroupContext): Visit[] {
  if (!leader.group) return [];
  return (ctx.groupOf?.(leader.group.id) ?? [])
    .filter((v) => v.id !== leader.id && v.state === 'badged')
    .sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0));
}

/**
 * The leader's letter may go back: no member of the group holds a badge. Throws DomainError
 * 'conflict' (field documentReturned) naming how many badges are still out, and whose.
 */
export function checkLetterMayReturn(leader: Visit, ctx: GroupContext): void {
  const out = badgesOut(leader, ctx);
  if (out.length === 0) return;
  const names = out.map((v) => v.guestName || v.id).join(', ');
  throw new DomainError(
    'conflict',
    `the group's letter stays at the desk while ${out.length} member(s) still hold a badge: ${names}`,
    'documentReturned',
    { rule: 'group_badges_out' },
  );
}

/**
 * A member's badge: no document of their own (the leader's visit holds the group's letter),
 * and only while the leader's visit holds it. Throws DomainError 'invalid' / 'conflict'.
 */
export function checkMemberMayBadge(member: Visit, hasCollateral: boolean, ctx: GroupContext): void {
  if (!member.group) return;
  if (hasCollateral) {
    throw new DomainError(
      'invalid',
      "a group member gives no document: the leader's visit holds the group's letter",
      'collateral',
      { rule: 'group_member_collateral' },
    );
  }
  const group = member.group;
  const leader = (ctx.groupOf?.(group.id) ?? []).find((v) => v.group?.leader);
  if (leader?.state !== 'badged' || !leader.collateral) {
    throw new DomainError(
      'conflict',
      "badge the group's leader first: the leader's visit holds the group's letter (Surat Tugas)",
      'badge',
      { rule: 'group_leader_first' },
    );
  }
}
