// The evacuation roll call: who is inside, and in which area (domain/areas.ts). The one place
// the HTTP roll call (GET /presence), the MQTT count and list (pintu/visitors/inside) and the
// metrics gauge ask; each visitor is in exactly one area, so nobody is counted twice and
// nobody who left through the perimeter is counted at all.
import { areaPath } from '../domain/areas.js';
import type { Visit } from '../domain/types.js';
import type { Core } from './core.js';

export interface InsideVisit {
  visit: Visit;
  /** The area the visit is in. */
  area: { id: string; name: string };
  /** The areas from the perimeter inward to it: the building, then the room. */
  path: Array<{ id: string; name: string }>;
}

export class RollCall {
  constructor(private readonly core: Core) {
    // The gauge is counted when it is scraped, not on every tap.
    core.metrics.probes.visitorsInside = () => this.count();
  }

  /** Open visits inside an area, in visit id order. */
  inside(): InsideVisit[] {
    const { presence, visits } = this.core.state;
    const out: InsideVisit[] = [];
    for (const [visitId, area] of presence) {
      const visit = visits.get(visitId);
      if (!visit) continue;
      out.push({
        visit,
        area: this.area(area),
        path: areaPath(this.core.state.areas, area).map((a) => this.area(a)),
      });
    }
    return out.sort((a, b) => a.visit.id.localeCompare(b.visit.id));
  }

  /** How many open visits are inside (pintu/visitors/inside, pintu_visitors_inside). */
  count(): number {
    const { presence, visits } = this.core.state;
    let n = 0;
    for (const visitId of presence.keys()) if (visits.has(visitId)) n++;
    return n;
  }

  /** The area the visit is in; undefined outside. */
  areaOf(visitId: string): string | undefined {
    return this.core.state.presence.get(visitId);
  }

  area(id: string): { id: string; name: string } {
    return { id, name: this.core.state.areas.names.get(id) ?? id };
  }
}
