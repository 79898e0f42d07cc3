// Escort cards (SOP step 6): staff cards the admin enrols to accompany guests through escort
// doors (doors[].escort required). Journaled, so a crash between journal and save replays them.
import { randomUUID } from 'node:crypto';
import { normaliseUid } from '../domain/access.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, EscortCard } from '../domain/types.js';
import type { Core } from './core.js';

export class EscortService {
  constructor(private readonly core: Core) {}

  list(): EscortCard[] {
    return [...this.core.state.escorts.values()].sort((a, b) => a.name.localeCompare(b.name, 'id'));
  }

  enrol(input: { name: string; uid: string; opensAlone?: boolean }, actor: Actor): Promise<EscortCard> {
    const uid = normaliseUid(input.uid);
    if (!uid) throw new DomainError('invalid', 'uid: 4, 7 or 10 bytes of hex', 'uid');
    const name = input.name.trim();
    if (!name) throw new DomainError('invalid', 'name is required', 'name');
    return this.core.transact(actor, () => {
      const s = this.core.state;
      // One card, one meaning: a guest badge is never also an escort's card.
      if (s.badgesByUid.has(uid))
        throw new DomainError('conflict', `uid ${uid} is a badge of the pool`, 'uid');
      if (s.escortsByUid.has(uid))
        throw new DomainError('conflict', `uid ${uid} is already an escort card`, 'uid');
      const id = randomUUID();
      return {
        events: [
          {
            type: 'escort.enrolled',
            payload: { escortId: id, name, uid, ...(input.opensAlone ? { opensAlone: true } : {}) },
          },
        ],
        result: () => s.escorts.get(id)!,
      };
    });
  }

  revoke(escortId: string, actor: Actor): Promise<void> {
    return this.core.transact(
      actor,
      () => {
        const e = this.core.state.escorts.get(escortId);
        if (!e) throw new DomainError('not_found', `no escort card ${escortId}`);
        return {
          events: [{ type: 'escort.revoked', payload: { escortId, name: e.name } }],
          result: () => undefined,
        };
      },
      // Deny early: the card stops counting for the decision (alone, or as the second person
      // of a pair, a waiting half included) now, before the write; applying the entry makes it
      // durable, and a refused revocation puts the card back.
      () => {
        const s = this.core.state;
        const e = s.escorts.get(escortId);
        if (!e) return () => {};
        s.escortsByUid.delete(e.uid);
        return () => {
          if (s.escorts.get(escortId) === e) s.escortsByUid.set(e.uid, e);
        };
      },
    );
  }
}
