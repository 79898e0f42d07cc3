// The events on their way to pintu/events (and the alerts to pintu/alerts): journal entries,
// in journal order, each handed to the broker at QoS 1 and the next only after its PUBACK. While the broker is away they
// wait here (taps keep being decided and journaled); when it returns they go out in
// order. The backlog is bounded (mqtt.backlogMax): beyond it the oldest are dropped from
// MQTT and counted (the journal keeps them). The last acknowledged seq is kept in
// <dataDir>/mqtt-outbox.json, so a restarted gateway replays from the journal what the
// broker never took.
//
// A publication the broker refuses (an MQTT 5 reason code >= 0x80 in PUBACK or PUBREC, e.g.
// 0x87 not authorised by an ACL that predates a topic) would be refused again at every try and
// hold every event behind it for good: it is passed over, counted per topic and logged once per
// topic with the broker's reason (the journal keeps it). Any other failure is a connection
// gone: the head is tried again at the next connection (or the next event), never at once.
//
// Each event goes with the seq of the event queued before it (its prev), so that a reader who
// must have every one (a fleet's desk) sees a hole, whether the backlog or a broker's queue
// dropped it, and can ask for what is missing again from the journal (replayAfter).
import { ReasonCodes } from 'mqtt';
import type { Logger } from 'pino';
import type { JournalEntry } from '../domain/events.js';
import { readJsonIfPresent, writeFileAtomic } from '../store/durable-file.js';

/** What the outbox needs of the journal. */
export interface JournalSource {
  readonly lastSeq: number;
  read(options: { fromSeq?: number; types?: readonly string[] }): AsyncIterable<JournalEntry>;
}

/** What the outbox counts: the MQTT service's Prometheus metrics, or a fleet gateway's own figures. */
export interface OutboxMeters {
  backlog: { set(value: number): void };
  backlogMax: { set(value: number): void };
  eventsDropped: { inc(value?: number): void };
  eventsPublished: { inc(value?: number): void };
  /** A publication the broker refused, passed over. */
  refused: { inc(topic: string): void };
}

/** The broker's refusals on one topic since start: how many, and the last reason. */
export interface Refusal {
  topic: string;
  count: number;
  /** The MQTT 5 reason code (0x87: not authorised). */
  code: number;
  reason: string;
}

/** The reason code of a broker's refusal (MQTT 5, >= 0x80), or undefined for any other failure. */
export function refusalCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 0x80 && code <= 0xff ? code : undefined;
}

export interface OutboxOptions {
  journal: JournalSource;
  /** Cursor file. */
  file: string;
  max: number;
  /** Entry types that are events (the rest is skipped). */
  types: readonly string[];
  /** `prev`: the seq of the event queued before this one (0: the first since this outbox began). */
  publish(entry: JournalEntry, prev: number): Promise<void>;
  /** The topic `publish` sends an entry to: a refusal is logged and counted by it. */
  topicOf(entry: JournalEntry): string;
  metrics: OutboxMeters;
  log: Logger;
}

interface Queued {
  entry: JournalEntry;
  prev: number;
}

export class Outbox {
  private queue: Queued[] = [];
  private lastQueued = 0;
  /** The seq of the last event queued: the next one's prev. */
  private chain = 0;
  /** The last seq the broker accepted (or that was skipped as not an event). */
  cursor = 0;
  dropped = 0;
  published = 0;
  private opened = false;
  private readonly early: JournalEntry[] = [];
  private up = false;
  private pumping = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private savedCursor = -1;
  private readonly types: ReadonlySet<string>;
  private readonly refusals = new Map<string, Refusal>();

  constructor(private readonly opts: OutboxOptions) {
    this.types = new Set(opts.types);
    opts.metrics.backlogMax.set(opts.max);
  }

  get backlog(): number {
    return this.queue.length;
  }

  /** The topics the broker refused a publication on since start (health). */
  refused(): Refusal[] {
    return [...this.refusals.values()].map((r) => ({ ...r }));
  }

  isEvent(entry: JournalEntry): boolean {
    return this.types.has(entry.type);
  }

  /** Read the cursor and the events the broker has not taken yet. */
  async open(): Promise<void> {
    let cursor: number | undefined;
    try {
      // A file holding null is unreadable too: reading its cursor throws.
      const doc = await readJsonIfPresent<{ cursor?: unknown }>(this.opts.file);
      if (
        doc !== undefined &&
        typeof doc.cursor === 'number' &&
        Number.isInteger(doc.cursor) &&
        doc.cursor >= 0
      )
        cursor = doc.cursor;
    } catch (err) {
      this.opts.log.warn({ err }, 'mqtt outbox: cursor file unreadable, starting from now');
    }
    // First start with MQTT: the history is in the journal (GET /events), not replayed here.
    this.cursor = cursor ?? this.opts.journal.lastSeq;
    this.lastQueued = this.cursor;
    // The last event the broker took; none on a first start (the history is not sent).
    this.chain = cursor ?? 0;
    for await (const entry of this.opts.journal.read({ fromSeq: this.cursor + 1, types: this.opts.types }))
      this.enqueue(entry);
    this.opened = true;
    for (const e of this.early.splice(0)) this.enqueue(e);
    this.savedCursor = cursor ?? -1;
    await this.save();
    if (this.queue.length)
      this.opts.log.info(
        { backlog: this.queue.length, from: this.cursor + 1 },
        'mqtt outbox: events to replay from the journal',
      );
    this.opts.metrics.backlog.set(this.queue.length);
  }

  /** A new journal entry (from the bus). */
  offer(entry: JournalEntry): void {
    if (!this.opened) {
      this.early.push(entry);
      return;
    }
    this.enqueue(entry);
    void this.pump();
  }

  private enqueue(entry: JournalEntry): void {
    if (entry.seq <= this.lastQueued) return;
    this.lastQueued = entry.seq;
    if (!this.types.has(entry.type)) return;
    this.queue.push({ entry, prev: this.chain });
    this.chain = entry.seq;
    if (this.queue.length > this.opts.max) {
      const gone = this.queue.splice(0, this.queue.length - this.opts.max);
      this.dropped += gone.length;
      this.opts.metrics.eventsDropped.inc(gone.length);
      this.opts.log.warn(
        { dropped: gone.length, firstSeq: gone[0]!.entry.seq, max: this.opts.max },
        'mqtt outbox full: oldest events dropped from MQTT (still in the journal)',
      );
    }
    this.opts.metrics.backlog.set(this.queue.length);
  }

  linkUp(): void {
    this.up = true;
    void this.pump();
  }

  linkDown(): void {
    this.up = false;
  }

  /**
   * Publish what waits, one at a time, in order. Called again by the next connection and the
   * next event; after a failure it stops rather than try the same head again at once.
   */
  async pump(): Promise<void> {
    if (this.pumping || !this.opened) return;
    this.pumping = true;
    try {
      while (this.up && this.queue.length) {
        const queued = this.queue[0]!;
        const head = queued.entry;
        try {
          await this.opts.publish(head, queued.prev);
          this.published++;
          this.opts.metrics.eventsPublished.inc();
        } catch (err) {
          const code = refusalCode(err);
          if (code === undefined) break; // the link went down: the head is sent again later
          this.refuse(head, code);
        }
        // (Events put before it meanwhile by replayAfter stay.)
        const at = this.queue.indexOf(queued);
        if (at >= 0) this.queue.splice(at, 1);
        this.cursor = Math.max(this.cursor, head.seq);
        this.opts.metrics.backlog.set(this.queue.length);
        this.scheduleSave();
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The events after `after` that were sent (or dropped from the backlog), read again from the
   * journal and put before what waits, in order, as far as the backlog has room: a reader that
   * found a hole asks for them. How many were put back.
   */
  async replayAfter(after: number): Promise<number> {
    if (!this.opened) return 0;
    const until = this.queue[0]?.entry.seq ?? this.lastQueued + 1;
    const room = this.opts.max - this.queue.length;
    const again: Queued[] = [];
    let prev = after;
    for await (const entry of this.opts.journal.read({ fromSeq: after + 1, types: this.opts.types })) {
      if (entry.seq >= until || again.length >= room) break;
      again.push({ entry, prev });
      prev = entry.seq;
    }
    // The queue may have moved while the journal was read: only what is still before its head.
    const head = this.queue[0]?.entry.seq ?? this.lastQueued + 1;
    const kept = again.filter((q) => q.entry.seq < head);
    this.queue.unshift(...kept);
    this.opts.metrics.backlog.set(this.queue.length);
    if (kept.length) void this.pump();
    return kept.length;
  }

  private refuse(entry: JournalEntry, code: number): void {
    const topic = this.opts.topicOf(entry);
    const reason = (ReasonCodes as Record<number, string | undefined>)[code] || `reason code ${code}`;
    const seen = this.refusals.get(topic);
    this.refusals.set(topic, { topic, count: (seen?.count ?? 0) + 1, code, reason });
    this.opts.metrics.refused.inc(topic);
    // Once per topic: an ACL that refuses one publication refuses them all, and a log line per
    // event would flood the log at the door's pace.
    if (!seen)
      this.opts.log.error(
        { seq: entry.seq, type: entry.type, topic, code, reason },
        'mqtt: the broker refused a publication; this and later ones on the topic are passed over (they stay in the journal; does its ACL let this login write the topic?)',
      );
  }

  /** Resolves when nothing waits (or after timeoutMs). */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.queue.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return this.queue.length === 0;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save().catch((err) => this.opts.log.warn({ err }, 'mqtt outbox: cursor not saved'));
    }, 200);
    this.saveTimer.unref();
  }

  private async save(): Promise<void> {
    const cursor = this.cursor;
    if (cursor === this.savedCursor) return;
    // The data fsynced before the rename, so that a power cut leaves a whole cursor file, new
    // or old; not the folder: an older cursor only replays again what the broker had (at least
    // once), and this runs up to five times a second while doors are busy (SD card wear).
    await writeFileAtomic(this.opts.file, `${JSON.stringify({ cursor })}\n`, {
      syncDir: false,
    });
    this.savedCursor = cursor;
  }

  async close(): Promise<void> {
    this.up = false;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.save().catch((err) => this.opts.log.warn({ err }, 'mqtt outbox: cursor not saved'));
  }
}
