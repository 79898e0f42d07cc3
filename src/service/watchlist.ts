// The watchlist (daftar perhatian): entries security and admin keep, every read and change
// journaled (ids only, with who did it), arrivals compared with them, entries past their
// valid-until purged by the retention sweep. The matching rules are domain/watchlist.ts.
//
// Entries are personal data: they live in the saved state (erased from there), never in the
// journal. A document number is kept only as a keyed hash, so the list cannot be read back
// into numbers, and an arrival's number is hashed the same way to be compared.
import { createHmac, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { WatchlistEvent, WatchlistMatched, WatchlistSource } from '../domain/events.js';
import type { Actor, Visit } from '../domain/types.js';
import {
  checkWatchlistEntry,
  dueForPurge,
  matchWatchlist,
  normaliseDocumentNumber,
  type WatchlistEntry,
  type WatchlistEntryInput,
  type WatchlistMatch,
  type WatchlistProbe,
  type WatchlistRules,
} from '../domain/watchlist.js';
import type { Core } from './core.js';

export interface WatchlistLimits extends WatchlistRules {
  /** config watchlist.maxEntries */
  maxEntries: number;
}

export type WatchlistInput = WatchlistEntryInput & { documentNumber?: string };

/** Where a guest is compared, and the desk that recorded the step (its login or token name). */
export interface ScreenContext {
  source: WatchlistSource;
  desk: string;
}

/** An entry as the API shows it: whether a document is on it, never its hash. */
export type WatchlistView = Omit<WatchlistEntry, 'documentKey'> & { hasDocument: boolean };

export class WatchlistService {
  private readonly key: Buffer;

  constructor(
    private readonly core: Core,
    secret: Buffer,
    private readonly limits: WatchlistLimits,
  ) {
    // A key of its own, derived: a document's hash here matches nothing elsewhere.
    this.key = createHmac('sha256', secret).update('pintu document v1').digest();
  }

  /** The keyed hash of a document number (normalised as it is masked). */
  documentKey(number: string): string {
    return createHmac('sha256', this.key).update(normaliseDocumentNumber(number)).digest('hex').slice(0, 32);
  }

  /** Every entry, newest first; the read is journaled (who looked, which entries). */
  async list(actor: Actor): Promise<WatchlistView[]> {
    const entries = [...this.core.state.watchlist.values()].sort((a, b) => b.createdAt - a.createdAt);
    await this.recordRead(entries, actor);
    return entries.map(view);
  }

  async get(id: string, actor: Actor): Promise<WatchlistView> {
    const e = this.mustGet(id);
    await this.recordRead([e], actor);
    return view(e);
  }

  add(input: WatchlistInput, actor: Actor): Promise<WatchlistView> {
    return this.core.transact(actor, (now) => {
      if (this.core.state.watchlist.size >= this.limits.maxEntries) {
        throw new DomainError(
          'conflict',
          `the watchlist holds ${this.core.state.watchlist.size} entries (watchlist.maxEntries)`,
          undefined,
          { state: 'full' },
        );
      }
      const entry = this.entryOf(randomUUID(), input, now, actor);
      this.core.state.watchlist.set(entry.id, entry);
      return { events: [changed('watchlist.added', [entry.id])], result: () => view(entry) };
    });
  }

  update(id: string, input: WatchlistInput, actor: Actor): Promise<WatchlistView> {
    return this.core.transact(actor, (now) => {
      const old = this.mustGet(id);
      const entry: WatchlistEntry = {
        ...this.entryOf(id, input, now, actor),
        createdAt: old.createdAt,
        createdBy: old.createdBy,
      };
      // No documentNumber: the document stays as it was; an empty one takes it off.
      if (input.documentNumber === undefined && old.documentKey) entry.documentKey = old.documentKey;
      this.core.state.watchlist.set(id, entry);
      return { events: [changed('watchlist.changed', [id])], result: () => view(entry) };
    });
  }

  remove(id: string, actor: Actor): Promise<void> {
    return this.core.transact(actor, () => {
      this.mustGet(id);
      this.core.state.watchlist.delete(id);
      return { events: [changed('watchlist.removed', [id], 'request')], result: () => undefined };
    });
  }

  /** The retention sweep: entries past their valid-until leave the state. Returns how many. */
  async sweep(): Promise<number> {
    const due = dueForPurge(this.core.state.watchlist.values(), this.core.now());
    if (due.length === 0) return 0;
    return this.core.transact({ kind: 'system', id: 'retention' }, (now) => {
      // Read again in the queue: an entry changed meanwhile may have a new valid-until.
      const ids = dueForPurge(this.core.state.watchlist.values(), now).map((e) => e.id);
      for (const id of ids) this.core.state.watchlist.delete(id);
      return {
        events: ids.length ? [changed('watchlist.removed', ids, 'expired')] : [],
        result: () => ids.length,
      };
    });
  }

  /**
   * Compares a guest with the entries, by the document (when one was given) and by name with
   * the institution; a match is journaled (`watchlist.matched`, for security's feed, MQTT
   * alert and webhook; once per visit and entry) and answered as the entries matched, for the
   * desk's flag only.
   */
  screen(visit: Visit, where: ScreenContext, documentNumber?: string): Promise<WatchlistMatch[]> {
    return this.match(
      visit,
      {
        name: visit.guestName,
        institution: visit.institution,
        ...(documentNumber ? { documentKey: this.documentKey(documentNumber) } : {}),
      },
      where,
    );
  }

  /**
   * Compares the identity document handed in as collateral at badge issue, by its number only:
   * the name was compared at the arrival already.
   */
  screenCollateral(visit: Visit, documentNumber: string, desk: string): Promise<WatchlistMatch[]> {
    return this.match(
      visit,
      { name: '', institution: '', documentKey: this.documentKey(documentNumber) },
      { source: 'collateral', desk },
    );
  }

  /**
   * Every match is answered (the desk's flag), but security is alerted once per visit and entry:
   * a document typed at the arrival and handed in as collateral later is one guest, one alert.
   */
  private async match(visit: Visit, probe: WatchlistProbe, where: ScreenContext): Promise<WatchlistMatch[]> {
    const matches = matchWatchlist(this.core.state.watchlist.values(), probe, this.core.now(), this.limits);
    const untold = () => {
      const told = this.core.state.watchlistAlerted.get(visit.id) ?? [];
      return matches.filter((m) => !told.includes(m.entryId));
    };
    if (untold().length > 0) {
      // In the write queue, read again: two checks of one visit at once alert once.
      await this.core.transact({ kind: 'system', id: 'watchlist' }, () => {
        const fresh = untold();
        if (fresh.length === 0) return { events: [], result: () => undefined };
        const event: WatchlistMatched = {
          type: 'watchlist.matched',
          payload: {
            visitId: visit.id,
            entryIds: fresh.map((m) => m.entryId),
            by: fresh.map((m) => m.by),
            source: where.source,
            desk: where.desk,
          },
        };
        return { events: [event], result: () => undefined };
      });
    }
    return matches;
  }

  private recordRead(entries: readonly WatchlistEntry[], actor: Actor): Promise<unknown> {
    return this.core.record(
      changed(
        'watchlist.read',
        entries.map((e) => e.id),
      ),
      actor,
    );
  }

  private entryOf(id: string, input: WatchlistInput, now: number, actor: Actor): WatchlistEntry {
    const checked = checkWatchlistEntry(input, now, this.limits);
    const doc = input.documentNumber ? normaliseDocumentNumber(input.documentNumber) : '';
    return {
      id,
      ...checked,
      ...(doc ? { documentKey: this.documentKey(doc) } : {}),
      createdAt: now,
      createdBy: actor.id,
    };
  }

  private mustGet(id: string): WatchlistEntry {
    const e = this.core.state.watchlist.get(id);
    if (!e) throw new DomainError('not_found', 'watchlist entry not found');
    return e;
  }
}

function changed(
  type: WatchlistEvent['type'],
  entryIds: string[],
  reason?: 'request' | 'expired',
): WatchlistEvent {
  return { type, payload: { entryIds, ...(reason ? { reason } : {}) } };
}

function view(e: WatchlistEntry): WatchlistView {
  const { documentKey, ...rest } = e;
  return { ...rest, hasDocument: documentKey !== undefined };
}
