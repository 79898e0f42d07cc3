// The fleet's part of GET /api/v1/health (README "Fleet", "Health"): how long something has
// been wrong, against fleet.lagMaxSeconds. A clock per condition, set when it starts, cleared
// when it ends, so a problem is reported once it has lasted, not at the first late message.
// Times are the gateway's clock (core.now).

/** Since when a condition holds (epoch ms), per key; absent: it does not. */
export class Since {
  private readonly since = new Map<string, number>();

  /** The condition holds at `now`: its clock starts unless it runs already. */
  hold(key: string, now: number): void {
    if (!this.since.has(key)) this.since.set(key, now);
  }

  /** Progress: the condition may still hold, but its clock starts again at `now`. */
  restart(key: string, now: number): void {
    this.since.set(key, now);
  }

  clear(key: string): void {
    this.since.delete(key);
  }

  /** Whole seconds it has held at `now`; undefined when it does not. */
  seconds(key: string, now: number): number | undefined {
    const at = this.since.get(key);
    return at === undefined ? undefined : Math.max(0, Math.floor((now - at) / 1000));
  }
}

export interface FleetHealth {
  /** The fleet entry of the health answer (the desk's or a door gateway's). */
  entry: Record<string, unknown>;
  /** What makes the gateway degraded: each a sentence. */
  problems: string[];
}
