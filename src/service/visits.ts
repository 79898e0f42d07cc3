// The SOP at the desk: arrival, screening, guest book, host decision, badge, checkout, and
// the desk application's sync. Each operation checks the domain's rules under the core's
// single-writer queue, so two clicks on the same visit cannot both pass.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { normaliseUid } from '../domain/access.js';
import {
  APPOINTMENT_CODE_LENGTH,
  appointmentCode,
  checkAppointmentArrival,
  registerAppointment,
  windowEnd,
} from '../domain/appointment.js';
import { issueCode } from '../domain/codes.js';
import { checkDocumentNumber } from '../domain/documents.js';
import { DomainError } from '../domain/errors.js';
import type { DomainEvent } from '../domain/events.js';
import { maskDocumentNumber } from '../domain/privacy.js';
import type {
  Actor,
  DenyReason,
  DocumentType,
  Guest,
  ScreeningReason,
  Visit,
  VisitState,
} from '../domain/types.js';
import {
  checkSyncStatus,
  type HostDecision,
  handleVisitCommand,
  type SyncStatus,
  type VisitCommand,
  type VisitContext,
} from '../domain/visit.js';
import type { Core } from './core.js';

export interface ArrivalInput {
  guest: { name: string; institution: string; phone?: string; guestId?: string };
  purpose: string;
  purposeCategory?: string;
  hostId: string;
  externalId?: string;
  /** The appointment this arrival fulfils (checked again in the write queue: one arrival each). */
  appointmentId?: string;
}

export interface BadgeInput {
  /** The badge's UID as read (any case, separators allowed), or its id/label. */
  badge: string;
  /** Absent for a group member: the leader's visit holds the group's letter. */
  collateral?: { type: DocumentType; number: string };
}

export interface SyncItem {
  externalId: string;
  guest: { name: string; institution: string; phone?: string };
  purpose: string;
  purposeCategory?: string;
  hostId: string;
  /** Where the desk application has the visit. */
  status: SyncStatus;
  rooms?: string[];
}

export interface SyncResult {
  externalId: string;
  /** Absent when the item was refused before a visit existed (an unknown host). */
  visitId?: string;
  state?: VisitState;
  changed: boolean;
  /** The keypad code issued by this push (shown once), when rooms were granted. */
  accessCode?: string;
  /** The visit this push created matched the watchlist (the check given to sync). */
  watchlist?: true;
  /** Why this item was not (fully) applied; the other items of the batch are not affected. */
  error?: DomainError;
}

/** The watchlist check of a visit a push created: true when it matched (journaled by the check). */
export type ArrivalCheck = (visit: Visit) => Promise<boolean>;

export class VisitService {
  constructor(
    private readonly core: Core,
    private readonly ctx: () => Omit<VisitContext, 'now' | 'actor'>,
    private readonly codeKey: (code: string) => string,
    private readonly codeLength: number,
  ) {}

  get(id: string): Visit | undefined {
    return this.core.state.visits.get(id);
  }

  /** Open visits, newest first; archived ones are read from the monthly archive. */
  list(filter: { state?: string; hostId?: string } = {}): Visit[] {
    return [...this.core.state.visits.values()]
      .filter(
        (v) => (!filter.state || v.state === filter.state) && (!filter.hostId || v.hostId === filter.hostId),
      )
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** A visit, open or archived. */
  async find(id: string): Promise<Visit | undefined> {
    const open = this.get(id);
    if (open) return open;
    for (const month of (await this.core.archive.months()).reverse()) {
      const hit = (await this.core.archive.readMonth(month)).filter((v) => v.id === id).at(-1);
      if (hit) return hit;
    }
    return undefined;
  }

  async arrive(input: ArrivalInput, actor: Actor): Promise<Visit> {
    const host = this.core.state.hosts.get(input.hostId);
    if (!host) throw new DomainError('not_found', `unknown host "${input.hostId}"`, 'hostId');
    if (input.externalId && this.core.state.visitsByExternalId.has(input.externalId)) {
      throw new DomainError('conflict', `a visit with externalId "${input.externalId}" exists`, 'externalId');
    }
    const cmd = {
      action: 'arrive' as const,
      visitId: randomUUID(),
      guestId: input.guest.guestId ?? '',
      guestName: input.guest.name,
      institution: input.guest.institution,
      purpose: input.purpose,
      ...(input.purposeCategory !== undefined ? { purposeCategory: input.purposeCategory } : {}),
      hostId: input.hostId,
      ...(input.externalId ? { externalId: input.externalId } : {}),
      ...(input.appointmentId ? { appointmentId: input.appointmentId } : {}),
    };
    if (input.appointmentId) this.appointmentMayArrive(input.appointmentId, this.core.now());
    // Check the arrival before the guest is written: a refused request leaves no personal data.
    handleVisitCommand(undefined, cmd, { ...this.ctx(), now: this.core.now(), actor });
    const guest = await this.upsertGuest(input.guest);
    return this.run(undefined, actor, { ...cmd, guestId: guest.id, guestName: guest.name }).then(
      (r) => r.visit,
    );
  }

  screen(id: string, input: { passed: boolean; reasons?: ScreeningReason[]; note?: string }, actor: Actor) {
    return this.run(id, actor, { action: 'screen', ...input }).then((r) => r.visit);
  }

  guestbook(id: string, input: { note?: string }, actor: Actor) {
    return this.run(id, actor, { action: 'guestbook', ...input }).then((r) => r.visit);
  }

  /**
   * The host's decision. With an acceptance that grants rooms, a keypad code is issued; its
   * plain value is returned this once (for the host to pass on) and only its hash is kept.
   */
  decide(id: string, input: HostDecision, actor: Actor): Promise<{ visit: Visit; accessCode?: string }> {
    return this.run(
      id,
      actor,
      { action: 'decide', ...input },
      input.outcome === 'accepted' && !!input.rooms?.length,
    );
  }

  /**
   * The host takes rooms back: those doors refuse the visit's badge and keypad code at once,
   * before the journal has it; the code keeps working at the rooms left.
   */
  withdraw(id: string, rooms: string[], actor: Actor, onBehalfOf?: string): Promise<{ visit: Visit }> {
    const cmd = { action: 'withdraw' as const, rooms, ...(onBehalfOf ? { onBehalfOf } : {}) };
    return this.run(id, actor, cmd, false, (v) => {
      const pending = this.core.state.revoked.rooms;
      const withdrawn = pending.get(v) ?? new Set<string>();
      const added = rooms.filter((r) => !withdrawn.has(r));
      for (const r of added) withdrawn.add(r);
      pending.set(v, withdrawn);
      return () => {
        for (const r of added) withdrawn.delete(r);
        if (withdrawn.size === 0 && pending.get(v) === withdrawn) pending.delete(v);
      };
    });
  }

  /** Taps of visit `id` get `reason` until lifted (checkout, cancel). */
  private refuseVisit(id: string, reason: DenyReason): () => void {
    const pending = this.core.state.revoked.visits;
    pending.set(id, reason);
    return () => {
      if (pending.get(id) === reason) pending.delete(id);
    };
  }

  grant(
    id: string,
    rooms: string[],
    actor: Actor,
    onBehalfOf?: string,
  ): Promise<{ visit: Visit; accessCode?: string }> {
    const visit = this.get(id);
    const cmd = { action: 'grant' as const, rooms, ...(onBehalfOf ? { onBehalfOf } : {}) };
    return this.run(id, actor, cmd, rooms.length > 0 && !visit?.accessCode);
  }

  async issueBadge(id: string, input: BadgeInput, actor: Actor): Promise<Visit> {
    // Checked in full before it is masked: a masked typo could never be noticed again.
    const given = input.collateral;
    if (given) checkDocumentNumber(given.type, given.number);
    // Only a group member comes without a document: said before the badge is looked at.
    const member = this.get(id)?.group?.leader === false;
    if (!given && !member) throw new DomainError('invalid', 'collateral is required', 'collateral');
    const collateral = given ? { type: given.type, masked: maskDocumentNumber(given.number) } : undefined;
    return this.core.transact(actor, (now) => {
      const badge = this.resolveBadge(input.badge);
      if (badge.status !== 'available') {
        throw new DomainError('conflict', `badge ${badge.label} is ${badge.status}`, 'badge');
      }
      const event = handleVisitCommand(
        this.mustGet(id),
        { action: 'issue_badge', badgeId: badge.id, ...(collateral ? { collateral } : {}) },
        { ...this.ctx(), now, actor },
      );
      return { events: [event], result: () => this.mustGet(id) };
    });
  }

  /**
   * Checkout (SOP step 7): access ends at once, in the decision state before the journal has
   * it; the badge returns to the pool (or is lost).
   */
  checkout(id: string, input: { badgeReturned: boolean; documentReturned: boolean }, actor: Actor) {
    return this.run(id, actor, { action: 'checkout', ...input }, false, (v) =>
      this.refuseVisit(v, 'checked_out'),
    ).then((r) => r.visit);
  }

  returnDocument(id: string, actor: Actor) {
    return this.run(id, actor, { action: 'return_document' }).then((r) => r.visit);
  }

  /** Cancel: an accepted visit's keypad code stops working at once, before the journal has it. */
  cancel(id: string, input: { reason?: string }, actor: Actor) {
    return this.run(id, actor, { action: 'cancel', ...input }, false, (v) =>
      this.refuseVisit(v, 'visit_not_approved'),
    ).then((r) => r.visit);
  }

  /** The issued visit whose badge this is (a badge tapped back at the desk), if any. */
  visitByBadgeUid(uid: string): Visit | undefined {
    const badge = this.core.state.badgesByUid.get(uid);
    return badge?.visitId ? this.get(badge.visitId) : undefined;
  }

  /**
   * Idempotent upsert by external id: each item is brought to its status through the SOP
   * steps it has not been through; an item already there records nothing. Items are
   * independent: one refused (a conflict with the visit's state, an unknown host) carries its
   * error and the next is applied all the same. Only a journal that cannot write stops the batch.
   */
  async sync(items: SyncItem[], actor: Actor, check?: ArrivalCheck): Promise<SyncResult[]> {
    const results: SyncResult[] = [];
    for (const item of items) {
      const result: SyncResult = { externalId: item.externalId, changed: false };
      try {
        await this.syncOne(item, actor, result, check);
      } catch (err) {
        if (!(err instanceof DomainError) || err.code === 'storage_full' || err.code === 'storage_failed') {
          throw err;
        }
        result.error = err;
      }
      if (result.visitId) result.state = this.findAny(result.visitId)?.state ?? result.state;
      results.push(result);
    }
    return results;
  }

  /** One item of a sync; fills `out` as it goes, so a failure midway still says what was done. */
  private async syncOne(item: SyncItem, actor: Actor, out: SyncResult, check?: ArrivalCheck): Promise<void> {
    let visitId = this.core.state.visitsByExternalId.get(item.externalId);
    if (!visitId) {
      const archived = await this.findArchivedByExternalId(item.externalId);
      if (archived) {
        out.visitId = archived.id;
        out.state = archived.state;
        checkSyncStatus(archived.state, item.status);
        return;
      }
      const v = await this.arrive(
        {
          guest: item.guest,
          purpose: item.purpose,
          ...(item.purposeCategory !== undefined ? { purposeCategory: item.purposeCategory } : {}),
          hostId: item.hostId,
          externalId: item.externalId,
        },
        actor,
      );
      visitId = v.id;
      out.changed = true;
      // Checked as it arrives, before the steps the desk application did: security's alert
      // comes with the arrival, as for one at the desk.
      if (check && (await check(v))) out.watchlist = true;
    }
    const id = visitId;
    out.visitId = id;
    const at = () => this.mustGetAny(id);
    checkSyncStatus(at().state, item.status);
    // The desk application did these steps (or the decision) itself: marked so, so that the
    // recap does not time them as if they had taken no time at the gateway.
    const elsewhere = { doneElsewhere: true } as const;
    if (at().state === 'arrived') {
      await this.run(id, actor, { action: 'screen', passed: true, note: 'desk application', ...elsewhere });
      out.changed = true;
    }
    if (at().state === 'screened') {
      await this.run(id, actor, { action: 'guestbook', ...elsewhere });
      out.changed = true;
    }
    if (item.status === 'cancelled' && at().state !== 'cancelled') {
      await this.cancel(id, { reason: 'desk application' }, actor);
      out.changed = true;
    } else if (item.status === 'host_refused' && at().state === 'awaiting_host') {
      await this.run(id, actor, { action: 'decide', outcome: 'refused', ...elsewhere });
      out.changed = true;
    } else if (item.status === 'accepted' && at().state === 'awaiting_host') {
      const rooms = item.rooms ?? [];
      const r = await this.run(
        id,
        actor,
        { action: 'decide', outcome: 'accepted', rooms, ...elsewhere },
        rooms.length > 0,
      );
      out.changed = true;
      if (r.accessCode) out.accessCode = r.accessCode;
    } else if (item.status === 'accepted' && item.rooms?.some((r) => !at().rooms.includes(r))) {
      const r = await this.grant(id, item.rooms, actor);
      out.changed = true;
      if (r.accessCode) out.accessCode = r.accessCode;
    }
  }

  /** The appointment exists and may turn into an arrival now (domain/appointment.ts). */
  private appointmentMayArrive(id: string, now: number): void {
    const a = this.core.state.appointments.get(id);
    if (!a) throw new DomainError('not_found', 'appointment not found', 'appointmentId');
    checkAppointmentArrival(a, now, this.ctx().policy.timezone);
  }

  /**
   * SOP step 5b: the guest told to come back on `proposedDate` is expected then, within the
   * office hours of that day. A day whose hours are already over (today, after the close)
   * makes no appointment: the reschedule stands on its own, as before appointments.
   */
  private rescheduleAppointment(visit: Visit, date: string, now: number): DomainEvent[] {
    const ctx = this.ctx();
    const categories = ctx.purposeCategories ?? [];
    const category =
      visit.purposeCategory && categories.includes(visit.purposeCategory)
        ? visit.purposeCategory
        : categories.at(-1);
    if (!category) return [];
    const input = {
      appointmentId: appointmentCode(randomBytes(APPOINTMENT_CODE_LENGTH)),
      guestId: visit.guestId,
      institution: visit.institution,
      hostId: visit.hostId,
      date,
      from: ctx.policy.officeHours.open,
      until: ctx.policy.officeHours.close,
      purposeCategory: category,
      purpose: visit.purpose,
      preApproved: false,
      fromVisitId: visit.id,
    };
    const actx = {
      now,
      timezone: ctx.policy.timezone,
      maxDays: ctx.rescheduleMaxDays ?? 3650,
      hosts: ctx.hosts,
      purposeCategories: categories,
    };
    if (windowEnd(input, actx.timezone) <= now) return [];
    return [registerAppointment(input, actx)];
  }

  /** A visit open, or closed a moment ago. */
  private findAny(id: string): Visit | undefined {
    return this.get(id) ?? this.core.state.closedRecently(id);
  }

  private async findArchivedByExternalId(externalId: string): Promise<Visit | undefined> {
    for (const month of (await this.core.archive.months()).reverse().slice(0, 2)) {
      const hit = (await this.core.archive.readMonth(month)).find((v) => v.externalId === externalId);
      if (hit) return hit;
    }
    return undefined;
  }

  private mustGet(id: string): Visit {
    const v = this.get(id);
    if (v) return v;
    const closed = this.core.state.closedRecently(id);
    if (closed)
      throw new DomainError('illegal_transition', `the visit is ${closed.state}: nothing more can be done`);
    throw new DomainError('not_found', `visit ${id} not found or already closed`);
  }

  /** After a command a visit may have moved to the archive: read it from the last closed. */
  private mustGetAny(id: string): Visit {
    return this.get(id) ?? this.core.state.closedRecently(id) ?? this.mustGet(id);
  }

  private run(
    id: string | undefined,
    actor: Actor,
    cmd: VisitCommand,
    withCode = false,
    /** The command takes access away: put it in force for visit `id` now, return how to lift it. */
    revokes?: (id: string) => () => void,
  ): Promise<{ visit: Visit; accessCode?: string }> {
    const revokeNow =
      revokes && id !== undefined
        ? (now: number) => {
            // Checked now as it will be in the queue: a refused command takes nothing away.
            handleVisitCommand(this.mustGet(id), cmd, { ...this.ctx(), now, actor });
            return revokes(id);
          }
        : undefined;
    return this.core.transact(
      actor,
      (now) => {
        const visit = id === undefined ? undefined : this.mustGet(id);
        let code: { code: string; hash: string } | undefined;
        if (withCode && (cmd.action === 'decide' || cmd.action === 'grant')) {
          code = issueCode(this.codeLength, (hash) => this.codeTaken(hash), {
            randomInt: (max) => randomInt(max),
            hash: this.codeKey,
          });
          cmd = { ...cmd, codeHash: code.hash };
        }
        if (cmd.action === 'arrive' && cmd.appointmentId) this.appointmentMayArrive(cmd.appointmentId, now);
        const event: DomainEvent = handleVisitCommand(visit, cmd, { ...this.ctx(), now, actor });
        const visitId = event.payload.visitId;
        const rescheduled =
          visit &&
          event.type === 'visit.decided' &&
          event.payload.proposedDate &&
          !event.payload.doneElsewhere
            ? this.rescheduleAppointment(visit, event.payload.proposedDate, now)
            : [];
        return {
          events: [event, ...rescheduled],
          result: () => {
            const after = this.get(visitId) ?? this.core.state.closedRecently(visitId);
            if (!after) throw new Error(`visit ${visitId} vanished`);
            return {
              visit: after,
              ...(code && after.accessCode?.hash === code.hash ? { accessCode: code.code } : {}),
            };
          },
        };
      },
      revokeNow,
    );
  }

  /** A code hash in use by any open visit (codes are unique across all rooms). */
  private codeTaken(hash: string): boolean {
    for (const v of this.core.state.visits.values()) if (v.accessCode?.hash === hash) return true;
    return false;
  }

  private resolveBadge(ref: string) {
    const uid = normaliseUid(ref);
    const byUid = uid ? this.core.state.badgesByUid.get(uid) : undefined;
    const badge =
      byUid ??
      this.core.state.badges.get(ref) ??
      [...this.core.state.badges.values()].find((b) => b.label.toLowerCase() === ref.toLowerCase());
    if (!badge) throw new DomainError('not_found', `no badge "${ref}" in the pool`, 'badge');
    return badge;
  }

  /** Insert or refresh a guest in the guest book (an arrival, an appointment). */
  async upsertGuest(input: ArrivalInput['guest']): Promise<Guest> {
    const now = this.core.now();
    const existing = input.guestId ? this.core.guest(input.guestId) : undefined;
    const base = existing && !existing.erasedAt ? existing : undefined;
    const guest: Guest = {
      id: base?.id ?? randomUUID(),
      name: input.name.trim(),
      institution: input.institution.trim(),
      ...(input.phone ? { phone: input.phone.trim() } : {}),
      firstSeenAt: base?.firstSeenAt ?? now,
      lastSeenAt: now,
    };
    if (!guest.name) throw new DomainError('invalid', 'guest.name is required', 'guest.name');
    await this.core.saveGuests([guest]);
    return guest;
  }

  /** Earlier guests matching a name or phone prefix (the returning-guest suggestion). */
  suggestGuests(query: string, limit = 10): Guest[] {
    const q = query.trim().toLowerCase();
    if (q.length < 2) return [];
    return this.core.guests.all
      .filter((g) => !g.erasedAt && (g.name.toLowerCase().includes(q) || g.phone?.startsWith(q)))
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
      .slice(0, limit);
  }
}
