// The journal as each role may see it (GET /events, the live feed). Badge UIDs are shown to
// admin only; the other roles get the badge's label. An unknown card is journaled as its
// keyed hash; one that an older journal holds in clear is hashed here, the same way, so the
// same card reads the same in old and new entries. The journal itself is never changed (its
// hash chain covers every line): `prev` and `hash` are the stored line's.
// A tap of a visit names its guest (`guest`) as display.guestName shapes it, the same name
// MQTT carries: the journal holds no names, so it is looked up in the guest file, and a guest
// whose identity data was erased is named by nobody. A survey answer is shown without the key
// that spent its token (service/survey.ts).

import type { GuestNameMode } from '../config/schema.js';
import { isHashedCard, type JournalEntry } from '../domain/events.js';
import { displayName } from '../domain/privacy.js';
import type { Role } from '../domain/types.js';
import type { LiveState } from './live-state.js';

export type ShownEntry = Omit<JournalEntry, 'payload'> & { payload: Readonly<Record<string, unknown>> };

export class EventView {
  constructor(
    private readonly state: Pick<LiveState, 'badges' | 'escorts'>,
    /** The keyed hash of an unknown card (AccessService.cardHash). */
    private readonly cardHash: (uid: string) => string,
    /** The guest's name for a visit still open or closed lately ('' once erased). */
    private readonly guestName: (visitId: string) => string | undefined,
    private readonly guestNameMode: GuestNameMode,
  ) {}

  /**
   * Whether `role` sees the entry at all: the watchlist's (reads, changes, matches) are for
   * security and admin only; the desk learns of a match from the arrival's answer.
   */
  visible(entry: JournalEntry, role: Role): boolean {
    return !entry.type.startsWith('watchlist.') || role === 'admin' || role === 'security';
  }

  /** `entry` as `role` may see it: with the badge's label, and for any role but admin no UID. */
  shown(entry: JournalEntry, role: Role): ShownEntry {
    switch (entry.type) {
      case 'access.granted':
      case 'access.denied':
      case 'desk.tap': {
        const { uid, ...rest } = entry.payload;
        const label = entry.payload.badgeId ? this.state.badges.get(entry.payload.badgeId)?.label : undefined;
        const visitId = 'visitId' in entry.payload ? entry.payload.visitId : undefined;
        const name = visitId ? this.guestName(visitId) : undefined;
        const guest = name ? displayName(name, this.guestNameMode) : undefined;
        const escortId = 'escortId' in entry.payload ? entry.payload.escortId : undefined;
        // The escort by name, as on pintu/events (its id once revoked).
        const escort = escortId ? (this.state.escorts.get(escortId)?.name ?? escortId) : undefined;
        if (uid === undefined && label === undefined && guest === undefined && escort === undefined)
          return entry;
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
            ...(guest ? { guest } : {}),
            ...(escort ? { escort } : {}),
          },
        };
      }
      case 'badge.added':
      case 'badge.found':
      case 'badge.personalised':
      case 'escort.enrolled': {
        if (role === 'admin') return entry;
        const { uid: _uid, ...rest } = entry.payload;
        return { ...entry, payload: rest };
      }
      case 'survey.answered': {
        // The key only spends a visit's token; shown, it would help nobody but a linker.
        const { key: _key, ...rest } = entry.payload;
        return { ...entry, payload: rest };
      }
      default:
        return entry;
    }
  }
}
