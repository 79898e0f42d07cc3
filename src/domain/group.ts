// Group visits (rombongan, issue 14 item 2): a delegation arrives with one letter (Surat Tugas)
// for all. The SOP's record stays per person: each person is a visit of their own, screened and
// entered in the guest book one by one, linked by a group id. What the group shares is planned
// here as one event per person's visit: the host's one decision (the same outcome and rooms on
// every visit still waiting for it), the badging order (leader first: the leader's visit holds
// the letter), and the whole group's checkout (members first, so the letter may go back last).
import { DomainError } from './errors.js';
import type { VisitEvent } from './events.js';
import type { Visit } from './types.js';
import { type HostDecision, handleVisitCommand, isTerminal, type VisitContext } from './visit.js';

/** The group's persons in badging order: the leader, then the members as given at arrival. */
export function inOrder(visits: readonly Visit[]): Visit[] {
  return [...visits].sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0));
}

/** Check the names of a group's arrival: a leader and 1..maxMembers members, each named. */
export function checkGroupArrival(leader: string, members: readonly string[], maxMembers: number): void {
  if (!leader.trim()) throw new DomainError('invalid', 'the leader needs a name', 'leader.name');
  if (members.length === 0) throw new DomainError('invalid', 'a group has at least one member', 'members');
  if (members.length > maxMembers) {
    throw new DomainError(
      'invalid',
      `a group has at most ${maxMembers} members besides its leader (visits.maxGroupMembers)`,
      'members',
      { rule: 'group_too_large' },
    );
  }
  members.forEach((name, i) => {
    if (!name.trim()) throw new DomainError('invalid', `member ${i + 1} needs a name`, `members.${i}.name`);
  });
}

/**
 * The host's one decision for the group: one `visit.decided` per person's visit still open,
 * all with the same outcome and rooms. Persons out of the visit already (refused at screening,
 * cancelled) are left as they are. Throws DomainError 'conflict' while a person is still before
 * the decision (screening or guest book not done): the group is decided once, for everyone.
 */
export function groupDecision(group: readonly Visit[], input: HostDecision, ctx: VisitContext): VisitEvent[] {
  const open = inOrder(group).filter((v) => !isTerminal(v.state));
  const pending = open.filter((v) => v.state === 'arrived' || v.state === 'screened');
  if (pending.length > 0) {
    throw new DomainError(
      'conflict',
      `${pending.length} person(s) of the group still need screening or the guest book: ${pending
        .map((v) => v.guestName || v.id)
        .join(', ')}`,
      'groupId',
      { rule: 'group_not_ready' },
    );
  }
  const waiting = open.filter((v) => v.state === 'awaiting_host');
  if (waiting.length === 0) {
    throw new DomainError('illegal_transition', 'no person of the group awaits the host', 'groupId');
  }
  return waiting.map((v) => handleVisitCommand(v, { action: 'decide', ...input, forGroup: true }, ctx));
}

/** The person the desk's next badge tap goes to: the leader first, then members in order. */
export function nextToBadge(group: readonly Visit[]): Visit | undefined {
  return inOrder(group).find((v) => v.state === 'accepted');
}

/**
 * The whole group leaves: every badged member's checkout, then the leader's, whose letter goes
 * back (`documentReturned`) only once no badge is out. Members first, so that the letter rule
 * sees them gone; a leader already checked out gets the letter back here. `lostBadges`: the
 * visit ids whose badge did not come back.
 */
export function groupCheckout(
  group: readonly Visit[],
  input: { documentReturned: boolean; lostBadges?: readonly string[] },
  ctx: VisitContext,
): VisitEvent[] {
  const ordered = inOrder(group);
  const leaving = ordered.filter((v) => v.state === 'badged');
  // A leader checked out before the members left keeps the letter at the desk until now.
  const waitingLeader = ordered.find((v) => v.group?.leader && v.state === 'checked_out');
  if (leaving.length === 0 && !(waitingLeader && input.documentReturned)) {
    throw new DomainError('illegal_transition', 'no person of the group holds a badge', 'groupId');
  }
  const lost = new Set(input.lostBadges ?? []);
  const members = leaving.filter((v) => !v.group?.leader);
  const leader = leaving.find((v) => v.group?.leader);
  const events = members.map((v) =>
    handleVisitCommand(
      v,
      { action: 'checkout', badgeReturned: !lost.has(v.id), documentReturned: true },
      ctx,
    ),
  );
  const gone = new Set(members.map((v) => v.id));
  // The leader's checkout is checked against the group as it will be: these members gone.
  const after = ordered.map((v) => (gone.has(v.id) ? { ...v, state: 'closed' as const } : v));
  const afterCtx: VisitContext = { ...ctx, groupOf: () => after };
  if (leader) {
    events.push(
      handleVisitCommand(
        leader,
        { action: 'checkout', badgeReturned: !lost.has(leader.id), documentReturned: input.documentReturned },
        afterCtx,
      ),
    );
  } else if (waitingLeader && input.documentReturned) {
    events.push(handleVisitCommand(waitingLeader, { action: 'return_document' }, afterCtx));
  }
  return events;
}
