// The SOP visit lifecycle as an explicit state machine (SOP.md steps 1-7).
// `handleVisitCommand` checks a command against the visit's state and returns the event
// to record; `applyVisitEvent` folds a recorded event into the visit. Both are pure: the
// service journals the event between the two, and replays events through `applyVisitEvent`
// after a crash.
import { DomainError } from './errors.js';
import type { VisitEvent } from './events.js';
import { checkLetterMayReturn, checkMemberMayBadge } from './group-rules.js';
import { isMasked } from './privacy.js';
import { closeOfDay, dateOf } from './time.js';
import type {
  AccessPolicyConfig,
  Actor,
  Collateral,
  Door,
  GroupRef,
  Host,
  ScreeningReason,
  Visit,
  VisitAction,
  VisitState,
} from './types.js';
import {
  DOCUMENT_TYPES,
  SCREENING_REASONS,
  SOP_STANDARD_MINUTES,
  type SopStep,
  TERMINAL_STATES,
  VISIT_STATES,
} from './types.js';

export type VisitCommand =
  | {
      action: 'arrive';
      visitId: string;
      guestId: string;
      guestName: string;
      institution: string;
      purpose: string;
      purposeCategory?: string;
      hostId: string;
      externalId?: string;
      /** The appointment this arrival fulfils (checked by domain/appointment.ts). */
      appointmentId?: string;
      /** A person of a group visit (domain/group.ts). */
      group?: GroupRef;
    }
  | { action: 'screen'; passed: boolean; reasons?: ScreeningReason[]; note?: string; doneElsewhere?: true }
  | { action: 'guestbook'; note?: string; doneElsewhere?: true }
  | {
      action: 'decide';
      /** Decided in the desk application (sync API): recorded here, not timed. */
      doneElsewhere?: true;
      outcome: 'accepted' | 'refused' | 'host_absent';
      reason?: string;
      proposedDate?: string;
      rooms?: string[];
      /** Keyed hash of a freshly generated keypad code, when a granted room has a keypad. */
      codeHash?: string;
      /** Decided by a delegate of the host (the actor), for this host. */
      onBehalfOf?: string;
      /** The group's one decision (domain/group.ts), the only way a group's person is decided. */
      forGroup?: true;
    }
  | { action: 'grant'; rooms: string[]; codeHash?: string; onBehalfOf?: string }
  | { action: 'withdraw'; rooms: string[]; onBehalfOf?: string }
  /** A group member's badge has no collateral: the leader's visit holds the group's letter. */
  | { action: 'issue_badge'; badgeId: string; collateral?: Collateral }
  | { action: 'checkout'; badgeReturned: boolean; documentReturned: boolean }
  | { action: 'return_document' }
  | { action: 'cancel'; reason?: string };

/**
 * The host's decision as the desk or the host gives it (SOP step 5), for one visit or a group:
 * the service adds the keypad code's hash, the group planner its flag.
 */
export type HostDecision = Omit<
  Extract<VisitCommand, { action: 'decide' }>,
  'action' | 'doneElsewhere' | 'forGroup' | 'codeHash'
>;

/** What a command may consult besides the visit itself. */
export interface VisitContext {
  now: number;
  actor: Actor;
  policy: AccessPolicyConfig;
  hosts: ReadonlyMap<string, Host>;
  doors: ReadonlyMap<string, Door>;
  /** A reschedule (host_absent) proposes a day at most this many days after today; absent: no bound. */
  rescheduleMaxDays?: number;
  /** The purpose categories' ids (config visits.purposes); absent: no category is checked. */
  purposeCategories?: readonly string[];
  /** The open visits of a group (its persons); absent: no group rule can pass. */
  groupOf?: (groupId: string) => readonly Visit[];
}

/** The states each action may start from, and where it leads. The one table of the machine. */
export const TRANSITIONS: Readonly<Record<VisitAction, { from: readonly (VisitState | null)[] }>> = {
  arrive: { from: [null] },
  screen: { from: ['arrived'] },
  guestbook: { from: ['screened'] },
  decide: { from: ['awaiting_host'] },
  grant: { from: ['accepted', 'badged'] },
  withdraw: { from: ['accepted', 'badged'] },
  issue_badge: { from: ['accepted'] },
  checkout: { from: ['badged'] },
  return_document: { from: ['checked_out'] },
  cancel: { from: ['arrived', 'screened', 'awaiting_host', 'accepted'] },
};

/** Where an external desk application says a visit is (the sync API). */
export type SyncStatus = 'awaiting_host' | 'accepted' | 'host_refused' | 'cancelled';
export const SYNC_STATUSES: readonly SyncStatus[] = [
  'awaiting_host',
  'accepted',
  'host_refused',
  'cancelled',
];

/**
 * The gateway's states that agree with a desk application's status: the visit is there, on its
 * way there, or past it along the same path (the desk app merely lags). Any other state is a
 * conflict: both sides decided differently (refused here, accepted there), or the desk app would
 * undo what already happened at the gateway (a cancel for a guest who holds a badge).
 */
const SYNC_AGREES: Readonly<Record<SyncStatus, readonly VisitState[]>> = {
  awaiting_host: VISIT_STATES,
  accepted: ['arrived', 'screened', 'awaiting_host', 'accepted', 'badged', 'checked_out', 'closed'],
  host_refused: ['arrived', 'screened', 'awaiting_host', 'host_refused'],
  cancelled: ['arrived', 'screened', 'awaiting_host', 'accepted', 'cancelled'],
};

/** A DomainError 'conflict' (field status, naming the state) when `status` contradicts `state`. */
export function checkSyncStatus(state: VisitState, status: SyncStatus): void {
  if (!SYNC_AGREES[status].includes(state)) {
    throw new DomainError(
      'conflict',
      `status ${status} conflicts with the visit's state ${state}`,
      'status',
      {
        state,
      },
    );
  }
}

export function isTerminal(state: VisitState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** May this visit's badge open doors now (before the window and door checks)? */
export function isApproved(visit: Visit): boolean {
  return visit.state === 'accepted' || visit.state === 'badged';
}

/** A real calendar date YYYY-MM-DD (2025-02-30 is not one). */
export function isCalendarDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

/** A calendar date `days` later, 'YYYY-MM-DD' (dates, not instants: no zone involved). */
function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function required(value: string | undefined, field: string, max = 200): string {
  const v = value?.trim() ?? '';
  if (!v) throw new DomainError('invalid', `${field} is required`, field);
  if (v.length > max) throw new DomainError('invalid', `${field} is longer than ${max} characters`, field);
  return v;
}

function checkRooms(rooms: readonly string[], host: Host, ctx: VisitContext): string[] {
  const unique = [...new Set(rooms)];
  for (const room of unique) {
    const door = ctx.doors.get(room);
    if (!door) throw new DomainError('invalid', `unknown door "${room}"`, 'rooms');
    if (door.kind !== 'room') throw new DomainError('invalid', `"${room}" is not a room door`, 'rooms');
    if (!host.rooms.includes(room)) {
      throw new DomainError('forbidden', `host "${host.id}" may not grant room "${room}"`, 'rooms');
    }
  }
  return unique;
}

/** A visit's access ends at checkout or here, whichever comes first. */
export function visitWindowEnd(acceptedAt: number, policy: AccessPolicyConfig): number {
  const byDuration = acceptedAt + policy.maxVisitMinutes * 60_000;
  if (!policy.endAtOfficeClose) return byDuration;
  const close = closeOfDay(acceptedAt, policy.officeHours, policy.timezone);
  // Accepted after the close (overtime visit): the duration alone bounds it.
  return close > acceptedAt ? Math.min(byDuration, close) : byDuration;
}

/**
 * Check `cmd` against `visit` (undefined for an arrival) and return the event that records it.
 * Throws DomainError: 'illegal_transition' when the state does not allow the action,
 * 'invalid'/'forbidden'/'not_found' for bad input. Nothing changes when it throws.
 */
export function handleVisitCommand(
  visit: Visit | undefined,
  cmd: VisitCommand,
  ctx: VisitContext,
): VisitEvent {
  const from = visit?.state ?? null;
  if (!TRANSITIONS[cmd.action].from.includes(from)) {
    throw new DomainError(
      'illegal_transition',
      visit
        ? `cannot ${cmd.action} a visit that is ${visit.state}`
        : `visit not found; only an arrival creates a visit`,
    );
  }
  switch (cmd.action) {
    case 'arrive': {
      const host = ctx.hosts.get(cmd.hostId);
      if (!host) throw new DomainError('not_found', `unknown host "${cmd.hostId}"`, 'hostId');
      required(cmd.guestName, 'guestName');
      const category = cmd.purposeCategory;
      if (category !== undefined && ctx.purposeCategories && !ctx.purposeCategories.includes(category)) {
        throw new DomainError('invalid', `unknown purpose category "${category}"`, 'purposeCategory');
      }
      return {
        type: 'visit.arrived',
        payload: {
          visitId: cmd.visitId,
          ...(cmd.externalId ? { externalId: cmd.externalId } : {}),
          guestId: cmd.guestId,
          institution: required(cmd.institution, 'institution'),
          purpose: required(cmd.purpose, 'purpose', 500),
          ...(category !== undefined ? { purposeCategory: category } : {}),
          hostId: host.id,
          unit: host.unit,
          ...(cmd.appointmentId ? { appointmentId: cmd.appointmentId } : {}),
          ...(cmd.group ? { group: cmd.group } : {}),
        },
      };
    }
    case 'screen': {
      const reasons = [...new Set(cmd.reasons ?? [])];
      for (const r of reasons) {
        if (!SCREENING_REASONS.includes(r))
          throw new DomainError('invalid', `unknown reason "${r}"`, 'reasons');
      }
      if (!cmd.passed && reasons.length === 0) {
        throw new DomainError('invalid', 'a refusal needs at least one reason', 'reasons');
      }
      if (cmd.passed && reasons.length > 0) {
        throw new DomainError('invalid', 'a passed screening has no refusal reasons', 'reasons');
      }
      if (reasons.includes('other') && !cmd.note?.trim()) {
        throw new DomainError('invalid', 'reason "other" needs a note', 'note');
      }
      return {
        type: 'visit.screened',
        payload: {
          visitId: visit!.id,
          passed: cmd.passed,
          reasons,
          ...(cmd.note ? { note: cmd.note } : {}),
          ...elsewhere(cmd),
        },
      };
    }
    case 'guestbook':
      return {
        type: 'visit.guestbook',
        payload: { visitId: visit!.id, ...(cmd.note ? { note: cmd.note } : {}), ...elsewhere(cmd) },
      };
    case 'decide': {
      const v = visit!;
      // One decision for a group: a person of it is never accepted (or refused) alone.
      if (v.group && !cmd.forGroup) {
        throw new DomainError(
          'conflict',
          `this visit belongs to group ${v.group.id}: the host decides for the whole group`,
          'groupId',
          { rule: 'group_decision' },
        );
      }
      const host = ctx.hosts.get(v.hostId);
      if (!host) throw new DomainError('not_found', `unknown host "${v.hostId}"`, 'hostId');
      if (cmd.outcome === 'accepted') {
        const rooms = checkRooms(cmd.rooms ?? [], host, ctx);
        return {
          type: 'visit.decided',
          payload: {
            visitId: v.id,
            outcome: 'accepted',
            rooms,
            validUntil: visitWindowEnd(ctx.now, ctx.policy),
            ...(cmd.codeHash && rooms.length > 0 ? { codeHash: cmd.codeHash } : {}),
            ...elsewhere(cmd),
            ...behalf(cmd),
            ...ofGroup(v, cmd),
          },
        };
      }
      if (cmd.rooms?.length)
        throw new DomainError('invalid', 'rooms are granted only with an acceptance', 'rooms');
      if (cmd.outcome === 'host_absent') {
        const date = cmd.proposedDate ?? '';
        if (!isCalendarDate(date)) {
          throw new DomainError('invalid', 'host_absent needs proposedDate as YYYY-MM-DD', 'proposedDate', {
            rule: 'date_format',
          });
        }
        // The site's today, not the server's UTC date: at 06:00 in Jakarta UTC is still yesterday.
        const today = dateOf(ctx.now, ctx.policy.timezone);
        if (date < today) {
          throw new DomainError(
            'invalid',
            `proposedDate ${date} is before today (${today}, ${ctx.policy.timezone})`,
            'proposedDate',
            { rule: 'date_past' },
          );
        }
        const last = ctx.rescheduleMaxDays === undefined ? undefined : addDays(today, ctx.rescheduleMaxDays);
        if (last !== undefined && date > last) {
          throw new DomainError(
            'invalid',
            `proposedDate ${date} is after ${last}, ${ctx.rescheduleMaxDays} days from today (access.rescheduleMaxDays)`,
            'proposedDate',
            { rule: 'date_too_far' },
          );
        }
        return {
          type: 'visit.decided',
          payload: {
            visitId: v.id,
            outcome: 'host_absent',
            rooms: [],
            proposedDate: date,
            ...(cmd.reason ? { reason: cmd.reason } : {}),
            ...elsewhere(cmd),
            ...behalf(cmd),
            ...ofGroup(v, cmd),
          },
        };
      }
      return {
        type: 'visit.decided',
        payload: {
          visitId: v.id,
          outcome: 'refused',
          rooms: [],
          ...(cmd.reason ? { reason: cmd.reason } : {}),
          ...elsewhere(cmd),
          ...behalf(cmd),
          ...ofGroup(v, cmd),
        },
      };
    }
    case 'grant': {
      const v = visit!;
      const host = ctx.hosts.get(v.hostId);
      if (!host) throw new DomainError('not_found', `unknown host "${v.hostId}"`, 'hostId');
      const rooms = checkRooms(cmd.rooms, host, ctx);
      return {
        type: 'visit.granted',
        payload: {
          visitId: v.id,
          rooms,
          ...(cmd.codeHash && rooms.length > 0 ? { codeHash: cmd.codeHash } : {}),
          ...behalf(cmd),
        },
      };
    }
    case 'withdraw': {
      const v = visit!;
      const rooms = [...new Set(cmd.rooms)];
      if (rooms.length === 0) throw new DomainError('invalid', 'name the rooms to withdraw', 'rooms');
      for (const room of rooms) {
        if (!v.rooms.includes(room))
          throw new DomainError('invalid', `room "${room}" is not granted to this visit`, 'rooms');
      }
      return { type: 'visit.rooms_withdrawn', payload: { visitId: v.id, rooms, ...behalf(cmd) } };
    }
    case 'issue_badge': {
      if (!cmd.badgeId) throw new DomainError('invalid', 'badge is required', 'badge');
      const v = visit!;
      if (v.group && !v.group.leader) {
        checkMemberMayBadge(v, cmd.collateral !== undefined, ctx);
        return { type: 'visit.badge_issued', payload: { visitId: v.id, badgeId: cmd.badgeId } };
      }
      const collateral = cmd.collateral;
      if (!collateral) throw new DomainError('invalid', 'collateral is required', 'collateral');
      if (!DOCUMENT_TYPES.includes(collateral.type)) {
        throw new DomainError('invalid', `unknown document type "${collateral.type}"`, 'collateral.type');
      }
      if (!isMasked(collateral.masked)) {
        throw new DomainError(
          'invalid',
          'the document number must be masked before it is kept',
          'collateral.number',
        );
      }
      return { type: 'visit.badge_issued', payload: { visitId: v.id, badgeId: cmd.badgeId, collateral } };
    }
    case 'checkout': {
      const v = visit!;
      // A member holds no document of their own: nothing stays at the desk for them.
      const member = v.group !== undefined && !v.group.leader;
      if (v.group?.leader && cmd.documentReturned) checkLetterMayReturn(v, ctx);
      return {
        type: 'visit.checked_out',
        payload: {
          visitId: v.id,
          ...(v.badgeId ? { badgeId: v.badgeId } : {}),
          badgeReturned: cmd.badgeReturned,
          documentReturned: member || cmd.documentReturned,
        },
      };
    }
    case 'return_document':
      if (visit!.group?.leader) checkLetterMayReturn(visit!, ctx);
      return {
        type: 'visit.document_returned',
        payload: {
          visitId: visit!.id,
          ...(visit!.collateral ? { documentType: visit!.collateral.type } : {}),
        },
      };
    case 'cancel':
      return {
        type: 'visit.cancelled',
        payload: { visitId: visit!.id, ...(cmd.reason ? { reason: cmd.reason } : {}) },
      };
  }
}

function elsewhere(x: { doneElsewhere?: true }): { doneElsewhere?: true } {
  return x.doneElsewhere ? { doneElsewhere: true } : {};
}

function behalf(x: { onBehalfOf?: string }): { onBehalfOf?: string } {
  return x.onBehalfOf ? { onBehalfOf: x.onBehalfOf } : {};
}

function ofGroup(visit: Visit, cmd: { forGroup?: true }): { groupId?: string } {
  return cmd.forGroup && visit.group ? { groupId: visit.group.id } : {};
}

function step(
  visit: Visit | undefined,
  action: VisitAction,
  to: VisitState,
  at: number,
  actor: Actor,
  done: { doneElsewhere?: true; onBehalfOf?: string } = {},
): Visit['history'][number] {
  return { action, from: visit?.state ?? null, to, at, actor, ...elsewhere(done), ...behalf(done) };
}

/** The action each recorded event is the outcome of. */
const EVENT_ACTION: Readonly<Record<VisitEvent['type'], VisitAction>> = {
  'visit.arrived': 'arrive',
  'visit.screened': 'screen',
  'visit.guestbook': 'guestbook',
  'visit.decided': 'decide',
  'visit.granted': 'grant',
  'visit.rooms_withdrawn': 'withdraw',
  'visit.badge_issued': 'issue_badge',
  'visit.checked_out': 'checkout',
  'visit.document_returned': 'return_document',
  'visit.cancelled': 'cancel',
};

/**
 * Fold a recorded event into a visit. `guestName` is needed for an arrival only (names stay
 * out of the journal). Events that do not fit the visit's state are a bug upstream: throws.
 */
export function applyVisitEvent(
  visit: Visit | undefined,
  event: VisitEvent,
  at: number,
  actor: Actor,
  guestName = '',
): Visit {
  const action = EVENT_ACTION[event.type];
  if (!visit && event.type !== 'visit.arrived') {
    throw new DomainError('not_found', `visit ${event.payload.visitId} not found`);
  }
  if (!TRANSITIONS[action].from.includes(visit?.state ?? null)) {
    throw new DomainError(
      visit && event.type === 'visit.arrived' ? 'conflict' : 'illegal_transition',
      `event ${event.type} does not fit visit ${event.payload.visitId} (${visit?.state ?? 'unknown'})`,
    );
  }
  if (event.type === 'visit.arrived') {
    const p = event.payload;
    return {
      id: p.visitId,
      ...(p.externalId ? { externalId: p.externalId } : {}),
      guestId: p.guestId,
      guestName,
      institution: p.institution,
      purpose: p.purpose,
      ...(p.purposeCategory !== undefined ? { purposeCategory: p.purposeCategory } : {}),
      ...(p.appointmentId ? { appointmentId: p.appointmentId } : {}),
      ...(p.group ? { group: p.group } : {}),
      hostId: p.hostId,
      state: 'arrived',
      createdAt: at,
      rooms: [],
      history: [step(undefined, 'arrive', 'arrived', at, actor)],
    };
  }
  if (!visit) throw new DomainError('not_found', `visit ${event.payload.visitId} not found`);
  const next = (action: VisitAction, to: VisitState, patch: Partial<Visit>): Visit => ({
    ...visit,
    ...patch,
    state: to,
    history: [
      ...visit.history,
      step(
        visit,
        action,
        to,
        at,
        actor,
        'doneElsewhere' in event.payload || 'onBehalfOf' in event.payload ? event.payload : {},
      ),
    ],
  });
  switch (event.type) {
    case 'visit.screened': {
      const p = event.payload;
      return next('screen', p.passed ? 'screened' : 'screening_refused', {
        screening: { passed: p.passed, reasons: p.reasons, ...(p.note ? { note: p.note } : {}) },
      });
    }
    case 'visit.guestbook':
      return next('guestbook', 'awaiting_host', {
        guestbook: { at, ...(event.payload.note ? { note: event.payload.note } : {}) },
      });
    case 'visit.decided': {
      const p = event.payload;
      const decision = {
        outcome: p.outcome,
        ...(p.reason ? { reason: p.reason } : {}),
        ...(p.proposedDate ? { proposedDate: p.proposedDate } : {}),
      };
      if (p.outcome === 'accepted') {
        return next('decide', 'accepted', {
          decision,
          rooms: p.rooms,
          ...(p.validUntil !== undefined ? { validUntil: p.validUntil } : {}),
          ...(p.codeHash ? { accessCode: { hash: p.codeHash, issuedAt: at, rooms: p.rooms } } : {}),
        });
      }
      return next('decide', p.outcome === 'refused' ? 'host_refused' : 'rescheduled', { decision });
    }
    case 'visit.granted': {
      const p = event.payload;
      const rooms = [...new Set([...visit.rooms, ...p.rooms])];
      const accessCode = p.codeHash
        ? { hash: p.codeHash, issuedAt: at, rooms }
        : visit.accessCode
          ? { ...visit.accessCode, rooms }
          : undefined;
      return next('grant', visit.state, { rooms, ...(accessCode ? { accessCode } : {}) });
    }
    case 'visit.rooms_withdrawn': {
      const gone = new Set(event.payload.rooms);
      const rooms = visit.rooms.filter((r) => !gone.has(r));
      const codeRooms = visit.accessCode?.rooms.filter((r) => !gone.has(r)) ?? [];
      const { accessCode: _code, ...rest } = next('withdraw', visit.state, { rooms });
      // A keypad code left without a room opens nothing: it goes with its last room.
      return codeRooms.length && visit.accessCode
        ? { ...rest, accessCode: { ...visit.accessCode, rooms: codeRooms } }
        : rest;
    }
    case 'visit.badge_issued':
      return next('issue_badge', 'badged', {
        badgeId: event.payload.badgeId,
        ...(event.payload.collateral ? { collateral: event.payload.collateral } : {}),
      });
    case 'visit.checked_out': {
      const p = event.payload;
      const checkedOut = next('checkout', 'checked_out', {
        badgeReturned: p.badgeReturned,
        documentReturned: p.documentReturned,
      });
      delete checkedOut.accessCode;
      if (!p.documentReturned) return checkedOut;
      return {
        ...checkedOut,
        state: 'closed',
        history: [
          ...checkedOut.history,
          { action: 'return_document', from: 'checked_out', to: 'closed', at, actor },
        ],
      };
    }
    case 'visit.document_returned':
      return next('return_document', 'closed', { documentReturned: true });
    case 'visit.cancelled': {
      const cancelled = next('cancel', 'cancelled', {});
      delete cancelled.accessCode;
      return cancelled;
    }
  }
}

export { SOP_STANDARD_MINUTES };

export interface StepTiming {
  step: SopStep;
  minutes: number;
  standard: number;
  exceeded: boolean;
}

/**
 * Derived from the visit's history; `firstEntryAt` (the visit's escortedAt, else its first granted
 * entry after the badge) ends the escort step. A step that has not ended yet is timed up to `now` when given. A step
 * that starts or ends with a step done elsewhere (the desk application) is not timed: its time
 * here is the push's, not the step's.
 */
export function stepTimings(visit: Visit, firstEntryAt?: number, now?: number): StepTiming[] {
  const at = (action: VisitAction) => visit.history.find((h) => h.action === action)?.at;
  const elsewhere = new Set(visit.history.filter((h) => h.doneElsewhere).map((h) => h.action));
  const arrived = visit.createdAt;
  const bounds: Array<[SopStep, number | undefined, number | undefined]> = [
    ['screening', arrived, at('screen')],
    ['guestbook', at('screen'), at('guestbook')],
    ['confirmation', at('guestbook'), at('decide')],
    ['badge', visit.decision?.outcome === 'accepted' ? at('decide') : undefined, at('issue_badge')],
    ['escort', at('issue_badge'), firstEntryAt],
  ];
  /** The recorded steps that start and end each timed step (the arrival is always here). */
  const edges: Record<SopStep, VisitAction[]> = {
    screening: ['screen'],
    guestbook: ['screen', 'guestbook'],
    confirmation: ['guestbook', 'decide'],
    badge: ['decide', 'issue_badge'],
    escort: ['issue_badge'],
  };
  const out: StepTiming[] = [];
  for (const [name, start, end] of bounds) {
    if (start === undefined) continue;
    if (edges[name].some((a) => elsewhere.has(a))) continue;
    // A step still open runs to `now`, unless the visit is past it for good (checked out).
    const over = isTerminal(visit.state) || visit.state === 'checked_out';
    const stop = end ?? (over ? undefined : now);
    if (stop === undefined) continue;
    const minutes = Math.max(0, stop - start) / 60_000;
    const standard = SOP_STANDARD_MINUTES[name];
    out.push({
      step: name,
      minutes: Math.round(minutes * 100) / 100,
      standard,
      exceeded: minutes > standard,
    });
  }
  return out;
}
