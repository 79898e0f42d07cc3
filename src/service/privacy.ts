// Personal data under UU No. 27/2022: a guest's data can be exported and erased on request,
// and identity fields are erased after the retention period. The journal holds no names,
// so erasure touches the guest file, open visits and the monthly archive only.
import { DomainError } from '../domain/errors.js';
import { dueForErasure, eraseGuest } from '../domain/privacy.js';
import type { Actor, Guest, Visit } from '../domain/types.js';
import type { Core } from './core.js';

export interface GuestExport {
  guest: Guest;
  visits: Visit[];
  exportedAt: string;
}

export class PrivacyService {
  constructor(
    private readonly core: Core,
    /** Days kept after the last visit by the configuration (retention.guestDays). */
    readonly retentionFromConfig: number,
    /** The admin's override (panel settings), read at each use: a change takes effect at once. */
    private readonly override: () => number | undefined = () => undefined,
  ) {}

  /** Days kept after the last visit now: the admin's override when set, else the configuration's. */
  get retentionDays(): number {
    return this.override() ?? this.retentionFromConfig;
  }

  async export(guestId: string, actor: Actor): Promise<GuestExport> {
    const guest = this.core.guest(guestId);
    if (!guest) throw new DomainError('not_found', `no guest ${guestId}`);
    const visits = [...this.core.state.visits.values()].filter((v) => v.guestId === guestId);
    for (const month of await this.core.archive.months()) {
      for (const v of await this.core.archive.readMonth(month)) if (v.guestId === guestId) visits.push(v);
    }
    await this.core.record(
      { type: 'privacy.exported', payload: { guestIds: [guestId], reason: 'request' } },
      actor,
    );
    return { guest, visits: dedupe(visits), exportedAt: new Date(this.core.now()).toISOString() };
  }

  /** Erase one guest's identity fields now (a request under the law). */
  async erase(guestId: string, actor: Actor): Promise<void> {
    const guest = this.core.guest(guestId);
    if (!guest) throw new DomainError('not_found', `no guest ${guestId}`);
    await this.eraseMany([guest], actor, 'request');
  }

  /** Erase every guest last seen more than the retention period ago. Returns how many. */
  async sweep(): Promise<number> {
    const due = dueForErasure(this.core.guests.all, this.core.now(), this.retentionDays);
    // A guest with an open visit keeps their data until it closes.
    const open = new Set([...this.core.state.visits.values()].map((v) => v.guestId));
    const erasable = due.filter((g) => !open.has(g.id));
    if (erasable.length) await this.eraseMany(erasable, { kind: 'system', id: 'retention' }, 'retention');
    return erasable.length;
  }

  private async eraseMany(guests: Guest[], actor: Actor, reason: 'retention' | 'request'): Promise<void> {
    const ids = new Set(guests.map((g) => g.id));
    const now = this.core.now();
    await this.core.saveGuests(
      guests.map((g) => eraseGuest(g, now)),
      { purge: true },
    );
    for (const month of await this.core.archive.months()) {
      // Only the months that still name one of these guests are written: the daily sweep
      // would otherwise rewrite the whole archive every day.
      await this.core.archive.rewriteMonth(month, (visits) =>
        visits.some((v) => ids.has(v.guestId) && v.guestName !== '')
          ? visits.map((v) => (ids.has(v.guestId) ? { ...v, guestName: '' } : v))
          : visits,
      );
    }
    await this.core.transact(actor, () => {
      for (const v of this.core.state.visits.values()) {
        if (ids.has(v.guestId)) this.core.state.visits.set(v.id, { ...v, guestName: '' });
      }
      for (const a of this.core.state.appointments.values()) {
        if (ids.has(a.guestId)) this.core.state.appointments.set(a.id, { ...a, guestName: '' });
      }
      return {
        events: [{ type: 'privacy.erased', payload: { guestIds: [...ids], reason } }],
        result: () => undefined,
      };
    });
  }
}

function dedupe(visits: Visit[]): Visit[] {
  const byId = new Map<string, Visit>();
  for (const v of visits) byId.set(v.id, v);
  return [...byId.values()];
}
