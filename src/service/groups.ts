// Group visits (rombongan) at the desk: one arrival for a leader and N members (a visit each,
// linked by a group id), the host's one decision for all, badges bound one after another
// (the leader first, against the group's letter), and the whole group's checkout. The rules are
// the domain's (domain/group.ts); each operation runs under the core's single-writer queue.
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import { checkGroupArrival, groupCheckout, groupDecision, inOrder, nextToBadge } from '../domain/group.js';
import type { Actor, DocumentType, Guest, Visit } from '../domain/types.js';
import { type HostDecision, handleVisitCommand, type VisitContext } from '../domain/visit.js';
import type { Core } from './core.js';
import type { VisitService } from './visits.js';

export interface GroupArrivalInput {
  leader: { name: string; phone?: string; guestId?: string };
  members: { name: string }[];
  institution: string;
  purpose: string;
  purposeCategory?: string;
  hostId: string;
}

export class GroupService {
  constructor(
    private readonly core: Core,
    private readonly visits: VisitService,
    private readonly ctx: () => Omit<VisitContext, 'now' | 'actor'>,
    private readonly maxMembers: number,
  ) {}

  /** The open visits of a group in badging order; 404 when none is open. */
  get(groupId: string): Visit[] {
    const all = inOrder([...this.core.state.visits.values()].filter((v) => v.group?.id === groupId));
    if (all.length === 0) throw new DomainError('not_found', `group ${groupId} not found or closed`);
    return all;
  }

  /** One arrival for the whole group: one guest-book entry and one visit per person. */
  async arrive(input: GroupArrivalInput, actor: Actor): Promise<{ groupId: string; visits: Visit[] }> {
    checkGroupArrival(
      input.leader.name,
      input.members.map((m) => m.name),
      this.maxMembers,
    );
    const groupId = randomUUID();
    const people = [input.leader, ...input.members];
    const commands = people.map((p, index) => ({
      action: 'arrive' as const,
      visitId: randomUUID(),
      guestId: '',
      guestName: p.name,
      institution: input.institution,
      purpose: input.purpose,
      ...(input.purposeCategory !== undefined ? { purposeCategory: input.purposeCategory } : {}),
      hostId: input.hostId,
      group: { id: groupId, leader: index === 0, index },
    }));
    // Checked before any guest is written: a refused arrival leaves no personal data.
    const check = { ...this.ctx(), now: this.core.now(), actor };
    for (const cmd of commands) handleVisitCommand(undefined, cmd, check);
    const guests: Guest[] = [];
    for (const [i, p] of people.entries()) {
      const leader = i === 0 ? input.leader : undefined;
      guests.push(
        await this.visits.upsertGuest({
          name: p.name,
          institution: input.institution,
          ...(leader?.phone ? { phone: leader.phone } : {}),
          ...(leader?.guestId ? { guestId: leader.guestId } : {}),
        }),
      );
    }
    const visits = await this.core.transact(actor, (now) => {
      const ctx = { ...this.ctx(), now, actor };
      const events = commands.map((cmd, i) =>
        handleVisitCommand(undefined, { ...cmd, guestId: guests[i]!.id, guestName: guests[i]!.name }, ctx),
      );
      return { events, result: () => this.get(groupId) };
    });
    return { groupId, visits };
  }

  /** The host's one decision, recorded on every person's visit still waiting for it. */
  decide(groupId: string, input: HostDecision, actor: Actor): Promise<Visit[]> {
    return this.core.transact(actor, (now) => ({
      events: groupDecision(this.get(groupId), input, { ...this.ctx(), now, actor }),
      result: () => this.get(groupId),
    }));
  }

  /** The person the next badge goes to (the leader first), or a 409 when everyone has one. */
  next(groupId: string): Visit {
    const next = nextToBadge(this.get(groupId));
    if (!next)
      throw new DomainError('illegal_transition', 'no person of the group awaits a badge', 'groupId');
    return next;
  }

  /** Bind `badge` to the next person; the leader's needs the group's letter as collateral. */
  badgeNext(
    groupId: string,
    input: { badge: string; collateral?: { type: DocumentType; number: string } },
    actor: Actor,
  ): Promise<Visit> {
    const person = this.next(groupId);
    // A member gives no document: one given for them is the desk's slip, not the letter again.
    const collateral = person.group?.leader ? input.collateral : undefined;
    return this.visits.issueBadge(
      person.id,
      { badge: input.badge, ...(collateral ? { collateral } : {}) },
      actor,
    );
  }

  /**
   * The whole group leaves: access ends at once for every badge of it (before the journal has
   * it), members first, then the leader with the letter.
   */
  checkout(
    groupId: string,
    input: { documentReturned: boolean; lostBadges?: string[] },
    actor: Actor,
  ): Promise<Visit[]> {
    const revokeNow = (now: number) => {
      const group = this.get(groupId);
      groupCheckout(group, input, { ...this.ctx(), now, actor });
      const pending = this.core.state.revoked.visits;
      const ids = group.filter((v) => v.state === 'badged').map((v) => v.id);
      for (const id of ids) pending.set(id, 'checked_out');
      return () => {
        for (const id of ids) if (pending.get(id) === 'checked_out') pending.delete(id);
      };
    };
    return this.core.transact(
      actor,
      (now) => {
        const group = this.get(groupId);
        const ids = group.map((v) => v.id);
        return {
          events: groupCheckout(group, input, { ...this.ctx(), now, actor }),
          result: () =>
            ids
              .map((id) => this.visits.get(id) ?? this.core.state.closedRecently(id))
              .filter((v): v is Visit => v !== undefined),
        };
      },
      revokeNow,
    );
  }
}
