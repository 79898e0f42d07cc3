// The badge pool and the hosts: what the receptionist and the admin keep up to date.
// Both are journaled, so a crash between journal and save replays them.
import { randomUUID } from 'node:crypto';
import { normaliseUid } from '../domain/access.js';
import { checkDelegates } from '../domain/delegation.js';
import { DomainError } from '../domain/errors.js';
import type { DomainEvent } from '../domain/events.js';
import type { Actor, Badge, Host } from '../domain/types.js';
import type { Core } from './core.js';

export class DirectoryService {
  constructor(
    private readonly core: Core,
    /** config visits.maxDelegates */
    private readonly maxDelegates = 5,
  ) {}

  badges(): Badge[] {
    return [...this.core.state.badges.values()].sort((a, b) => a.label.localeCompare(b.label, 'id'));
  }

  addBadge(input: { label: string; uid: string }, actor: Actor): Promise<Badge> {
    const uid = normaliseUid(input.uid);
    if (!uid) throw new DomainError('invalid', 'uid: 4, 7 or 10 bytes of hex', 'uid');
    const label = input.label.trim();
    if (!label) throw new DomainError('invalid', 'label is required', 'label');
    return this.core.transact(actor, () => {
      const s = this.core.state;
      if (s.badgesByUid.has(uid)) throw new DomainError('conflict', `a badge with uid ${uid} exists`, 'uid');
      if (this.badges().some((b) => b.label === label)) {
        throw new DomainError('conflict', `a badge labelled ${label} exists`, 'label');
      }
      const id = randomUUID();
      return {
        events: [{ type: 'badge.added', payload: { badgeId: id, label, uid } }],
        result: () => s.badges.get(id)!,
      };
    });
  }

  /**
   * A badge reported lost: its UID is refused everywhere from now on, in the decision state
   * before the journal has it (found again: only once that is durable).
   */
  setBadgeLost(badgeId: string, lost: boolean, actor: Actor): Promise<Badge> {
    const check = () => {
      const b = this.core.state.badges.get(badgeId);
      if (!b) throw new DomainError('not_found', `no badge ${badgeId}`);
      if (lost && b.status === 'issued') {
        throw new DomainError(
          'conflict',
          `badge ${b.label} is issued; check the visit out as badge not returned`,
        );
      }
      return b;
    };
    const pending = this.core.state.revoked.badges;
    return this.core.transact(
      actor,
      () => {
        const b = check();
        const type = lost ? 'badge.lost' : 'badge.found';
        return {
          events: [{ type, payload: { badgeId, label: b.label, uid: b.uid } }],
          result: () => this.core.state.badges.get(badgeId)!,
        };
      },
      lost
        ? () => {
            check();
            pending.add(badgeId);
            return () => pending.delete(badgeId);
          }
        : undefined,
    );
  }

  removeBadge(badgeId: string, actor: Actor): Promise<void> {
    return this.core.transact(actor, () => {
      const b = this.core.state.badges.get(badgeId);
      if (!b) throw new DomainError('not_found', `no badge ${badgeId}`);
      if (b.status === 'issued') throw new DomainError('conflict', `badge ${b.label} is issued`);
      return {
        events: [{ type: 'badge.removed', payload: { badgeId, label: b.label, uid: b.uid } }],
        result: () => undefined,
      };
    });
  }

  /** Hosts by name, each with its delegates' user names beside their ids (what people type). */
  hosts(): Array<Host & { delegateNames?: string[] }> {
    return [...this.core.state.hosts.values()]
      .sort((a, b) => a.name.localeCompare(b.name, 'id'))
      .map((h) => this.withNames(h));
  }

  private withNames(h: Host): Host & { delegateNames?: string[] } {
    if (!h.delegates?.length) return h;
    const names = h.delegates.flatMap((id) => {
      const u = this.core.state.users.get(id);
      return u ? [u.username] : [];
    });
    return { ...h, delegateNames: names };
  }

  /**
   * Name a host's delegates by their user names (replacing the list; empty: none). Journaled as
   * the host record with its delegates, so a replay rebuilds them.
   */
  setDelegates(hostId: string, usernames: readonly string[], actor: Actor): Promise<Host> {
    return this.core.transact(actor, () => {
      const host = this.core.state.hosts.get(hostId);
      if (!host) throw new DomainError('not_found', `unknown host "${hostId}"`);
      const users = [...this.core.state.users.values()];
      const ids = checkDelegates(
        host,
        usernames.map((n) => users.find((u) => u.username === n)),
        usernames,
        this.maxDelegates,
      );
      const same = ids.join() === (host.delegates ?? []).join();
      const events: DomainEvent[] = same
        ? []
        : [
            {
              type: 'host.saved',
              payload: {
                hostId: host.id,
                name: host.name,
                unit: host.unit,
                rooms: host.rooms,
                ...(host.contact !== undefined ? { contact: host.contact } : {}),
                ...(host.absent !== undefined ? { absent: host.absent } : {}),
                delegates: ids,
              },
            },
          ];
      return { events, result: () => this.withNames(this.core.state.hosts.get(hostId)!) };
    });
  }

  saveHost(input: Omit<Host, 'userId'>, actor: Actor): Promise<Host> {
    return this.core.transact(actor, () => {
      for (const room of input.rooms) {
        const door = this.core.state.doors.get(room);
        if (door?.kind !== 'room') throw new DomainError('invalid', `"${room}" is not a room door`, 'rooms');
      }
      const old = this.core.state.hosts.get(input.id);
      const changed =
        !old ||
        old.name !== input.name ||
        old.unit !== input.unit ||
        old.rooms.join() !== input.rooms.join() ||
        old.contact !== input.contact ||
        Boolean(old.absent) !== Boolean(input.absent);
      const events: DomainEvent[] = changed
        ? [
            {
              type: 'host.saved',
              payload: {
                hostId: input.id,
                name: input.name,
                unit: input.unit,
                rooms: input.rooms,
                ...(input.contact !== undefined ? { contact: input.contact } : {}),
                ...(input.absent !== undefined ? { absent: input.absent } : {}),
              },
            },
          ]
        : [];
      return { events, result: () => this.core.state.hosts.get(input.id)! };
    });
  }

  /** Seed the pool and hosts from configuration: adds what is missing, updates hosts. */
  async seed(config: {
    badges: readonly { label: string; uid: string }[];
    hosts: readonly Omit<Host, 'userId'>[];
  }) {
    const system: Actor = { kind: 'system', id: 'config' };
    for (const b of config.badges) {
      const uid = normaliseUid(b.uid);
      if (uid && !this.core.state.badgesByUid.has(uid) && !this.badges().some((x) => x.label === b.label)) {
        await this.addBadge(b, system);
      }
    }
    for (const h of config.hosts) await this.saveHost(h, system);
  }
}
