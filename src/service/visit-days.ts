// The visits of one local day, open or closed: what the desk shows as "today". Open visits come
// from live state; closed ones from the month's archive, re-read only when the file changed.
import { stat } from 'node:fs/promises';
import { dateOf } from '../domain/time.js';
import type { Visit } from '../domain/types.js';
import { errnoCode } from '../store/fsync.js';
import type { Core } from './core.js';

export class VisitDays {
  private readonly cache = new Map<string, { size: number; mtimeMs: number; visits: Visit[] }>();

  constructor(private readonly core: Core) {}

  /** Today's local date in the configured zone, 'YYYY-MM-DD'. */
  today(): string {
    return dateOf(this.core.now(), this.core.state.policy.timezone);
  }

  /**
   * Visits that arrived on `date` (local), newest first. With `openToo`, every open visit is
   * included whatever its day (a badge still out, a document still at the desk).
   */
  async ofDay(date: string, opts: { openToo?: boolean; hostId?: string } = {}): Promise<Visit[]> {
    const tz = this.core.state.policy.timezone;
    const byId = new Map<string, Visit>();
    for (const v of await this.archived(date.slice(0, 7))) {
      if (dateOf(v.createdAt, tz) === date) byId.set(v.id, v);
    }
    for (const v of this.core.state.visits.values()) {
      if (opts.openToo || dateOf(v.createdAt, tz) === date) byId.set(v.id, v);
    }
    return [...byId.values()]
      .filter((v) => !opts.hostId || v.hostId === opts.hostId)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  private async archived(month: string): Promise<Visit[]> {
    const archive = this.core.archive;
    const file = archive.file(month);
    let st: { size: number; mtimeMs: number };
    try {
      st = await stat(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const hit = this.cache.get(month);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.visits;
    const visits = await archive.readMonth(month);
    this.cache.set(month, { size: st.size, mtimeMs: st.mtimeMs, visits });
    if (this.cache.size > 3) this.cache.delete(this.cache.keys().next().value!);
    return visits;
  }
}
