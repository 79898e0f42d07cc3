// The desk answers each snapshot request once (README "Fleet", Snapshot). A request is the door
// gateway's signature over "snapshot:<id>:<epoch ms>", valid within fleet.snapshotSkewSeconds: a
// header captured on the LAN would otherwise fetch a snapshot again and again for that long,
// costing the desk a snapshot each time. So the desk remembers the requests it answered until
// the skew check refuses them by itself, and at most fleet.snapshotRequestsKept of them: never
// forgetting one early, it refuses new requests while full rather than let an old one through.

export type RequestVerdict = 'new' | 'replayed' | 'full';

export class AnsweredRequests {
  /** A request (gateway and moment) -> its moment, epoch ms. */
  private readonly answered = new Map<string, number>();
  /** The earliest moment one of them leaves the window: no sweep before it. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  /**
   * Whether the request of `gateway` signed for `at` is new (remembered from now), answered
   * before, or must wait: the memory is full of requests still in their window.
   */
  check(gateway: string, at: number, now: number): RequestVerdict {
    this.forget(now);
    // By the moment signed, not the header's text: a signature spelt otherwise (base64url
    // padding, stray characters the decoder skips) is the same request.
    const key = `${gateway}:${at}`;
    if (this.answered.has(key)) return 'replayed';
    if (this.answered.size >= this.max) return 'full';
    this.answered.set(key, at);
    this.nextExpiry = Math.min(this.nextExpiry, at + this.windowMs);
    return 'new';
  }

  /** How long until the first of them leaves the window (while full: when to ask again). */
  secondsUntilRoom(now: number): number {
    this.forget(now);
    return this.nextExpiry === Number.POSITIVE_INFINITY
      ? 0
      : Math.max(1, Math.ceil((this.nextExpiry - now) / 1000));
  }

  get size(): number {
    return this.answered.size;
  }

  /** Drop what the skew check refuses by itself now (`now - at` beyond the window). */
  private forget(now: number): void {
    if (now <= this.nextExpiry) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, at] of this.answered) {
      if (now - at > this.windowMs) this.answered.delete(key);
      else next = Math.min(next, at + this.windowMs);
    }
    this.nextExpiry = next;
  }
}
