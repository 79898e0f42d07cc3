// How many refusals of one source (a room) are journaled one by one: a token bucket of
// `perMinute`, refilled continuously. What the bucket refuses is only counted; the count is
// handed back once a whole minute has passed without a refusal over budget (the flood ended),
// or at stop, so the journal says how many it left out without growing with the flood.
export class JournalBudget {
  private readonly sources = new Map<
    string,
    { tokens: number; at: number; suppressed: number; busy: boolean; timer?: NodeJS.Timeout }
  >();

  constructor(
    private readonly perMinute: number,
    /** The refusals of `key` left out of the journal since its last summary. */
    private readonly summary: (key: string, suppressed: number) => void,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
  ) {}

  /** True: journal this refusal. False: count it only (its summary follows once the flood ends). */
  take(key: string): boolean {
    const now = this.now();
    let s = this.sources.get(key);
    if (!s) {
      s = { tokens: this.perMinute, at: now, suppressed: 0, busy: false };
      this.sources.set(key, s);
    }
    s.tokens = Math.min(
      this.perMinute,
      s.tokens + (Math.max(0, now - s.at) * this.perMinute) / this.windowMs,
    );
    s.at = now;
    if (s.tokens >= 1) {
      s.tokens -= 1;
      return true;
    }
    s.suppressed++;
    s.busy = true;
    if (!s.timer) this.arm(key);
    return false;
  }

  /** Hand back every count not summarised yet (at stop). */
  flush(): void {
    for (const [key, s] of this.sources) {
      clearTimeout(s.timer);
      s.timer = undefined;
      this.emit(key);
    }
  }

  /**
   * A window of timer time, not of the clock: the flood has ended when a whole window passed
   * with nothing over budget (the clock may stand still in tests, or jump).
   */
  private arm(key: string): void {
    const s = this.sources.get(key);
    if (!s) return;
    s.busy = false;
    s.timer = setTimeout(() => {
      s.timer = undefined;
      if (s.busy) this.arm(key);
      else this.emit(key);
    }, this.windowMs);
    s.timer.unref();
  }

  private emit(key: string): void {
    const s = this.sources.get(key);
    if (!s?.suppressed) return;
    const n = s.suppressed;
    s.suppressed = 0;
    this.summary(key, n);
  }
}
