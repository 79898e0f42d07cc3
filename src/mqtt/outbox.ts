// The events on their way to pintu/events (and the alerts to pintu/alerts): journal entries,
// in journal order, each handed to the broker at QoS 1 and the next only after its PUBACK. While the broker is away they
// wait here (taps keep being decided and journaled); when it returns they go out in
// order. The backlog is bounded (mqtt.backlogMax): beyond it the oldest are dropped from
// MQTT and counted (the journal keeps them). The last acknowledged seq is kept in
// <dataDir>/mqtt-outbox.json, so a restarted gateway replays from the journal what the
// broker never took.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { JournalEntry } from '../domain/events.js';
import { writeFileAtomic } from '../store/durable-file.js';

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
}

export interface OutboxOptions {
  journal: JournalSource;
  /** Cursor file. */
  file: string;
  max: number;
  /** Entry types that are events (the rest is skipped). */
  types: readonly string[];
  publish(entry: JournalEntry): Promise<void>;
  metrics: OutboxMeters;
  log: Logger;
}

export class Outbox {
  private queue: JournalEntry[] = [];
  private lastQueued = 0;
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

  constructor(private readonly opts: OutboxOptions) {
    this.types = new Set(opts.types);
    opts.metrics.backlogMax.set(opts.max);
  }

  get backlog(): number {
    return this.queue.length;
  }

  isEvent(entry: JournalEntry): boolean {
    return this.types.has(entry.type);
  }

  /** Read the cursor and the events the broker has not taken yet. */
  async open(): Promise<void> {
    let cursor: number | undefined;
    try {
      const doc = JSON.parse(await readFile(this.opts.file, 'utf8')) as { cursor?: unknown };
      if (typeof doc.cursor === 'number' && Number.isInteger(doc.cursor) && doc.cursor >= 0)
        cursor = doc.cursor;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.opts.log.warn({ err }, 'mqtt outbox: cursor file unreadable, starting from now');
    }
    // First start with MQTT: the history is in the journal (GET /events), not replayed here.
    this.cursor = cursor ?? this.opts.journal.lastSeq;
    this.lastQueued = this.cursor;
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
    this.queue.push(entry);
    if (this.queue.length > this.opts.max) {
      const gone = this.queue.splice(0, this.queue.length - this.opts.max);
      this.dropped += gone.length;
      this.opts.metrics.eventsDropped.inc(gone.length);
      this.opts.log.warn(
        { dropped: gone.length, firstSeq: gone[0]!.seq, max: this.opts.max },
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

  /** Publish what waits, one at a time, in order. */
  async pump(): Promise<void> {
    if (this.pumping || !this.opened) return;
    this.pumping = true;
    try {
      while (this.up && this.queue.length) {
        const head = this.queue[0]!;
        try {
          await this.opts.publish(head);
        } catch {
          break; // the link went down: the head is sent again at the next connection
        }
        if (this.queue[0] === head) this.queue.shift();
        this.cursor = head.seq;
        this.published++;
        this.opts.metrics.eventsPublished.inc();
        this.opts.metrics.backlog.set(this.queue.length);
        this.scheduleSave();
      }
    } finally {
      this.pumping = false;
    }
    if (this.up && this.queue.length) void this.pump();
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
