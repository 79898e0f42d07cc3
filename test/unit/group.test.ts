// Group visits (rombongan, issue 14 item 2): the rules one by one, then properties over random
// sequences of desk, security and host actions on one group: no person of it is approved before
// the group's one decision, and the group's letter (held by the leader's visit) is never back
// while a member still holds a badge.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { VisitEvent } from '../../src/domain/events.js';
import { checkGroupArrival, groupCheckout, groupDecision, nextToBadge } from '../../src/domain/group.js';
import type { Visit } from '../../src/domain/types.js';
import {
  applyVisitEvent,
  handleVisitCommand,
  isApproved,
  type VisitContext,
} from '../../src/domain/visit.js';
import { ARRIVE, MINUTE, MON_0900, RECEPTIONIST, ruleOf, visitContext } from './fixtures/domain.js';

const SURAT = { type: 'surat_tugas' as const, masked: '09**********0042' };

/** A group of a leader and `members` members, all arrived: visits by id. */
function arrived(members: number): Map<string, Visit> {
  const group = new Map<string, Visit>();
  for (let i = 0; i <= members; i++) {
    const cmd = {
      ...ARRIVE,
      visitId: `p${i}`,
      guestId: `g${i}`,
      group: { id: 'grp', leader: i === 0, index: i },
    };
    const e = handleVisitCommand(undefined, cmd, visitContext());
    group.set(`p${i}`, applyVisitEvent(undefined, e, MON_0900, RECEPTIONIST, `Orang ${i}`));
  }
  return group;
}

function ctxOf(group: Map<string, Visit>, now = MON_0900 + MINUTE): VisitContext {
  return visitContext({ now, groupOf: () => [...group.values()] });
}

function apply(group: Map<string, Visit>, events: VisitEvent[], now = MON_0900 + MINUTE): void {
  for (const e of events) {
    const v = group.get(e.payload.visitId);
    group.set(e.payload.visitId, applyVisitEvent(v, e, now, RECEPTIONIST));
  }
}

function run(group: Map<string, Visit>, id: string, cmd: Parameters<typeof handleVisitCommand>[1]): void {
  apply(group, [handleVisitCommand(group.get(id), cmd, ctxOf(group))]);
}

function ready(members: number): Map<string, Visit> {
  const group = arrived(members);
  for (const id of group.keys()) {
    run(group, id, { action: 'screen', passed: true });
    run(group, id, { action: 'guestbook' });
  }
  return group;
}

describe('a group arrival', () => {
  it('needs a named leader and 1..max named members', () => {
    expect(ruleOf(() => checkGroupArrival('Ketua', ['A', 'B'], 2))).toBe('ok');
    expect(ruleOf(() => checkGroupArrival('Ketua', [], 2))).toBe('invalid');
    expect(ruleOf(() => checkGroupArrival('Ketua', ['A', 'B', 'C'], 2))).toBe('group_too_large');
    expect(ruleOf(() => checkGroupArrival(' ', ['A'], 2))).toBe('invalid');
    expect(ruleOf(() => checkGroupArrival('Ketua', ['A', ' '], 2))).toBe('invalid');
  });

  it('records the group on each person: the leader is index 0', () => {
    const group = arrived(2);
    expect(group.get('p0')?.group).toEqual({ id: 'grp', leader: true, index: 0 });
    expect(group.get('p2')?.group).toEqual({ id: 'grp', leader: false, index: 2 });
  });
});

describe('the group decision', () => {
  it('is the only way a person of a group is decided', () => {
    const group = ready(2);
    const alone = () =>
      handleVisitCommand(group.get('p1'), { action: 'decide', outcome: 'accepted', rooms: [] }, ctxOf(group));
    expect(ruleOf(alone)).toBe('group_decision');
  });

  it('waits for every person still before the decision, then decides each one', () => {
    const group = arrived(2);
    for (const id of ['p0', 'p1']) {
      run(group, id, { action: 'screen', passed: true });
      run(group, id, { action: 'guestbook' });
    }
    const decide = () => groupDecision([...group.values()], { outcome: 'accepted', rooms: [] }, ctxOf(group));
    expect(ruleOf(decide)).toBe('group_not_ready');
    // A person refused at screening is out of the visit: the rest are decided without them.
    run(group, 'p2', { action: 'screen', passed: false, reasons: ['attire'] });
    const events = decide();
    expect(events.map((e) => e.payload.visitId)).toEqual(['p0', 'p1']);
    expect(events.every((e) => e.type === 'visit.decided' && e.payload.groupId === 'grp')).toBe(true);
  });
});

describe('badges and the letter', () => {
  function accepted(members: number): Map<string, Visit> {
    const group = ready(members);
    apply(group, groupDecision([...group.values()], { outcome: 'accepted', rooms: [] }, ctxOf(group)));
    return group;
  }

  it('badges the leader first (against the letter), then each member without a document', () => {
    const group = accepted(2);
    expect(nextToBadge([...group.values()])?.id).toBe('p0');
    const member = () =>
      handleVisitCommand(group.get('p1'), { action: 'issue_badge', badgeId: 'b1' }, ctxOf(group));
    expect(ruleOf(member)).toBe('group_leader_first');
    run(group, 'p0', { action: 'issue_badge', badgeId: 'b0', collateral: SURAT });
    const withDocument = () =>
      handleVisitCommand(
        group.get('p1'),
        { action: 'issue_badge', badgeId: 'b1', collateral: SURAT },
        ctxOf(group),
      );
    expect(ruleOf(withDocument)).toBe('group_member_collateral');
    expect(nextToBadge([...group.values()])?.id).toBe('p1');
    run(group, 'p1', { action: 'issue_badge', badgeId: 'b1' });
    expect(nextToBadge([...group.values()])?.id).toBe('p2');
  });

  it('keeps the letter while a member holds a badge; a member checks out closed', () => {
    const group = accepted(1);
    run(group, 'p0', { action: 'issue_badge', badgeId: 'b0', collateral: SURAT });
    run(group, 'p1', { action: 'issue_badge', badgeId: 'b1' });
    const letterBack = () =>
      handleVisitCommand(
        group.get('p0'),
        { action: 'checkout', badgeReturned: true, documentReturned: true },
        ctxOf(group),
      );
    expect(ruleOf(letterBack)).toBe('group_badges_out');
    run(group, 'p0', { action: 'checkout', badgeReturned: true, documentReturned: false });
    expect(group.get('p0')?.state).toBe('checked_out');
    expect(
      ruleOf(() => handleVisitCommand(group.get('p0'), { action: 'return_document' }, ctxOf(group))),
    ).toBe('group_badges_out');
    run(group, 'p1', { action: 'checkout', badgeReturned: true, documentReturned: false });
    expect(group.get('p1')?.state).toBe('closed');
    run(group, 'p0', { action: 'return_document' });
    expect(group.get('p0')?.state).toBe('closed');
  });

  it('checks the whole group out, members first and the letter last', () => {
    const group = accepted(2);
    run(group, 'p0', { action: 'issue_badge', badgeId: 'b0', collateral: SURAT });
    run(group, 'p1', { action: 'issue_badge', badgeId: 'b1' });
    run(group, 'p2', { action: 'issue_badge', badgeId: 'b2' });
    const events = groupCheckout(
      [...group.values()],
      { documentReturned: true, lostBadges: ['p2'] },
      ctxOf(group),
    );
    expect(events.map((e) => e.payload.visitId)).toEqual(['p1', 'p2', 'p0']);
    apply(group, events);
    expect([...group.values()].map((v) => v.state)).toEqual(['closed', 'closed', 'closed']);
    expect(group.get('p2')?.badgeReturned).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: random actions on a group of 1..5 members, each applied when the domain allows it.

type Action =
  | { kind: 'screen'; who: number; passed: boolean }
  | { kind: 'guestbook'; who: number }
  | { kind: 'decideAlone'; who: number }
  | { kind: 'decideGroup'; accept: boolean }
  | { kind: 'badge'; who: number; wrongDocument: boolean }
  | { kind: 'checkout'; who: number; documentReturned: boolean }
  | { kind: 'returnDocument' }
  | { kind: 'checkoutGroup'; documentReturned: boolean }
  | { kind: 'cancel'; who: number };

/**
 * Whom an action is for: below 6, the n-th person it fits (the desk's sensible next person), from
 * 6 on, any person (so the rules meet actions that do not fit, too).
 */
const who = fc.nat({ max: 9 });
// Weighted towards the desk's usual next step (screen passed, the guest book, acceptance, the
// leader's badge with the letter), so that sequences reach badged members and the letter's return.
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant('screen' as const),
      who,
      passed: fc.integer({ min: 0, max: 19 }).map((n) => n > 0),
    }),
  },
  {
    weight: 24,
    arbitrary: fc.record({ kind: fc.constant('guestbook' as const), who }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('decideAlone' as const), who }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('decideGroup' as const),
      accept: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
    }),
  },
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant('badge' as const),
      who,
      wrongDocument: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('checkout' as const), who, documentReturned: fc.boolean() }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('returnDocument' as const) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('checkoutGroup' as const), documentReturned: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), who }),
  },
);

function plan(group: Map<string, Visit>, a: Action): VisitEvent[] {
  const ctx = ctxOf(group);
  const all = [...group.values()];
  const fits: Partial<Record<Action['kind'], readonly string[]>> = {
    screen: ['arrived'],
    guestbook: ['screened'],
    decideAlone: ['awaiting_host'],
    badge: ['accepted'],
    checkout: ['badged'],
    cancel: ['arrived', 'screened', 'awaiting_host', 'accepted'],
  };
  const person = (n: number) => {
    const states = fits[a.kind];
    const fitting = states ? all.filter((v) => states.includes(v.state)) : [];
    return n < 6 && fitting.length > 0 ? fitting[n % fitting.length] : group.get(`p${n % group.size}`);
  };
  switch (a.kind) {
    case 'screen':
      return [
        handleVisitCommand(
          person(a.who),
          a.passed
            ? { action: 'screen', passed: true }
            : { action: 'screen', passed: false, reasons: ['shoes'] },
          ctx,
        ),
      ];
    case 'guestbook':
      return [handleVisitCommand(person(a.who), { action: 'guestbook' }, ctx)];
    case 'decideAlone':
      return [handleVisitCommand(person(a.who), { action: 'decide', outcome: 'accepted', rooms: [] }, ctx)];
    case 'decideGroup':
      return groupDecision(all, a.accept ? { outcome: 'accepted', rooms: [] } : { outcome: 'refused' }, ctx);
    case 'badge': {
      // The leader gives the letter, a member nothing; now and then the desk gets it wrong.
      const p = person(a.who);
      const document = (p?.id === 'p0') !== a.wrongDocument;
      return [
        handleVisitCommand(
          p,
          { action: 'issue_badge', badgeId: `b${a.who}`, ...(document ? { collateral: SURAT } : {}) },
          ctx,
        ),
      ];
    }
    case 'checkout':
      return [
        handleVisitCommand(
          person(a.who),
          { action: 'checkout', badgeReturned: true, documentReturned: a.documentReturned },
          ctx,
        ),
      ];
    case 'returnDocument':
      return [handleVisitCommand(group.get('p0'), { action: 'return_document' }, ctx)];
    case 'checkoutGroup':
      return groupCheckout(all, { documentReturned: a.documentReturned }, ctx);
    case 'cancel':
      return [handleVisitCommand(person(a.who), { action: 'cancel' }, ctx)];
  }
}

/** The action's events, or undefined when the domain refuses it (the random sequence goes on). */
function planned(group: Map<string, Visit>, a: Action): VisitEvent[] | undefined {
  try {
    return plan(group, a);
  } catch (e) {
    if (e instanceof DomainError) return undefined;
    throw e;
  }
}

const reached = { runs: 0, memberBadged: false, letterBack: false };

/** The desk's usual day for a leader and one member: always among the runs, whatever the seed. */
const USUAL: [number, Action[]] = [
  1,
  [
    { kind: 'screen', who: 0, passed: true },
    { kind: 'screen', who: 1, passed: true },
    { kind: 'guestbook', who: 0 },
    { kind: 'guestbook', who: 1 },
    { kind: 'decideGroup', accept: true },
    { kind: 'badge', who: 1, wrongDocument: false },
    { kind: 'badge', who: 0, wrongDocument: false },
    { kind: 'badge', who: 1, wrongDocument: false },
    { kind: 'returnDocument' },
    { kind: 'checkout', who: 0, documentReturned: true },
    { kind: 'checkout', who: 0, documentReturned: false },
    { kind: 'checkout', who: 1, documentReturned: false },
    { kind: 'returnDocument' },
  ],
];

describe('properties of a group', () => {
  test.prop([fc.integer({ min: 1, max: 4 }), fc.array(action, { minLength: 60, maxLength: 160 })], {
    numRuns: 300,
    examples: [USUAL],
  })(
    'no person is approved before the group decision; the letter is back only after the last badge',
    (members, actions) => {
      const group = arrived(members);
      let decided = false;
      reached.runs++;
      for (const a of actions) {
        const events = planned(group, a);
        if (!events) continue;
        apply(group, events);
        if (a.kind === 'decideGroup') decided = true;
        const all = [...group.values()];
        if (!decided) expect(all.some(isApproved)).toBe(false);
        const leader = group.get('p0')!;
        if (leader.documentReturned) {
          expect(all.filter((v) => v.id !== 'p0' && v.state === 'badged')).toEqual([]);
        }
        // A member's badge is out only against the leader's letter, held at the desk.
        if (all.some((v) => v.id !== 'p0' && v.state === 'badged')) {
          expect(leader.collateral).toEqual(SURAT);
          expect(leader.documentReturned).not.toBe(true);
        }
        for (const v of all) if (v.id !== 'p0') expect(v.collateral).toBeUndefined();
        if (all.some((v) => v.id !== 'p0' && v.state === 'badged')) reached.memberBadged = true;
        if (leader.state === 'closed' && all.some((v) => v.id !== 'p0' && v.badgeId))
          reached.letterBack = true;
      }
    },
  );

  it('the random sequences reach the states the properties speak of', () => {
    // Guards the generator: properties that never see a badged member prove nothing. The usual
    // day is always run; the random sequences get there too in most runs of the suite.
    expect(reached.runs).toBeGreaterThan(0);
    expect(reached).toMatchObject({ memberBadged: true, letterBack: true });
  });

  test.prop([fc.integer({ min: 1, max: 5 }), fc.array(action, { maxLength: 80 })])(
    'every decided person carries the group decision in its journal event',
    (members, actions) => {
      const group = arrived(members);
      for (const a of actions) {
        const events = planned(group, a);
        if (!events) continue;
        for (const e of events) if (e.type === 'visit.decided') expect(e.payload.groupId).toBe('grp');
        apply(group, events);
      }
    },
  );
});
