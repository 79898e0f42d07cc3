// The nouns of Pintu (see DESIGN.md "Data model"). Pure data: no I/O, no classes.
// Times are epoch milliseconds (UTC); presentation in Asia/Jakarta happens at the edges.

import type { AreaMap } from './areas.js';

export type Role = 'admin' | 'receptionist' | 'security' | 'host' | 'facilities';
export const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];

/** Who did something: a user, a machine token, a device, or the gateway itself. */
export interface Actor {
  kind: 'user' | 'token' | 'device' | 'system';
  id: string;
  role?: Role;
}

export const SYSTEM: Actor = { kind: 'system', id: 'pintu' };

// ---------------------------------------------------------------- visits (SOP)

/**
 * The SOP states of a visit. Terminal states: screening_refused, host_refused, rescheduled,
 * cancelled, closed. A visit in a terminal state leaves live state for the monthly archive.
 */
export type VisitState =
  | 'arrived' // step 1
  | 'screening_refused' // step 2, refused by security (terminal)
  | 'screened' // step 2, passed
  | 'awaiting_host' // step 3 done (guest book entry), step 4 in progress
  | 'host_refused' // step 4, refused (terminal)
  | 'rescheduled' // step 4/5b, host absent: advised to come back (terminal)
  | 'accepted' // step 4, host accepted
  | 'badged' // step 5a, badge handed over against a document
  | 'checked_out' // step 7, badge back, document not yet returned
  | 'cancelled' // the guest left before a badge was issued (terminal)
  | 'closed'; // step 7 done (terminal)

/** Every visit state, in SOP order (schemas and tables that list them all). */
export const VISIT_STATES: readonly VisitState[] = [
  'arrived',
  'screening_refused',
  'screened',
  'awaiting_host',
  'host_refused',
  'rescheduled',
  'accepted',
  'badged',
  'checked_out',
  'cancelled',
  'closed',
];

export const TERMINAL_STATES: readonly VisitState[] = [
  'screening_refused',
  'host_refused',
  'rescheduled',
  'cancelled',
  'closed',
];

/** The timed SOP steps (2 screening, 3 guest book, 4 host confirmation, 5 badge, 6 escort). */
export type SopStep = 'screening' | 'guestbook' | 'confirmation' | 'badge' | 'escort';
export const SOP_STEPS: readonly SopStep[] = ['screening', 'guestbook', 'confirmation', 'badge', 'escort'];

/** The SOP's service standards per step, in minutes. */
export const SOP_STANDARD_MINUTES: Readonly<Record<SopStep, number>> = Object.freeze({
  screening: 2,
  guestbook: 2,
  confirmation: 2,
  badge: 1,
  escort: 2,
});

export type ScreeningReason = 'shoes' | 'attire' | 'belongings' | 'other';
export const SCREENING_REASONS: readonly ScreeningReason[] = ['shoes', 'attire', 'belongings', 'other'];

export type DocumentType = 'ktp' | 'sim' | 'passport' | 'student_card' | 'surat_tugas';
export const DOCUMENT_TYPES: readonly DocumentType[] = [
  'ktp',
  'sim',
  'passport',
  'student_card',
  'surat_tugas',
];

/** The identity document held at the desk while the badge is out. Never the full number. */
export interface Collateral {
  type: DocumentType;
  /** e.g. KTP `35**********0001`; produced by maskDocumentNumber, never stored unmasked. */
  masked: string;
}

export type VisitAction =
  | 'arrive'
  | 'screen'
  | 'guestbook'
  | 'decide'
  | 'grant'
  | 'withdraw'
  | 'issue_badge'
  | 'checkout'
  | 'return_document'
  | 'cancel';

/** One recorded SOP step: what happened, who did it, when. */
export interface VisitStep {
  action: VisitAction;
  from: VisitState | null;
  to: VisitState;
  at: number;
  actor: Actor;
  /**
   * Done in the desk application and recorded here when it pushed the visit (sync API): the
   * step's time is the push, not the step's, so it is left out of the SOP step times.
   */
  doneElsewhere?: true;
  /** Done by a delegate of the visit's host (the actor) for that host: the host's id. */
  onBehalfOf?: string;
}

/**
 * A purpose category (config visits.purposes): the recap counts per category, as free text
 * gives one bar per sentence. The last category of the list takes the visits without one.
 */
export interface PurposeCategory {
  id: string;
  /** Bahasa Indonesia. */
  name: string;
  nameEn: string;
}

/** Biro Umum's purposes of a visit (the default of config visits.purposes). */
export const DEFAULT_PURPOSE_CATEGORIES: readonly PurposeCategory[] = [
  { id: 'koordinasi', name: 'Koordinasi', nameEn: 'Coordination' },
  { id: 'rapat', name: 'Rapat', nameEn: 'Meeting' },
  { id: 'audiensi', name: 'Audiensi', nameEn: 'Audience' },
  { id: 'pengantaran', name: 'Pengantaran surat/dokumen', nameEn: 'Letter/document delivery' },
  { id: 'konsultasi', name: 'Konsultasi', nameEn: 'Consultation' },
  { id: 'lainnya', name: 'Lainnya', nameEn: 'Other' },
];

/** A person's place in a group visit: the group's id, the leader (index 0), the desk's order. */
export interface GroupRef {
  id: string;
  leader: boolean;
  /** 0 for the leader, then the members in the order given at arrival (the badging order). */
  index: number;
}

export interface Visit {
  id: string;
  /** Id in an external desk application (sync API); unique when present. */
  externalId?: string;
  guestId: string;
  /** Display name used in events and the panel; erased with the guest after retention. */
  guestName: string;
  institution: string;
  purpose: string;
  /** The purpose category chosen at arrival (config visits.purposes); absent on older visits. */
  purposeCategory?: string;
  /** The appointment this visit fulfils (an expected guest); absent: a walk-in. */
  appointmentId?: string;
  /**
   * A group visit (rombongan, domain/group.ts): every person is a visit of their own, linked by
   * this id; the leader's visit holds the group's one document (Surat Tugas).
   */
  group?: GroupRef;
  hostId: string;
  state: VisitState;
  createdAt: number;
  screening?: { passed: boolean; reasons: ScreeningReason[]; note?: string };
  guestbook?: { at: number; note?: string };
  decision?: {
    outcome: 'accepted' | 'refused' | 'host_absent';
    reason?: string;
    /** host_absent: the date proposed to come back, YYYY-MM-DD. */
    proposedDate?: string;
  };
  /** Room doors the host granted (SOP step 6). Entrance doors need no grant. */
  rooms: string[];
  /** Access ends at checkout or at this instant, whichever comes first. Set at acceptance. */
  validUntil?: number;
  badgeId?: string;
  collateral?: Collateral;
  badgeReturned?: boolean;
  documentReturned?: boolean;
  /** Keypad code for the granted rooms: only its keyed hash is kept. */
  accessCode?: { hash: string; issuedAt: number; rooms: string[] };
  /** The first granted entry after the badge was issued: ends the escort step (SOP step 6)... */
  firstEntryAt?: number;
  /** ...unless an escort's card let it in at an escort door: then that first entry ends it. */
  escortedAt?: number;
  /**
   * The escort card that completed that entry: its id and the staff member's name as enrolled then
   * (the register names the escort after the card is revoked).
   */
  escortedBy?: { id: string; name: string };
  history: VisitStep[];
}

export interface Guest {
  id: string;
  name: string;
  institution: string;
  phone?: string;
  /** Masked identity number (never the full one). */
  documentMasked?: string;
  /** Keyed hash of the full identity number, to recognise a returning guest. */
  documentKey?: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Set when retention or a request erased the identity fields. */
  erasedAt?: number;
}

// ---------------------------------------------------------------- people and things

export interface Host {
  id: string;
  name: string;
  /** Bagian / subbagian. */
  unit: string;
  /** Room doors this host may grant to their visitors. */
  rooms: string[];
  /** How to reach them (phone, e-mail); shown to the receptionist. */
  contact?: string;
  absent?: boolean;
  /** Login of the host in the panel, if any. */
  userId?: string;
  /**
   * Users (ids; host logins: a secretary, an aide) who receive this host's approval requests and
   * may decide for the host (domain/delegation.ts); when the host is absent, the requests are theirs.
   */
  delegates?: string[];
}

export type BadgeStatus = 'available' | 'issued' | 'lost';

export interface Badge {
  id: string;
  /** Printed label, e.g. "TAMU-01". */
  label: string;
  /** Normalised: upper-case hex, no separators (or the credential text of a serial reader). */
  uid: string;
  status: BadgeStatus;
  visitId?: string;
  /** The visit the badge last served; lets a returned badge be refused as "checked out". */
  lastVisitId?: string;
  /**
   * secure: personalised at the desk with the site's keys (an NTAG 424 DNA); it must then prove
   * its key wherever the reader can ask, secure-or-uid doors included. Absent: a UID card.
   */
  credential?: 'secure';
  /**
   * Secure badges: the generation of the site key its keys are diversified from (absent: 1).
   * Older than the current one: under an old key, re-personalised when it comes to the desk.
   */
  keyGen?: number;
}

export type DoorKind = 'entrance' | 'room';
export type LockDriverKind = 'sim' | 'gpio' | 'mqtt';

export interface Door {
  id: string;
  name: string;
  kind: DoorKind;
  /** Unlock pulse length. */
  pulseMs: number;
  /** fail-safe: unlocked without power; fail-secure: locked without power. */
  failMode: 'fail-safe' | 'fail-secure';
  /** Refuse a second entry without an exit in between. */
  antiPassback: boolean;
  /** Opening hours; absent: the gateway's office hours apply. */
  hours?: OfficeHours;
  /** What a badge must prove here (config doors[].credential, resolved at load). */
  credential: CredentialMode;
  /**
   * required: a guest enters only together with an escort's staff card tapped at the same door
   * within the escort window, in either order (SOP step 6, the two-person rule). Absent: none.
   */
  escort?: 'required';
}

/**
 * A staff member's card enrolled by the admin as an escort card. It opens nothing by itself
 * unless `opensAlone`; at an escort door it completes a guest's tap.
 */
export interface EscortCard {
  id: string;
  /** The staff member's name, as the journal and MQTT name the escort (never the UID). */
  name: string;
  /** Normalised like a badge's UID. */
  uid: string;
  opensAlone?: boolean;
  enrolledAt: number;
}

/**
 * The first half of an escort pair at a door: who tapped and when. It lives in live state and
 * expires by the clock (policy.escortWindowMs); the decision takes it as input.
 */
export type EscortHalf =
  | { half: 'guest'; at: number; tap: Tap; visitId: string }
  | { half: 'escort'; at: number; escortId: string };

/**
 * uid: the UID alone (weak); secure: AES mutual authentication with the badge's diversified
 * key; secure-or-uid: secure badges must authenticate, other cards pass on their UID.
 */
export type CredentialMode = 'uid' | 'secure' | 'secure-or-uid';

/**
 * What the reader established about a badge: secure (it proved its key), uid (only a UID was
 * read: a reader that cannot authenticate, or a card without the application), invalid (it
 * claims the application but failed the challenge: a clone, a replay, a wrong key).
 */
export type CredentialProof = 'secure' | 'uid' | 'invalid';

export type ReaderRole = 'door' | 'desk';
export type Direction = 'in' | 'out';

export interface Reader {
  id: string;
  role: ReaderRole;
  /** For door readers. */
  doorId?: string;
  direction?: Direction;
  /** A keypad accepts PIN codes. */
  keypad?: boolean;
}

export interface OfficeHours {
  /** ISO weekdays 1 (Monday) .. 7 (Sunday). */
  days: number[];
  /** "HH:MM" local time. */
  open: string;
  close: string;
}

export interface AccessPolicyConfig {
  timezone: string;
  officeHours: OfficeHours;
  /** A visit's access ends this long after acceptance at the latest... */
  maxVisitMinutes: number;
  /** ...and never later than the close of office hours on the day it was accepted. */
  endAtOfficeClose: boolean;
  /** Keypad lockout: this many wrong codes within windowMs locks the keypad for lockMs. */
  keypadLockout: { attempts: number; windowMs: number; lockMs: number };
  /** Both halves of an escort pair at an escort door come within this time (absent: 10 s). */
  escortWindowMs?: number;
}

// ---------------------------------------------------------------- access

export type Tap =
  | { readerId: string; kind: 'nfc'; uid: string; credential?: CredentialProof }
  | { readerId: string; kind: 'pin'; codeHash: string }
  /**
   * A message that claimed to be a tap and failed its authentication (a room controller's tap
   * with a bad MAC or a replayed counter): what it claims to be is all that is kept of it.
   */
  | { readerId: string; kind: 'forged'; claimed: 'nfc' | 'pin' };

export type DenyReason =
  | 'unknown_reader'
  | 'unknown_badge'
  | 'badge_lost'
  | 'badge_not_assigned'
  | 'visit_not_approved'
  | 'visit_expired'
  | 'checked_out'
  | 'door_not_allowed'
  | 'outside_hours'
  | 'lockdown'
  | 'anti_passback'
  | 'unknown_code'
  | 'no_keypad'
  | 'keypad_locked'
  | 'credential_invalid'
  /** An escort door: the guest's valid tap waits for an escort's card (no unlock yet). */
  | 'awaiting_escort'
  /** An escort door: the escort's card waits for a guest's tap (no unlock yet). */
  | 'awaiting_guest'
  /** An escort card alone where it does not open by itself (no guest waiting at an escort door). */
  | 'escort_required'
  /**
   * A fleet's door gateway just reconnected and has not yet heard whether the desk ended this
   * visit meanwhile (README "Fleet"): held for at most fleet.syncHoldMs, leaving never held.
   */
  | 'syncing';

export const DENY_REASONS: readonly DenyReason[] = [
  'unknown_reader',
  'unknown_badge',
  'badge_lost',
  'badge_not_assigned',
  'visit_not_approved',
  'visit_expired',
  'checked_out',
  'door_not_allowed',
  'outside_hours',
  'lockdown',
  'anti_passback',
  'unknown_code',
  'no_keypad',
  'keypad_locked',
  'credential_invalid',
  'awaiting_escort',
  'awaiting_guest',
  'escort_required',
  'syncing',
];

/** Refusals that are half of an escort pair, not a refusal: no unlock, and nobody turned away. */
export const ESCORT_WAITS: readonly DenyReason[] = ['awaiting_escort', 'awaiting_guest'];

export type Decision =
  | {
      granted: true;
      readerId: string;
      doorId: string;
      direction: Direction;
      /** Absent only when an escort card opened alone (escorts[].opensAlone). */
      visitId?: string;
      badgeId?: string;
      /** The escort card that completed the pair, or opened alone. */
      escortId?: string;
      pulseMs: number;
    }
  | {
      granted: false;
      readerId: string;
      doorId?: string;
      direction?: Direction;
      reason: DenyReason;
      visitId?: string;
      badgeId?: string;
      escortId?: string;
    };

/** What the gateway knows where a tap is decided: everything from memory, indexed. */
export interface AccessSnapshot {
  policy: AccessPolicyConfig;
  doors: ReadonlyMap<string, Door>;
  readers: ReadonlyMap<string, Reader>;
  badgesByUid: ReadonlyMap<string, Badge>;
  visits: ReadonlyMap<string, Visit>;
  /** Active keypad codes: `${doorId}:${codeHash}` -> visit id. */
  codes: ReadonlyMap<string, string>;
  lockdown: { global: boolean; doors: ReadonlySet<string> };
  /** Which door leads from which area into which (domain/areas.ts). */
  areas: AreaMap;
  /** Per visit, the one area it is in; absent: outside (never entered, left, or checked out). */
  presence: ReadonlyMap<string, string>;
  /** Per keypad reader: recent wrong-code times and the lock end. */
  keypads: ReadonlyMap<string, { failures: number[]; lockedUntil?: number }>;
  /** Access withdrawn before its journal write is durable (absent: none pending). */
  revoked?: Revocations;
  /** Enrolled escort cards by UID (absent: none). */
  escortsByUid?: ReadonlyMap<string, EscortCard>;
  /** Per escort door, the first half of a pair waiting for the second (absent: none). */
  escortPending?: ReadonlyMap<string, EscortHalf>;
  /**
   * A fleet's door gateway back on its broker, not yet caught up with the desk: until this time
   * (epoch ms) a visit enters nowhere (`syncing`), since the desk may have ended it while the
   * gateway was away (absent: no hold).
   */
  syncHoldUntil?: number;
}

/**
 * Deny early: what a checkout, a cancellation, a lost badge, a withdrawn room or a lockdown
 * takes away is in force here from the moment the command is accepted, before the journal
 * has it; the durable state takes over once it is applied (service/core.ts).
 */
export interface Revocations {
  /** Visit id -> the refusal its taps get (checked_out at checkout, visit_not_approved at cancel). */
  readonly visits: ReadonlyMap<string, DenyReason>;
  /** Visit id -> room doors withdrawn from it. */
  readonly rooms: ReadonlyMap<string, ReadonlySet<string>>;
  /** Badge ids reported lost. */
  readonly badges: ReadonlySet<string>;
  /** Doors in lockdown; '*' for every door. */
  readonly lockdown: ReadonlySet<string>;
}

// ---------------------------------------------------------------- accounts

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** scrypt hash in PHC-like form: `scrypt$N$r$p$salt$hash` (base64). */
  passwordHash: string;
  /** For role host: the host record this login acts as. */
  hostId?: string;
  disabled?: boolean;
  /** A one-time password was set (first admin, a reset): it must be changed before anything else. */
  mustChangePassword?: boolean;
  createdAt: number;
}

/**
 * A login session. Only the sha256 of the session id (the cookie value) is kept, in memory and
 * in the saved state, so a copy of state.json opens no session.
 */
export interface Session {
  /** sha256 of the session id. */
  hash: string;
  /** '' for a session opened by a host link (no user account). */
  userId: string;
  role: Role;
  hostId?: string;
  expiresAt: number;
  /** A session opened by a host's one-time link (no user account): acts as `hostId` only. */
  linkId?: string;
  /** The one visit a link session may see and decide. */
  visitId?: string;
  /**
   * A delegate's link session: the delegate's user id. It acts as that user for `hostId` (the
   * host who named them), and ends when the host takes them off the list.
   */
  delegateId?: string;
}

/** A bearer token for a machine client (desk application, CLI, Prometheus). */
export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  /** sha256 of the token (tokens are long random strings, so a plain hash suffices). */
  hash: string;
  /** For role host: the one host it acts as (a host token without one is refused). */
  hostId?: string;
  createdAt: number;
}
