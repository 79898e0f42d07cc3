// The journal as each role may see it (GET /events, the live feed). Badge UIDs are shown to
// admin only; the other roles get the badge's label. An unknown card is journaled as its
// keyed hash; one that an older journal holds in clear is hashed here, the same way, so the
// same card reads the same in old and new entries. The journal itself is never changed (its
// hash chain covers every line): `prev` and `hash` are the stored line's.
import { isHashedCard, type JournalEntry } from '../domain/events.js';
import type { Role } from '../domain/types.js';
import type { LiveState } from './live-state.js';

export type ShownEntry = Omit<JournalEntry, 'payload'> & { payload: Readonly<Record<string, unknown>> };

export class EventView {
  constructor(
    private readonly state: Pick<LiveState, 'badges'>,
    /** The keyed hash of an unknown card (AccessService.cardHash). */
    private readonly cardHash: (uid: string) => string,
  ) {}

  /** `entry` as `role` may see it: with the badge's label, and for any role but admin no UID. */
  shown(entry: JournalEntry, role: Role): ShownEntry {
    switch (entry.type) {
      case 'access.granted':
      case 'access.denied':
      case 'desk.tap': {
        const { uid, ...rest } = entry.payload;
        const label = entry.payload.badgeId ? this.state.badges.get(entry.payload.badgeId)?.label : undefined;
        if (uid === undefined && label === undefined) return entry;
        let card: string | undefined = uid;
        if (uid !== undefined && role !== 'admin' && !isHashedCard(uid)) {
          // A pool badge is named by its label; a card of no badge (an old journal's raw UID) by its hash.
          card = entry.payload.badgeId ? undefined : this.cardHash(uid);
        }
        return {
          ...entry,
          payload: {
            ...rest,
            ...(card !== undefined ? { uid: card } : {}),
            ...(label ? { badgeLabel: label } : {}),
          },
        };
      }
      case 'badge.added':
      case 'badge.found': {
        if (role === 'admin') return entry;
        const { uid: _uid, ...rest } = entry.payload;
        return { ...entry, payload: rest };
      }
      default:
        return entry;
    }
  }
}
