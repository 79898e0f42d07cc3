// The rate of door commands over MQTT: a token bucket per publisher (a login on the embedded
// broker; on an external broker, which does not say who published, a door). One login that
// sends thousands of UNLOCKs a second would otherwise have each one carried out and journaled.
import { TokenBuckets } from '../service/token-buckets.js';

export class CommandRate extends TokenBuckets {
  constructor(perMinute: number, now: () => number = Date.now, maxKeys = 1000) {
    // A tenth of a minute's worth at once: a person's few quick commands pass, a flood does not.
    super({ burst: Math.max(1, Math.ceil(perMinute / 10)), perSecond: perMinute / 60 }, now, maxKeys);
  }
}
