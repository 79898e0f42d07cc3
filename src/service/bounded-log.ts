// Logging at a bounded rate: a noisy source (a serial reader printing garbage at 9600 baud)
// gives one line per period and key, and the next line says how many were left out.
import type { Logger } from 'pino';

export class BoundedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly periodMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Logs unless `key` logged within the period; returns whether it did. */
  warn(key: string, obj: Record<string, unknown>, msg: string): boolean {
    const now = this.clock();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.periodMs) {
      seen.suppressed++;
      return false;
    }
    this.log.warn(seen?.suppressed ? { ...obj, suppressedBefore: seen.suppressed } : obj, msg);
    this.last.set(key, { at: now, suppressed: 0 });
    return true;
  }
}
