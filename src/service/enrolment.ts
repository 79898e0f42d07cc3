// Enrolment of secure badges at the desk (issue 12): the card on a desk reader is personalised
// with the site's diversified keys (hardware/secure-badge.ts) and the badge of the pool is
// marked secure, journaled as badge.personalised. From then on a copy of its UID is refused
// wherever a reader can ask for the key (domain/access.ts).
import { DomainError } from '../domain/errors.js';
import type { Actor, Badge } from '../domain/types.js';
import type { ReaderPort } from '../hardware/ports.js';
import type { SiteKey } from '../hardware/secure-badge.js';
import type { Core } from './core.js';

export class EnrolmentService {
  constructor(
    private readonly core: Core,
    private readonly readers: ReadonlyMap<string, ReaderPort>,
    /** The site key, opened when first needed (keys/site.key). */
    private readonly siteKey: () => SiteKey,
  ) {}

  /**
   * Personalises the factory card on desk reader `readerId`: its UID must be a badge of the
   * pool that is not lost and not personalised yet. Resolves with the badge once journaled.
   */
  async personalise(readerId: string, actor: Actor): Promise<Badge> {
    const reader = this.core.state.readers.get(readerId);
    if (reader?.role !== 'desk') throw new DomainError('not_found', `no desk reader ${readerId}`, 'readerId');
    const port = this.readers.get(readerId);
    if (!port?.personalise)
      throw new DomainError(
        'conflict',
        `desk reader ${readerId} cannot personalise badges (pcsc readers can)`,
      );
    const badgeOf = (uid: string): Badge => {
      const badge = this.core.state.badgesByUid.get(uid);
      if (!badge)
        throw new DomainError('not_found', 'the card on the reader is not in the badge pool: add it first');
      if (badge.status === 'lost') throw new DomainError('conflict', `badge ${badge.label} is reported lost`);
      if (badge.credential === 'secure')
        throw new DomainError('conflict', `badge ${badge.label} is personalised already`, undefined, {
          state: 'secure',
        });
      return badge;
    };
    let uid: string;
    try {
      uid = await port.personalise(this.siteKey(), 'factory', (read) => void badgeOf(read));
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError(
        'conflict',
        `the badge was not personalised: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return this.core.transact(actor, () => {
      const badge = badgeOf(uid);
      return {
        events: [
          {
            type: 'badge.personalised',
            payload: { badgeId: badge.id, label: badge.label, uid: badge.uid, readerId },
          },
        ],
        result: () => this.core.state.badges.get(badge.id)!,
      };
    });
  }
}
