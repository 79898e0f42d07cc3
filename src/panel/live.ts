// Live updates: the journal's Server-Sent Events (staff) or the host's own feed, fanned out to
// whichever view is on screen. EventSource resumes with Last-Event-ID by itself; a stream that
// was refused (logged out, restart) is retried every few seconds.
import { type EventFamily, type EventType, eventTypesOf } from '../domain/events.js';
import type { JournalEntry } from './api.js';

type Fn = (e: JournalEntry) => void;

/**
 * Every journal entry type the panel reacts to (SSE events are named by type). The watchlist's
 * reach security and admin only (the server sends them no one else); not watchlist.read: the
 * watchlist view reloads on a change, and its reload is itself a read.
 */
const TYPES = eventTypesOf(
  'visit.',
  'appointment.',
  'access.',
  'desk.tap',
  'door.',
  'badge.',
  'escort.',
  'host.',
  'privacy.erased',
  'watchlist.',
).filter((t) => t !== 'watchlist.read');

class Live {
  private es: EventSource | undefined;
  private url = '';
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly subs = new Set<{ prefixes: readonly (EventFamily | EventType)[]; fn: Fn }>();
  private readonly statusFns = new Set<(live: boolean) => void>();
  connected = false;

  start(kind: 'staff' | 'host'): void {
    this.stop();
    this.url = kind === 'host' ? '/api/v1/host/stream' : '/api/v1/events/stream';
    this.open(kind);
  }

  private open(kind: 'staff' | 'host'): void {
    const es = new EventSource(this.url, { withCredentials: true });
    this.es = es;
    es.onopen = () => this.setStatus(true);
    es.onerror = () => {
      this.setStatus(false);
      if (es.readyState === EventSource.CLOSED) {
        this.retry = setTimeout(() => this.open(kind), 3000);
      }
    };
    const deliver = (type: string, data: string, seq: number) => {
      let entry: JournalEntry;
      try {
        const raw = JSON.parse(data) as JournalEntry | { type: string; visitId: string; seq: number };
        entry =
          'payload' in raw
            ? raw
            : {
                seq: raw.seq,
                at: 0,
                type: raw.type,
                actor: { kind: 'system', id: '' },
                payload: { visitId: raw.visitId },
              };
      } catch {
        return;
      }
      if (!entry.type) entry.type = type;
      if (!entry.seq) entry.seq = seq;
      for (const s of this.subs) if (s.prefixes.some((p) => entry.type.startsWith(p))) s.fn(entry);
    };
    const types: readonly string[] = kind === 'host' ? ['visit'] : TYPES;
    for (const type of types) {
      es.addEventListener(type, (ev) => {
        const m = ev as MessageEvent<string>;
        deliver(type, m.data, Number(m.lastEventId) || 0);
      });
    }
  }

  stop(): void {
    if (this.retry) clearTimeout(this.retry);
    this.es?.close();
    this.es = undefined;
    this.setStatus(false);
  }

  /** Entries whose type starts with one of `prefixes` ("visit.", "door.", "desk.tap"). */
  on(prefixes: readonly (EventFamily | EventType)[], fn: Fn): () => void {
    const sub = { prefixes, fn };
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  onStatus(fn: (live: boolean) => void): () => void {
    this.statusFns.add(fn);
    fn(this.connected);
    return () => this.statusFns.delete(fn);
  }

  private setStatus(live: boolean): void {
    if (live === this.connected) return;
    this.connected = live;
    for (const fn of this.statusFns) fn(live);
  }
}

export const live = new Live();
