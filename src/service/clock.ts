// The time decisions and the journal are made with. While the system clock is not synchronised
// (hardware/clock-sync.ts) it may be behind: a Pi boots at the last saved time. The gateway
// knows a floor of its own then, the latest time its journal has written down: the true time
// cannot be earlier. A reading below it is raised to it, so a visit that had already ended by
// that entry is not granted again, and the entries written meanwhile never run backwards (step
// times and the recap get no negative durations; the recap also skips a pair still out of order,
// as after a step back of a clock that counted as synchronised, see domain/recap.ts sample()).
// Once synchronised the system clock is used as it is: NTP is then the better witness.
import type { ClockSyncPort } from '../hardware/clock-sync.js';

export class SafeClock {
  constructor(
    private readonly raw: () => number,
    private readonly sync: ClockSyncPort,
    /** The latest time written down (Journal.lastAt). */
    private readonly floor: () => number,
  ) {}

  /** Now, raised to the floor while the clock is not synchronised. */
  readonly now = (): number => {
    const t = this.raw();
    if (this.sync.synchronised()) return t;
    const floor = this.floor();
    return Math.max(t, floor);
  };

  synchronised(): boolean {
    return this.sync.synchronised();
  }
}
