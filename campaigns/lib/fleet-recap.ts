// The goal "the fleet recap equals the sum of the gateways' events" (issue 17), for both fleet
// campaigns: the desk's monthly recap (each door gateway's doors under `<gateway>/<door>`, from
// the fleet.access entries it journaled) against each door gateway's own monthly recap of its
// journal: entries and exits per door, and the refusals per reason summed over the fleet. The
// campaigns tap only at the door gateways, so the desk's own doors count nothing.

/** The part of a monthly recap compared (src/domain/recap.ts MonthlyRecap). */
export interface RecapDoors {
  doors: ReadonlyArray<{ key: string; entries: number; exits: number }>;
  denials: ReadonlyArray<{ key: string; count: number }>;
}

export interface RecapComparison {
  /** Granted passages (entries + exits) and refusals at the door gateways. */
  passages: number;
  refusals: number;
  differences: string[];
}

export function compareFleetRecap(
  desk: RecapDoors,
  gateways: ReadonlyArray<{ id: string; recap: RecapDoors }>,
): RecapComparison {
  const differences: string[] = [];
  const denials = new Map<string, number>();
  let passages = 0;
  for (const { id, recap } of gateways) {
    for (const door of recap.doors) {
      const there = desk.doors.find((x) => x.key === `${id}/${door.key}`);
      passages += door.entries + door.exits;
      if (door.entries + door.exits === 0 && !there) continue;
      if (there?.entries !== door.entries || there.exits !== door.exits)
        differences.push(
          `${id}/${door.key}: ${door.entries} in, ${door.exits} out there; at the desk ${there ? `${there.entries} in, ${there.exits} out` : 'none'}`,
        );
    }
    for (const r of recap.denials) denials.set(r.key, (denials.get(r.key) ?? 0) + r.count);
  }
  for (const key of new Set([...denials.keys(), ...desk.denials.map((r) => r.key)])) {
    const sum = denials.get(key) ?? 0;
    const there = desk.denials.find((r) => r.key === key)?.count ?? 0;
    if (sum !== there) differences.push(`refusals ${key}: ${sum} at the gateways, ${there} at the desk`);
  }
  const refusals = [...denials.values()].reduce((a, b) => a + b, 0);
  return { passages, refusals, differences };
}

export function recapText(month: string, doors: number, c: RecapComparison): string {
  return `the desk's recap of ${month} against the ${doors} door gateways' own: ${c.passages} granted passages and ${c.refusals} refusals, ${c.differences.length === 0 ? 'equal' : `**${c.differences.length} differences**`}`;
}
