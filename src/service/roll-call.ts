// The evacuation roll call: who is inside, and in which area (domain/areas.ts). The one place
// the HTTP roll call (GET /presence), the MQTT count and list (pintu/visitors/inside) and the
// metrics gauge ask; each visitor is in exactly one area, so nobody is counted twice and
// nobody who left through the perimeter is counted at all. On a fleet's desk it covers every
// entrance: a visitor a door gateway last let in is where that gateway says, named with it.
import { areaPath } from '../domain/areas.js';
import type { Visit } from '../domain/types.js';
import type { Core } from './core.js';

export interface InsideVisit {
  visit: Visit;
  /** The area the visit is in. */
  area: { id: string; name: string };
  /** The areas from the perimeter inward to it: the building, then the room. */
  path: Array<{ id: string; name: string }>;
  /** The door gateway of the fleet that saw it there (absent: this gateway). */
  gateway?: string;
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
    for (const [visitId, at] of this.core.state.remoteAreas) {
      const visit = visits.get(visitId);
      if (!visit) continue;
      const area = at.path.at(-1) ?? { id: at.id, name: at.id };
      out.push({ visit, area, path: at.path, gateway: at.gateway });
    }
    return out.sort((a, b) => a.visit.id.localeCompare(b.visit.id));
  }

  /** How many open visits are inside (pintu/visitors/inside, pintu_visitors_inside). */
  count(): number {
    const { presence, remoteAreas, visits } = this.core.state;
    let n = 0;
    for (const visitId of presence.keys()) if (visits.has(visitId)) n++;
    for (const visitId of remoteAreas.keys()) if (visits.has(visitId)) n++;
    return n;
  }

  /** The area the visit is in (here, or at a door gateway of the fleet); undefined outside. */
  areaOf(visitId: string): string | undefined {
    return this.core.state.presence.get(visitId) ?? this.core.state.remoteAreas.get(visitId)?.id;
  }

  area(id: string): { id: string; name: string } {
    return { id, name: this.core.state.areas.names.get(id) ?? id };
  }
}
