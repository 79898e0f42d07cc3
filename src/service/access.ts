// The hot path: reader -> decide -> lock pulse -> journal -> bus. A decision is made from
// memory, synchronously, and the lock is driven before anything touches the disk; the
// journal write follows and the bus hears of the tap once it is durable.
import { createHmac } from 'node:crypto';
import { decide, nextEscortHalf, normaliseUid } from '../domain/access.js';
import { DomainError } from '../domain/errors.js';
import { type AccessEvent, type JournalEntry, UNKNOWN_CARD_PREFIX } from '../domain/events.js';
import {
  type Actor,
  type CredentialMode,
  type Decision,
  ESCORT_WAITS,
  type Role,
  type Tap,
} from '../domain/types.js';
import type { IgnoredRead, LockPort, LockState, ReadEvent, ReaderPort } from '../hardware/ports.js';
import { BoundedLog } from './bounded-log.js';
import type { Core } from './core.js';
import { type DeskRead, DeskTaps } from './desk-taps.js';
import { JournalBudget } from './journal-budget.js';

export type ReadOutcome =
  | {
      kind: 'door';
      decision: Decision;
      /** The journal entry's seq once it is durable (undefined when the append failed). */
      recorded: Promise<number | undefined>;
    }
  | { kind: 'desk'; read: DeskRead }
  /** The same card again within the debounce time: ignored. */
  | { kind: 'repeat' }
  | { kind: 'invalid' };

export class AccessService {
  /** Who gets a desk reader's tap: the one screen waiting on that reader. */
  readonly desk: DeskTaps;
  /** Last time each (reader, credential) was read: a card resting on a reader is one tap. */
  private readonly lastRead = new Map<string, number>();
  /** Ignored reads (bad serial lines, unreadable cards): logged at most once per reader per minute. */
  private readonly ignoredLog: BoundedLog;
  /** Forged taps (room taps that failed their MAC or counter) journaled per reader and minute. */
  private readonly forgedBudget: JournalBudget;
  /** Doors held unlocked by a command (hold) until the lock locks again, for whatever reason. */
  private readonly held = new Set<string>();
  /** Door contact and alarm, from the door service (doors without inputs: nothing). */
  doorInputs: (doorId: string) => { open?: boolean; alarm?: 'held_open' | 'forced_open'; fault?: string } =
    () => ({});

  constructor(
    private readonly core: Core,
    private readonly readers: ReadonlyMap<string, ReaderPort>,
    private readonly locks: ReadonlyMap<string, LockPort>,
    private readonly codeSecret: Buffer,
    /** The key of unknown cards' hashes (cardHash), apart from the keypad codes' key. */
    private readonly cardSecret: Buffer,
    private readonly debounceMs = 0,
    /** Who may release a lockdown (life safety: not whoever may set one). */
    private readonly lockdownReleasers: readonly Role[] = ['admin', 'security'],
    /** Forged taps journaled one by one per reader and minute (mqtt.rooms.refusalsJournaledPerMinute). */
    forgedPerMinute = 20,
  ) {
    this.forgedBudget = new JournalBudget(
      forgedPerMinute,
      (readerId, n) => this.suppressed(readerId, n),
      core.now,
    );
    this.desk = new DeskTaps(core);
    for (const reader of readers.values()) reader.onRead((read) => this.fromDriver(read));
    this.ignoredLog = new BoundedLog(core.log, 60_000);
    for (const reader of readers.values()) reader.onIgnored?.((i) => this.ignored(i));
    for (const lock of locks.values()) {
      lock.onChange((s) => {
        // Before the news goes out: whoever reads the door's state on it sees the hold ended.
        if (s.locked) this.held.delete(lock.doorId);
        this.core.bus.emit('lock', { doorId: lock.doorId, ...s });
      });
    }
  }

  /** Keyed hash of a keypad code: the key never leaves the data folder. */
  codeHash = (code: string): string => createHmac('sha256', this.codeSecret).update(code).digest('hex');

  /**
   * An unknown card as the journal keeps it: a keyed hash, short and stable, so the same
   * card is recognised in the log while its UID (a guest's own e-KTP or bank card) is never
   * written. 64 bits: collisions among the cards one gateway ever sees are not a concern.
   */
  cardHash = (uid: string): string =>
    UNKNOWN_CARD_PREFIX + createHmac('sha256', this.cardSecret).update(uid).digest('hex').slice(0, 16);

  /** The UID as journaled: a card of the badge pool as it is, any other card hashed. */
  private journaledUid(uid: string): string {
    return this.core.state.badgesByUid.has(uid) ? uid : this.cardHash(uid);
  }

  /** Every read from every reader lands here. Synchronous up to the lock command. */
  handleRead(read: ReadEvent): ReadOutcome {
    const started = performance.now();
    const reader = this.core.state.readers.get(read.readerId);
    if (reader?.role === 'desk') {
      const uid = normaliseUid(read.credential);
      if (!uid) return { kind: 'invalid' };
      return { kind: 'desk', read: this.deskRead(read.readerId, uid) };
    }
    let tap: Tap;
    if (read.forged) {
      tap = { readerId: read.readerId, kind: 'forged', claimed: read.kind };
    } else if (read.kind === 'pin') {
      if (!/^\d{4,10}$/.test(read.credential)) return { kind: 'invalid' };
      tap = { readerId: read.readerId, kind: 'pin', codeHash: this.codeHash(read.credential) };
    } else {
      const uid = normaliseUid(read.credential);
      if (!uid) return { kind: 'invalid' };
      tap = { readerId: read.readerId, kind: 'nfc', uid, ...(read.proof ? { credential: read.proof } : {}) };
    }
    const now = this.core.now();
    const state = this.core.state;
    const decision = decide(state, tap, now);
    if (decision.granted) {
      // A grant's pulse ends a hold: the door locks when the pulse does.
      this.held.delete(decision.doorId);
      this.locks.get(decision.doorId)?.pulse(decision.pulseMs);
    }
    const m = this.core.metrics;
    m.decisionSeconds.observe((performance.now() - started) / 1000);
    m.decisions.inc({
      result: decision.granted ? 'granted' : 'denied',
      reason: decision.granted ? '' : decision.reason,
      door: decision.doorId ?? '',
    });
    state.applyDecision(decision, now);
    if (decision.doorId) this.foldEscortHalf(decision.doorId, tap, decision, now);
    if (tap.kind === 'forged' && !this.forgedBudget.take(read.readerId)) {
      // Over the room's budget: counted above, journaled later as part of a count.
      return { kind: 'door', decision, recorded: Promise.resolve(undefined) };
    }
    const event: AccessEvent = {
      type: decision.granted ? 'access.granted' : 'access.denied',
      payload: {
        readerId: decision.readerId,
        kind: tap.kind === 'forged' ? tap.claimed : tap.kind,
        ...(tap.kind === 'nfc' ? { uid: this.journaledUid(tap.uid) } : {}),
        ...(decision.doorId ? { doorId: decision.doorId } : {}),
        ...(decision.direction ? { direction: decision.direction } : {}),
        ...(decision.badgeId ? { badgeId: decision.badgeId } : {}),
        ...(decision.visitId ? { visitId: decision.visitId } : {}),
        ...(decision.escortId ? { escortId: decision.escortId } : {}),
        ...(decision.granted ? {} : { reason: decision.reason }),
      },
    };
    const journaled = this.core.record(event, { kind: 'device', id: read.readerId }, now);
    // The same fold as a replay of the journal's access.denied, by the entry's seq (assigned
    // as the append is made): a lockout survives a restart, and a replay counts each once.
    if (tap.kind === 'pin' && !decision.granted && decision.reason === 'unknown_code') {
      state.countWrongCode(tap.readerId, now, this.core.journal.lastSeq);
    }
    const recorded = journaled.then(
      (entry) => entry.seq,
      (err) => {
        this.core.log.error({ err }, 'journal append failed for a tap');
        return undefined;
      },
    );
    // Half of an escort pair is no refusal: the reader stays silent while the other half comes.
    if (decision.granted || !ESCORT_WAITS.includes(decision.reason))
      this.readers.get(read.readerId)?.feedback?.(decision.granted ? 'granted' : 'denied');
    return { kind: 'door', decision, recorded };
  }

  /** The door's waiting escort half after this decision: live state only, never journaled. */
  private foldEscortHalf(doorId: string, tap: Tap, decision: Decision, now: number): void {
    const pending = this.core.state.escortPending;
    const next = nextEscortHalf(pending.get(doorId), tap, decision, now);
    if (next) pending.set(doorId, next);
    else pending.delete(doorId);
  }

  /** Forged taps of a reader left out of the journal: one denial entry that says how many. */
  private suppressed(readerId: string, n: number): void {
    const reader = this.core.state.readers.get(readerId);
    this.core
      .record(
        {
          type: 'access.denied',
          payload: {
            readerId,
            ...(reader?.doorId ? { doorId: reader.doorId } : {}),
            ...(reader?.direction ? { direction: reader.direction } : {}),
            reason: 'credential_invalid',
            suppressed: n,
          },
        },
        { kind: 'device', id: readerId },
      )
      .catch((err) => this.core.log.error({ err }, 'journal append failed for suppressed forged taps'));
  }

  /** A read a driver could not use: counted, and logged at a bounded rate. */
  private ignored(i: IgnoredRead): void {
    this.core.metrics.readerIgnored.inc({ reader: i.readerId, reason: i.reason });
    this.ignoredLog.warn(
      i.readerId,
      { reader: i.readerId, reason: i.reason, sample: i.sample },
      'reader input ignored',
    );
  }

  /** Reads from reader drivers: a card resting on a reader repeats; within debounceMs it is one tap. */
  fromDriver(read: ReadEvent): ReadOutcome {
    // A forgery is not a card resting on a reader: each one is refused and counted.
    if (this.debounceMs > 0 && read.kind === 'nfc' && !read.forged) {
      const key = `${read.readerId}\u0000${read.credential}`;
      const now = this.core.now();
      const last = this.lastRead.get(key);
      this.lastRead.set(key, now);
      if (this.lastRead.size > 1000) this.pruneReads(now);
      if (last !== undefined && now - last < this.debounceMs) return { kind: 'repeat' };
    }
    return this.handleRead(read);
  }

  private pruneReads(now: number): void {
    for (const [k, at] of this.lastRead) if (now - at >= this.debounceMs) this.lastRead.delete(k);
  }

  /** Whether taps may be simulated on this reader (its driver is a simulated twin). */
  isSimulated(readerId: string): boolean {
    return this.readers.get(readerId)?.simulated === true;
  }

  /**
   * A simulated tap (CLI, API, panel): only on readers whose driver is simulated. It is a
   * deliberate act, so it is not debounced.
   */
  simulate(readerId: string, kind: 'nfc' | 'pin', credential: string): ReadOutcome {
    if (!this.readers.has(readerId))
      throw new DomainError('not_found', `unknown reader "${readerId}"`, 'reader');
    if (!this.isSimulated(readerId)) {
      throw new DomainError('conflict', `reader "${readerId}" is real hardware, not simulated`, 'reader');
    }
    return this.handleRead({ readerId, kind, credential });
  }

  private deskRead(readerId: string, uid: string): DeskRead {
    const badge = this.core.state.badgesByUid.get(uid);
    const read: DeskRead = {
      readerId,
      uid,
      ...(badge ? { badgeId: badge.id } : {}),
      ...(badge?.visitId ? { visitId: badge.visitId } : {}),
    };
    this.core
      .record(
        {
          type: 'desk.tap',
          payload: {
            readerId,
            uid: badge ? uid : this.cardHash(uid),
            ...(badge ? { badgeId: badge.id } : {}),
          },
        },
        { kind: 'device', id: readerId },
      )
      .catch((err) => this.core.log.error({ err }, 'journal append failed for a desk tap'));
    this.desk.deliver(read);
    return read;
  }

  // ------------------------------------------------------------------ doors

  doorStates(): Array<
    {
      id: string;
      name: string;
      kind: string;
      /** What a badge must prove here (uid is weak: a UID can be copied). */
      credential: CredentialMode;
      /** A guest enters only with an escort's card (doors[].escort required). */
      escort?: true;
      lockdown: boolean;
      /** Unlocked by hold() and not locked since. */
      held: boolean;
      alarm?: 'held_open' | 'forced_open';
    } & LockState
  > {
    return [...this.core.state.doors.values()].map((d) => {
      const state = this.doorState(d.id);
      return {
        id: d.id,
        name: d.name,
        kind: d.kind,
        credential: d.credential,
        ...(d.escort === 'required' ? { escort: true as const } : {}),
        lockdown: this.inLockdown(d.id),
        held: this.held.has(d.id) && !state.locked,
        ...state,
      };
    });
  }

  /** The lock's state with the door's contact and alarm; faults of both are kept. */
  private doorState(doorId: string): LockState & { alarm?: 'held_open' | 'forced_open' } {
    const lock = this.locks.get(doorId)?.state() ?? { locked: true, fault: 'no lock driver' };
    const inputs = this.doorInputs(doorId);
    const fault = [lock.fault, inputs.fault].filter(Boolean).join('; ');
    return { ...lock, ...inputs, ...(fault ? { fault } : {}) };
  }

  /** Remote unlock by facilities/security: a pulse, journaled with who asked. */
  async unlock(doorId: string, actor: Actor, ms?: number): Promise<JournalEntry> {
    const door = this.core.state.doors.get(doorId);
    if (!door) throw new DomainError('not_found', `unknown door "${doorId}"`);
    if (this.inLockdown(doorId)) {
      throw new DomainError('conflict', `door "${doorId}" is in lockdown; release it first`);
    }
    const pulse = ms ?? door.pulseMs;
    this.held.delete(doorId);
    this.locks.get(doorId)?.pulse(pulse);
    return this.core.record({ type: 'door.unlocked', payload: { doorId, ms: pulse } }, actor);
  }

  /**
   * Hold unlocked until lock(), a lockdown or a grant's pulse (Home Assistant's UNLOCK, where
   * the configuration allows it): journaled as door.unlocked without a pulse length.
   */
  async hold(doorId: string, actor: Actor): Promise<JournalEntry> {
    if (!this.core.state.doors.has(doorId)) throw new DomainError('not_found', `unknown door "${doorId}"`);
    if (this.inLockdown(doorId)) {
      throw new DomainError('conflict', `door "${doorId}" is in lockdown; release it first`);
    }
    // Held before the driver reports the change, so the state it announces says so.
    this.held.add(doorId);
    this.locks.get(doorId)?.unlock();
    return this.core.record({ type: 'door.unlocked', payload: { doorId } }, actor);
  }

  /** Lock now (facilities LOCK): ends a pulse or a held unlock; journaled with who asked. */
  async lock(doorId: string, actor: Actor): Promise<JournalEntry> {
    if (!this.core.state.doors.has(doorId)) throw new DomainError('not_found', `unknown door "${doorId}"`);
    this.held.delete(doorId);
    this.locks.get(doorId)?.lock();
    return this.core.record({ type: 'door.locked', payload: { doorId } }, actor);
  }

  /**
   * Lockdown (one door, or every door with doorId '*'): all badges refused, locks shut, at once,
   * before the journal has it; who set it is recorded. A release takes effect once durable and
   * only from a role in `lockdownReleasers` (admin and security; facilities if configured): a
   * client that may raise the alarm (Home Assistant, a facilities panel) may not end it.
   */
  setLockdown(doorId: string, active: boolean, actor: Actor): Promise<void> {
    const global = doorId === '*';
    if (!global && !this.core.state.doors.has(doorId)) {
      return Promise.reject(new DomainError('not_found', `unknown door "${doorId}"`));
    }
    if (!active && !this.mayReleaseLockdown(actor.role)) {
      return Promise.reject(
        new DomainError('forbidden', `a lockdown is released only by ${this.lockdownReleasers.join(' or ')}`),
      );
    }
    const pending = this.core.state.revoked.lockdown;
    return this.core.transact(
      actor,
      () => {
        const type = active ? 'door.lockdown' : 'door.released';
        return {
          events: [{ type, payload: { doorId, ...(global ? { global: true } : {}) } }],
          result: () => undefined,
        };
      },
      active
        ? () => {
            pending.add(doorId);
            // Shut the locks first: the lockdown holds even before it is on disk.
            for (const lock of this.locks.values())
              if (global || lock.doorId === doorId) {
                this.held.delete(lock.doorId);
                lock.lock();
              }
            return () => pending.delete(doorId);
          }
        : undefined,
    );
  }

  /** May this role release a lockdown (admin, security; facilities when configured)? */
  mayReleaseLockdown(role: Role | undefined): boolean {
    return role !== undefined && this.lockdownReleasers.includes(role);
  }

  /** In lockdown now: recorded, or set and still on its way to the journal. */
  inLockdown(doorId: string): boolean {
    const { lockdown, revoked } = this.core.state;
    return (
      lockdown.global ||
      lockdown.doors.has(doorId) ||
      revoked.lockdown.has('*') ||
      revoked.lockdown.has(doorId)
    );
  }

  /** The site-wide lockdown (every door, set with '*') is in force, or on its way to the journal. */
  inSiteLockdown(): boolean {
    return this.core.state.lockdown.global || this.core.state.revoked.lockdown.has('*');
  }

  /** Who set the lockdown of a door (its own, else the global one), if it is in lockdown. */
  lockdownOf(doorId: string): { by: Actor; at: number } | undefined {
    const by = this.core.state.lockdown.by;
    const own = this.core.state.lockdown.doors.has(doorId) ? by.get(doorId) : undefined;
    const all = this.core.state.lockdown.global ? by.get('*') : undefined;
    const setter = own ?? all;
    return setter ? { by: setter.actor, at: setter.at } : undefined;
  }

  async start(): Promise<void> {
    for (const lock of this.locks.values()) await lock.start();
    for (const reader of this.readers.values()) await reader.start();
  }

  async stop(): Promise<void> {
    for (const reader of this.readers.values()) await reader.stop();
    for (const lock of this.locks.values()) await lock.stop();
    // What a flood left out is journaled before the journal closes.
    this.forgedBudget.flush();
  }
}
