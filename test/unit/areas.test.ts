// The area model (domain/areas.ts): which door leads from which area into which, where a
// granted tap puts a visitor, anti-passback from it, and the configuration's checks.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/validate.js';
import { decide, nextPresence } from '../../src/domain/access.js';
import {
  type AreaDoor,
  areaMap,
  areaPath,
  areaProblems,
  BUILDING,
  isWithin,
  OUTSIDE,
} from '../../src/domain/areas.js';
import type { Decision, Direction } from '../../src/domain/types.js';
import { emptyState, LiveState } from '../../src/service/live-state.js';
import {
  badgedGuest,
  door,
  doorReader,
  entrance,
  MON_0900,
  policy,
  snapshot,
  standardReaders,
} from './fixtures/domain.js';

const RUNS = { numRuns: 300 };

/** outside -> lobi -> sayap -> ruang-a, ruang-b; lobi -> aula. Two entrances into the lobby. */
const DEEP: AreaDoor[] = [
  { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance', areas: { from: OUTSIDE, to: 'lobi' } },
  { id: 'pintu-samping', name: 'Pintu Samping', kind: 'entrance', areas: { from: OUTSIDE, to: 'lobi' } },
  { id: 'pintu-sayap', name: 'Pintu Sayap', kind: 'room', areas: { from: 'lobi', to: 'sayap' } },
  { id: 'ruang-a', name: 'Ruang A', kind: 'room', areas: { from: 'sayap', to: 'ruang-a' } },
  { id: 'ruang-b', name: 'Ruang B', kind: 'room', areas: { from: 'sayap', to: 'ruang-b' } },
  { id: 'aula', name: 'Aula', kind: 'room', areas: { from: 'lobi', to: 'aula' } },
];
const PERIMETER = new Set(['pintu-utama', 'pintu-samping']);

describe('the map', () => {
  it('derives outside -> building -> one room per room door, named after the door', () => {
    const m = areaMap([
      { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' },
      { id: 'ruang-kabag', name: 'Ruang Kepala Bagian Umum', kind: 'room' },
    ]);
    expect(m.doors.get('pintu-utama')).toEqual({ from: OUTSIDE, to: BUILDING });
    expect(m.doors.get('ruang-kabag')).toEqual({ from: BUILDING, to: 'ruang-kabag' });
    expect(m.names.get(BUILDING)).toBe('Gedung');
    expect(m.names.get('ruang-kabag')).toBe('Ruang Kepala Bagian Umum');
    expect(areaPath(m, 'ruang-kabag')).toEqual([BUILDING, 'ruang-kabag']);
    expect(areaPath(m, OUTSIDE)).toEqual([]);
  });

  it('takes listed names over derived ones', () => {
    const m = areaMap(DEEP, [{ id: 'sayap', name: 'Sayap Timur' }]);
    expect(m.names.get('sayap')).toBe('Sayap Timur');
    expect(m.names.get('ruang-a')).toBe('Ruang A');
    expect(areaPath(m, 'ruang-b')).toEqual(['lobi', 'sayap', 'ruang-b']);
  });

  it('knows what contains what', () => {
    const m = areaMap(DEEP);
    expect(isWithin(m, 'ruang-a', 'sayap')).toBe(true);
    expect(isWithin(m, 'ruang-a', 'lobi')).toBe(true);
    expect(isWithin(m, 'aula', 'sayap')).toBe(false);
    expect(isWithin(m, OUTSIDE, 'lobi')).toBe(false);
    expect(isWithin(m, 'anything', OUTSIDE)).toBe(true);
  });
});

describe('problems', () => {
  const base = DEEP.slice(0, 3);
  const msg = (doors: AreaDoor[], listed?: Array<{ id: string; name: string }>) =>
    areaProblems(doors, listed).map((p) => `${p.door ?? `a${p.area}`}.${p.field}: ${p.message}`);

  it('none for the default layout and for a deeper one', () => {
    expect(
      msg([
        { id: 'e', name: 'E', kind: 'entrance' },
        { id: 'r', name: 'R', kind: 'room' },
      ]),
    ).toEqual([]);
    expect(msg(DEEP)).toEqual([]);
    expect(
      msg(DEEP, [
        { id: 'lobi', name: 'Lobi' },
        { id: 'sayap', name: 'S' },
        { id: 'ruang-a', name: 'A' },
        { id: 'ruang-b', name: 'B' },
        { id: 'aula', name: 'Aula' },
      ]),
    ).toEqual([]);
  });

  it('an area not listed, a door into outside or into its own area', () => {
    expect(msg(base, [{ id: 'lobi', name: 'Lobi' }])).toEqual([
      '2.to: unknown area "sayap"; areas lists them',
    ]);
    expect(
      msg([...base, { id: 'x', name: 'X', kind: 'room', areas: { from: 'lobi', to: OUTSIDE } }])[0],
    ).toMatch(/^3\.to: no door leads into "outside"/);
    expect(msg([...base, { id: 'x', name: 'X', kind: 'room', areas: { from: 'lobi', to: 'lobi' } }])).toEqual(
      ['3.to: leads from "lobi" into itself'],
    );
  });

  it('a derived area says so', () => {
    const p = msg([{ id: 'e', name: 'E', kind: 'entrance' }], [{ id: 'lobi', name: 'Lobi' }]);
    expect(p[0]).toMatch(
      /^0\.to: unknown area "building" \(derived for a door of kind entrance: set its areas\)/,
    );
  });

  it('an area entered from two areas, a loop, an area out of reach', () => {
    expect(
      msg([...base, { id: 'x', name: 'X', kind: 'room', areas: { from: OUTSIDE, to: 'sayap' } }]),
    ).toEqual([
      '3.from: area "sayap" is entered from "lobi" (doors[2]), not from "outside": an area has one outer area',
    ]);
    const loop = msg([
      { id: 'a', name: 'A', kind: 'room', areas: { from: 'x', to: 'y' } },
      { id: 'b', name: 'B', kind: 'room', areas: { from: 'y', to: 'x' } },
    ]);
    expect(loop).toContain('0.from: area "y" is inside a loop of areas with no way in from outside');
    expect(msg([{ id: 'a', name: 'A', kind: 'room', areas: { from: 'lobi', to: 'r' } }])).toEqual([
      '0.from: area "r" cannot be reached from outside: no door leads into "lobi"',
    ]);
  });

  it('a listed area no door leads into, and "outside" listed', () => {
    expect(
      msg(base, [
        { id: 'lobi', name: 'L' },
        { id: 'sayap', name: 'S' },
        { id: 'gudang', name: 'G' },
      ]),
    ).toEqual(['a2.id: no door leads into area "gudang"']);
    expect(
      msg(base, [
        { id: OUTSIDE, name: 'Luar' },
        { id: 'lobi', name: 'L' },
        { id: 'sayap', name: 'S' },
      ])[0],
    ).toMatch(/^a0\.id: "outside" is built in/);
  });

  it('reach the operator under the key they wrote', () => {
    const { problems } = checkConfig({
      areas: [{ id: 'lobi', name: 'Lobi' }],
      doors: [
        { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance', areas: { from: 'outside', to: 'lobi' } },
        { id: 'ruang-kabag', name: 'Ruang Kabag', kind: 'room' },
      ],
      readers: [{ id: 'desk', role: 'desk' }],
      hosts: [],
    });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'doors[1].areas.from: unknown area "building" (derived for a door of kind room: set its areas); areas lists them',
    ]);
    const dup = checkConfig({
      areas: [
        { id: 'lobi', name: 'A' },
        { id: 'lobi', name: 'B' },
      ],
    }).problems;
    expect(dup.map((p) => p.path)).toContain('areas[1].id');
  });
});

// ------------------------------------------------------------------ properties

const m = areaMap(DEEP);
const arbTap = fc.record({
  door: fc.constantFrom(...DEEP.map((d) => d.id)),
  direction: fc.constantFrom<Direction>('in', 'out'),
  visit: fc.constantFrom('v1', 'v2', 'v3'),
});
const granted = (doorId: string, direction: Direction, visitId: string): Decision => ({
  granted: true,
  readerId: `${doorId}-${direction}`,
  doorId,
  direction,
  visitId,
  pulseMs: 1,
});

/** The roll call as live state keeps it: visit -> area, nobody listed outside. */
function replay(taps: Array<{ door: string; direction: Direction; visit: string }>): Map<string, string> {
  const where = new Map<string, string>();
  for (const t of taps) {
    const next = nextPresence(
      { areas: m },
      where.get(t.visit) ?? OUTSIDE,
      granted(t.door, t.direction, t.visit),
    );
    if (next === OUTSIDE) where.delete(t.visit);
    else where.set(t.visit, next);
  }
  return where;
}

describe('properties of the area model', () => {
  test.prop([fc.array(arbTap, { maxLength: 40 })], RUNS)(
    'after any taps each visitor is in exactly one known area, the inner or outer side of the last door',
    (taps) => {
      const where = replay(taps);
      for (const v of ['v1', 'v2', 'v3']) {
        const area = where.get(v) ?? OUTSIDE;
        expect(area === OUTSIDE || m.outer.has(area)).toBe(true);
        const last = taps.filter((t) => t.visit === v).at(-1);
        if (!last) expect(area).toBe(OUTSIDE);
        else {
          const p = m.doors.get(last.door)!;
          expect(area).toBe(last.direction === 'in' ? p.to : p.from);
        }
      }
    },
  );

  test.prop(
    [fc.array(arbTap, { maxLength: 40 }), fc.constantFrom(...PERIMETER), fc.constantFrom('v1', 'v2')],
    RUNS,
  )('after a perimeter out the visitor is in no inner area, whatever came before', (taps, exit, visit) => {
    const where = replay([...taps, { door: exit, direction: 'out', visit }]);
    expect(where.has(visit)).toBe(false);
    for (const area of m.outer.keys())
      expect([...where].some(([v, a]) => v === visit && a === area)).toBe(false);
  });

  test.prop([fc.array(arbTap, { maxLength: 40 }), fc.constantFrom('ruang-a', 'ruang-b', 'aula')], RUNS)(
    'an entry at a room moves the visitor out of every other room (a room without an out-reader is left)',
    (taps, room) => {
      const where = replay([...taps, { door: room, direction: 'in', visit: 'v1' }]);
      expect(where.get('v1')).toBe(room);
      expect(areaPath(m, room).at(-1)).toBe(room);
    },
  );

  test.prop([fc.constantFrom(OUTSIDE, ...m.outer.keys()), fc.constantFrom(...DEEP.map((d) => d.id))], RUNS)(
    'anti-passback refuses an entry exactly when the visitor is inside the door or not at its outer side',
    (at, doorId) => {
      const doors = DEEP.map((d) =>
        d.kind === 'entrance' ? entrance(d.id, { antiPassback: true }) : door(d.id, { antiPassback: true }),
      );
      const readers = [...standardReaders(), ...DEEP.map((d) => doorReader(`${d.id}-in`, d.id, 'in'))];
      const g = badgedGuest('v1', '04A1B2C3D4E501', { rooms: DEEP.map((d) => d.id) });
      const s = { ...snapshot({ doors, readers, visits: [g.visit], badges: [g.badge] }), areas: m };
      const withPresence = { ...s, presence: at === OUTSIDE ? new Map() : new Map([['v1', at]]) };
      const d = decide(
        withPresence,
        { readerId: `${doorId}-in`, kind: 'nfc', uid: '04A1B2C3D4E501' },
        MON_0900,
      );
      const p = m.doors.get(doorId)!;
      // Said by hand: the outer side is `from` or any area within it; the inner side `to` or within it.
      const chain = [...areaPath(m, at)];
      const onInner = chain.includes(p.to);
      const onOuter = p.from === OUTSIDE || chain.includes(p.from);
      expect(d.granted).toBe(!onInner && onOuter);
      if (!d.granted) expect(d.reason).toBe('anti_passback');
    },
  );
});

describe('the saved state', () => {
  it('reads a state file from before areas once, each visit in the innermost area its doors lead into', () => {
    const doors = [entrance('pintu-utama'), door('ruang-kabag')];
    const areas = areaMap(doors);
    const old = {
      ...emptyState(),
      presence: { v1: ['ruang-kabag', 'pintu-utama'], v2: ['pintu-utama'], v3: [] },
    };
    delete old.areas;
    const s = new LiveState(policy(), new Map(doors.map((d) => [d.id, d])), new Map(), areas, old, () => '');
    expect([...s.presence]).toEqual([
      ['v1', 'ruang-kabag'],
      ['v2', BUILDING],
    ]);
    expect(s.toPersisted()).toMatchObject({ areas: { v1: 'ruang-kabag', v2: BUILDING } });
    expect(s.toPersisted()).not.toHaveProperty('presence');
  });
});
