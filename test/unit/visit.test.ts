// The SOP visit lifecycle (SOP.md steps 1-7): legal and illegal transitions, input
// validation, history, the visit window, access codes and the SOP step timings.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { VisitEvent } from '../../src/domain/events.js';
import type { Actor, Visit, VisitAction, VisitState } from '../../src/domain/types.js';
import { TERMINAL_STATES } from '../../src/domain/types.js';
import {
  applyVisitEvent,
  handleVisitCommand,
  isApproved,
  isTerminal,
  SOP_STANDARD_MINUTES,
  stepTimings,
  TRANSITIONS,
  type VisitCommand,
  type VisitContext,
  visitWindowEnd,
} from '../../src/domain/visit.js';
import {
  ALL_STATES,
  ARRIVE,
  DESK_APP,
  drive,
  FRIDAY,
  HOST_ACTOR,
  host,
  jkt,
  MINUTE,
  MON_0900,
  MONDAY,
  policy,
  RECEPTIONIST,
  SATURDAY,
  SECURITY,
  visitContext,
  visitIn,
} from './fixtures/domain.js';

const ctx = visitContext();
const at = (now: number, actor: Actor = RECEPTIONIST): VisitContext => ({ ...ctx, now, actor });
const KTP = { type: 'ktp' as const, masked: '35**********0001' };

function expectDomainError(
  fn: () => unknown,
  code: DomainError['code'],
  field?: string,
  message?: RegExp,
): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DomainError to be thrown').toBeInstanceOf(DomainError);
  const e = caught as DomainError;
  expect(e.code).toBe(code);
  if (field !== undefined) expect(e.field).toBe(field);
  if (message) expect(e.message).toMatch(message);
}

/** A valid command for each action: only the state may make it fail. */
const VALID: Record<VisitAction, VisitCommand> = {
  arrive: ARRIVE,
  screen: { action: 'screen', passed: true },
  guestbook: { action: 'guestbook' },
  decide: { action: 'decide', outcome: 'accepted', rooms: ['ruang-kabag'] },
  grant: { action: 'grant', rooms: ['ruang-rapat'] },
  withdraw: { action: 'withdraw', rooms: ['ruang-kabag'] },
  issue_badge: { action: 'issue_badge', badgeId: 'b-01', collateral: KTP },
  checkout: { action: 'checkout', badgeReturned: true, documentReturned: true },
  return_document: { action: 'return_document' },
  cancel: { action: 'cancel' },
};
const ACTIONS = Object.keys(VALID) as VisitAction[];

// ---------------------------------------------------------------------------------------------
describe('the transition table', () => {
  it('matches the SOP: where each action may start from', () => {
    const expected: Record<VisitAction, (VisitState | null)[]> = {
      arrive: [null],
      screen: ['arrived'],
      guestbook: ['screened'],
      decide: ['awaiting_host'],
      grant: ['accepted', 'badged'],
      withdraw: ['accepted', 'badged'],
      issue_badge: ['accepted'],
      checkout: ['badged'],
      return_document: ['checked_out'],
      cancel: ['arrived', 'screened', 'awaiting_host', 'accepted'],
    };
    for (const action of ACTIONS)
      expect([...TRANSITIONS[action].from].sort(), action).toEqual(expected[action].sort());
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ACTIONS].sort());
  });

  it('terminal states accept no action at all (nothing leaves them)', () => {
    for (const state of TERMINAL_STATES) {
      for (const action of ACTIONS)
        expect(TRANSITIONS[action].from, `${action} from ${state}`).not.toContain(state);
    }
    expect([...TERMINAL_STATES].sort()).toEqual(
      ['cancelled', 'closed', 'host_refused', 'rescheduled', 'screening_refused'].sort(),
    );
  });

  it('isTerminal and isApproved classify every state', () => {
    for (const s of ALL_STATES) {
      expect(isTerminal(s), s).toBe(
        ['screening_refused', 'host_refused', 'rescheduled', 'cancelled', 'closed'].includes(s),
      );
      expect(isApproved(visitIn(s)), s).toBe(s === 'accepted' || s === 'badged');
    }
  });

  it('visitIn builds each state through legal steps', () => {
    for (const s of ALL_STATES) expect(visitIn(s).state).toBe(s);
  });
});

// ---------------------------------------------------------------------------------------------
describe('legal transitions', () => {
  it('arrive (step 1) creates the visit; the event carries the host unit but no guest name', () => {
    const event = handleVisitCommand(undefined, { ...ARRIVE, externalId: 'ext-9' }, ctx);
    expect(event).toEqual({
      type: 'visit.arrived',
      payload: {
        visitId: 'v-1',
        externalId: 'ext-9',
        guestId: 'g-1',
        institution: 'Dinas Kominfo Kota Malang',
        purpose: 'Koordinasi jaringan',
        hostId: 'kabag',
        unit: 'Unit kabag',
      },
    });
    expect(JSON.stringify(event)).not.toContain('Budi');
    const v = applyVisitEvent(undefined, event, MON_0900, RECEPTIONIST, 'Budi Santoso');
    expect(v).toMatchObject({
      id: 'v-1',
      externalId: 'ext-9',
      guestId: 'g-1',
      guestName: 'Budi Santoso',
      state: 'arrived',
      createdAt: MON_0900,
      rooms: [],
      hostId: 'kabag',
    });
    expect(v.history).toEqual([
      { action: 'arrive', from: null, to: 'arrived', at: MON_0900, actor: RECEPTIONIST },
    ]);
  });

  it('arrive without externalId leaves it out; institution and purpose are trimmed', () => {
    const event = handleVisitCommand(
      undefined,
      { ...ARRIVE, institution: '  BPS Jatim ', purpose: ' Survei  ' },
      ctx,
    );
    expect(event.type).toBe('visit.arrived');
    if (event.type !== 'visit.arrived') return;
    expect('externalId' in event.payload).toBe(false);
    expect(event.payload.institution).toBe('BPS Jatim');
    expect(event.payload.purpose).toBe('Survei');
    expect('externalId' in applyVisitEvent(undefined, event, MON_0900, RECEPTIONIST)).toBe(false);
  });

  it('screen passed (step 2) -> screened', () => {
    const { visit, event } = drive(
      visitIn('arrived'),
      { action: 'screen', passed: true },
      at(MON_0900, SECURITY),
    );
    expect(event).toEqual({ type: 'visit.screened', payload: { visitId: 'v-1', passed: true, reasons: [] } });
    expect(visit.state).toBe('screened');
    expect(visit.screening).toEqual({ passed: true, reasons: [] });
  });

  it('screen refused with reasons (step 2) -> screening_refused (terminal); duplicates collapse', () => {
    const { visit, event } = drive(
      visitIn('arrived'),
      { action: 'screen', passed: false, reasons: ['shoes', 'attire', 'shoes'] },
      at(MON_0900, SECURITY),
    );
    expect(event.payload).toMatchObject({ passed: false, reasons: ['shoes', 'attire'] });
    expect(visit.state).toBe('screening_refused');
    expect(visit.screening).toEqual({ passed: false, reasons: ['shoes', 'attire'] });
    expect(isTerminal(visit.state)).toBe(true);
  });

  it('screen refused for "other" keeps the note', () => {
    const { visit } = drive(
      visitIn('arrived'),
      { action: 'screen', passed: false, reasons: ['other', 'belongings'], note: 'membawa senjata tajam' },
      at(MON_0900, SECURITY),
    );
    expect(visit.screening).toEqual({
      passed: false,
      reasons: ['other', 'belongings'],
      note: 'membawa senjata tajam',
    });
  });

  it('guestbook (step 3) -> awaiting_host, with the time and the note', () => {
    const t = MON_0900 + 3 * MINUTE;
    const { visit, event } = drive(
      visitIn('screened'),
      { action: 'guestbook', note: 'buku tamu no. 12' },
      at(t),
    );
    expect(event).toEqual({ type: 'visit.guestbook', payload: { visitId: 'v-1', note: 'buku tamu no. 12' } });
    expect(visit.state).toBe('awaiting_host');
    expect(visit.guestbook).toEqual({ at: t, note: 'buku tamu no. 12' });
  });

  it('decide accepted (step 4) -> accepted, with rooms (deduplicated), window and code', () => {
    const t = MON_0900 + 5 * MINUTE;
    const { visit, event } = drive(
      visitIn('awaiting_host'),
      {
        action: 'decide',
        outcome: 'accepted',
        rooms: ['ruang-kabag', 'ruang-rapat', 'ruang-kabag'],
        codeHash: 'h-77',
      },
      at(t, HOST_ACTOR),
    );
    expect(event).toEqual({
      type: 'visit.decided',
      payload: {
        visitId: 'v-1',
        outcome: 'accepted',
        rooms: ['ruang-kabag', 'ruang-rapat'],
        validUntil: t + 240 * MINUTE,
        codeHash: 'h-77',
      },
    });
    expect(visit.state).toBe('accepted');
    expect(visit.decision).toEqual({ outcome: 'accepted' });
    expect(visit.rooms).toEqual(['ruang-kabag', 'ruang-rapat']);
    expect(visit.validUntil).toBe(t + 240 * MINUTE);
    expect(visit.accessCode).toEqual({ hash: 'h-77', issuedAt: t, rooms: ['ruang-kabag', 'ruang-rapat'] });
  });

  it('decide accepted without rooms: entrance only, no code', () => {
    const { visit } = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted' },
      at(MON_0900, HOST_ACTOR),
    );
    expect(visit.state).toBe('accepted');
    expect(visit.rooms).toEqual([]);
    expect(visit.accessCode).toBeUndefined();
    expect(visit.validUntil).toBeTypeOf('number');
  });

  it('decide refused (step 4) -> host_refused with the reason', () => {
    const { visit, event } = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'refused', reason: 'sedang rapat pimpinan' },
      at(MON_0900, HOST_ACTOR),
    );
    expect(event.payload).toEqual({
      visitId: 'v-1',
      outcome: 'refused',
      rooms: [],
      reason: 'sedang rapat pimpinan',
    });
    expect(visit.state).toBe('host_refused');
    expect(visit.decision).toEqual({ outcome: 'refused', reason: 'sedang rapat pimpinan' });
    expect(visit.validUntil).toBeUndefined();
    expect(visit.rooms).toEqual([]);
  });

  it('decide refused needs no reason', () => {
    const { visit } = drive(visitIn('awaiting_host'), { action: 'decide', outcome: 'refused' }, at(MON_0900));
    expect(visit.decision).toEqual({ outcome: 'refused' });
  });

  it('decide host_absent (step 5b) -> rescheduled with the proposed date', () => {
    const { visit, event } = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'host_absent', proposedDate: '2025-03-10', reason: 'dinas luar' },
      at(MON_0900),
    );
    expect(event.payload).toEqual({
      visitId: 'v-1',
      outcome: 'host_absent',
      rooms: [],
      proposedDate: '2025-03-10',
      reason: 'dinas luar',
    });
    expect(visit.state).toBe('rescheduled');
    expect(visit.decision).toEqual({
      outcome: 'host_absent',
      proposedDate: '2025-03-10',
      reason: 'dinas luar',
    });
    expect(visit.validUntil).toBeUndefined();
  });

  it('issue_badge (step 5a) -> badged, with the badge and the masked collateral', () => {
    const { visit, event } = drive(
      visitIn('accepted'),
      { action: 'issue_badge', badgeId: 'b-07', collateral: { type: 'sim', masked: '12******9012' } },
      at(MON_0900),
    );
    expect(event).toEqual({
      type: 'visit.badge_issued',
      payload: { visitId: 'v-1', badgeId: 'b-07', collateral: { type: 'sim', masked: '12******9012' } },
    });
    expect(visit.state).toBe('badged');
    expect(visit.badgeId).toBe('b-07');
    expect(visit.collateral).toEqual({ type: 'sim', masked: '12******9012' });
    // Acceptance data survives the badge step.
    expect(visit.rooms).toEqual(['ruang-kabag']);
    expect(visit.accessCode?.hash).toBe('hash-1');
  });

  it('checkout without the document (step 7) -> checked_out; access code dropped', () => {
    const before = visitIn('badged');
    expect(before.accessCode).toBeDefined();
    const { visit, event } = drive(
      before,
      { action: 'checkout', badgeReturned: true, documentReturned: false },
      at(MON_0900),
    );
    expect(event).toEqual({
      type: 'visit.checked_out',
      payload: { visitId: 'v-1', badgeId: 'b-01', badgeReturned: true, documentReturned: false },
    });
    expect(visit.state).toBe('checked_out');
    expect(visit.badgeReturned).toBe(true);
    expect(visit.documentReturned).toBe(false);
    expect(visit.accessCode).toBeUndefined();
    expect('accessCode' in visit).toBe(false);
    // The input visit is untouched.
    expect(before.accessCode).toBeDefined();
    expect(before.state).toBe('badged');
  });

  it('checkout with a lost badge records badgeReturned false', () => {
    const { visit } = drive(
      visitIn('badged'),
      { action: 'checkout', badgeReturned: false, documentReturned: false },
      at(MON_0900),
    );
    expect(visit.badgeReturned).toBe(false);
    expect(visit.state).toBe('checked_out');
  });

  it('return_document after checkout -> closed', () => {
    const t = MON_0900 + 30 * MINUTE;
    const { visit, event } = drive(visitIn('checked_out'), { action: 'return_document' }, at(t));
    expect(event).toEqual({
      type: 'visit.document_returned',
      payload: { visitId: 'v-1', documentType: 'ktp' },
    });
    expect(visit.state).toBe('closed');
    expect(visit.documentReturned).toBe(true);
    expect(visit.history.at(-1)).toEqual({
      action: 'return_document',
      from: 'checked_out',
      to: 'closed',
      at: t,
      actor: RECEPTIONIST,
    });
  });

  it('checkout with the document -> closed at once, recording both steps', () => {
    const t = MON_0900 + 45 * MINUTE;
    const before = visitIn('badged');
    const { visit } = drive(
      before,
      { action: 'checkout', badgeReturned: true, documentReturned: true },
      at(t),
    );
    expect(visit.state).toBe('closed');
    expect(visit.documentReturned).toBe(true);
    expect(visit.badgeReturned).toBe(true);
    expect(visit.accessCode).toBeUndefined();
    expect(visit.history.slice(before.history.length)).toEqual([
      { action: 'checkout', from: 'badged', to: 'checked_out', at: t, actor: RECEPTIONIST },
      { action: 'return_document', from: 'checked_out', to: 'closed', at: t, actor: RECEPTIONIST },
    ]);
  });

  for (const state of ['arrived', 'screened', 'awaiting_host', 'accepted'] as const) {
    it(`cancel from ${state} -> cancelled`, () => {
      const before = visitIn(state);
      const t = MON_0900 + 20 * MINUTE;
      const { visit, event } = drive(before, { action: 'cancel', reason: 'tamu pulang' }, at(t));
      expect(event).toEqual({ type: 'visit.cancelled', payload: { visitId: 'v-1', reason: 'tamu pulang' } });
      expect(visit.state).toBe('cancelled');
      expect(visit.accessCode).toBeUndefined();
      expect(visit.history.at(-1)).toEqual({
        action: 'cancel',
        from: state,
        to: 'cancelled',
        at: t,
        actor: RECEPTIONIST,
      });
    });
  }

  it('cancel without a reason leaves it out of the event', () => {
    const event = handleVisitCommand(visitIn('arrived'), { action: 'cancel' }, ctx);
    expect(event).toEqual({ type: 'visit.cancelled', payload: { visitId: 'v-1' } });
  });

  it('grant from accepted adds rooms, keeps state, extends the existing code to the new rooms', () => {
    const before = visitIn('accepted');
    const t = MON_0900 + 10 * MINUTE;
    const { visit, event } = drive(
      before,
      { action: 'grant', rooms: ['ruang-rapat', 'ruang-kabag'] },
      at(t, HOST_ACTOR),
    );
    expect(event).toEqual({
      type: 'visit.granted',
      payload: { visitId: 'v-1', rooms: ['ruang-rapat', 'ruang-kabag'] },
    });
    expect(visit.state).toBe('accepted');
    expect(visit.rooms).toEqual(['ruang-kabag', 'ruang-rapat']);
    expect(visit.accessCode).toEqual({
      hash: 'hash-1',
      issuedAt: before.accessCode!.issuedAt,
      rooms: ['ruang-kabag', 'ruang-rapat'],
    });
    expect(visit.history.at(-1)).toEqual({
      action: 'grant',
      from: 'accepted',
      to: 'accepted',
      at: t,
      actor: HOST_ACTOR,
    });
  });

  it('grant from badged keeps the visit badged', () => {
    const { visit } = drive(
      visitIn('badged'),
      { action: 'grant', rooms: ['aula'] },
      at(MON_0900, HOST_ACTOR),
    );
    expect(visit.state).toBe('badged');
    expect(visit.rooms).toEqual(['ruang-kabag', 'aula']);
    expect(visit.badgeId).toBe('b-01');
  });

  it('grant with a fresh code hash to a visit without a code issues one for all granted rooms', () => {
    const accepted = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted', rooms: ['ruang-kabag'] },
      at(MON_0900),
    ).visit;
    expect(accepted.accessCode).toBeUndefined();
    const t = MON_0900 + 2 * MINUTE;
    const { visit, event } = drive(
      accepted,
      { action: 'grant', rooms: ['ruang-rapat'], codeHash: 'h-new' },
      at(t),
    );
    expect(event.payload).toEqual({ visitId: 'v-1', rooms: ['ruang-rapat'], codeHash: 'h-new' });
    expect(visit.accessCode).toEqual({ hash: 'h-new', issuedAt: t, rooms: ['ruang-kabag', 'ruang-rapat'] });
  });

  it('grant of no rooms with a code hash keeps no code', () => {
    const accepted = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted' },
      at(MON_0900),
    ).visit;
    const { visit, event } = drive(accepted, { action: 'grant', rooms: [], codeHash: 'h-x' }, at(MON_0900));
    expect(event.payload).toEqual({ visitId: 'v-1', rooms: [] });
    expect(visit.accessCode).toBeUndefined();
  });

  it('withdraw takes rooms back, keeps the state, and narrows the keypad code to the rooms left', () => {
    const granted = drive(visitIn('badged'), { action: 'grant', rooms: ['ruang-rapat'] }, at(MON_0900)).visit;
    expect(granted.accessCode?.rooms).toEqual(['ruang-kabag', 'ruang-rapat']);
    const t = MON_0900 + MINUTE;
    const { visit, event } = drive(
      granted,
      { action: 'withdraw', rooms: ['ruang-kabag'] },
      at(t, HOST_ACTOR),
    );
    expect(event).toEqual({
      type: 'visit.rooms_withdrawn',
      payload: { visitId: 'v-1', rooms: ['ruang-kabag'] },
    });
    expect(visit.state).toBe('badged');
    expect(visit.rooms).toEqual(['ruang-rapat']);
    expect(visit.accessCode?.rooms).toEqual(['ruang-rapat']);
    expect(visit.history.at(-1)).toMatchObject({ action: 'withdraw', from: 'badged', to: 'badged', at: t });
    // The last room goes, and the code with it.
    const none = drive(visit, { action: 'withdraw', rooms: ['ruang-rapat'] }, at(t)).visit;
    expect(none.rooms).toEqual([]);
    expect(none.accessCode).toBeUndefined();
  });

  it('withdraw refuses a room the visit does not have, and an empty list', () => {
    expectDomainError(
      () => handleVisitCommand(visitIn('badged'), { action: 'withdraw', rooms: ['aula'] }, ctx),
      'invalid',
      'rooms',
    );
    expectDomainError(
      () => handleVisitCommand(visitIn('badged'), { action: 'withdraw', rooms: [] }, ctx),
      'invalid',
      'rooms',
    );
  });

  it('a full visit records every step with its actor and time, in order', () => {
    const t0 = MON_0900;
    let v = drive(undefined, ARRIVE, at(t0, RECEPTIONIST)).visit;
    v = drive(v, { action: 'screen', passed: true }, at(t0 + 1 * MINUTE, SECURITY)).visit;
    v = drive(v, { action: 'guestbook' }, at(t0 + 3 * MINUTE, RECEPTIONIST)).visit;
    v = drive(
      v,
      { action: 'decide', outcome: 'accepted', rooms: ['ruang-kabag'] },
      at(t0 + 5 * MINUTE, HOST_ACTOR),
    ).visit;
    v = drive(v, { action: 'grant', rooms: ['ruang-rapat'] }, at(t0 + 6 * MINUTE, HOST_ACTOR)).visit;
    v = drive(
      v,
      { action: 'issue_badge', badgeId: 'b-01', collateral: KTP },
      at(t0 + 7 * MINUTE, DESK_APP),
    ).visit;
    v = drive(
      v,
      { action: 'checkout', badgeReturned: true, documentReturned: false },
      at(t0 + 60 * MINUTE, RECEPTIONIST),
    ).visit;
    v = drive(v, { action: 'return_document' }, at(t0 + 62 * MINUTE, SECURITY)).visit;
    expect(v.history).toEqual([
      { action: 'arrive', from: null, to: 'arrived', at: t0, actor: RECEPTIONIST },
      { action: 'screen', from: 'arrived', to: 'screened', at: t0 + 1 * MINUTE, actor: SECURITY },
      {
        action: 'guestbook',
        from: 'screened',
        to: 'awaiting_host',
        at: t0 + 3 * MINUTE,
        actor: RECEPTIONIST,
      },
      { action: 'decide', from: 'awaiting_host', to: 'accepted', at: t0 + 5 * MINUTE, actor: HOST_ACTOR },
      { action: 'grant', from: 'accepted', to: 'accepted', at: t0 + 6 * MINUTE, actor: HOST_ACTOR },
      { action: 'issue_badge', from: 'accepted', to: 'badged', at: t0 + 7 * MINUTE, actor: DESK_APP },
      { action: 'checkout', from: 'badged', to: 'checked_out', at: t0 + 60 * MINUTE, actor: RECEPTIONIST },
      { action: 'return_document', from: 'checked_out', to: 'closed', at: t0 + 62 * MINUTE, actor: SECURITY },
    ]);
    expect(v.createdAt).toBe(t0);
  });

  it('applyVisitEvent does not mutate the visit it folds into', () => {
    const before = visitIn('badged');
    const copy = structuredClone(before);
    drive(before, { action: 'checkout', badgeReturned: true, documentReturned: true }, at(MON_0900));
    drive(before, { action: 'grant', rooms: ['aula'] }, at(MON_0900));
    expect(before).toEqual(copy);
  });

  it('applyVisitEvent refuses a non-arrival event for a missing visit', () => {
    const event: VisitEvent = { type: 'visit.guestbook', payload: { visitId: 'v-404' } };
    expectDomainError(
      () => applyVisitEvent(undefined, event, MON_0900, RECEPTIONIST),
      'not_found',
      undefined,
      /v-404/,
    );
  });

  it('applyVisitEvent throws for an event that does not fit the visit state', () => {
    const closed = visitIn('closed');
    const event: VisitEvent = {
      type: 'visit.screened',
      payload: { visitId: 'v-1', passed: true, reasons: [] },
    };
    expect(() => applyVisitEvent(closed, event, MON_0900, RECEPTIONIST)).toThrow(DomainError);
  });
});

// ---------------------------------------------------------------------------------------------
describe('illegal transitions: every action from every state it may not start from', () => {
  const illegal: Array<[VisitAction, VisitState | null]> = [];
  for (const action of ACTIONS) {
    for (const state of [null, ...ALL_STATES])
      if (!TRANSITIONS[action].from.includes(state)) illegal.push([action, state]);
  }

  it('the matrix has 12 x 10 - 15 legal = 105 illegal pairs', () => {
    expect(illegal).toHaveLength(105);
  });

  it.each(illegal)('%s from %s -> illegal_transition', (action, state) => {
    const v = state === null ? undefined : visitIn(state);
    const copy = structuredClone(v);
    let caught: unknown;
    try {
      handleVisitCommand(v, VALID[action], ctx);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    const e = caught as DomainError;
    expect(e.code).toBe('illegal_transition');
    if (state === null) {
      expect(e.message).toBe('visit not found; only an arrival creates a visit');
    } else {
      expect(e.message).toBe(`cannot ${action} a visit that is ${state}`);
    }
    expect(v).toEqual(copy);
  });

  it.each(ACTIONS.flatMap((a) => TRANSITIONS[a].from.map((s) => [a, s] as const)))(
    '%s from %s is legal (the valid command is accepted)',
    (action, state) => {
      const v = state === null ? undefined : visitIn(state);
      const event = handleVisitCommand(v, VALID[action], ctx);
      expect(event.type.startsWith('visit.')).toBe(true);
      const after = applyVisitEvent(v, event, ctx.now, ctx.actor);
      const added = after.history.slice(v?.history.length ?? 0);
      expect(added[0]).toMatchObject({ action, from: state, at: ctx.now, actor: ctx.actor });
    },
  );

  it('illegal transitions are checked before input validation', () => {
    // An invalid screening (refusal without reason) on a badged visit: the state wins.
    expectDomainError(
      () => handleVisitCommand(visitIn('badged'), { action: 'screen', passed: false }, ctx),
      'illegal_transition',
    );
    // A forbidden room on a closed visit.
    expectDomainError(
      () => handleVisitCommand(visitIn('closed'), { action: 'grant', rooms: ['ruang-arsip'] }, ctx),
      'illegal_transition',
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('invalid input', () => {
  const arrived = visitIn('arrived');
  const waiting = visitIn('awaiting_host');

  it('a refusal without reason is invalid (reasons)', () => {
    expectDomainError(
      () => handleVisitCommand(arrived, { action: 'screen', passed: false }, ctx),
      'invalid',
      'reasons',
      /reason/,
    );
    expectDomainError(
      () => handleVisitCommand(arrived, { action: 'screen', passed: false, reasons: [] }, ctx),
      'invalid',
      'reasons',
    );
  });

  it('a passed screening with reasons is invalid (reasons)', () => {
    expectDomainError(
      () => handleVisitCommand(arrived, { action: 'screen', passed: true, reasons: ['shoes'] }, ctx),
      'invalid',
      'reasons',
    );
  });

  it('an unknown reason is invalid', () => {
    expectDomainError(
      () => handleVisitCommand(arrived, { action: 'screen', passed: false, reasons: ['hat' as never] }, ctx),
      'invalid',
      'reasons',
      /hat/,
    );
  });

  it('reason "other" needs a note (missing or blank)', () => {
    expectDomainError(
      () => handleVisitCommand(arrived, { action: 'screen', passed: false, reasons: ['other'] }, ctx),
      'invalid',
      'note',
    );
    expectDomainError(
      () =>
        handleVisitCommand(
          arrived,
          { action: 'screen', passed: false, reasons: ['shoes', 'other'], note: '   ' },
          ctx,
        ),
      'invalid',
      'note',
    );
    // With a note it passes.
    expect(
      handleVisitCommand(arrived, { action: 'screen', passed: false, reasons: ['other'], note: 'mabuk' }, ctx)
        .type,
    ).toBe('visit.screened');
  });

  it('host_absent without a proposed date is invalid (proposedDate)', () => {
    expectDomainError(
      () => handleVisitCommand(waiting, { action: 'decide', outcome: 'host_absent' }, ctx),
      'invalid',
      'proposedDate',
    );
  });

  it.each([
    '',
    'besok',
    '2025-3-10',
    '10-03-2025',
    '2025/03/10',
    '2025-13-01',
    '2025-00-10',
    '2025-03-00',
    '2025-03-32',
    '2025-03-10T08:00',
    ' 2025-03-10',
  ])('host_absent with a bad proposed date %j is invalid', (proposedDate) => {
    expectDomainError(
      () => handleVisitCommand(waiting, { action: 'decide', outcome: 'host_absent', proposedDate }, ctx),
      'invalid',
      'proposedDate',
    );
  });

  it.each(['2025-02-30', '2025-04-31', '2025-02-29'])(
    'host_absent with an impossible calendar date %s is invalid',
    (proposedDate) => {
      expectDomainError(
        () => handleVisitCommand(waiting, { action: 'decide', outcome: 'host_absent', proposedDate }, ctx),
        'invalid',
        'proposedDate',
      );
    },
  );

  it('a leap day is a valid proposed date', () => {
    const event = handleVisitCommand(
      waiting,
      { action: 'decide', outcome: 'host_absent', proposedDate: '2028-02-29' },
      ctx,
    );
    expect(event.payload).toMatchObject({ proposedDate: '2028-02-29' });
  });

  it('rooms with a refusal or a host_absent are invalid (rooms)', () => {
    expectDomainError(
      () =>
        handleVisitCommand(waiting, { action: 'decide', outcome: 'refused', rooms: ['ruang-kabag'] }, ctx),
      'invalid',
      'rooms',
    );
    expectDomainError(
      () =>
        handleVisitCommand(
          waiting,
          { action: 'decide', outcome: 'host_absent', proposedDate: '2025-03-10', rooms: ['ruang-kabag'] },
          ctx,
        ),
      'invalid',
      'rooms',
    );
    // An empty list is no grant.
    expect(handleVisitCommand(waiting, { action: 'decide', outcome: 'refused', rooms: [] }, ctx).type).toBe(
      'visit.decided',
    );
  });

  it("a room that is not the host's is forbidden (decide and grant)", () => {
    expectDomainError(
      () =>
        handleVisitCommand(
          waiting,
          { action: 'decide', outcome: 'accepted', rooms: ['ruang-kabag', 'ruang-arsip'] },
          ctx,
        ),
      'forbidden',
      'rooms',
      /ruang-arsip/,
    );
    for (const s of ['accepted', 'badged'] as const) {
      expectDomainError(
        () => handleVisitCommand(visitIn(s), { action: 'grant', rooms: ['ruang-arsip'] }, ctx),
        'forbidden',
        'rooms',
      );
    }
  });

  it('an unknown room is invalid', () => {
    expectDomainError(
      () => handleVisitCommand(waiting, { action: 'decide', outcome: 'accepted', rooms: ['gudang'] }, ctx),
      'invalid',
      'rooms',
      /gudang/,
    );
    expectDomainError(
      () => handleVisitCommand(visitIn('accepted'), { action: 'grant', rooms: ['gudang'] }, ctx),
      'invalid',
      'rooms',
    );
  });

  it('an entrance door is not a room, even when the host lists it', () => {
    const hosts = new Map([['kabag', host('kabag', ['ruang-kabag', 'pintu-utama'])]]);
    const c = visitContext({ hosts });
    expectDomainError(
      () => handleVisitCommand(waiting, { action: 'decide', outcome: 'accepted', rooms: ['pintu-utama'] }, c),
      'invalid',
      'rooms',
      /not a room/,
    );
    expectDomainError(
      () => handleVisitCommand(visitIn('badged'), { action: 'grant', rooms: ['pintu-utama'] }, c),
      'invalid',
      'rooms',
    );
  });

  it('an unknown host is not_found (arrival; decide and grant after the host was removed)', () => {
    expectDomainError(
      () => handleVisitCommand(undefined, { ...ARRIVE, hostId: 'nobody' }, ctx),
      'not_found',
      'hostId',
      /nobody/,
    );
    const noHosts = visitContext({ hosts: new Map() });
    expectDomainError(
      () => handleVisitCommand(waiting, { action: 'decide', outcome: 'refused' }, noHosts),
      'not_found',
      'hostId',
    );
    expectDomainError(
      () => handleVisitCommand(visitIn('accepted'), { action: 'grant', rooms: [] }, noHosts),
      'not_found',
      'hostId',
    );
  });

  it.each([
    ['institution', ''],
    ['institution', '   '],
    ['purpose', ''],
    ['purpose', '\t\n'],
    ['guestName', ''],
    ['guestName', '  '],
  ] as const)('an empty %s (%j) is invalid', (field, value) => {
    expectDomainError(
      () => handleVisitCommand(undefined, { ...ARRIVE, [field]: value }, ctx),
      'invalid',
      field,
    );
  });

  it('overlong institution (> 200) and purpose (> 500) are invalid; the limits themselves pass', () => {
    expectDomainError(
      () => handleVisitCommand(undefined, { ...ARRIVE, institution: 'x'.repeat(201) }, ctx),
      'invalid',
      'institution',
    );
    expectDomainError(
      () => handleVisitCommand(undefined, { ...ARRIVE, purpose: 'x'.repeat(501) }, ctx),
      'invalid',
      'purpose',
    );
    expect(
      handleVisitCommand(
        undefined,
        { ...ARRIVE, institution: 'x'.repeat(200), purpose: 'y'.repeat(500) },
        ctx,
      ).type,
    ).toBe('visit.arrived');
  });
});

// ---------------------------------------------------------------------------------------------
describe('visitWindowEnd', () => {
  const p = policy({ maxVisitMinutes: 240, endAtOfficeClose: true });

  it('is acceptance + maxVisitMinutes when that comes before the office close', () => {
    expect(visitWindowEnd(jkt(MONDAY, '09:00'), p)).toBe(jkt(MONDAY, '13:00'));
  });

  it('is the office close (16:00 Jakarta) when that comes first', () => {
    expect(visitWindowEnd(jkt(MONDAY, '14:00'), p)).toBe(jkt(MONDAY, '16:00'));
    expect(visitWindowEnd(jkt(FRIDAY, '15:59'), p)).toBe(jkt(FRIDAY, '16:00'));
    // 16:00 Jakarta is 09:00 UTC: not 16:00 UTC.
    expect(visitWindowEnd(jkt(MONDAY, '14:00'), p)).toBe(Date.UTC(2025, 2, 3, 9, 0));
  });

  it('the minimum is taken exactly at the tie', () => {
    expect(visitWindowEnd(jkt(MONDAY, '12:00'), p)).toBe(jkt(MONDAY, '16:00'));
  });

  it('accepted at or after the close (overtime): the duration alone bounds it', () => {
    expect(visitWindowEnd(jkt(MONDAY, '16:00'), p)).toBe(jkt(MONDAY, '20:00'));
    expect(visitWindowEnd(jkt(MONDAY, '17:30'), p)).toBe(jkt(MONDAY, '21:30'));
  });

  it('accepted before opening: still capped by the close of that day', () => {
    expect(visitWindowEnd(jkt(MONDAY, '06:00'), p)).toBe(jkt(MONDAY, '10:00'));
    expect(visitWindowEnd(jkt(MONDAY, '06:00'), policy({ maxVisitMinutes: 720 }))).toBe(jkt(MONDAY, '16:00'));
  });

  it('on a non-working day the local 16:00 still closes the window', () => {
    expect(visitWindowEnd(jkt(SATURDAY, '14:30'), p)).toBe(jkt(SATURDAY, '16:00'));
  });

  it('with endAtOfficeClose false, only the duration counts', () => {
    const q = policy({ maxVisitMinutes: 240, endAtOfficeClose: false });
    expect(visitWindowEnd(jkt(MONDAY, '15:00'), q)).toBe(jkt(MONDAY, '19:00'));
    expect(
      visitWindowEnd(jkt(MONDAY, '09:00'), policy({ maxVisitMinutes: 30, endAtOfficeClose: false })),
    ).toBe(jkt(MONDAY, '09:30'));
  });

  it('follows the configured office close', () => {
    const q = policy({ officeHours: { days: [1, 2, 3, 4, 5], open: '08:00', close: '11:30' } });
    expect(visitWindowEnd(jkt(MONDAY, '09:00'), q)).toBe(jkt(MONDAY, '11:30'));
  });

  it('decide accepted stores the window computed at the decision time', () => {
    const t = jkt(MONDAY, '14:10');
    const { visit } = drive(visitIn('awaiting_host'), { action: 'decide', outcome: 'accepted' }, at(t));
    expect(visit.validUntil).toBe(jkt(MONDAY, '16:00'));
    const late = drive(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted' },
      at(jkt(MONDAY, '18:00')),
    ).visit;
    expect(late.validUntil).toBe(jkt(MONDAY, '22:00'));
  });
});

// ---------------------------------------------------------------------------------------------
describe('access codes follow the rooms and the visit', () => {
  it('a code hash is kept only when rooms are granted', () => {
    const none = handleVisitCommand(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted', rooms: [], codeHash: 'h-1' },
      ctx,
    );
    expect(none.payload).not.toHaveProperty('codeHash');
    expect(
      applyVisitEvent(visitIn('awaiting_host'), none, MON_0900, RECEPTIONIST).accessCode,
    ).toBeUndefined();
    const some = handleVisitCommand(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'accepted', rooms: ['aula'], codeHash: 'h-1' },
      ctx,
    );
    expect(some.payload).toHaveProperty('codeHash', 'h-1');
  });

  it('a refusal never carries a code', () => {
    const e = handleVisitCommand(
      visitIn('awaiting_host'),
      { action: 'decide', outcome: 'refused', codeHash: 'h-1' },
      ctx,
    );
    expect(e.payload).not.toHaveProperty('codeHash');
    expect(applyVisitEvent(visitIn('awaiting_host'), e, MON_0900, RECEPTIONIST).accessCode).toBeUndefined();
  });

  it('checkout and cancel drop the code; a later grant on an accepted visit re-issues with the new hash', () => {
    expect(visitIn('checked_out').accessCode).toBeUndefined();
    expect(visitIn('closed').accessCode).toBeUndefined();
    expect(drive(visitIn('accepted'), { action: 'cancel' }, ctx).visit.accessCode).toBeUndefined();
    const regrant = drive(
      visitIn('accepted'),
      { action: 'grant', rooms: ['aula'], codeHash: 'h-2' },
      at(MON_0900 + MINUTE),
    );
    expect(regrant.visit.accessCode).toEqual({
      hash: 'h-2',
      issuedAt: MON_0900 + MINUTE,
      rooms: ['ruang-kabag', 'aula'],
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('stepTimings against the SOP standards (2, 2, 2, 1, 2 minutes)', () => {
  const t0 = MON_0900;
  const s = 1000;
  /** Arrive t0, screen +1:30, guestbook +4:00, decide +6:00, badge +7:30. */
  function timedVisit(
    upTo: 'screen' | 'guestbook' | 'decide' | 'issue_badge',
    outcome: 'accepted' | 'refused' | 'host_absent' = 'accepted',
  ): Visit {
    let v = drive(undefined, ARRIVE, at(t0)).visit;
    v = drive(v, { action: 'screen', passed: true }, at(t0 + 90 * s, SECURITY)).visit;
    if (upTo === 'screen') return v;
    v = drive(v, { action: 'guestbook' }, at(t0 + 240 * s)).visit;
    if (upTo === 'guestbook') return v;
    const decide: VisitCommand =
      outcome === 'host_absent'
        ? { action: 'decide', outcome, proposedDate: '2025-03-10' }
        : { action: 'decide', outcome, ...(outcome === 'accepted' ? { rooms: ['ruang-kabag'] } : {}) };
    v = drive(v, decide, at(t0 + 360 * s, HOST_ACTOR)).visit;
    if (upTo === 'decide') return v;
    return drive(v, { action: 'issue_badge', badgeId: 'b-01', collateral: KTP }, at(t0 + 450 * s)).visit;
  }

  it('exposes the SOP standards', () => {
    expect(SOP_STANDARD_MINUTES).toEqual({
      screening: 2,
      guestbook: 2,
      confirmation: 2,
      badge: 1,
      escort: 2,
    });
  });

  it('times every step of a complete visit and flags the ones over the standard', () => {
    const v = timedVisit('issue_badge');
    expect(stepTimings(v, t0 + 480 * s)).toEqual([
      { step: 'screening', minutes: 1.5, standard: 2, exceeded: false },
      { step: 'guestbook', minutes: 2.5, standard: 2, exceeded: true },
      { step: 'confirmation', minutes: 2, standard: 2, exceeded: false },
      { step: 'badge', minutes: 1.5, standard: 1, exceeded: true },
      { step: 'escort', minutes: 0.5, standard: 2, exceeded: false },
    ]);
  });

  it('exactly the standard is not exceeded; a second more is', () => {
    const v = timedVisit('issue_badge');
    expect(stepTimings(v, t0 + 450 * s + 120 * s).at(-1)).toEqual({
      step: 'escort',
      minutes: 2,
      standard: 2,
      exceeded: false,
    });
    expect(stepTimings(v, t0 + 450 * s + 121 * s).at(-1)).toMatchObject({
      step: 'escort',
      minutes: 2.02,
      exceeded: true,
    });
  });

  it('rounds minutes to two decimals', () => {
    const v = timedVisit('issue_badge');
    expect(stepTimings(v, t0 + 450 * s + 80 * s).at(-1)?.minutes).toBe(1.33);
  });

  it('the running step is timed up to now, and only when now is given', () => {
    const v = timedVisit('guestbook'); // awaiting_host since t0 + 4:00
    expect(stepTimings(v, undefined, t0 + 240 * s + 180 * s)).toEqual([
      { step: 'screening', minutes: 1.5, standard: 2, exceeded: false },
      { step: 'guestbook', minutes: 2.5, standard: 2, exceeded: true },
      { step: 'confirmation', minutes: 3, standard: 2, exceeded: true },
    ]);
    expect(stepTimings(v).map((x) => x.step)).toEqual(['screening', 'guestbook']);
  });

  it('screening is running from arrival', () => {
    const v = drive(undefined, ARRIVE, at(t0)).visit;
    expect(stepTimings(v, undefined, t0 + 60 * s)).toEqual([
      { step: 'screening', minutes: 1, standard: 2, exceeded: false },
    ]);
    expect(stepTimings(v)).toEqual([]);
  });

  it('an accepted visit waiting for its badge times the badge step to now', () => {
    const v = timedVisit('decide');
    expect(stepTimings(v, undefined, t0 + 360 * s + 30 * s).at(-1)).toEqual({
      step: 'badge',
      minutes: 0.5,
      standard: 1,
      exceeded: false,
    });
  });

  it('a badged visit without an entry yet times the escort to now', () => {
    const v = timedVisit('issue_badge');
    expect(stepTimings(v, undefined, t0 + 450 * s + 300 * s).at(-1)).toEqual({
      step: 'escort',
      minutes: 5,
      standard: 2,
      exceeded: true,
    });
  });

  it('a now before the step start counts as zero minutes', () => {
    const v = timedVisit('issue_badge');
    expect(stepTimings(v, undefined, t0).at(-1)).toEqual({
      step: 'escort',
      minutes: 0,
      standard: 2,
      exceeded: false,
    });
  });

  it.each(['refused', 'host_absent'] as const)(
    'a %s visit has no badge or escort step, even with now',
    (outcome) => {
      const v = timedVisit('decide', outcome);
      expect(isTerminal(v.state)).toBe(true);
      expect(stepTimings(v, undefined, t0 + 3_600 * s).map((x) => x.step)).toEqual([
        'screening',
        'guestbook',
        'confirmation',
      ]);
    },
  );

  it('a visit refused at screening has only the screening step', () => {
    const v = drive(
      drive(undefined, ARRIVE, at(t0)).visit,
      { action: 'screen', passed: false, reasons: ['shoes'] },
      at(t0 + 150 * s),
    ).visit;
    expect(stepTimings(v, undefined, t0 + 3_600 * s)).toEqual([
      { step: 'screening', minutes: 2.5, standard: 2, exceeded: true },
    ]);
  });

  it('a visit cancelled after acceptance has no running badge step', () => {
    const v = drive(timedVisit('decide'), { action: 'cancel' }, at(t0 + 600 * s)).visit;
    expect(stepTimings(v, undefined, t0 + 3_600 * s).map((x) => x.step)).toEqual([
      'screening',
      'guestbook',
      'confirmation',
    ]);
  });

  it('a closed visit without any entry has no escort step', () => {
    const v = drive(
      timedVisit('issue_badge'),
      { action: 'checkout', badgeReturned: true, documentReturned: true },
      at(t0 + 900 * s),
    ).visit;
    expect(stepTimings(v, undefined, t0 + 3_600 * s).map((x) => x.step)).toEqual([
      'screening',
      'guestbook',
      'confirmation',
      'badge',
    ]);
  });

  it('after checkout the escort step no longer grows with now', () => {
    const v = drive(
      timedVisit('issue_badge'),
      { action: 'checkout', badgeReturned: true, documentReturned: false },
      at(t0 + 900 * s),
    ).visit;
    expect(v.state).toBe('checked_out');
    const soon = stepTimings(v, undefined, t0 + 1_000 * s).find((x) => x.step === 'escort');
    const later = stepTimings(v, undefined, t0 + 10_000 * s).find((x) => x.step === 'escort');
    expect(later).toEqual(soon);
  });
});

describe('issue_badge input', () => {
  const accepted = visitIn('accepted');
  const ctx = at(MON_0900);
  it('refuses an unmasked document number, an unknown document type and an empty badge', () => {
    expectDomainError(
      () =>
        handleVisitCommand(
          accepted,
          { action: 'issue_badge', badgeId: 'b-1', collateral: { type: 'ktp', masked: '3578012345670001' } },
          ctx,
        ),
      'invalid',
      'collateral.number',
    );
    expectDomainError(
      () =>
        handleVisitCommand(
          accepted,
          {
            action: 'issue_badge',
            badgeId: 'b-1',
            collateral: { type: 'visa' as 'ktp', masked: '12******9012' },
          },
          ctx,
        ),
      'invalid',
      'collateral.type',
    );
    expectDomainError(
      () => handleVisitCommand(accepted, { action: 'issue_badge', badgeId: '', collateral: KTP }, ctx),
      'invalid',
      'badge',
    );
  });
});
