// Every fact the gateway records. A journal line is one of these plus sequence, time and
// hashes (see store/journal.ts). Payloads hold no guest name, phone or full document number:
// the journal is append-only and hash-chained, so it must never need erasing (UU 27/2022).
import type { SurveyElementId, SurveyRating } from './survey.js';
import type {
  Actor,
  Collateral,
  DenyReason,
  Direction,
  DocumentType,
  GroupRef,
  Role,
  ScreeningReason,
} from './types.js';

/**
 * Every journal entry type, the one list of them: EventType is read from it, an event family
 * takes its types from it (DoorEvent: every 'door.' type here), and every other list of types
 * (pintu/events, the panel's live feed, what the recap reads) is chosen from it, so a type is
 * added here, once. DomainEvent below must give each a payload, and name no other: EventType
 * fails to compile otherwise.
 */
export const EVENT_TYPES = [
  'visit.arrived',
  'visit.screened',
  'visit.guestbook',
  'visit.decided',
  'visit.granted',
  'visit.rooms_withdrawn',
  'visit.badge_issued',
  'visit.checked_out',
  'visit.document_returned',
  'visit.cancelled',
  'appointment.registered',
  'appointment.cancelled',
  'access.granted',
  'access.denied',
  'fleet.access',
  'desk.tap',
  'door.unlocked',
  'door.locked',
  'door.lockdown',
  'door.released',
  'door.opened',
  'door.closed',
  'door.alarm',
  // An alarm that does not end with the door closing (offline, no_ack, reader_offline) ended.
  'door.alarm_cleared',
  'door.exit_request',
  // A door command refused for want of authority (Home Assistant's UNLOCK or RELEASE).
  'door.command_refused',
  'badge.added',
  'badge.lost',
  'badge.found',
  'badge.removed',
  'badge.personalised',
  'escort.enrolled',
  'escort.revoked',
  'host.saved',
  'host.removed',
  'user.added',
  'user.removed',
  'user.password_changed',
  'token.created',
  'token.revoked',
  'privacy.erased',
  'privacy.exported',
  'survey.answered',
  'watchlist.added',
  'watchlist.changed',
  'watchlist.removed',
  'watchlist.read',
  'watchlist.matched',
  'system.started',
  'system.stopped',
  'system.recovered',
] as const;

type Listed = (typeof EVENT_TYPES)[number];

/** An event family's prefix, as a journal query or a live feed takes it: 'door.' for door.*. */
export type EventFamily = Listed extends `${infer F}.${string}` ? `${F}.` : never;

/** The listed types that start with P (a family, or one type). */
type TypesOf<P extends string> = Extract<Listed, `${P}${string}`>;

/** The listed types of some families or single types, in the list's order. */
export function eventTypesOf<P extends EventFamily | Listed>(...prefixes: P[]): TypesOf<P>[] {
  return EVENT_TYPES.filter((t): t is TypesOf<P> => prefixes.some((p) => t.startsWith(p)));
}

export interface VisitArrived {
  type: 'visit.arrived';
  payload: {
    visitId: string;
    externalId?: string;
    guestId: string;
    institution: string;
    purpose: string;
    /** A category id of config visits.purposes; absent on visits recorded before categories. */
    purposeCategory?: string;
    hostId: string;
    /** The host's unit at the time, for the recap. */
    unit: string;
    /** The appointment this arrival fulfils (an expected guest); absent: a walk-in. */
    appointmentId?: string;
    /** A person of a group visit (rombongan): the group's id, and whether this is its leader. */
    group?: GroupRef;
  };
}
export interface VisitScreened {
  type: 'visit.screened';
  payload: {
    visitId: string;
    passed: boolean;
    reasons: ScreeningReason[];
    note?: string;
    /** Done in the desk application (sync API), not at this gateway: recorded, not timed. */
    doneElsewhere?: true;
  };
}
export interface VisitGuestbook {
  type: 'visit.guestbook';
  payload: {
    visitId: string;
    note?: string;
    /** Done in the desk application (sync API), not at this gateway: recorded, not timed. */
    doneElsewhere?: true;
  };
}
export interface VisitDecided {
  type: 'visit.decided';
  payload: {
    visitId: string;
    outcome: 'accepted' | 'refused' | 'host_absent';
    reason?: string;
    proposedDate?: string;
    rooms: string[];
    validUntil?: number;
    codeHash?: string;
    /** Decided in the desk application (sync API), not at this gateway: recorded, not timed. */
    doneElsewhere?: true;
    /** Decided by a delegate (the entry's actor) for this host. */
    onBehalfOf?: string;
    /** The group's one decision, recorded on each of its persons' visits. */
    groupId?: string;
  };
}
export interface VisitGranted {
  type: 'visit.granted';
  payload: { visitId: string; rooms: string[]; codeHash?: string; onBehalfOf?: string };
}
/** Rooms taken back from a visit (its host changed their mind): in force before it is journaled. */
export interface VisitRoomsWithdrawn {
  type: 'visit.rooms_withdrawn';
  payload: { visitId: string; rooms: string[]; onBehalfOf?: string };
}
export interface VisitBadgeIssued {
  type: 'visit.badge_issued';
  /** A group member's badge has no collateral of its own: the leader's visit holds the letter. */
  payload: { visitId: string; badgeId: string; collateral?: Collateral };
}
export interface VisitCheckedOut {
  type: 'visit.checked_out';
  payload: { visitId: string; badgeId?: string; badgeReturned: boolean; documentReturned: boolean };
}
export interface VisitDocumentReturned {
  type: 'visit.document_returned';
  payload: { visitId: string; documentType?: DocumentType };
}
export interface VisitCancelled {
  type: 'visit.cancelled';
  payload: { visitId: string; reason?: string };
}

export type VisitEvent =
  | VisitArrived
  | VisitScreened
  | VisitGuestbook
  | VisitDecided
  | VisitGranted
  | VisitRoomsWithdrawn
  | VisitBadgeIssued
  | VisitCheckedOut
  | VisitDocumentReturned
  | VisitCancelled;

/** An expected guest registered (domain/appointment.ts); the guest's name is in the guest book. */
export interface AppointmentRegistered {
  type: 'appointment.registered';
  payload: {
    /** The appointment's code. */
    appointmentId: string;
    guestId: string;
    institution: string;
    hostId: string;
    /** 'YYYY-MM-DD', site time zone. */
    date: string;
    /** 'HH:MM' local, start inclusive. */
    from: string;
    /** 'HH:MM' local, end exclusive. */
    until: string;
    purposeCategory: string;
    purpose?: string;
    /** Registered by the host themselves: the desk may record the acceptance on arrival. */
    preApproved: boolean;
    /** The visit rescheduled at SOP step 5b that this appointment continues. */
    fromVisitId?: string;
  };
}
export interface AppointmentCancelled {
  type: 'appointment.cancelled';
  payload: { appointmentId: string; reason?: string };
}

export type AppointmentEvent = AppointmentRegistered | AppointmentCancelled;

/** A tap and what was decided. Granted taps at door readers are the entries and exits. */
export interface AccessEvent {
  type: TypesOf<'access.'>;
  payload: {
    readerId: string;
    doorId?: string;
    direction?: Direction;
    /** Absent only on the summary of refused taps left out of the journal (`suppressed`). */
    kind?: 'nfc' | 'pin';
    /**
     * NFC taps: the UID of a card of the badge pool (not personal data), or, for a card the
     * gateway does not know (a guest's own e-KTP or bank card), its keyed hash: `unk:` and 16
     * hex (cardHash). Never a PIN. Journals written before issue 13 may hold raw UIDs here.
     */
    uid?: string;
    badgeId?: string;
    visitId?: string;
    /** An escort card's tap, or the escort that completed a guest's pair (its id, never its UID). */
    escortId?: string;
    reason?: DenyReason;
    /**
     * access.denied only: this entry stands for this many refused taps of the reader that were
     * not journaled one by one (forged room taps over mqtt.rooms.refusalsJournaledPerMinute).
     */
    suppressed?: number;
  };
}

/**
 * A door gateway's tap, recorded at the desk of a fleet (README "Fleet"): the gateway's own
 * access entry, without the card's UID, under the gateway's id and its journal's seq. The desk
 * records each (gateway, gatewaySeq) once, so a resend never counts twice; its presence, roll
 * call and recap read these beside its own taps.
 */
export interface FleetAccessEvent {
  type: 'fleet.access';
  payload: {
    gateway: string;
    /** The tap's seq in the gateway's journal. */
    gatewaySeq: number;
    /** When the gateway decided it (epoch ms); the entry's own time is when the desk heard it. */
    gatewayAt: number;
    granted: boolean;
    access: Omit<AccessEvent['payload'], 'uid'>;
    /** The door's name as the gateway's configuration has it (the desk does not know its doors). */
    doorName?: string;
    /**
     * A visit's granted tap: the area it leads into on that gateway's map, and the areas from
     * the perimeter inward to it (`outside`, path []: the visitor left).
     */
    area?: { id: string; path: Array<{ id: string; name: string }> };
  };
}

/** A tap at the desk reader: binds or returns badges, enrols new ones. Opens nothing. */
export interface DeskTapEvent {
  type: 'desk.tap';
  /** `uid`: as in AccessEvent (a pool card's UID, or the keyed hash of an unknown card). */
  payload: { readerId: string; uid: string; badgeId?: string };
}

/** How a card the gateway does not know is journaled: `unk:` + 16 hex of a keyed hash. */
export const UNKNOWN_CARD_PREFIX = 'unk:';

export function isHashedCard(uid: string): boolean {
  return uid.startsWith(UNKNOWN_CARD_PREFIX);
}

export interface DoorEvent {
  type: TypesOf<'door.'>;
  payload: {
    doorId: string;
    /** door.unlocked: the pulse length; absent when the door is held unlocked until a lock. */
    ms?: number;
    /** door.command_refused: the command, and why it was refused. */
    command?: string;
    detail?: string;
    /**
     * offline: the room controller is gone; no_ack: it did not acknowledge a command;
     * reader_offline: a reader of the door lost its device (pcscd gone, unplugged);
     * command_refused: its room controller refused a copy of a command (forged, replayed, late).
     */
    alarm?: 'held_open' | 'forced_open' | 'offline' | 'no_ack' | 'reader_offline' | 'command_refused';
    /**
     * command_refused (one event, not a state: it never clears): what the controller answered
     * (bad_mac, replayed, expired), or with `suppressed`, how many refusals of the room were
     * left out of the journal (over mqtt.rooms.refusalsJournaledPerMinute).
     */
    suppressed?: number;
    global?: boolean;
  };
}

export interface BadgeEvent {
  type: TypesOf<'badge.'>;
  /**
   * badge.personalised: the desk reader it was personalised on, and the site key generation
   * of its new keys (absent: 1, before rotations); `fromKeyGen` when it was recycled from an
   * older generation's keys rather than from factory keys.
   */
  payload: {
    badgeId: string;
    label: string;
    uid: string;
    readerId?: string;
    keyGen?: number;
    fromKeyGen?: number;
  };
}

/**
 * Escort cards (SOP step 6): a staff card enrolled by the admin, or revoked. `uid`: as the
 * badge pool keeps its cards (a card the gateway is given to know, shown to admin only).
 */
export type EscortEvent =
  | {
      type: 'escort.enrolled';
      payload: { escortId: string; name: string; uid: string; opensAlone?: boolean };
    }
  | { type: 'escort.revoked'; payload: { escortId: string; name: string } };

export interface HostEvent {
  type: TypesOf<'host.'>;
  payload: {
    hostId: string;
    name: string;
    unit: string;
    rooms: string[];
    absent?: boolean;
    contact?: string;
    /** The host's delegates (user ids); absent: unchanged. */
    delegates?: string[];
  };
}

export interface UserEvent {
  type: TypesOf<'user.' | 'token.'>;
  payload: { userId: string; username: string; role?: Role; hostId?: string };
}

export interface PrivacyEvent {
  type: TypesOf<'privacy.'>;
  payload: { guestIds: string[]; reason: 'retention' | 'request' };
}

/**
 * One answer to the satisfaction survey (domain/survey.ts). Anonymous: no visit or guest id,
 * only `key`, an opaque keyed hash the visit's one-time token carries, so a second answer for
 * the same visit is refused after a restart too; `until` is when the token ends, after which
 * the key is no longer kept in live state.
 */
export interface SurveyAnswered {
  type: 'survey.answered';
  payload: {
    key: string;
    until: number;
    ratings: Record<SurveyElementId, SurveyRating>;
    /**
     * The answer's suggestion, in the saran file's month `month` under `id` (store/saran-file.ts):
     * free text may name someone, and the journal is never erased, so only the fact is here.
     */
    saranRef?: { month: string; id: string };
    /** The suggestion itself, as answers before the saran file carried it: read, never written now. */
    saran?: string;
  };
}

/**
 * A watchlist entry written, changed, removed (by request, or past its valid-until), or read
 * (who looked: the entry's actor). Ids only: the entries are personal data, kept in the saved
 * state and erased from there; the journal never needs erasing.
 */
export interface WatchlistEvent {
  type: Exclude<TypesOf<'watchlist.'>, 'watchlist.matched'>;
  payload: { entryIds: string[]; reason?: 'request' | 'expired' };
}

/**
 * Where a guest was compared with the watchlist: a desk's arrival, an expected guest's
 * arrival, a visit synced in from the desk application, a group's arrival (each person), or
 * the identity document handed in as collateral when the badge was issued.
 */
export const WATCHLIST_SOURCES = ['arrival', 'appointment', 'sync', 'group', 'collateral'] as const;
export type WatchlistSource = (typeof WATCHLIST_SOURCES)[number];

/** A guest matched watchlist entries: security screens the guest (SOP step 2). */
export interface WatchlistMatched {
  type: 'watchlist.matched';
  payload: {
    visitId: string;
    entryIds: string[];
    by: ('document' | 'name')[];
    /** Absent on entries written before the sources were told apart (an arrival). */
    source?: WatchlistSource;
    /** The login (user name) or token name that recorded the step: the desk; absent on older entries. */
    desk?: string;
  };
}

export interface SystemEvent {
  type: TypesOf<'system.'>;
  payload: { version?: string; detail?: string };
}

export type DomainEvent =
  | VisitEvent
  | AppointmentEvent
  | AccessEvent
  | FleetAccessEvent
  | DeskTapEvent
  | DoorEvent
  | BadgeEvent
  | EscortEvent
  | HostEvent
  | UserEvent
  | PrivacyEvent
  | SurveyAnswered
  | WatchlistEvent
  | WatchlistMatched
  | SystemEvent;

/**
 * A journal entry's type: one of EVENT_TYPES, each with its event. A type listed without an
 * event, or an event whose type is not listed, fails to compile here, naming it.
 */
export type EventType = Within<Listed, DomainEvent['type']> | Within<DomainEvent['type'], Listed>;
type Within<Outer, Inner extends Outer> = Inner;

/** An event as the journal holds it. */
export type JournalEntry = DomainEvent & {
  seq: number;
  /** Epoch ms. */
  at: number;
  actor: Actor;
  /** Hash of the previous entry (hex sha256); the first entry of all has 64 zeros. */
  prev: string;
  hash: string;
};
