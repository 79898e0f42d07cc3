// Who gets a desk reader's tap. Each desk PC is bound to its own desk reader; a screen that
// wants a tap (to bind a badge, take one back, enrol one) asks for the next tap on its reader,
// and that tap goes to it alone. A reader has at most one wait at a time: another desk asking
// for a reader held by a desk is refused (reader_busy), so a tap can never reach a screen that
// did not ask for it. The same client (one browser session or token) asking again on the same
// reader takes its own wait over: a dialog closed and opened again must not find its reader
// held by its own earlier request, whose socket the server may not have seen close yet.
import { DomainError } from '../domain/errors.js';
import type { Core } from './core.js';

export interface DeskRead {
  readerId: string;
  uid: string;
  badgeId?: string;
  /** The open visit this badge is issued to, if any (a badge tapped back at checkout). */
  visitId?: string;
}

/** Who waits: `key` tells clients apart (a session or token), `name` is shown to other desks. */
export interface DeskClient {
  key: string;
  name: string;
}

export type DeskWaitEnd =
  | { kind: 'read'; read: DeskRead }
  | { kind: 'timeout' }
  /** The same client asked again on this reader; the newer wait has it. */
  | { kind: 'superseded' }
  /** The caller gave up (its connection closed). */
  | { kind: 'aborted' };

export type DeskWaitStart =
  | { kind: 'waiting'; end: Promise<DeskWaitEnd> }
  /** Another desk waits on this reader. */
  | { kind: 'busy'; by: string; since: number };

interface Waiter {
  client: DeskClient;
  since: number;
  finish(end: DeskWaitEnd): void;
}

export class DeskTaps {
  /** reader id -> the one wait on it. */
  private readonly waits = new Map<string, Waiter>();

  constructor(private readonly core: Core) {}

  /**
   * The desk reader a request names, or the only one when it names none. Throws (field
   * `reader`) for an unknown reader, a door reader, or no name while there are several.
   */
  resolve(readerId: string | undefined): string {
    if (readerId !== undefined) {
      const reader = this.core.state.readers.get(readerId);
      if (!reader) throw new DomainError('not_found', `unknown reader "${readerId}"`, 'reader');
      if (reader.role !== 'desk')
        throw new DomainError('invalid', `reader "${readerId}" is at a door, not a desk reader`, 'reader');
      return readerId;
    }
    const desks = [...this.core.state.readers.values()].filter((r) => r.role === 'desk').map((r) => r.id);
    if (desks.length === 1) return desks[0]!;
    if (desks.length === 0) throw new DomainError('not_found', 'no desk reader is configured', 'reader');
    throw new DomainError(
      'invalid',
      `there are several desk readers (${desks.join(', ')}): name the desk's own with reader`,
      'reader',
    );
  }

  /** Who waits on a reader now (undefined: nobody). */
  holder(readerId: string): { name: string; since: number } | undefined {
    const w = this.waits.get(readerId);
    return w ? { name: w.client.name, since: w.since } : undefined;
  }

  /** Whether the client `key` is the one waiting on a reader. */
  heldBy(readerId: string, key: string): boolean {
    return this.waits.get(readerId)?.client.key === key;
  }

  /** Waits for the next tap on `readerId` (resolved), up to timeoutMs or until `signal` aborts. */
  wait(readerId: string, client: DeskClient, timeoutMs: number, signal?: AbortSignal): DeskWaitStart {
    const held = this.waits.get(readerId);
    if (held && held.client.key !== client.key)
      return { kind: 'busy', by: held.client.name, since: held.since };
    held?.finish({ kind: 'superseded' });
    let resolve!: (end: DeskWaitEnd) => void;
    const end = new Promise<DeskWaitEnd>((r) => (resolve = r));
    const waiter: Waiter = {
      client,
      since: this.core.now(),
      finish: (result) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.waits.get(readerId) === waiter) this.waits.delete(readerId);
        resolve(result);
      },
    };
    const onAbort = () => waiter.finish({ kind: 'aborted' });
    const timer = setTimeout(() => waiter.finish({ kind: 'timeout' }), timeoutMs);
    this.waits.set(readerId, waiter);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return { kind: 'waiting', end };
  }

  /** A tap on a desk reader: to the one wait on that reader, if there is one. */
  deliver(read: DeskRead): void {
    this.waits.get(read.readerId)?.finish({ kind: 'read', read });
  }
}
