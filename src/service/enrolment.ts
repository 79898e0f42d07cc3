// Enrolment of secure badges at the desk (issue 12): the card on a desk reader is personalised
// with the site's diversified keys (hardware/secure-badge.ts) and the badge of the pool is
// marked secure, journaled as badge.personalised with the site key generation of its keys.
// From then on a copy of its UID is refused wherever a reader can ask for the key
// (domain/access.ts). After a rotation of the site key (hardware/site-keys.ts) a badge under
// an old key is recycled: its keys go from the old generation's to the current one's.
//
// With pcsc.recycleAtDesk, a badge under an old key tapped on a desk reader (checkout's tap) is
// recycled there and then, off the tap's path: the desk's screen gets its read as always.
//
// Every refusal says why in `detail.state`, a stable word the panel translates: no_card,
// not_factory (the card refused the keys it should have), not_ntag424, wrong_reader,
// not_in_pool, lost, personalised (already, under the current key), uid_only (nothing to
// recycle), key_missing (the old key is no longer kept), busy (the reader is writing a card already).
import { DomainError } from '../domain/errors.js';
import type { JournalEntry } from '../domain/events.js';
import type { Actor, Badge } from '../domain/types.js';
import { DriverError } from '../hardware/driver-error.js';
import { CardAuthError } from '../hardware/ntag424.js';
import type { ReaderPort } from '../hardware/ports.js';
import type { SiteKey } from '../hardware/secure-badge.js';
import type { SiteKeyRing } from '../hardware/site-keys.js';
import type { Core } from './core.js';

/** What the desk does with the card: a factory card gets the site keys, an old one new keys. */
export type EnrolmentKind = 'personalise' | 'recycle';

/** A badge of the pool with, when secure, whether its keys are of an older site key. */
export type PoolBadge = Badge & { oldKey?: boolean };

/** Who recycles a badge tapped on a desk reader. */
const DESK_RECYCLE: Actor = { kind: 'system', id: 'desk-recycle' };

export class EnrolmentService {
  /** Desk readers writing a card now: one card session per reader at a time. */
  private readonly busy = new Set<string>();

  constructor(
    private readonly core: Core,
    private readonly readers: ReadonlyMap<string, ReaderPort>,
    /** The site keys, opened when first needed (keys/). */
    private readonly siteKeys: () => SiteKeyRing,
  ) {}

  /**
   * The badges as the pool shows them: a secure badge with its key generation, and whether
   * that is an old one (it is recycled when it comes back to the desk). The site keys are
   * opened only when the pool has a secure badge.
   */
  pool(badges: readonly Badge[]): PoolBadge[] {
    let current: number | undefined;
    return badges.map((b) => {
      if (b.credential !== 'secure') return b;
      current ??= this.siteKeys().current.generation;
      const keyGen = b.keyGen ?? 1;
      return { ...b, keyGen, oldKey: keyGen < current };
    });
  }

  /**
   * Personalises the factory card on desk reader `readerId`: its UID must be a badge of the
   * pool that is not lost and not personalised yet. Resolves with the badge once journaled.
   */
  async personalise(readerId: string, actor: Actor): Promise<PoolBadge> {
    return this.pool([await this.enrol('personalise', readerId, actor)])[0]!;
  }

  /**
   * Re-personalises the card on desk reader `readerId` whose keys are of an older site key:
   * from its recorded generation's keys to the current one's. Until then it still opens with
   * its old keys.
   */
  async recycle(readerId: string, actor: Actor): Promise<PoolBadge> {
    return this.pool([await this.enrol('recycle', readerId, actor)])[0]!;
  }

  /**
   * Recycles each badge under an old site key tapped on a desk reader that can write it (the
   * checkout's tap, or any other): its keys become the current one's while it lies there. A
   * card taken away too early stays under its old key (it still opens) and is logged; the next
   * tap, or the desk's recycle action, tries again. Returns the stop.
   */
  recycleOnDeskTaps(): () => void {
    const onEntry = (e: JournalEntry): void => {
      if (e.type !== 'desk.tap') return;
      const { readerId, badgeId } = e.payload as { readerId: string; badgeId?: string };
      const badge = badgeId ? this.core.state.badges.get(badgeId) : undefined;
      if (badge?.credential !== 'secure' || badge.status === 'lost' || this.busy.has(readerId)) return;
      if (!this.readers.get(readerId)?.personalise) return;
      if ((badge.keyGen ?? 1) >= this.siteKeys().current.generation) return;
      this.recycle(readerId, DESK_RECYCLE).then(
        (b) =>
          this.core.log.info({ badge: b.label, keyGen: b.keyGen, readerId }, 'badge recycled at the desk'),
        (err: unknown) =>
          this.core.log.warn(
            {
              badge: badge.label,
              readerId,
              reason: err instanceof DomainError ? err.detail.state : undefined,
            },
            `badge not recycled at the desk tap: ${err instanceof Error ? err.message : String(err)}`,
          ),
      );
    };
    this.core.bus.on('entry', onEntry);
    return () => this.core.bus.off('entry', onEntry);
  }

  private async enrol(kind: EnrolmentKind, readerId: string, actor: Actor): Promise<Badge> {
    if (this.busy.has(readerId))
      throw new DomainError('conflict', `desk reader ${readerId} is writing a card already`, 'readerId', {
        state: 'busy',
      });
    this.busy.add(readerId);
    try {
      return await this.enrolOn(kind, readerId, actor);
    } finally {
      this.busy.delete(readerId);
    }
  }

  private async enrolOn(kind: EnrolmentKind, readerId: string, actor: Actor): Promise<Badge> {
    const reader = this.core.state.readers.get(readerId);
    if (reader?.role !== 'desk')
      throw new DomainError('not_found', `no desk reader ${readerId}`, 'readerId', { state: 'wrong_reader' });
    const port = this.readers.get(readerId);
    if (!port?.personalise)
      throw new DomainError(
        'conflict',
        `desk reader ${readerId} cannot personalise badges (pcsc readers can)`,
        'readerId',
        { state: 'wrong_reader' },
      );
    const ring = this.siteKeys();
    const current = ring.current;
    /** The badge of `uid` and the keys its card has now, or why it is refused. */
    const check = (uid: string): { badge: Badge; from: SiteKey | 'factory' } => {
      const badge = this.core.state.badgesByUid.get(uid);
      if (!badge)
        throw new DomainError(
          'not_found',
          'the card on the reader is not in the badge pool: add it first',
          undefined,
          { state: 'not_in_pool' },
        );
      if (badge.status === 'lost')
        throw new DomainError('conflict', `badge ${badge.label} is reported lost`, undefined, {
          state: 'lost',
        });
      const generation = badge.keyGen ?? 1;
      if (badge.credential === 'secure' && generation === current.generation)
        throw new DomainError(
          'conflict',
          `badge ${badge.label} is personalised already (site key ${generation})`,
          undefined,
          { state: 'personalised' },
        );
      if (kind === 'personalise') {
        if (badge.credential === 'secure')
          throw new DomainError(
            'conflict',
            `badge ${badge.label} is under the old site key ${generation}: recycle it`,
            undefined,
            { state: 'old_key' },
          );
        return { badge, from: 'factory' };
      }
      if (badge.credential !== 'secure')
        throw new DomainError(
          'conflict',
          `badge ${badge.label} is not personalised: personalise it`,
          undefined,
          { state: 'uid_only' },
        );
      const from = ring.get(generation);
      if (!from)
        throw new DomainError(
          'conflict',
          `the site key ${generation} of badge ${badge.label} is no longer kept (keys/site-${generation}.old.key)`,
          undefined,
          { state: 'key_missing' },
        );
      return { badge, from };
    };
    let uid: string;
    let fromGen: number | undefined;
    try {
      uid = await port.personalise(current, (read) => {
        const { from } = check(read);
        if (from !== 'factory') fromGen = from.generation;
        return from;
      });
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      const state =
        err instanceof CardAuthError
          ? /not an NTAG 424 DNA/.test(why)
            ? 'not_ntag424'
            : 'not_factory'
          : err instanceof DriverError && /no card/.test(why)
            ? 'no_card'
            : 'failed';
      throw new DomainError('conflict', `the badge was not ${kind}d: ${why}`, undefined, { state });
    }
    return this.core.transact(actor, () => {
      const { badge } = check(uid);
      return {
        events: [
          {
            type: 'badge.personalised',
            payload: {
              badgeId: badge.id,
              label: badge.label,
              uid: badge.uid,
              readerId,
              keyGen: current.generation,
              ...(fromGen !== undefined ? { fromKeyGen: fromGen } : {}),
            },
          },
        ],
        result: () => this.core.state.badges.get(badge.id)!,
      };
    });
  }
}
