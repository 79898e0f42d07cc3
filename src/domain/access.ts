// The access decision: a pure function of the in-memory snapshot, the tap and the clock.
// The order of the checks is the order of the refusals a guard would give: the reader, a
// forgery (a room tap that failed its MAC or counter), a lockdown, the credential (its proof, then the badge), the visit, its window, the door, the
// hours, anti-passback.
// Exits (out-readers) skip the window, room, hours and anti-passback checks: a guest inside
// is always let out, while a lockdown still holds every badge.
// Escort doors (SOP step 6, the two-person rule): an entry that passes every check above still
// waits for the other half of the pair, an escort's card tapped at the same door within the
// escort window, in either order. The waiting half is an input (s.escortPending), kept by the
// caller and folded by nextEscortHalf; it expires by the clock, so nothing here keeps time.

import { areaAfter, OUTSIDE, passbackRefuses } from './areas.js';
import { isWithinHours } from './time.js';
import type {
  AccessSnapshot,
  CredentialMode,
  CredentialProof,
  Decision,
  DenyReason,
  Direction,
  EscortCard,
  EscortHalf,
  Reader,
  Tap,
  Visit,
} from './types.js';
import { isApproved } from './visit.js';

/**
 * A card UID as upper-case hex without separators ("04:a1:b2:c3" -> "04A1B2C3"): 4 to 10
 * bytes. Returns null for anything else.
 */
export function normaliseUid(raw: string): string | null {
  const hex = raw.replace(/[\s:-]/g, '').toUpperCase();
  return /^[0-9A-F]{8,20}$/.test(hex) && hex.length % 2 === 0 ? hex : null;
}

/** Whether a door in `mode` takes a badge whose reader established `proof`. */
export function credentialAccepted(mode: CredentialMode, proof: CredentialProof): boolean {
  if (proof === 'invalid') return false;
  return mode !== 'secure' || proof === 'secure';
}

/** Both halves of an escort pair within this time, unless the policy says otherwise. */
export const DEFAULT_ESCORT_WINDOW_MS = 10_000;

export function decide(s: AccessSnapshot, tap: Tap, now: number): Decision {
  // A pool badge is a guest's even if the same UID were enrolled as an escort card.
  const escort = tap.kind === 'nfc' && !s.badgesByUid.has(tap.uid) ? s.escortsByUid?.get(tap.uid) : undefined;
  if (escort && tap.kind === 'nfc') return decideEscortCard(s, tap, escort, now);
  const d = decideGuest(s, tap, now);
  if (!d.granted || d.direction !== 'in' || s.doors.get(d.doorId)?.escort !== 'required') return d;
  const half = pendingHalf(s, d.doorId, now);
  const card = half?.half === 'escort' ? escortById(s, half.escortId) : undefined;
  if (card) return { ...d, escortId: card.id };
  const { visitId, badgeId } = d;
  return {
    granted: false,
    readerId: d.readerId,
    doorId: d.doorId,
    direction: d.direction,
    reason: 'awaiting_escort',
    ...(visitId ? { visitId } : {}),
    ...(badgeId ? { badgeId } : {}),
  };
}

/** The door's waiting half if it is still within the escort window at `now`. */
function pendingHalf(s: AccessSnapshot, doorId: string, now: number): EscortHalf | undefined {
  const half = s.escortPending?.get(doorId);
  const window = s.policy.escortWindowMs ?? DEFAULT_ESCORT_WINDOW_MS;
  return half && now >= half.at && now - half.at < window ? half : undefined;
}

/** An escort card still enrolled (one revoked while its half waited counts for nothing). */
function escortById(s: AccessSnapshot, id: string): EscortCard | undefined {
  for (const card of s.escortsByUid?.values() ?? []) if (card.id === id) return card;
  return undefined;
}

/**
 * An escort's staff card. At an escort door's in-reader it completes a waiting guest (whose tap
 * is decided again now: a checkout or a lockdown since then still holds) or waits for one.
 * Elsewhere it opens only if enrolled to open alone. It is the second factor beside a guest's
 * badge, so any card that did not fail its challenge will do for that; to open alone it must
 * satisfy the door's credential mode like a badge.
 */
function decideEscortCard(
  s: AccessSnapshot,
  tap: Extract<Tap, { kind: 'nfc' }>,
  escort: EscortCard,
  now: number,
): Decision {
  const reader = s.readers.get(tap.readerId);
  const door = reader?.doorId ? s.doors.get(reader.doorId) : undefined;
  if (reader?.role !== 'door' || !reader.direction || !door) {
    return { granted: false, readerId: tap.readerId, reason: 'unknown_reader' };
  }
  const at = { readerId: reader.id, doorId: door.id, direction: reader.direction, escortId: escort.id };
  const revoked = s.revoked;
  if (
    s.lockdown.global ||
    s.lockdown.doors.has(door.id) ||
    revoked?.lockdown.has('*') ||
    revoked?.lockdown.has(door.id)
  )
    return { granted: false, ...at, reason: 'lockdown' };
  const proof = tap.credential ?? 'uid';
  if (proof === 'invalid') return { granted: false, ...at, reason: 'credential_invalid' };
  const alone = escort.opensAlone === true && credentialAccepted(door.credential, proof);
  if (door.escort === 'required' && reader.direction === 'in') {
    const half = pendingHalf(s, door.id, now);
    // Decided again as an entry at the escort's reader: the pair opens this door inwards only,
    // whichever reader the guest's half came from.
    if (half?.half === 'guest')
      return { ...decideGuest(s, { ...half.tap, readerId: reader.id }, now), escortId: escort.id };
    if (!alone) return { granted: false, ...at, reason: 'awaiting_guest' };
  }
  if (!alone) return { granted: false, ...at, reason: 'escort_required' };
  return { granted: true, ...at, pulseMs: door.pulseMs };
}

/**
 * The door's waiting half after a decision there: a first half starts (or restarts) the window,
 * a completed pair (granted or refused on the guest's re-check) ends it, anything else leaves it.
 */
export function nextEscortHalf(
  current: EscortHalf | undefined,
  tap: Tap,
  d: Decision,
  now: number,
): EscortHalf | undefined {
  if (!d.granted && d.reason === 'awaiting_escort' && d.visitId) {
    return { half: 'guest', at: now, tap, visitId: d.visitId };
  }
  if (!d.granted && d.reason === 'awaiting_guest' && d.escortId) {
    return { half: 'escort', at: now, escortId: d.escortId };
  }
  // A pair: an escort with a guest's visit, either way round.
  if (d.escortId && d.visitId) return undefined;
  return current;
}

/** The decision without escorts: a guest's badge or code against the policy. */
function decideGuest(s: AccessSnapshot, tap: Tap, now: number): Decision {
  const reader = s.readers.get(tap.readerId);
  if (reader?.role !== 'door' || !reader.doorId || !reader.direction) {
    return { granted: false, readerId: tap.readerId, reason: 'unknown_reader' };
  }
  const doorId = reader.doorId;
  const direction: Direction = reader.direction;
  const door = s.doors.get(doorId);
  const deny = (reason: DenyReason, extra: { visitId?: string; badgeId?: string } = {}): Decision => ({
    granted: false,
    readerId: reader.id,
    doorId,
    direction,
    reason,
    ...extra,
  });
  if (!door) return deny('unknown_reader');
  // Not a credential at all, lockdown or not: the journal says what it was (and a forged code
  // counts for no keypad lockout).
  if (tap.kind === 'forged') return deny('credential_invalid');
  const revoked = s.revoked;
  if (s.lockdown.global || s.lockdown.doors.has(doorId)) return deny('lockdown');
  if (revoked && (revoked.lockdown.has('*') || revoked.lockdown.has(doorId))) return deny('lockdown');

  let visit: Visit | undefined;
  let badgeId: string | undefined;
  if (tap.kind === 'nfc') {
    // The proof before the UID: a badge that failed its challenge is refused as such, whatever
    // UID it claims; a secure door takes nothing less than a badge that proved its key.
    if (!credentialAccepted(door.credential, tap.credential ?? 'uid')) return deny('credential_invalid');
    const badge = s.badgesByUid.get(tap.uid);
    if (!badge) return deny('unknown_badge');
    badgeId = badge.id;
    // A personalised badge read as a bare UID where the reader could have asked for its key:
    // a copy of its UID (the migration door's gap, closed badge by badge as they are personalised).
    if (badge.credential === 'secure' && door.credential !== 'uid' && tap.credential !== 'secure')
      return deny('credential_invalid', { badgeId });
    if (badge.status === 'lost' || revoked?.badges.has(badge.id)) return deny('badge_lost', { badgeId });
    if (badge.status !== 'issued' || !badge.visitId) {
      // A returned badge remembers its last visit: that guest has checked out.
      return badge.lastVisitId
        ? deny('checked_out', { badgeId, visitId: badge.lastVisitId })
        : deny('badge_not_assigned', { badgeId });
    }
    visit = s.visits.get(badge.visitId);
    if (!visit) return deny('badge_not_assigned', { badgeId });
  } else {
    // A code typed at a reader that has no keypad (or a QR code shown to one without a camera).
    if (!reader.keypad) return deny('no_keypad');
    const pad = s.keypads.get(reader.id);
    if (pad?.lockedUntil !== undefined && now < pad.lockedUntil) return deny('keypad_locked');
    const visitId = s.codes.get(`${doorId}:${tap.codeHash}`);
    visit = visitId ? s.visits.get(visitId) : undefined;
    if (!visit) return deny('unknown_code');
  }
  const ids = { visitId: visit.id, ...(badgeId ? { badgeId } : {}) };

  if (visit.state === 'checked_out' || visit.state === 'closed') return deny('checked_out', ids);
  const withdrawn = revoked?.visits.get(visit.id);
  if (withdrawn) return deny(withdrawn, ids);
  if (!isApproved(visit)) return deny('visit_not_approved', ids);
  // A PIN alone works once the host accepted; a badge needs the badge step done.
  if (tap.kind === 'nfc' && visit.state !== 'badged') return deny('visit_not_approved', ids);
  // Leaving is never refused to a badged guest for time or room: egress over policy.
  if (direction === 'in') {
    // Grant late: back on the broker, the desk's news (a checkout meanwhile) is moments away.
    if (s.syncHoldUntil !== undefined && now < s.syncHoldUntil) return deny('syncing', ids);
    if (visit.validUntil !== undefined && now >= visit.validUntil) return deny('visit_expired', ids);
    if (door.kind === 'room' && (!visit.rooms.includes(doorId) || revoked?.rooms.get(visit.id)?.has(doorId)))
      return deny('door_not_allowed', ids);
    if (tap.kind === 'pin' && !visit.accessCode?.rooms.includes(doorId)) return deny('door_not_allowed', ids);
    const hours = door.hours ?? s.policy.officeHours;
    if (!isWithinHours(now, hours, s.policy.timezone)) return deny('outside_hours', ids);
    if (door.antiPassback && passbackRefuses(s.areas, s.presence.get(visit.id) ?? OUTSIDE, doorId))
      return deny('anti_passback', ids);
  }
  return {
    granted: true,
    readerId: reader.id,
    doorId,
    direction,
    ...ids,
    visitId: visit.id,
    pulseMs: door.pulseMs,
  };
}

/** Why a visit's badge opens no door now (the desk warns as it issues it). */
export interface ClosedNow {
  /** outside_hours: every door it may use is shut at this hour; visit_expired: its time is over. */
  reason: 'outside_hours' | 'visit_expired';
  /** The doors it may use (entrances and its rooms), all shut to it now. */
  doors: string[];
}

/**
 * Can the visit enter anywhere now? Undefined when at least one door it may use would let it in
 * at this hour (the entrance at least, in office hours); otherwise why not. Only time counts here:
 * a badge issued outside office hours, or for a visit whose end has passed, opens nothing, and
 * nothing else would tell the desk.
 */
export function closedNow(s: AccessSnapshot, visit: Visit, now: number): ClosedNow | undefined {
  const doors = [...s.doors.values()].filter(
    (d) =>
      (d.kind !== 'room' || visit.rooms.includes(d.id)) &&
      [...s.readers.values()].some((r) => r.role === 'door' && r.doorId === d.id && r.direction === 'in'),
  );
  if (doors.length === 0) return undefined;
  const ids = doors.map((d) => d.id);
  if (visit.validUntil !== undefined && now >= visit.validUntil)
    return { reason: 'visit_expired', doors: ids };
  const open = doors.some((d) => isWithinHours(now, d.hours ?? s.policy.officeHours, s.policy.timezone));
  return open ? undefined : { reason: 'outside_hours', doors: ids };
}

/** The visitor's area after a decision (domain/areas.ts): a refusal moves nobody. */
export function nextPresence(s: Pick<AccessSnapshot, 'areas'>, current: string, decision: Decision): string {
  if (!decision.granted) return current;
  return areaAfter(s.areas, current, decision.doorId, decision.direction);
}

/**
 * Keypad state after a PIN tap: wrong codes within the window count toward a lockout. A right
 * code does not clear them: an attacker holding one valid code (their own visit's) must not be
 * able to reset the count between guesses.
 */
export function nextKeypad(
  pad: { failures: number[]; lockedUntil?: number } | undefined,
  decision: Decision,
  now: number,
  limits: AccessSnapshot['policy']['keypadLockout'],
): { failures: number[]; lockedUntil?: number } | undefined {
  if (decision.granted || decision.reason !== 'unknown_code') return pad;
  const failures = [...(pad?.failures ?? []).filter((t) => now - t < limits.windowMs), now];
  if (failures.length >= limits.attempts) return { failures: [], lockedUntil: now + limits.lockMs };
  return { failures, ...(pad?.lockedUntil && now < pad.lockedUntil ? { lockedUntil: pad.lockedUntil } : {}) };
}

export function readerLabel(reader: Reader): string {
  return reader.role === 'desk'
    ? `${reader.id} (desk)`
    : `${reader.id} (${reader.doorId} ${reader.direction})`;
}
