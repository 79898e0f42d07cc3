// Areas (DESIGN.md "Areas"): each door leads from one area into another (outside -> the
// building -> a room), and a visitor is in exactly one area at a time. The areas form a tree
// rooted at `outside`: every area is entered from one outer area, so "inside X" means X or
// any area within it. A granted entry moves the visitor into the door's inner area, a granted
// exit into its outer area; that one rule covers a room without an out-reader (the next door
// the guest is seen at says where they are) and the perimeter exit (outside leaves all).
// The roll call, anti-passback and the count of visitors inside all read this one model.

import type { Direction, DoorKind } from './types.js';

/** The area beyond the perimeter: where every visitor starts and where checkout puts them. */
export const OUTSIDE = 'outside';
/** The area an entrance leads into when the configuration names none, and its name. */
export const BUILDING = 'building';
const BUILDING_NAME = 'Gedung';

/** The two areas a door joins: an in-reader leads from `from` into `to`, an out-reader back. */
export interface Passage {
  from: string;
  to: string;
}

export interface AreaMap {
  /** Door id -> the areas it joins. */
  readonly doors: ReadonlyMap<string, Passage>;
  /** Area id -> the area it is entered from (every area but outside has one). */
  readonly outer: ReadonlyMap<string, string>;
  /** Area id -> its name in the panel and the roll call. */
  readonly names: ReadonlyMap<string, string>;
}

export interface AreaDoor {
  id: string;
  name: string;
  kind: DoorKind;
  /** Absent: derived from the kind (defaultPassage). */
  areas?: Passage;
}

export interface NamedArea {
  id: string;
  name: string;
}

/** Without configuration: an entrance joins outside and the building, a room door leads from the building into a room named after the door. */
export function defaultPassage(door: Pick<AreaDoor, 'id' | 'kind'>): Passage {
  return door.kind === 'entrance' ? { from: OUTSIDE, to: BUILDING } : { from: BUILDING, to: door.id };
}

export function passageOf(door: AreaDoor): Passage {
  return door.areas ?? defaultPassage(door);
}

/** A problem with the areas of a configuration: `door` or `area` is the index in its list. */
export interface AreaProblem {
  door?: number;
  area?: number;
  field: 'from' | 'to' | 'id';
  message: string;
}

/**
 * What is wrong with these doors' areas: an area not in `listed` (when a list is given; a
 * room door's own id needs no listing), a door into outside or into the area it leads from,
 * an area entered from two different areas, a loop with no way in from outside, a listed
 * area that no door leads into.
 */
export function areaProblems(doors: readonly AreaDoor[], listed?: readonly NamedArea[]): AreaProblem[] {
  const out: AreaProblem[] = [];
  // A room door's own area (named after the door) is known without being listed.
  const rooms = doors.filter((d) => d.kind === 'room').map((d) => d.id);
  const known = listed ? new Set([OUTSIDE, ...rooms, ...listed.map((a) => a.id)]) : undefined;
  listed?.forEach((a, i) => {
    if (a.id === OUTSIDE)
      out.push({
        area: i,
        field: 'id',
        message: `"${OUTSIDE}" is built in (the area beyond every entrance)`,
      });
  });
  const derived = (d: AreaDoor) => (d.areas ? '' : ` (derived for a door of kind ${d.kind}: set its areas)`);
  const enteredBy = new Map<string, { from: string; door: number }>();
  doors.forEach((d, i) => {
    const p = passageOf(d);
    let ok = true;
    for (const field of ['from', 'to'] as const) {
      if (known && !known.has(p[field])) {
        out.push({ door: i, field, message: `unknown area "${p[field]}"${derived(d)}; areas lists them` });
        ok = false;
      }
    }
    if (!ok) return;
    if (p.to === OUTSIDE) {
      out.push({
        door: i,
        field: 'to',
        message: `no door leads into "${OUTSIDE}": its out-reader leads back out`,
      });
      return;
    }
    if (p.from === p.to) {
      out.push({ door: i, field: 'to', message: `leads from "${p.from}" into itself` });
      return;
    }
    const first = enteredBy.get(p.to);
    if (!first) enteredBy.set(p.to, { from: p.from, door: i });
    else if (first.from !== p.from)
      out.push({
        door: i,
        field: 'from',
        message: `area "${p.to}" is entered from "${first.from}" (doors[${first.door}]), not from "${p.from}"${derived(d)}: an area has one outer area`,
      });
  });
  // Every area must be reachable from outside: walking outward ends there, not in a loop.
  for (const [area, { door }] of enteredBy) {
    const seen = new Set<string>([area]);
    let at = enteredBy.get(area)?.from;
    while (at !== undefined && at !== OUTSIDE) {
      if (seen.has(at)) {
        out.push({
          door,
          field: 'from',
          message: `area "${area}" is inside a loop of areas with no way in from outside`,
        });
        break;
      }
      seen.add(at);
      const next = enteredBy.get(at);
      if (!next) {
        out.push({
          door,
          field: 'from',
          message: `area "${area}" cannot be reached from outside: no door leads into "${at}"`,
        });
        break;
      }
      at = next.from;
    }
  }
  listed?.forEach((a, i) => {
    if (a.id !== OUTSIDE && !enteredBy.has(a.id))
      out.push({ area: i, field: 'id', message: `no door leads into area "${a.id}"` });
  });
  return out;
}

/**
 * The map of a checked configuration. Names: the listed name, else "Gedung" for the building,
 * else the name of the room door that leads into the area, else its id.
 */
export function areaMap(doors: readonly AreaDoor[], listed: readonly NamedArea[] = []): AreaMap {
  const passages = new Map<string, Passage>();
  const outer = new Map<string, string>();
  const names = new Map<string, string>(listed.map((a) => [a.id, a.name]));
  for (const d of doors) {
    const p = passageOf(d);
    passages.set(d.id, p);
    if (!outer.has(p.to)) outer.set(p.to, p.from);
    if (!names.has(p.to) && p.to !== BUILDING && d.kind === 'room') names.set(p.to, d.name);
  }
  if (!names.has(BUILDING)) names.set(BUILDING, BUILDING_NAME);
  for (const area of [OUTSIDE, ...outer.keys()]) if (!names.has(area)) names.set(area, area);
  return { doors: passages, outer, names };
}

/** Where a visitor is after a granted tap at `doorId`: the door's inner area on entry, its outer area on exit. */
export function areaAfter(map: AreaMap, current: string, doorId: string, direction: Direction): string {
  const p = map.doors.get(doorId);
  if (!p) return current;
  return direction === 'in' ? p.to : p.from;
}

/** Is `area` the area `container` or within it? Outside contains everything. */
export function isWithin(map: AreaMap, area: string, container: string): boolean {
  if (container === OUTSIDE) return true;
  const seen = new Set<string>();
  for (let at: string | undefined = area; at !== undefined && !seen.has(at); at = map.outer.get(at)) {
    if (at === container) return true;
    seen.add(at);
  }
  return false;
}

/** The areas from the perimeter inward to `area`: ["building", "ruang-kabag"]; [] outside. */
export function areaPath(map: AreaMap, area: string): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  for (
    let at: string | undefined = area;
    at !== undefined && at !== OUTSIDE && !seen.has(at);
    at = map.outer.get(at)
  ) {
    seen.add(at);
    path.unshift(at);
  }
  return path;
}

/**
 * Anti-passback for an entry at `doorId`: refused when the model says the visitor is already
 * on the inner side (in the door's inner area or within it: the badge went back out without
 * its holder) or not on the outer side (e.g. at a room door while outside the building: the
 * guest came in behind someone, or the badge was passed out to another).
 */
export function passbackRefuses(map: AreaMap, current: string, doorId: string): boolean {
  const p = map.doors.get(doorId);
  if (!p) return false;
  return isWithin(map, current, p.to) || !isWithin(map, current, p.from);
}
