// The gateway's write path: every change is checked against live state, journaled (durable),
// folded into live state, and saved, one change at a time; only then is it acknowledged and
// announced on the bus. After a crash the journal entries past the saved state are replayed.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import type { DomainEvent, JournalEntry } from '../domain/events.js';
import { dateOf } from '../domain/time.js';
import type { Actor, Guest, Visit } from '../domain/types.js';
import type { Archive } from '../store/archive.js';
import type { GuestBook, SaveOptions } from '../store/guest-book.js';
import { type Journal, JournalError } from '../store/journal.js';
import type { LiveState, PersistedState } from './live-state.js';
import type { Metrics } from './metrics.js';

/** A lowdb-like document: data in memory, write() makes it durable. */
export interface Document<T> {
  data: T;
  write(): Promise<void>;
}

export interface CoreEvents {
  /** A journal entry, once durable. */
  entry: [JournalEntry];
  /** A lock changed state. */
  lock: [{ doorId: string; locked: boolean; open?: boolean; fault?: string }];
  /** A reader was counted offline, or back (service/readers.ts). */
  reader: [{ readerId: string; doorId?: string; offline: boolean; detail?: string }];
}

export class Core {
  readonly bus = new EventEmitter<CoreEvents>();
  private queue: Promise<unknown> = Promise.resolve();
  // Read after "doors ready" when nothing is replayed (service/gateway.ts): a tap does not
  // need the book, and a year's book is most of what a year adds to the start.
  #guests: GuestBook | undefined;

  constructor(
    readonly state: LiveState,
    readonly journal: Journal,
    private readonly stateDoc: Document<PersistedState>,
    guests: GuestBook | undefined,
    readonly archive: Archive<Visit>,
    readonly log: Logger,
    readonly metrics: Metrics,
    readonly now: () => number,
    readonly monthOf: (at: number) => string,
  ) {
    this.#guests = guests;
    this.bus.setMaxListeners(0);
  }

  /** The guest book; openGateway gives it before it returns, so only the door path runs without. */
  get guests(): GuestBook {
    if (!this.#guests) throw new Error('the guest book is not open yet');
    return this.#guests;
  }

  /** The guest book, read once the doors are up. */
  guestsOpened(book: GuestBook): void {
    this.#guests = book;
  }

  /**
   * Run `decide` alone (no other change interleaves), journal the events it returns, apply
   * them, archive closed visits and save. `decide` throws to refuse: nothing is written then.
   * Accounts (users, tokens) are not rebuilt from the journal: `decide` sets them in live
   * state itself, after its checks, and the save that follows makes them durable.
   */
  transact<T>(
    actor: Actor,
    decide: (now: number) => { events: DomainEvent[]; result: () => T },
    /**
     * Deny early (DESIGN.md "Trust boundary"): for a change that takes access away, check it
     * and put it in force in the decision state now, synchronously, before it waits for the
     * queue or the disk; return how to lift it. It is lifted when its entry is applied (the
     * durable state holds it from then on) or when `decide` refuses the change; when the
     * journal cannot write, it stays in force (until a later change or a restart) and the
     * caller is told that the write failed. Throwing here refuses at once: nothing changed.
     */
    revokeNow?: (now: number) => () => void,
  ): Promise<T> {
    let lift: (() => void) | undefined;
    try {
      lift = revokeNow?.(this.now());
    } catch (err) {
      return Promise.reject(err);
    }
    const run = async (): Promise<T> => {
      const now = this.now();
      let planned: { events: DomainEvent[]; result: () => T };
      try {
        planned = decide(now);
      } catch (err) {
        lift?.();
        throw err;
      }
      const { events, result } = planned;
      // Appended together, the events share one write: a disk that fills up refuses them all.
      const entries = await Promise.all(events.map((e) => this.journal.append(e, actor, now))).catch(
        (err: unknown) => {
          this.metrics.journalAppendFailures.inc(events.length);
          throw refusedByStorage(err, lift !== undefined);
        },
      );
      for (const entry of entries) this.state.applyEntry(entry);
      lift?.();
      // Durable in the journal from here on: a save that fails (a full disk) does not undo the
      // command; the state is saved at the next change, or rebuilt from the journal at start.
      await this.persist().then(
        () => (this.saveFailure = undefined),
        (err: unknown) => {
          this.saveFailure = err instanceof Error ? err : new Error(String(err));
          this.log.error({ err }, 'state save failed; the journal has the change');
        },
      );
      for (const entry of entries) this.announce(entry);
      return result();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Journal an event that changes no saved state (a tap, a door movement); resolves when durable. */
  record(event: DomainEvent, actor: Actor, at = this.now()): Promise<JournalEntry> {
    const started = performance.now();
    return this.journal.append(event, actor, at).then(
      (entry) => {
        this.metrics.journalAppendSeconds.observe((performance.now() - started) / 1000);
        this.announce(entry);
        return entry;
      },
      (err: unknown) => {
        this.metrics.journalAppendFailures.inc();
        throw err;
      },
    );
  }

  /** Why the last save of state.json failed, until one succeeds. */
  saveFailure: Error | undefined;

  /** What keeps the gateway from writing as it should (empty when all is well). */
  degraded(): string[] {
    const out: string[] = [];
    const j = this.journal;
    if (j.failure) out.push(`journal broken: ${j.failure.message}`);
    else if (j.full) out.push(`journal: the data folder is full (${j.full.message}); changes are refused`);
    if (this.saveFailure) out.push(`state save failed: ${this.saveFailure.message}`);
    return out;
  }

  /** Save live state (after moving terminal visits to their monthly archive). */
  async persist(): Promise<void> {
    const closed = this.state.closed.splice(0);
    const byMonth = new Map<string, Visit[]>();
    for (const v of closed) {
      const month = this.monthOf(v.createdAt);
      byMonth.set(month, [...(byMonth.get(month) ?? []), v]);
    }
    const done = new Set<string>();
    try {
      for (const [month, visits] of byMonth) {
        await this.archive.append(month, visits);
        done.add(month);
      }
    } catch (err) {
      // Archived at the next save instead (the months that were, are not repeated).
      this.state.closed.unshift(...closed.filter((v) => !done.has(this.monthOf(v.createdAt))));
      throw err;
    }
    this.state.pruneAppointments(dateOf(this.now(), this.state.policy.timezone));
    this.state.pruneSurveys(this.now());
    this.stateDoc.data = this.state.toPersisted();
    await this.stateDoc.write();
  }

  /** Save under the same queue as transactions (for changes made outside the journal). */
  saveNow(): Promise<void> {
    return this.transact({ kind: 'system', id: 'pintu' }, () => ({ events: [], result: () => undefined }));
  }

  /**
   * The last save of a clean stop, once nothing else writes: the state is saved at the
   * journal's head, so the next start replays nothing. Entries written by `record` (taps, door
   * movements, alarms, system events) are already in live state, folded in before their write,
   * or change nothing saved; only the sequence number is behind, and it is moved here.
   */
  saveAtHead(): Promise<void> {
    return this.transact({ kind: 'system', id: 'pintu' }, () => {
      this.state.journalSeq = Math.max(this.state.journalSeq, this.journal.lastSeq);
      return { events: [], result: () => undefined };
    });
  }

  /** Replay journal entries the saved state does not reflect yet. Returns how many. */
  async replay(): Promise<number> {
    // At the head (a clean stop): no need to look for the state's seq in the month file.
    if (this.journal.lastSeq <= this.state.journalSeq) return 0;
    let n = 0;
    for await (const entry of this.journal.read({ fromSeq: this.state.journalSeq + 1 })) {
      try {
        this.state.applyEntry(entry);
      } catch (err) {
        // An entry that does not fit the saved state: keep going, and say so loudly.
        this.log.error(
          { err, seq: entry.seq, type: entry.type },
          'replay: journal entry does not fit the state, skipped',
        );
        this.state.journalSeq = entry.seq;
      }
      n++;
    }
    if (n > 0) await this.persist();
    return n;
  }

  private announce(entry: JournalEntry): void {
    this.metrics.events.inc({ type: entry.type });
    this.bus.emit('entry', entry);
  }

  /** A guest by id. */
  guest(id: string): Guest | undefined {
    return this.#guests?.get(id);
  }

  /** Insert or replace guests and make them durable (nothing changes when that fails). */
  async saveGuests(changed: readonly Guest[], options?: SaveOptions): Promise<void> {
    try {
      await this.guests.save(changed, options);
    } catch (err) {
      throw refusedByStorage(err);
    }
  }
}

/**
 * A journal or file that cannot be written, as an error a caller can act on: nothing was
 * recorded. A revocation (`revoked`) is in force all the same, and the message says so.
 */
function refusedByStorage(err: unknown, revoked = false): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const full = err instanceof JournalError ? err.kind === 'full' : code === 'ENOSPC' || code === 'EDQUOT';
  if (!full && !(err instanceof JournalError)) return err;
  const outcome = revoked
    ? 'access was withdrawn at once and stays withdrawn until the gateway restarts, but it is not recorded'
    : 'nothing was changed';
  return full
    ? new DomainError('storage_full', `the data folder is full: ${outcome}; free some space and try again`)
    : new DomainError('storage_failed', `the journal cannot write: ${outcome} (${(err as Error).message})`);
}
