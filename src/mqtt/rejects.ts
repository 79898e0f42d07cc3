// What the gateway refuses on MQTT (a bad password, a topic outside the ACL, a malformed
// payload, a retained command) is counted always and logged at most once per interval
// per kind, so a hostile or broken device cannot flood the log.
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

export type RejectReason =
  | 'auth'
  | 'acl'
  | 'retained'
  | 'sys'
  | 'invalid'
  | 'too_large'
  | 'not_utf8'
  | 'not_json'
  | 'schema'
  | 'unknown_room'
  | 'unknown_door'
  | 'refused'
  | 'bad_mac'
  | 'replayed'
  | 'expired'
  | 'invalid_credential'
  | 'stale_ack'
  | 'client_id'
  | 'connections'
  | 'rate'
  | 'will'
  | 'slow';

export class Rejections {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly counter: Counter<'reason' | 'topic'>,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Count a refusal; log it unless one of the same kind was logged within the interval. */
  reject(reason: RejectReason, topic: string, detail: Record<string, unknown> = {}): void {
    this.counter.inc({ reason, topic });
    const key = `${reason}\u0000${topic}`;
    const now = this.now();
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    if (this.last.size > 1000) this.last.clear();
    this.log.warn(
      { reason, topic, ...detail, ...(seen?.suppressed ? { suppressedSinceLast: seen.suppressed } : {}) },
      'mqtt: message or client refused',
    );
  }
}
