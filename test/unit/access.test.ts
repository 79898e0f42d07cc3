// The access decision (decide), presence, keypad lockout and UID normalisation.
// Office: Asia/Jakarta, Mon-Fri 07:30-16:00; 'aula' opens Mon-Sat 06:00-20:00 and
// 'ruang-arsip' Mon-Fri 09:00-12:00 (door-specific hours); 'ruang-rapat' has anti-passback.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  closedNow,
  decide,
  nextKeypad,
  nextPresence,
  normaliseUid,
  readerLabel,
} from '../../src/domain/access.js';
import { OUTSIDE } from '../../src/domain/areas.js';
import type { AccessSnapshot, Decision, DenyReason, Tap, Visit } from '../../src/domain/types.js';
import { DENY_REASONS } from '../../src/domain/types.js';
import {
  badge,
  badgedGuest,
  door,
  doorReader,
  entrance,
  jkt,
  MINUTE,
  MON_0900,
  MONDAY,
  policy,
  reader,
  SATURDAY,
  type SnapshotInput,
  SUNDAY,
  snapshot,
  standardDoors,
  standardReaders,
  TUESDAY,
  visit,
} from './fixtures/domain.js';

const UID = '04A1B2C3D4E501';
const nfc = (readerId: string, uid = UID): Tap => ({ readerId, kind: 'nfc', uid });
const pin = (readerId: string, codeHash = 'h-123'): Tap => ({ readerId, kind: 'pin', codeHash });

/** A badged guest 'v1' (badge 'b-v1') with room 'ruang-kabag' and 'ruang-rapat', valid until 13:00. */
/** A badged guest v1 inside the building (past the entrance, at the room doors), unless `extra.presence` says otherwise. */
function guestWorld(v: Partial<Visit> = {}, extra: SnapshotInput = {}): { s: AccessSnapshot; visit: Visit } {
  const g = badgedGuest('v1', UID, { rooms: ['ruang-kabag', 'ruang-rapat'], ...v });
  return {
    s: snapshot({
      visits: [g.visit, ...(extra.visits ?? [])],
      badges: [g.badge, ...(extra.badges ?? [])],
      presence: { v1: 'building' },
      ...omit(extra),
    }),
    visit: g.visit,
  };
}
function omit(extra: SnapshotInput): SnapshotInput {
  const { visits: _v, badges: _b, ...rest } = extra;
  return rest;
}

/** An accepted (not badged) visit 'v2' with a keypad code 'h-123' for ruang-kabag and aula. */
function codeWorld(v: Partial<Visit> = {}, extra: SnapshotInput = {}): AccessSnapshot {
  const accepted = visit('v2', {
    state: 'accepted',
    rooms: ['ruang-kabag', 'aula'],
    accessCode: { hash: 'h-123', issuedAt: MON_0900 - MINUTE, rooms: ['ruang-kabag', 'aula'] },
    ...v,
  });
  return snapshot({ visits: [accepted], ...extra });
}

function denied(d: Decision): DenyReason | 'granted' {
  return d.granted ? 'granted' : d.reason;
}

const seen = new Set<DenyReason>();
function expectDenied(d: Decision, reason: DenyReason): void {
  expect(denied(d)).toBe(reason);
  seen.add(reason);
}

// ---------------------------------------------------------------------------------------------
describe('grants', () => {
  it('a badged visit enters the entrance: the decision carries door, direction, visit, badge and the pulse', () => {
    const { s } = guestWorld();
    expect(decide(s, nfc('pintu-utama-in'), MON_0900)).toEqual({
      granted: true,
      readerId: 'pintu-utama-in',
      doorId: 'pintu-utama',
      direction: 'in',
      visitId: 'v1',
      badgeId: 'b-v1',
      pulseMs: 2500,
    });
  });

  it("a granted room opens with that door's pulse", () => {
    const { s } = guestWorld();
    expect(decide(s, nfc('ruang-kabag-in'), MON_0900)).toMatchObject({
      granted: true,
      doorId: 'ruang-kabag',
      pulseMs: 4000,
    });
    expect(decide(s, nfc('ruang-rapat-in'), MON_0900)).toMatchObject({
      granted: true,
      doorId: 'ruang-rapat',
      pulseMs: 6000,
    });
  });

  it('a visit without any granted room still enters the entrance (entrances need no grant)', () => {
    const { s } = guestWorld({ rooms: [] });
    expect(decide(s, nfc('pintu-utama-in'), MON_0900).granted).toBe(true);
  });

  it('a PIN for a granted room opens for an accepted (not yet badged) visit; no badge in the decision', () => {
    const s = codeWorld();
    expect(decide(s, pin('ruang-kabag-in'), MON_0900)).toEqual({
      granted: true,
      readerId: 'ruang-kabag-in',
      doorId: 'ruang-kabag',
      direction: 'in',
      visitId: 'v2',
      pulseMs: 4000,
    });
  });

  it('a PIN works for a badged visit too', () => {
    const s = codeWorld({ state: 'badged', badgeId: 'b-x' });
    expect(decide(s, pin('ruang-kabag-in'), MON_0900).granted).toBe(true);
  });

  it('a badge also works at a keypad reader', () => {
    const { s } = guestWorld();
    expect(decide(s, nfc('ruang-kabag-in'), MON_0900).granted).toBe(true);
  });

  describe('exits (out-readers): egress over policy', () => {
    it('an expired visit is let out', () => {
      const { s } = guestWorld({ validUntil: MON_0900 - MINUTE });
      expectDenied(decide(s, nfc('pintu-utama-in'), MON_0900), 'visit_expired');
      expect(decide(s, nfc('pintu-utama-out'), MON_0900)).toMatchObject({
        granted: true,
        direction: 'out',
        pulseMs: 2500,
      });
    });

    it('outside office hours (Sunday night) the guest is let out', () => {
      const { s } = guestWorld({ validUntil: undefined });
      const t = jkt(SUNDAY, '22:00');
      expectDenied(decide(s, nfc('pintu-utama-in'), t), 'outside_hours');
      expect(decide(s, nfc('pintu-utama-out'), t).granted).toBe(true);
    });

    it('a room that was not granted is left through its out-reader', () => {
      const { s } = guestWorld({ rooms: [] });
      expectDenied(decide(s, nfc('ruang-rapat-in'), MON_0900), 'door_not_allowed');
      expect(decide(s, nfc('ruang-rapat-out'), MON_0900)).toMatchObject({
        granted: true,
        doorId: 'ruang-rapat',
        pulseMs: 6000,
      });
    });

    it('anti-passback does not hold an exit', () => {
      const { s } = guestWorld({}, { presence: { v1: 'ruang-rapat' } });
      expect(decide(s, nfc('ruang-rapat-out'), MON_0900).granted).toBe(true);
    });

    it('but NOT in a lockdown (global or of that door)', () => {
      const g = guestWorld({ validUntil: MON_0900 - MINUTE }, { lockdown: { global: true } });
      expectDenied(decide(g.s, nfc('pintu-utama-out'), MON_0900), 'lockdown');
      const d = guestWorld({}, { lockdown: { doors: ['pintu-utama'] } });
      expectDenied(decide(d.s, nfc('pintu-utama-out'), MON_0900), 'lockdown');
    });

    it('still not for a badge that was returned (checked out)', () => {
      const v = visit('v1', { state: 'checked_out' });
      const s = snapshot({
        visits: [v],
        badges: [badge('b1', UID, { status: 'available', lastVisitId: 'v1' })],
      });
      expectDenied(decide(s, nfc('pintu-utama-out'), MON_0900), 'checked_out');
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('denials, one reason per situation', () => {
  describe('unknown_reader', () => {
    it('no such reader: only the reader id is reported', () => {
      const { s } = guestWorld();
      const d = decide(s, nfc('no-such-reader'), MON_0900);
      expect(d).toEqual({ granted: false, readerId: 'no-such-reader', reason: 'unknown_reader' });
      seen.add('unknown_reader');
    });

    it('the desk reader opens nothing', () => {
      const { s } = guestWorld();
      expectDenied(decide(s, nfc('desk'), MON_0900), 'unknown_reader');
    });

    it('a door reader without door or direction, or bound to a door that does not exist', () => {
      const readers = [
        ...standardReaders(),
        reader('no-door', { direction: 'in' }),
        reader('no-direction', { doorId: 'pintu-utama' }),
        doorReader('ghost-in', 'gudang', 'in'),
      ];
      const g = badgedGuest('v1', UID);
      const s = snapshot({ readers, visits: [g.visit], badges: [g.badge] });
      expectDenied(decide(s, nfc('no-door'), MON_0900), 'unknown_reader');
      expectDenied(decide(s, nfc('no-direction'), MON_0900), 'unknown_reader');
      expect(decide(s, nfc('ghost-in'), MON_0900)).toEqual({
        granted: false,
        readerId: 'ghost-in',
        doorId: 'gudang',
        direction: 'in',
        reason: 'unknown_reader',
      });
    });
  });

  it('no_keypad: a code typed at a known reader that has no keypad says so (not unknown_reader)', () => {
    const s = codeWorld({
      rooms: ['ruang-rapat'],
      accessCode: { hash: 'h-123', issuedAt: 0, rooms: ['ruang-rapat'] },
    });
    expectDenied(decide(s, pin('ruang-rapat-in'), MON_0900), 'no_keypad');
  });

  describe('lockdown', () => {
    it('global lockdown refuses a valid badge at every door', () => {
      const { s } = guestWorld({}, { lockdown: { global: true } });
      for (const r of ['pintu-utama-in', 'ruang-kabag-in', 'ruang-rapat-in'])
        expectDenied(decide(s, nfc(r), MON_0900), 'lockdown');
    });

    it('a door lockdown refuses that door only', () => {
      const { s } = guestWorld({}, { lockdown: { doors: ['ruang-kabag'] } });
      expectDenied(decide(s, nfc('ruang-kabag-in'), MON_0900), 'lockdown');
      expect(decide(s, nfc('ruang-rapat-in'), MON_0900).granted).toBe(true);
      expect(decide(s, nfc('pintu-utama-in'), MON_0900).granted).toBe(true);
    });

    it('lockdown refuses a valid PIN, and comes before the credential checks', () => {
      expectDenied(
        decide(codeWorld({}, { lockdown: { global: true } }), pin('ruang-kabag-in'), MON_0900),
        'lockdown',
      );
      // An unknown badge during a lockdown is told "lockdown", not "unknown_badge".
      expectDenied(
        decide(snapshot({ lockdown: { global: true } }), nfc('pintu-utama-in', 'FFFFFFFF'), MON_0900),
        'lockdown',
      );
    });

    it('reports no visit or badge (the credential was not read)', () => {
      const { s } = guestWorld({}, { lockdown: { global: true } });
      expect(decide(s, nfc('pintu-utama-in'), MON_0900)).toEqual({
        granted: false,
        readerId: 'pintu-utama-in',
        doorId: 'pintu-utama',
        direction: 'in',
        reason: 'lockdown',
      });
    });
  });

  it('unknown_badge: a UID not in the pool', () => {
    const { s } = guestWorld();
    const d = decide(s, nfc('pintu-utama-in', '04FFFFFFFFFFFF'), MON_0900);
    expectDenied(d, 'unknown_badge');
    expect(d).not.toHaveProperty('badgeId');
    expect(d).not.toHaveProperty('visitId');
  });

  it('badge_lost: a lost badge is refused even while still bound to a valid visit', () => {
    const g = badgedGuest('v1', UID);
    const s = snapshot({ visits: [g.visit], badges: [{ ...g.badge, status: 'lost' }] });
    const d = decide(s, nfc('pintu-utama-in'), MON_0900);
    expectDenied(d, 'badge_lost');
    expect(d).toMatchObject({ badgeId: 'b-v1' });
  });

  it('badge_not_assigned: an available badge that never served, an issued one without visit, or bound to a missing visit', () => {
    const badges = [
      badge('b-new', '04000000000001'),
      badge('b-half', '04000000000002', { status: 'issued' }),
      badge('b-orphan', '04000000000003', { status: 'issued', visitId: 'v-gone' }),
    ];
    const s = snapshot({ badges });
    for (const b of badges) {
      const d = decide(s, nfc('pintu-utama-in', b.uid), MON_0900);
      expectDenied(d, 'badge_not_assigned');
      expect(d).toMatchObject({ badgeId: b.id });
    }
  });

  it('checked_out: a returned (available) badge that remembers its last visit', () => {
    const s = snapshot({ badges: [badge('b1', UID, { status: 'available', lastVisitId: 'v-old' })] });
    const d = decide(s, nfc('pintu-utama-in'), MON_0900);
    expectDenied(d, 'checked_out');
    expect(d).toMatchObject({ badgeId: 'b1', visitId: 'v-old' });
  });

  it.each(['checked_out', 'closed'] as const)('checked_out: a badge still bound to a %s visit', (state) => {
    const { s } = guestWorld({ state });
    expectDenied(decide(s, nfc('pintu-utama-in'), MON_0900), 'checked_out');
    expectDenied(decide(s, nfc('pintu-utama-out'), MON_0900), 'checked_out');
  });

  it.each([
    'arrived',
    'screened',
    'awaiting_host',
    'screening_refused',
    'host_refused',
    'rescheduled',
    'cancelled',
  ] as const)('visit_not_approved: a badge bound to a %s visit', (state) => {
    const { s } = guestWorld({ state });
    const d = decide(s, nfc('pintu-utama-in'), MON_0900);
    expectDenied(d, 'visit_not_approved');
    expect(d).toMatchObject({ visitId: 'v1', badgeId: 'b-v1' });
    expectDenied(decide(s, nfc('pintu-utama-out'), MON_0900), 'visit_not_approved');
  });

  it('visit_not_approved: an NFC tap for an accepted but not yet badged visit', () => {
    const { s } = guestWorld({ state: 'accepted' });
    expectDenied(decide(s, nfc('pintu-utama-in'), MON_0900), 'visit_not_approved');
  });

  it('visit_not_approved: a PIN of a visit that is no longer approved (cancelled)', () => {
    expectDenied(
      decide(codeWorld({ state: 'cancelled' }), pin('ruang-kabag-in'), MON_0900),
      'visit_not_approved',
    );
    expectDenied(decide(codeWorld({ state: 'closed' }), pin('ruang-kabag-in'), MON_0900), 'checked_out');
  });

  it('visit_expired: now >= validUntil, to the millisecond', () => {
    const end = jkt(MONDAY, '11:00');
    const { s } = guestWorld({ validUntil: end });
    expect(decide(s, nfc('pintu-utama-in'), end - 1).granted).toBe(true);
    const d = decide(s, nfc('pintu-utama-in'), end);
    expectDenied(d, 'visit_expired');
    expect(d).toMatchObject({ visitId: 'v1', badgeId: 'b-v1' });
    expectDenied(decide(codeWorld({ validUntil: end }), pin('ruang-kabag-in'), end), 'visit_expired');
  });

  it('a visit without validUntil never expires', () => {
    const { s } = guestWorld({ validUntil: undefined });
    expect(decide(s, nfc('pintu-utama-in'), jkt(TUESDAY, '15:00')).granted).toBe(true);
  });

  it('door_not_allowed: a room the host did not grant', () => {
    const { s } = guestWorld({ rooms: ['ruang-kabag'] });
    const d = decide(s, nfc('ruang-rapat-in'), MON_0900);
    expectDenied(d, 'door_not_allowed');
    expect(d).toMatchObject({ doorId: 'ruang-rapat', visitId: 'v1' });
  });

  it('door_not_allowed: a PIN for a room granted to the visit but not covered by its code', () => {
    // Room aula granted later without a new code: the code still covers ruang-kabag only.
    const s = codeWorld(
      {
        rooms: ['ruang-kabag', 'aula'],
        accessCode: { hash: 'h-123', issuedAt: 0, rooms: ['ruang-kabag'] },
      },
      { codes: [['aula:h-123', 'v2']] },
    );
    expect(decide(s, pin('ruang-kabag-in'), MON_0900).granted).toBe(true);
    expectDenied(decide(s, pin('aula-in'), MON_0900), 'door_not_allowed');
  });

  it('door_not_allowed: a PIN for a room not granted at all', () => {
    const s = codeWorld(
      { rooms: ['ruang-kabag'], accessCode: { hash: 'h-123', issuedAt: 0, rooms: ['ruang-kabag'] } },
      {
        codes: [['aula:h-123', 'v2']],
      },
    );
    expectDenied(decide(s, pin('aula-in'), MON_0900), 'door_not_allowed');
  });

  describe('outside_hours (Asia/Jakarta, Mon-Fri 07:30-16:00)', () => {
    const { s } = guestWorld({ validUntil: undefined });
    const at = (date: string, time: string) => decide(s, nfc('pintu-utama-in'), jkt(date, time));

    it.each([
      [SATURDAY, '10:00'],
      [SUNDAY, '10:00'],
      [MONDAY, '07:29'],
      [MONDAY, '06:00'],
      [MONDAY, '16:00'],
      [MONDAY, '16:30'],
      [MONDAY, '23:59'],
    ])('%s %s is outside', (date, time) => {
      expectDenied(at(date, time), 'outside_hours');
    });

    it.each([
      [MONDAY, '07:30'],
      [MONDAY, '15:59'],
      ['2025-03-07', '12:00'],
    ])('%s %s is inside', (date, time) => {
      expect(at(date, time).granted).toBe(true);
    });

    it('is Jakarta time, not UTC: 16:30 Jakarta (09:30 UTC) is closed, 08:00 Jakarta (01:00 UTC) open', () => {
      expectDenied(decide(s, nfc('pintu-utama-in'), Date.UTC(2025, 2, 3, 9, 30)), 'outside_hours');
      expect(decide(s, nfc('pintu-utama-in'), Date.UTC(2025, 2, 3, 1, 0)).granted).toBe(true);
    });

    it('door-specific hours override the office hours, both ways', () => {
      const g = guestWorld({ validUntil: undefined, rooms: ['aula', 'ruang-arsip'] });
      // aula: Mon-Sat 06:00-20:00 -> open on Saturday and early/late, while the entrance is shut.
      expect(decide(g.s, nfc('aula-in'), jkt(SATURDAY, '10:00')).granted).toBe(true);
      expect(decide(g.s, nfc('aula-in'), jkt(MONDAY, '06:30')).granted).toBe(true);
      expect(decide(g.s, nfc('aula-in'), jkt(MONDAY, '19:59')).granted).toBe(true);
      expectDenied(decide(g.s, nfc('aula-in'), jkt(SUNDAY, '10:00')), 'outside_hours');
      expectDenied(decide(g.s, nfc('aula-in'), jkt(MONDAY, '20:00')), 'outside_hours');
      // ruang-arsip: Mon-Fri 09:00-12:00 -> shut at 13:00 although the office is open.
      expect(decide(g.s, nfc('ruang-arsip-in'), jkt(MONDAY, '09:00')).granted).toBe(true);
      expectDenied(decide(g.s, nfc('ruang-arsip-in'), jkt(MONDAY, '08:59')), 'outside_hours');
      expectDenied(decide(g.s, nfc('ruang-arsip-in'), jkt(MONDAY, '13:00')), 'outside_hours');
      expect(decide(g.s, nfc('pintu-utama-in'), jkt(MONDAY, '13:00')).granted).toBe(true);
    });

    it('applies to PIN taps', () => {
      expectDenied(
        decide(codeWorld({ validUntil: undefined }), pin('ruang-kabag-in'), jkt(SATURDAY, '10:00')),
        'outside_hours',
      );
    });
  });

  describe('anti_passback', () => {
    it('a second entry without an exit is refused where the door has antiPassback', () => {
      const { s } = guestWorld({}, { presence: { v1: 'ruang-rapat' } });
      const d = decide(s, nfc('ruang-rapat-in'), MON_0900);
      expectDenied(d, 'anti_passback');
      expect(d).toMatchObject({ visitId: 'v1', doorId: 'ruang-rapat' });
    });

    it('without the flag a second entry is fine', () => {
      const { s } = guestWorld({}, { presence: { v1: 'ruang-kabag' } });
      expect(decide(s, nfc('ruang-kabag-in'), MON_0900).granted).toBe(true);
      expect(decide(s, nfc('pintu-utama-in'), MON_0900).granted).toBe(true);
    });

    it('being inside another door does not count', () => {
      const { s } = guestWorld({}, { presence: { v1: 'ruang-kabag', v9: 'ruang-rapat' } });
      expect(decide(s, nfc('ruang-rapat-in'), MON_0900).granted).toBe(true);
    });

    it('the full cycle through presence: in, in again refused, out, in again granted', () => {
      const g = badgedGuest('v1', UID, { rooms: ['ruang-rapat'] });
      let presence: Record<string, string> = {};
      const tap = (r: string) => {
        const s = snapshot({ visits: [g.visit], badges: [g.badge], presence });
        const d = decide(s, nfc(r), MON_0900);
        const next = nextPresence(s, s.presence.get('v1') ?? OUTSIDE, d);
        presence = next === OUTSIDE ? {} : { v1: next };
        return d;
      };
      // Areas (issue 13): the room is behind the entrance, so the guest comes in through it first.
      expectDenied(tap('ruang-rapat-in'), 'anti_passback');
      expect(tap('pintu-utama-in').granted).toBe(true);
      expect(tap('ruang-rapat-in').granted).toBe(true);
      expectDenied(tap('ruang-rapat-in'), 'anti_passback');
      expect(tap('ruang-rapat-out').granted).toBe(true);
      expect(tap('ruang-rapat-in').granted).toBe(true);
    });
  });

  it('unknown_code: no active code for this door', () => {
    const s = codeWorld();
    expectDenied(decide(s, pin('ruang-kabag-in', 'h-wrong'), MON_0900), 'unknown_code');
    // A valid code of another door is unknown here: aula's keypad knows it, not a door without it.
    const only = codeWorld({
      rooms: ['ruang-kabag'],
      accessCode: { hash: 'h-123', issuedAt: 0, rooms: ['ruang-kabag'] },
    });
    expectDenied(decide(only, pin('aula-in'), MON_0900), 'unknown_code');
    // A code entry pointing to a visit that is gone.
    const stale = snapshot({ codes: [['ruang-kabag:h-9', 'v-gone']] });
    expectDenied(decide(stale, pin('ruang-kabag-in', 'h-9'), MON_0900), 'unknown_code');
  });

  it('keypad_locked: while locked even the right code is refused; badges still work there', () => {
    const lockedUntil = MON_0900 + 5 * MINUTE;
    const g = badgedGuest('v1', UID, { rooms: ['ruang-kabag'] });
    const s = codeWorld();
    const both = snapshot({
      visits: [...s.visits.values(), g.visit],
      badges: [g.badge],
      keypads: { 'ruang-kabag-in': { failures: [], lockedUntil } },
    });
    expectDenied(decide(both, pin('ruang-kabag-in'), MON_0900), 'keypad_locked');
    expectDenied(decide(both, pin('ruang-kabag-in', 'h-wrong'), lockedUntil - 1), 'keypad_locked');
    expect(decide(both, pin('ruang-kabag-in'), lockedUntil).granted).toBe(true);
    expect(decide(both, nfc('ruang-kabag-in'), MON_0900).granted).toBe(true);
    // Another keypad is not locked.
    expect(decide(both, pin('aula-in'), MON_0900).granted).toBe(true);
  });

  it('credential_invalid: a failed challenge at any door; less than a proven key at a secure door', () => {
    const secureDoors = standardDoors().map((d) =>
      d.id === 'pintu-utama' ? { ...d, credential: 'secure' as const } : d,
    );
    const { s } = guestWorld({}, { doors: secureDoors });
    const tap = (credential?: 'secure' | 'uid' | 'invalid'): Tap => ({
      ...nfc('pintu-utama-in'),
      ...(credential ? { credential } : {}),
    });
    expect(decide(s, tap('secure'), MON_0900).granted).toBe(true);
    expectDenied(decide(s, tap('uid'), MON_0900), 'credential_invalid');
    expectDenied(decide(s, tap(), MON_0900), 'credential_invalid');
    expectDenied(decide(s, tap('invalid'), MON_0900), 'credential_invalid');
    // A uid door still refuses a badge that failed its challenge (a clone of a secure badge).
    const uidDoors = guestWorld().s;
    expectDenied(decide(uidDoors, tap('invalid'), MON_0900), 'credential_invalid');
    expect(decide(uidDoors, tap('uid'), MON_0900).granted).toBe(true);
    // secure-or-uid: a card without the application passes on its UID, a failed one does not.
    const migrating = guestWorld(
      {},
      {
        doors: standardDoors().map((d) =>
          d.id === 'pintu-utama' ? { ...d, credential: 'secure-or-uid' as const } : d,
        ),
      },
    ).s;
    expect(decide(migrating, tap('uid'), MON_0900).granted).toBe(true);
    expect(decide(migrating, tap('secure'), MON_0900).granted).toBe(true);
    expectDenied(decide(migrating, tap('invalid'), MON_0900), 'credential_invalid');
    // Once personalised, the badge must prove its key there too: a copy of its UID is refused.
    const personalised = new Map(migrating.badgesByUid);
    personalised.set(UID, { ...personalised.get(UID)!, credential: 'secure' });
    const after = { ...migrating, badgesByUid: personalised };
    expectDenied(decide(after, tap('uid'), MON_0900), 'credential_invalid');
    expect(decide(after, tap('uid'), MON_0900)).toMatchObject({ badgeId: 'b-v1' });
    expect(decide(after, tap('secure'), MON_0900).granted).toBe(true);
    // ...while a uid door, whose reader never asks, still takes it.
    const uidPersonalised = { ...uidDoors, badgesByUid: personalised };
    expect(decide(uidPersonalised, tap('uid'), MON_0900).granted).toBe(true);
  });

  it("syncing: a fleet door gateway back on its broker holds a visit's entry until it knows, never its exit", () => {
    const until = MON_0900 + 3000;
    const { s } = guestWorld();
    const held: AccessSnapshot = { ...s, syncHoldUntil: until };
    const d = decide(held, nfc('pintu-utama-in'), MON_0900);
    expectDenied(d, 'syncing');
    expect(d).toMatchObject({ visitId: 'v1', badgeId: 'b-v1' });
    expectDenied(
      decide({ ...codeWorld(), syncHoldUntil: until }, pin('ruang-kabag-in'), MON_0900),
      'syncing',
    );
    // Leaving is never held; the hold ends at its time; what is known refused stays refused as such.
    expect(decide(held, nfc('pintu-utama-out'), MON_0900).granted).toBe(true);
    expect(decide(held, nfc('pintu-utama-in'), until).granted).toBe(true);
    const ended = guestWorld({ state: 'closed' });
    expectDenied(
      decide({ ...ended.s, syncHoldUntil: until }, nfc('pintu-utama-in'), MON_0900),
      'checked_out',
    );
  });

  it('every DenyReason is reachable (this file reaches all but the escort ones)', () => {
    // awaiting_escort, awaiting_guest and escort_required: test/unit/escort.property.test.ts.
    const escort = ['awaiting_escort', 'awaiting_guest', 'escort_required'];
    expect([...seen].sort()).toEqual(DENY_REASONS.filter((r) => !escort.includes(r)).sort());
  });
});

// ---------------------------------------------------------------------------------------------
describe('the order of the checks', () => {
  it('lockdown before anything about the credential or the visit', () => {
    const { s } = guestWorld(
      { state: 'cancelled', validUntil: 0, rooms: [] },
      { lockdown: { global: true } },
    );
    expectDenied(decide(s, nfc('ruang-rapat-in'), jkt(SUNDAY, '03:00')), 'lockdown');
  });

  it('checked_out before not-approved; not-approved before expiry', () => {
    const { s } = guestWorld({ state: 'closed', validUntil: 0 });
    expectDenied(decide(s, nfc('pintu-utama-in'), MON_0900), 'checked_out');
    const c = guestWorld({ state: 'cancelled', validUntil: 0 });
    expectDenied(decide(c.s, nfc('pintu-utama-in'), MON_0900), 'visit_not_approved');
  });

  it('expiry before the room; the room before the hours; the hours before anti-passback', () => {
    const t = jkt(SATURDAY, '10:00');
    const exp = guestWorld({ validUntil: 0, rooms: [] }, { presence: { v1: 'ruang-rapat' } });
    expectDenied(decide(exp.s, nfc('ruang-rapat-in'), t), 'visit_expired');
    const room = guestWorld({ validUntil: undefined, rooms: [] }, { presence: { v1: 'ruang-rapat' } });
    expectDenied(decide(room.s, nfc('ruang-rapat-in'), t), 'door_not_allowed');
    const hours = guestWorld({ validUntil: undefined }, { presence: { v1: 'ruang-rapat' } });
    expectDenied(decide(hours.s, nfc('ruang-rapat-in'), t), 'outside_hours');
  });

  it('keypad_locked before unknown_code', () => {
    const s = snapshot({ keypads: { 'ruang-kabag-in': { failures: [], lockedUntil: MON_0900 + 1 } } });
    expectDenied(decide(s, pin('ruang-kabag-in', 'nope'), MON_0900), 'keypad_locked');
  });

  it('badge_lost before checked_out (a lost badge with a last visit)', () => {
    const s = snapshot({ badges: [badge('b1', UID, { status: 'lost', lastVisitId: 'v-old' })] });
    expectDenied(decide(s, nfc('pintu-utama-in'), MON_0900), 'badge_lost');
  });
});

// ---------------------------------------------------------------------------------------------
describe('decide is pure', () => {
  it('does not touch the snapshot and gives the same answer twice', () => {
    const { s } = guestWorld(
      {},
      { presence: { v1: 'ruang-rapat' }, keypads: { 'aula-in': { failures: [1, 2] } } },
    );
    const before =
      JSON.stringify([...s.visits], null, 0) + JSON.stringify([...s.presence].map(([k, v]) => [k, [...v]]));
    const a = decide(s, nfc('ruang-rapat-in'), MON_0900);
    const b = decide(s, nfc('ruang-rapat-in'), MON_0900);
    expect(a).toEqual(b);
    expect(
      JSON.stringify([...s.visits], null, 0) + JSON.stringify([...s.presence].map(([k, v]) => [k, [...v]])),
    ).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
describe('nextPresence', () => {
  const grantIn: Decision = {
    granted: true,
    readerId: 'r',
    doorId: 'd1',
    direction: 'in',
    visitId: 'v',
    pulseMs: 1,
  };
  const grantOut: Decision = { ...grantIn, direction: 'out' };
  const refusal: Decision = {
    granted: false,
    readerId: 'r',
    doorId: 'd1',
    direction: 'in',
    reason: 'lockdown',
  };

  const s = snapshot({ doors: [entrance('d0'), door('d1')] });

  it("an entry moves the visit into the door's inner area; an exit into its outer area", () => {
    expect(nextPresence(s, OUTSIDE, grantIn)).toBe('d1');
    expect(nextPresence(s, 'building', grantIn)).toBe('d1');
    expect(nextPresence(s, 'd1', grantOut)).toBe('building');
    expect(nextPresence(s, OUTSIDE, { ...grantIn, doorId: 'd0' })).toBe('building');
    expect(nextPresence(s, 'd1', { ...grantOut, doorId: 'd0' })).toBe(OUTSIDE);
  });

  it('a denial, or a door the areas do not know, moves nobody', () => {
    expect(nextPresence(s, 'd1', refusal)).toBe('d1');
    expect(nextPresence(s, 'd1', { ...grantIn, doorId: 'ghost' })).toBe('d1');
  });

  it('readerLabel names desk and door readers', () => {
    expect(readerLabel({ id: 'desk', role: 'desk' })).toBe('desk (desk)');
    expect(readerLabel(doorReader('x-in', 'x', 'in'))).toBe('x-in (x in)');
  });
});

// ---------------------------------------------------------------------------------------------
describe('nextKeypad and the keypad lockout', () => {
  const limits = policy().keypadLockout; // 3 wrong codes within 60 s lock for 5 min
  const wrong = (readerId = 'ruang-kabag-in'): Decision => ({
    granted: false,
    readerId,
    doorId: 'ruang-kabag',
    direction: 'in',
    reason: 'unknown_code',
  });
  const ok: Decision = {
    granted: true,
    readerId: 'ruang-kabag-in',
    doorId: 'ruang-kabag',
    direction: 'in',
    visitId: 'v2',
    pulseMs: 1,
  };
  const s = 1000;

  it('locks after `attempts` wrong codes within the window, for lockMs', () => {
    const t0 = MON_0900;
    let pad = nextKeypad(undefined, wrong(), t0, limits);
    expect(pad).toEqual({ failures: [t0] });
    pad = nextKeypad(pad, wrong(), t0 + 10 * s, limits);
    expect(pad).toEqual({ failures: [t0, t0 + 10 * s] });
    pad = nextKeypad(pad, wrong(), t0 + 20 * s, limits);
    expect(pad).toEqual({ failures: [], lockedUntil: t0 + 20 * s + limits.lockMs });
  });

  it('end to end with decide: three wrong codes lock the keypad; the lock expires', () => {
    const base = codeWorld();
    let pad: { failures: number[]; lockedUntil?: number } | undefined;
    const tap = (hash: string, now: number) => {
      const snap: AccessSnapshot = { ...base, keypads: new Map(pad ? [['ruang-kabag-in', pad]] : []) };
      const d = decide(snap, pin('ruang-kabag-in', hash), now);
      pad = nextKeypad(pad, d, now, limits);
      return d;
    };
    const t0 = MON_0900;
    expectDenied(tap('x1', t0), 'unknown_code');
    expectDenied(tap('x2', t0 + 5 * s), 'unknown_code');
    expectDenied(tap('x3', t0 + 10 * s), 'unknown_code');
    expectDenied(tap('h-123', t0 + 11 * s), 'keypad_locked');
    // Taps while locked do not extend the lock.
    expectDenied(tap('x4', t0 + 200 * s), 'keypad_locked');
    expect(pad?.lockedUntil).toBe(t0 + 10 * s + limits.lockMs);
    // The lock ends exactly at lockedUntil.
    expect(tap('h-123', t0 + 10 * s + limits.lockMs).granted).toBe(true);
    expect(pad?.failures).toEqual([]);
  });

  it('failures outside the window are forgotten (no lockout when spread out)', () => {
    let pad: ReturnType<typeof nextKeypad>;
    const t0 = MON_0900;
    for (let i = 0; i < 10; i++) {
      pad = nextKeypad(pad, wrong(), t0 + i * 31 * s, limits);
      expect(pad?.lockedUntil).toBeUndefined();
      expect(pad?.failures.length).toBeLessThanOrEqual(2);
    }
  });

  it('a failure exactly windowMs old is out of the window; one ms younger is in', () => {
    const t0 = MON_0900;
    const pad = { failures: [t0, t0 + 1] };
    expect(nextKeypad(pad, wrong(), t0 + limits.windowMs, limits)).toEqual({
      failures: [t0 + 1, t0 + limits.windowMs],
    });
    expect(nextKeypad(pad, wrong(), t0 + limits.windowMs - 1, limits)).toEqual({
      failures: [],
      lockedUntil: t0 + limits.windowMs - 1 + limits.lockMs,
    });
  });

  it('other denials leave the keypad as it is', () => {
    const pad = { failures: [MON_0900] };
    for (const reason of ['door_not_allowed', 'outside_hours', 'keypad_locked', 'visit_expired'] as const) {
      const d: Decision = { granted: false, readerId: 'ruang-kabag-in', reason };
      expect(nextKeypad(pad, d, MON_0900 + s, limits)).toBe(pad);
    }
    expect(
      nextKeypad(undefined, { granted: false, readerId: 'x', reason: 'keypad_locked' }, MON_0900, limits),
    ).toBeUndefined();
  });

  it('a right code does not clear past failures (issue 11: an attacker typing their own code every fifth try)', () => {
    const pad = { failures: [MON_0900, MON_0900 + s] };
    expect(nextKeypad(pad, ok, MON_0900 + 2 * s, limits)).toBe(pad);
    expect(nextKeypad(pad, wrong(), MON_0900 + 3 * s, limits)).toEqual({
      failures: [],
      lockedUntil: MON_0900 + 3 * s + limits.lockMs,
    });
  });

  it('right codes interleaved with wrong ones never keep a keypad from locking', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), (rights) => {
        // `attempts` wrong codes within the window, with any number of right codes between them.
        let pad: ReturnType<typeof nextKeypad>;
        let t = MON_0900;
        let wrongs = 0;
        for (const right of rights) {
          if (wrongs === limits.attempts) break;
          t += 100;
          pad = nextKeypad(pad, right ? ok : wrong(), t, limits);
          if (!right) wrongs++;
        }
        while (wrongs < limits.attempts) {
          t += 100;
          pad = nextKeypad(pad, wrong(), t, limits);
          wrongs++;
        }
        expect(pad?.lockedUntil).toBe(t + limits.lockMs);
      }),
    );
  });

  it('a still-running lock is kept by a wrong code that does not itself lock', () => {
    const limits1 = { attempts: 3, windowMs: 10 * s, lockMs: 600 * s };
    const pad = { failures: [], lockedUntil: MON_0900 + 100 * s };
    expect(nextKeypad(pad, wrong(), MON_0900, limits1)).toEqual({
      failures: [MON_0900],
      lockedUntil: MON_0900 + 100 * s,
    });
    // After it ended, it is dropped.
    expect(nextKeypad(pad, wrong(), MON_0900 + 100 * s, limits1)).toEqual({ failures: [MON_0900 + 100 * s] });
  });

  it('attempts = 1 locks on the first wrong code', () => {
    expect(nextKeypad(undefined, wrong(), MON_0900, { ...limits, attempts: 1 })).toEqual({
      failures: [],
      lockedUntil: MON_0900 + limits.lockMs,
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('normaliseUid', () => {
  it.each([
    ['04a1b2c3', '04A1B2C3'], // 4 bytes
    ['04:a1:b2:c3', '04A1B2C3'],
    ['04-A1-B2-C3', '04A1B2C3'],
    ['04 a1 b2 c3', '04A1B2C3'],
    ['04a1b2c3\r\n', '04A1B2C3'], // a serial reader's line ending
    ['\t04:A1-b2 c3 ', '04A1B2C3'],
    ['04A1B2C3D4E501', '04A1B2C3D4E501'], // 7 bytes
    ['04:a1:b2:c3:d4:e5:01', '04A1B2C3D4E501'],
    ['04A1B2C3D4E5F6A7B8C9', '04A1B2C3D4E5F6A7B8C9'], // 10 bytes
    ['04-a1-b2-c3-d4-e5-f6-a7-b8-c9', '04A1B2C3D4E5F6A7B8C9'],
  ])('%j -> %s', (raw, expected) => {
    expect(normaliseUid(raw)).toBe(expected);
  });

  it.each([
    '', // empty
    '04A1B2', // 3 bytes: too short
    '04A1B2C', // odd length
    '04A1B2C3D', // odd length
    '04A1B2G3', // not hex
    '0x04A1B2C3', // prefix
    '04.A1.B2.C3', // '.' is not a separator
    '04A1B2C3D4E5F6A7B8C9D0', // 11 bytes: too long
    'TAMU-01', // a label, not a UID
    '04A1 B2Z3',
  ])('%j -> null', (raw) => {
    expect(normaliseUid(raw)).toBeNull();
  });

  it('is idempotent on its output', () => {
    for (const raw of ['04:a1:b2:c3', '04a1b2c3d4e501', '04-a1-b2-c3-d4-e5-f6-a7-b8-c9']) {
      const once = normaliseUid(raw)!;
      expect(normaliseUid(once)).toBe(once);
    }
  });

  it('a normalised UID finds the badge a differently written one was enrolled with', () => {
    const g = badgedGuest('v1', normaliseUid('04:a1:b2:c3:d4:e5:01')!);
    const s = snapshot({ visits: [g.visit], badges: [g.badge] });
    expect(decide(s, nfc('pintu-utama-in', normaliseUid('04 A1 B2 C3 D4 E5 01')!), MON_0900).granted).toBe(
      true,
    );
  });
});

describe('closedNow: a badge that opens no door now (the desk warns as it issues it)', () => {
  it('open in office hours; shut after them, naming the doors the visit may use', () => {
    const { s, visit: v } = guestWorld({ validUntil: undefined });
    expect(closedNow(s, v, MON_0900)).toBeUndefined();
    const evening = closedNow(s, v, jkt(MONDAY, '19:00'));
    expect(evening?.reason).toBe('outside_hours');
    expect(evening?.doors).toEqual(expect.arrayContaining(['pintu-utama', 'ruang-kabag', 'ruang-rapat']));
    // Rooms it was not given are not its doors.
    expect(evening?.doors).not.toContain('aula');
  });

  it('a door of its own with longer hours (aula, until 20:00) still opens at 19:00', () => {
    const { s, visit: v } = guestWorld({ validUntil: undefined, rooms: ['aula'] });
    expect(closedNow(s, v, jkt(MONDAY, '19:00'))).toBeUndefined();
    expect(closedNow(s, v, jkt(MONDAY, '21:00'))?.reason).toBe('outside_hours');
  });

  it('a visit whose time is over opens nothing, whatever the hour', () => {
    const { s, visit: v } = guestWorld({ validUntil: MON_0900 - MINUTE });
    expect(closedNow(s, v, MON_0900)).toMatchObject({ reason: 'visit_expired' });
  });
});
