// The door supervision state machine: door events, held-open and forced-open alarms from
// contact, exit button, lock and clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DoorOutput,
  type DoorSignal,
  type DoorWatch,
  type DoorWatchConfig,
  initialDoorWatch,
  stepDoor,
} from '../../src/domain/door-watch.js';

const CFG: DoorWatchConfig = { heldOpenMs: 30_000, exitGraceMs: 3_000, relockGraceMs: 1_000 };

/** Feeds signals in order; returns the final state, every event with its time, and the last wakeAt. */
function run(signals: DoorSignal[], start: DoorWatch = initialDoorWatch(true, false, 0)) {
  let state = start;
  let wakeAt: number | undefined;
  const events: Array<DoorOutput & { at: number }> = [];
  for (const s of signals) {
    const step = stepDoor(state, s, CFG);
    state = step.state;
    wakeAt = step.wakeAt;
    for (const e of step.events) events.push({ ...e, at: s.at });
  }
  return { state, events, wakeAt };
}

const contact = (open: boolean, at: number): DoorSignal => ({ type: 'contact', open, at });
const lock = (locked: boolean, at: number): DoorSignal => ({ type: 'lock', locked, at });

describe('door events', () => {
  it('reports opened and closed, once per change', () => {
    const { events } = run([contact(true, 10), contact(true, 20), contact(false, 30), contact(false, 40)], {
      ...initialDoorWatch(false, false, 0),
    });
    expect(events.map((e) => e.type)).toEqual(['door.opened', 'door.closed']);
  });

  it('reports an exit request', () => {
    expect(run([{ type: 'exit', at: 5 }]).events).toEqual([{ type: 'door.exit_request', at: 5 }]);
  });

  it('takes the first reading of a contact as the state, not as a movement', () => {
    const start = initialDoorWatch(true, undefined, 0);
    expect(run([contact(true, 100)], start).events).toEqual([]);
    expect(run([contact(false, 100)], start).events).toEqual([]);
  });
});

describe('forced-open alarm', () => {
  it('is raised when the door opens while locked, without grant or exit request', () => {
    const { events, state } = run([contact(true, 5_000)]);
    expect(events).toEqual([
      { type: 'door.opened', at: 5_000 },
      { type: 'door.alarm', alarm: 'forced_open', at: 5_000 },
    ]);
    expect(state.alarms).toEqual(['forced_open']);
  });

  it('is not raised while the lock is unlocked (a grant pulse), nor just after it locks again', () => {
    expect(run([lock(false, 1_000), contact(true, 2_000)]).events.map((e) => e.type)).toEqual([
      'door.opened',
    ]);
    expect(
      run([lock(false, 1_000), lock(true, 4_000), contact(true, 4_900)]).events.map((e) => e.type),
    ).toEqual(['door.opened']);
    expect(
      run([lock(false, 1_000), lock(true, 4_000), contact(true, 5_100)]).events.map((e) => e.type),
    ).toEqual(['door.opened', 'door.alarm']);
  });

  it('is not raised within the exit grace of an exit request, and is after it', () => {
    expect(run([{ type: 'exit', at: 1_000 }, contact(true, 3_900)]).events.map((e) => e.type)).toEqual([
      'door.exit_request',
      'door.opened',
    ]);
    expect(run([{ type: 'exit', at: 1_000 }, contact(true, 4_100)]).events.map((e) => e.type)).toEqual([
      'door.exit_request',
      'door.opened',
      'door.alarm',
    ]);
  });

  it('is not raised for a door found open at start', () => {
    expect(run([contact(true, 10), contact(false, 20)], initialDoorWatch(true, true, 0)).events).toEqual([
      { type: 'door.closed', cleared: [], at: 20 },
    ]);
  });

  it('ends when the door closes (the closing names the cleared alarm)', () => {
    const { events, state } = run([contact(true, 5_000), contact(false, 6_000)]);
    expect(events.at(-1)).toEqual({ type: 'door.closed', cleared: ['forced_open'], at: 6_000 });
    expect(state.alarms).toEqual([]);
  });
});

describe('held-open alarm', () => {
  it('asks to be woken when it becomes due, and is raised then', () => {
    const opened = run([lock(false, 0), contact(true, 1_000), lock(true, 3_000)]);
    expect(opened.wakeAt).toBe(31_000);
    const early = stepDoor(opened.state, { type: 'tick', at: 30_999 }, CFG);
    expect(early.events).toEqual([]);
    const due = stepDoor(opened.state, { type: 'tick', at: 31_000 }, CFG);
    expect(due.events).toEqual([{ type: 'door.alarm', alarm: 'held_open' }]);
    expect(due.wakeAt).toBeUndefined();
    // raised once
    expect(stepDoor(due.state, { type: 'tick', at: 40_000 }, CFG).events).toEqual([]);
  });

  it('is not raised while the lock is held unlocked, and becomes due when it locks', () => {
    const held = run([lock(false, 0), contact(true, 1_000), { type: 'tick', at: 100_000 }]);
    expect(held.events.map((e) => e.type)).toEqual(['door.opened']);
    expect(held.wakeAt).toBeUndefined();
    const relocked = stepDoor(held.state, lock(true, 100_500), CFG);
    expect(relocked.events).toEqual([{ type: 'door.alarm', alarm: 'held_open' }]);
  });

  it('is not raised when the door closes in time', () => {
    const { events, wakeAt } = run([
      lock(false, 0),
      contact(true, 1_000),
      lock(true, 3_000),
      contact(false, 20_000),
    ]);
    expect(events.map((e) => e.type)).toEqual(['door.opened', 'door.closed']);
    expect(wakeAt).toBeUndefined();
  });

  it('may follow a forced-open alarm on the same opening', () => {
    const { events } = run([contact(true, 1_000), { type: 'tick', at: 31_000 }]);
    expect(events.filter((e) => e.type === 'door.alarm')).toEqual([
      { type: 'door.alarm', alarm: 'forced_open', at: 1_000 },
      { type: 'door.alarm', alarm: 'held_open', at: 31_000 },
    ]);
  });
});

describe('properties', () => {
  const signal = fc.oneof(
    fc.record({ type: fc.constant('contact' as const), open: fc.boolean(), dt: fc.nat(40_000) }),
    fc.record({ type: fc.constant('lock' as const), locked: fc.boolean(), dt: fc.nat(40_000) }),
    fc.record({ type: fc.constant('exit' as const), dt: fc.nat(40_000) }),
    fc.record({ type: fc.constant('tick' as const), dt: fc.nat(40_000) }),
  );
  const timeline = fc.array(signal, { maxLength: 60 }).map((xs) => {
    let at = 0;
    return xs.map(({ dt, ...rest }) => {
      at += dt;
      return { ...rest, at } as DoorSignal;
    });
  });

  it('alarms only while open, each at most once per opening, and closing clears them', () => {
    fc.assert(
      fc.property(timeline, (signals) => {
        let state = initialDoorWatch(true, false, 0);
        for (const s of signals) {
          const step = stepDoor(state, s, CFG);
          const alarms = step.events.filter((e) => e.type === 'door.alarm');
          if (alarms.length > 0) expect(step.state.open).toBe(true);
          expect(new Set(step.state.alarms).size).toBe(step.state.alarms.length);
          if (step.state.open !== true) expect(step.state.alarms).toEqual([]);
          if (step.wakeAt !== undefined) expect(step.wakeAt).toBeGreaterThan(s.at);
          state = step.state;
        }
      }),
    );
  });

  it('never calls an opening forced while the lock is unlocked', () => {
    fc.assert(
      fc.property(timeline, (signals) => {
        let state = initialDoorWatch(true, false, 0);
        for (const s of signals) {
          const step = stepDoor(state, s, CFG);
          if (!state.locked && s.type === 'contact') {
            expect(step.events).not.toContainEqual({ type: 'door.alarm', alarm: 'forced_open' });
          }
          state = step.state;
        }
      }),
    );
  });
});
