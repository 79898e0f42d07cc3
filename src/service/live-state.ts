// The gateway's live state in memory: what a tap is decided from, kept indexed so that a
// decision is a handful of map lookups. It is persisted as plain arrays (PersistedState) and
// rebuilt from them at start; `applyEntry` folds a journal entry into it, both live and when
// replaying the journal after a crash, so the two paths cannot drift apart.
import { nextKeypad, nextPresence } from '../domain/access.js';
import { type Appointment, applyAppointmentEvent } from '../domain/appointment.js';
import { type AreaMap, areaPath, OUTSIDE } from '../domain/areas.js';
import type { JournalEntry } from '../domain/events.js';
import type {
  AccessPolicyConfig,
  AccessSnapshot,
  Actor,
  ApiToken,
  Badge,
  Decision,
  DenyReason,
  Door,
  EscortCard,
  EscortHalf,
  Host,
  Reader,
  Session,
  User,
  Visit,
} from '../domain/types.js';
import { applyVisitEvent, isTerminal } from '../domain/visit.js';
import type { WatchlistEntry } from '../domain/watchlist.js';

export interface PersistedState {
  version: 1;
  /** The journal sequence this state reflects; later entries are replayed at start. */
  journalSeq: number;
  users: User[];
  tokens: ApiToken[];
  /** Login sessions, by the hash of their id (absent before issue 13: everyone logs in again). */
  sessions?: Session[];
  hosts: Host[];
  badges: Badge[];
  /** Open visits only: terminal ones live in the monthly archive. */
  visits: Visit[];
  /** Appointments from today on (older ones leave at a save: the journal keeps them). */
  appointments?: Appointment[];
  /** `by`: who set each lockdown in force ('*' for the global one), and when. */
  lockdown: { global: boolean; doors: string[]; by?: Record<string, LockdownSetter> };
  /** visit id -> the area it is in (absent: outside). */
  areas?: Record<string, string>;
  /**
   * Before areas (issue 13): visit id -> doors it was inside of. Read once, as the innermost
   * area those doors lead into; never written again.
   */
  presence?: Record<string, string[]>;
  /** Keypad reader id -> recent wrong codes and lock end: a lockout outlives a restart. */
  keypads?: Record<string, Keypad>;
  /** Enrolled escort cards (absent before issue 14: none). */
  escorts?: EscortCard[];
  /** Survey keys answered -> their token's end: one answer per visit (service/survey.ts). */
  surveys?: Record<string, number>;
  /** Watchlist entries (personal data; set by service/watchlist.ts, not rebuilt from the journal). */
  watchlist?: WatchlistEntry[];
  /** Open visit id -> the watchlist entries security was alerted of for it (absent before: none). */
  watchlistAlerted?: Record<string, string[]>;
  /** A fleet's desk: the door gateways' taps recorded (absent before issue 17: none). */
  fleet?: { seqs: Record<string, number>; areas: Record<string, RemoteArea>; moved?: Record<string, number> };
}

/** Where a door gateway of the fleet last saw a visitor (a visit id's entry in `remoteAreas`). */
export interface RemoteArea {
  gateway: string;
  id: string;
  /** From the perimeter inward, as that gateway names its areas. */
  path: Array<{ id: string; name: string }>;
}

export interface LockdownSetter {
  actor: Actor;
  at: number;
}

export function emptyState(): PersistedState {
  return {
    version: 1,
    journalSeq: 0,
    users: [],
    tokens: [],
    sessions: [],
    hosts: [],
    badges: [],
    visits: [],
    lockdown: { global: false, doors: [] },
    areas: {},
  };
}

/** `seq`: the journal entry of the last wrong code counted (a replay counts each once). */
type Keypad = { failures: number[]; lockedUntil?: number; seq?: number };

/** The revocations in force ahead of the journal (see Revocations in domain/types.ts). */
export class PendingRevocations {
  readonly visits = new Map<string, DenyReason>();
  readonly rooms = new Map<string, Set<string>>();
  readonly badges = new Set<string>();
  readonly lockdown = new Set<string>();

  get size(): number {
    return this.visits.size + this.rooms.size + this.badges.size + this.lockdown.size;
  }
}

export class LiveState implements AccessSnapshot {
  journalSeq: number;
  readonly users = new Map<string, User>();
  readonly tokens = new Map<string, ApiToken>();
  /** Session id hash -> session (service/accounts.ts keeps it; saved with the state). */
  readonly sessions = new Map<string, Session>();
  readonly hosts = new Map<string, Host>();
  readonly badges = new Map<string, Badge>();
  readonly badgesByUid = new Map<string, Badge>();
  readonly visits = new Map<string, Visit>();
  readonly visitsByExternalId = new Map<string, string>();
  /** Appointment code -> appointment, from today on (pruneAppointments). */
  readonly appointments = new Map<string, Appointment>();
  readonly codes = new Map<string, string>();
  readonly lockdown: { global: boolean; doors: Set<string>; by: Map<string, LockdownSetter> };
  /** Deny early: taken away in memory at once, durable when the journal entry is applied. */
  readonly revoked = new PendingRevocations();
  /** Visit id -> the area it is in; a visit outside has no entry (domain/areas.ts). */
  readonly presence = new Map<string, string>();
  /**
   * A fleet's desk: visit id -> the area a door gateway last let it into. A visitor is in one
   * place: the latest tap recorded, here or at a door gateway, moves it out of the other map.
   */
  readonly remoteAreas = new Map<string, RemoteArea>();
  /** A fleet's desk: door gateway id -> the seq of the last of its taps recorded (fleet.access). */
  readonly fleetSeqs = new Map<string, number>();
  /**
   * A fleet's desk: visit id -> when its last granted tap was made, here or at a door gateway.
   * A door gateway's tap that reaches the desk late (it waited out a broker outage) and is older
   * than that is counted, but does not move the visitor back to where they were before.
   */
  readonly movedAt = new Map<string, number>();
  readonly keypads = new Map<string, Keypad>();
  /** Escort cards by id, and by UID for the decision. */
  readonly escorts = new Map<string, EscortCard>();
  readonly escortsByUid = new Map<string, EscortCard>();
  /**
   * Per escort door, the first half of a pair (domain/access.ts nextEscortHalf). Not saved: it
   * lives for seconds, and after a restart both halves are simply tapped again.
   */
  readonly escortPending = new Map<string, EscortHalf>();
  /** A fleet door gateway's hold after it reconnects (domain AccessSnapshot.syncHoldUntil). Not saved. */
  syncHoldUntil: number | undefined = undefined;
  /** Survey key -> its token's end, for the tokens already answered (pruneSurveys). */
  readonly surveysAnswered = new Map<string, number>();
  /** Watchlist entry id -> entry. */
  readonly watchlist = new Map<string, WatchlistEntry>();
  /**
   * Open visit id -> the watchlist entries security was alerted of for it: a guest checked again
   * later in the visit (the collateral at badge issue) alerts only for entries not told yet.
   */
  readonly watchlistAlerted = new Map<string, string[]>();
  /** Visits that reached a terminal state since the last save, waiting for the archive. */
  readonly closed: Visit[] = [];
  /** The last visits closed, so a caller can still show the visit it just closed. */
  private readonly recent = new Map<string, Visit>();

  constructor(
    readonly policy: AccessPolicyConfig,
    readonly doors: ReadonlyMap<string, Door>,
    readonly readers: ReadonlyMap<string, Reader>,
    readonly areas: AreaMap,
    persisted: PersistedState,
    /** Guest names for replayed arrivals (names never enter the journal). */
    private readonly guestName: (guestId: string) => string,
  ) {
    this.journalSeq = persisted.journalSeq;
    for (const u of persisted.users) this.users.set(u.id, u);
    for (const t of persisted.tokens) this.tokens.set(t.id, t);
    for (const s of persisted.sessions ?? []) this.sessions.set(s.hash, s);
    for (const h of persisted.hosts) this.hosts.set(h.id, h);
    for (const b of persisted.badges) this.putBadge(b);
    for (const v of persisted.visits) this.putVisit(v);
    for (const a of persisted.appointments ?? []) this.appointments.set(a.id, a);
    this.lockdown = {
      global: persisted.lockdown.global,
      doors: new Set(persisted.lockdown.doors),
      by: new Map(Object.entries(persisted.lockdown.by ?? {})),
    };
    for (const [id, pad] of Object.entries(persisted.keypads ?? {})) this.keypads.set(id, pad);
    for (const e of persisted.escorts ?? []) this.putEscort(e);
    for (const [key, until] of Object.entries(persisted.surveys ?? {})) this.surveysAnswered.set(key, until);
    for (const e of persisted.watchlist ?? []) this.watchlist.set(e.id, e);
    for (const [visitId, entryIds] of Object.entries(persisted.watchlistAlerted ?? {}))
      if (this.visits.has(visitId)) this.watchlistAlerted.set(visitId, entryIds);
    for (const [visitId, area] of Object.entries(persisted.areas ?? {})) this.setArea(visitId, area);
    for (const [id, seq] of Object.entries(persisted.fleet?.seqs ?? {})) this.fleetSeqs.set(id, seq);
    for (const [visitId, at] of Object.entries(persisted.fleet?.areas ?? {}))
      this.remoteAreas.set(visitId, at);
    for (const [visitId, at] of Object.entries(persisted.fleet?.moved ?? {})) this.movedAt.set(visitId, at);
    if (!persisted.areas)
      for (const [visitId, doorIds] of Object.entries(persisted.presence ?? {})) {
        // The deepest area any of the doors leads into: the guest passed the others to get there.
        const inner = doorIds
          .map((id) => areas.doors.get(id)?.to)
          .filter((a): a is string => a !== undefined)
          .sort((a, b) => areaPath(areas, b).length - areaPath(areas, a).length)[0];
        if (inner) this.setArea(visitId, inner);
      }
  }

  /** Put a visit in an area; outside is no entry at all, so the map is exactly who is inside. */
  private setArea(visitId: string, area: string): void {
    this.remoteAreas.delete(visitId);
    if (area === OUTSIDE) this.presence.delete(visitId);
    else this.presence.set(visitId, area);
  }

  toPersisted(): PersistedState {
    return {
      version: 1,
      journalSeq: this.journalSeq,
      users: [...this.users.values()],
      tokens: [...this.tokens.values()],
      sessions: [...this.sessions.values()],
      hosts: [...this.hosts.values()],
      badges: [...this.badges.values()],
      visits: [...this.visits.values()],
      appointments: [...this.appointments.values()],
      lockdown: {
        global: this.lockdown.global,
        doors: [...this.lockdown.doors],
        by: Object.fromEntries(this.lockdown.by),
      },
      areas: Object.fromEntries(this.presence),
      keypads: Object.fromEntries(this.keypads),
      escorts: [...this.escorts.values()],
      surveys: Object.fromEntries(this.surveysAnswered),
      watchlist: [...this.watchlist.values()],
      watchlistAlerted: Object.fromEntries(this.watchlistAlerted),
      ...(this.fleetSeqs.size > 0
        ? {
            fleet: {
              seqs: Object.fromEntries(this.fleetSeqs),
              areas: Object.fromEntries(this.remoteAreas),
              moved: Object.fromEntries(this.movedAt),
            },
          }
        : {}),
    };
  }

  /**
   * Drop appointments dated before `today` (their outcome is final: arrived, cancelled or
   * no-show), so the saved state holds only what the desk may still see today or later.
   */
  pruneAppointments(today: string): void {
    for (const [id, a] of this.appointments) if (a.date < today) this.appointments.delete(id);
  }

  /** Forget answered survey keys whose token has ended: no answer can come with them any more. */
  pruneSurveys(now: number): void {
    for (const [key, until] of this.surveysAnswered) if (until <= now) this.surveysAnswered.delete(key);
  }

  closedRecently(id: string): Visit | undefined {
    return this.recent.get(id);
  }

  putBadge(b: Badge): void {
    const old = this.badges.get(b.id);
    if (old && old.uid !== b.uid) this.badgesByUid.delete(old.uid);
    this.badges.set(b.id, b);
    this.badgesByUid.set(b.uid, b);
  }

  putEscort(e: EscortCard): void {
    const old = this.escorts.get(e.id);
    if (old) this.escortsByUid.delete(old.uid);
    this.escorts.set(e.id, e);
    this.escortsByUid.set(e.uid, e);
  }

  removeEscort(id: string): void {
    const old = this.escorts.get(id);
    if (!old) return;
    this.escorts.delete(id);
    this.escortsByUid.delete(old.uid);
    // A half it left waiting opens nothing any more (the decision checks too).
    for (const [doorId, half] of this.escortPending)
      if (half.half === 'escort' && half.escortId === id) this.escortPending.delete(doorId);
  }

  removeBadge(id: string): void {
    const old = this.badges.get(id);
    if (!old) return;
    this.badges.delete(id);
    this.badgesByUid.delete(old.uid);
  }

  /** Insert or replace a visit, keeping the code and external-id indexes in step. */
  putVisit(v: Visit): void {
    const old = this.visits.get(v.id);
    if (old?.accessCode)
      for (const room of old.accessCode.rooms) this.codes.delete(`${room}:${old.accessCode.hash}`);
    if (isTerminal(v.state)) {
      this.visits.delete(v.id);
      if (v.externalId) this.visitsByExternalId.delete(v.externalId);
      this.presence.delete(v.id);
      this.watchlistAlerted.delete(v.id);
      this.remoteAreas.delete(v.id);
      this.movedAt.delete(v.id);
      this.closed.push(v);
      this.recent.set(v.id, v);
      if (this.recent.size > 200) this.recent.delete(this.recent.keys().next().value!);
      return;
    }
    this.visits.set(v.id, v);
    if (v.externalId) this.visitsByExternalId.set(v.externalId, v.id);
    if (v.accessCode)
      for (const room of v.accessCode.rooms) this.codes.set(`${room}:${v.accessCode.hash}`, v.id);
  }

  /**
   * What a granted tap changes: the visitor's area (who is inside where) and the end of the escort step.
   * Idempotent, so replaying a tap that a saved state already holds changes nothing.
   */
  applyDecision(d: Decision, at: number): void {
    if (!d.granted || !d.visitId) return;
    const visit = this.visits.get(d.visitId);
    if (!visit) return;
    this.setArea(d.visitId, nextPresence(this, this.presence.get(d.visitId) ?? OUTSIDE, d));
    // Only a fleet's desk needs it (its gateways' late taps); kept bounded by the open visits.
    if (this.fleetSeqs.size > 0) this.movedAt.set(d.visitId, Math.max(at, this.movedAt.get(d.visitId) ?? 0));
    if (d.direction !== 'in' || visit.state !== 'badged') return;
    if (visit.firstEntryAt === undefined) this.visits.set(visit.id, { ...visit, firstEntryAt: at });
    if (d.escortId && visit.escortedAt === undefined) {
      const card = this.escorts.get(d.escortId);
      this.visits.set(visit.id, {
        ...(this.visits.get(visit.id) ?? visit),
        escortedAt: at,
        ...(card ? { escortedBy: { id: card.id, name: card.name } } : {}),
      });
    }
  }

  /**
   * A wrong keypad code at `at` (journal entry `seq`), counted toward the keypad's lockout.
   * Idempotent for replay: an entry at or before the last one counted is not counted again.
   */
  countWrongCode(readerId: string, at: number, seq: number): void {
    const pad = this.keypads.get(readerId);
    if (pad?.seq !== undefined && seq <= pad.seq) return;
    const next = nextKeypad(
      pad,
      { granted: false, readerId, reason: 'unknown_code' },
      at,
      this.policy.keypadLockout,
    );
    this.keypads.set(readerId, { failures: [], ...next, seq });
  }

  /**
   * A door gateway's tap recorded at the desk: its seq is the gateway's last recorded (a resend
   * at or below it is never journaled; a replay of the entry changes nothing), and a granted
   * tap of an open visit puts it where that gateway says (outside: nowhere).
   */
  private applyFleetAccess(p: Extract<JournalEntry, { type: 'fleet.access' }>['payload']): void {
    if (p.gatewaySeq <= (this.fleetSeqs.get(p.gateway) ?? 0)) return;
    this.fleetSeqs.set(p.gateway, p.gatewaySeq);
    const visitId = p.access.visitId;
    if (!p.granted || !visitId || !p.area || !this.visits.has(visitId)) return;
    if (p.gatewayAt < (this.movedAt.get(visitId) ?? 0)) return;
    this.movedAt.set(visitId, p.gatewayAt);
    this.presence.delete(visitId);
    if (p.area.id === OUTSIDE) this.remoteAreas.delete(visitId);
    else this.remoteAreas.set(visitId, { gateway: p.gateway, id: p.area.id, path: p.area.path });
  }

  /** Fold a journal entry into the state. Entries that change nothing live are ignored. */
  applyEntry(e: JournalEntry): void {
    switch (e.type) {
      case 'visit.arrived':
      case 'visit.screened':
      case 'visit.guestbook':
      case 'visit.decided':
      case 'visit.granted':
      case 'visit.rooms_withdrawn':
      case 'visit.badge_issued':
      case 'visit.checked_out':
      case 'visit.document_returned':
      case 'visit.cancelled': {
        const before = this.visits.get(e.payload.visitId);
        const name = e.type === 'visit.arrived' ? this.guestName(e.payload.guestId) : undefined;
        const after = applyVisitEvent(before, e, e.at, e.actor, name);
        if (e.type === 'visit.badge_issued') {
          const badge = this.badges.get(e.payload.badgeId);
          if (badge) this.putBadge({ ...badge, status: 'issued', visitId: after.id });
        }
        if (e.type === 'visit.checked_out' && before?.badgeId) {
          const badge = this.badges.get(before.badgeId);
          if (badge) {
            const { visitId: _drop, ...rest } = badge;
            this.putBadge({
              ...rest,
              status: e.payload.badgeReturned ? 'available' : 'lost',
              lastVisitId: after.id,
            });
          }
          this.presence.delete(after.id);
          this.remoteAreas.delete(after.id);
          this.movedAt.delete(after.id);
        }
        this.putVisit(after);
        if (e.type === 'visit.arrived' && e.payload.appointmentId) {
          // Replayed after its day was pruned, the appointment is gone: the visit stands alone.
          const a = this.appointments.get(e.payload.appointmentId);
          if (a && a.visitId === undefined && a.cancelledAt === undefined) {
            this.appointments.set(a.id, applyAppointmentEvent(a, e, e.at, e.actor));
          }
        }
        break;
      }
      case 'appointment.registered': {
        // A replay of a registration the saved state holds (or pruned) changes nothing.
        if (this.appointments.has(e.payload.appointmentId)) break;
        const name = this.guestName(e.payload.guestId);
        this.appointments.set(
          e.payload.appointmentId,
          applyAppointmentEvent(undefined, e, e.at, e.actor, name),
        );
        break;
      }
      case 'appointment.cancelled': {
        const a = this.appointments.get(e.payload.appointmentId);
        if (a && a.cancelledAt === undefined && a.visitId === undefined) {
          this.appointments.set(a.id, applyAppointmentEvent(a, e, e.at, e.actor));
        }
        break;
      }
      case 'survey.answered':
        this.surveysAnswered.set(e.payload.key, e.payload.until);
        break;
      case 'watchlist.matched': {
        // Only while the visit is open: a closed one is checked no more.
        if (!this.visits.has(e.payload.visitId)) break;
        const told = this.watchlistAlerted.get(e.payload.visitId) ?? [];
        const fresh = e.payload.entryIds.filter((id) => !told.includes(id));
        this.watchlistAlerted.set(e.payload.visitId, [...told, ...fresh]);
        break;
      }
      case 'access.denied': {
        const p = e.payload;
        if (p.kind === 'pin' && p.reason === 'unknown_code') this.countWrongCode(p.readerId, e.at, e.seq);
        break;
      }
      case 'access.granted': {
        const p = e.payload;
        if (p.visitId && p.doorId && p.direction) {
          this.applyDecision(
            {
              granted: true,
              readerId: p.readerId,
              doorId: p.doorId,
              direction: p.direction,
              visitId: p.visitId,
              ...(p.escortId ? { escortId: p.escortId } : {}),
              pulseMs: 0,
            },
            e.at,
          );
        }
        break;
      }
      case 'fleet.access':
        this.applyFleetAccess(e.payload);
        break;
      case 'badge.added':
      case 'badge.found':
        this.revoked.badges.delete(e.payload.badgeId);
        this.putBadge({
          ...(this.badges.get(e.payload.badgeId) ?? {}),
          id: e.payload.badgeId,
          label: e.payload.label,
          uid: e.payload.uid,
          status: 'available',
        });
        break;
      case 'badge.lost': {
        const badge = this.badges.get(e.payload.badgeId);
        if (badge) this.putBadge({ ...badge, status: 'lost' });
        break;
      }
      case 'badge.removed':
        this.removeBadge(e.payload.badgeId);
        break;
      case 'badge.personalised': {
        const badge = this.badges.get(e.payload.badgeId);
        if (badge)
          this.putBadge({
            ...badge,
            credential: 'secure',
            ...(e.payload.keyGen !== undefined ? { keyGen: e.payload.keyGen } : {}),
          });
        break;
      }
      case 'escort.enrolled':
        this.putEscort({
          id: e.payload.escortId,
          name: e.payload.name,
          uid: e.payload.uid,
          ...(e.payload.opensAlone ? { opensAlone: true } : {}),
          enrolledAt: e.at,
        });
        break;
      case 'escort.revoked':
        this.removeEscort(e.payload.escortId);
        break;
      case 'host.saved': {
        const p = e.payload;
        const old = this.hosts.get(p.hostId);
        this.hosts.set(p.hostId, {
          ...(old ?? {}),
          id: p.hostId,
          name: p.name,
          unit: p.unit,
          rooms: p.rooms,
          ...(p.contact !== undefined ? { contact: p.contact } : {}),
          ...(p.absent !== undefined ? { absent: p.absent } : {}),
          ...(p.delegates !== undefined ? { delegates: p.delegates } : {}),
        });
        break;
      }
      case 'host.removed':
        this.hosts.delete(e.payload.hostId);
        break;
      case 'door.lockdown': {
        const scope = e.payload.global ? '*' : e.payload.doorId;
        if (e.payload.global) this.lockdown.global = true;
        else this.lockdown.doors.add(e.payload.doorId);
        this.lockdown.by.set(scope, { actor: e.actor, at: e.at });
        break;
      }
      case 'door.released': {
        const scope = e.payload.global ? '*' : e.payload.doorId;
        if (e.payload.global) this.lockdown.global = false;
        else this.lockdown.doors.delete(e.payload.doorId);
        this.lockdown.by.delete(scope);
        // A lockdown whose own write failed stays in force until a release is recorded.
        this.revoked.lockdown.delete(scope);
        break;
      }
      default:
        break;
    }
    this.journalSeq = e.seq;
  }
}
