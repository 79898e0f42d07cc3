// A door gateway of a fleet (README "Fleet"): takes the desk's signed messages from a persistent
// session at QoS 1 and brings its own state there through its own journal (the same visit and
// lockdown entries a local desk makes), so that every tap is still decided from its own memory.
// A message is acknowledged to the broker once applied and the seq it stands at saved; a gap in
// the sequence (it was away longer than the broker kept its messages) is closed with a snapshot
// from the desk over HTTP. Its access events go back to the desk, signed with its own key.
import { type KeyObject, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { FleetConfig } from '../config/schema.js';
import { areaAfter, areaPath, OUTSIDE } from '../domain/areas.js';
import type { JournalEntry } from '../domain/events.js';
import {
  FLEET_EXTERNAL_PREFIX,
  type FleetBadge,
  type FleetEscort,
  type FleetPayload,
  type FleetSnapshot,
  type FleetSnapshotState,
  type FleetVisit,
  fleetEscortId,
  isRevocation,
  reconcileBadge,
  reconcileEscort,
  reconcileVisit,
  seqVerdict,
} from '../domain/fleet.js';
import type { Actor } from '../domain/types.js';
import { Outbox } from '../mqtt/outbox.js';
import type { Gateway } from '../service/gateway.js';
import { readJsonIfPresent, writeFileAtomic } from '../store/durable-file.js';
import { badgeUidHash, publicKeyFrom, seal, signText, snapshotRequestText, unseal } from './envelope.js';
import { type FleetHealth, Since } from './health.js';
import { boxPrivateKeyOf, openBox, snapshotContext } from './sealed.js';
import {
  doorTopics,
  type FleetEventPayload,
  type FleetStatusPayload,
  isFleetPayload,
  isFleetSnapshot,
  isFleetSnapshotState,
  snapshotProblem,
  wirePayloadOf,
} from './topics.js';

/** Who the desk's changes are journaled as here (a lockdown release needs security's authority). */
const DESK: Actor = { kind: 'device', id: 'fleet-desk', role: 'security' };

export interface DoorFleetEvents {
  /** A message applied; lastSeq is now `seq` (and saved). */
  applied: [seq: number];
  /** A message refused: not signed by the desk, not for this gateway, not understood. */
  refused: [topic: string];
  /** A message at or below lastSeq, ignored. */
  duplicate: [seq: number];
  /** A snapshot applied; lastSeq is now `seq`. */
  snapshot: [seq: number];
}

export interface DoorFleetStatus {
  gatewayId: string;
  connected: boolean;
  lastSeq: number;
  /** The highest seq the desk was seen to have sent (its head). */
  highestSeen: number;
  /** highestSeen - lastSeq: sent and not applied yet, in the desk journal's seq (0: caught up). */
  lag: number;
  applied: number;
  duplicates: number;
  refused: number;
  gaps: number;
  snapshots: number;
  /** Access events waiting for the broker, sent to the desk, dropped (over fleet.eventsBacklogMax). */
  eventBacklog: number;
  eventsSent: number;
  eventsDropped: number;
  /** Access events the broker refused (an ACL without the topic): passed over, in the journal. */
  eventsRefused: number;
  /** The desk's requests to send access events again (it found a hole), and the events put back. */
  resendsAsked: number;
  eventsResent: number;
}

export class FleetDoor extends EventEmitter<DoorFleetEvents> {
  private client: MqttClient | undefined;
  lastSeq = 0;
  private highestSeen = 0;
  private readonly counts = { applied: 0, duplicates: 0, refused: 0, gaps: 0, snapshots: 0 };
  private readonly eventFigures = {
    eventBacklog: 0,
    eventsSent: 0,
    eventsDropped: 0,
    eventsRefused: 0,
    resendsAsked: 0,
    eventsResent: 0,
  };
  /** Its progress to the desk every fleet.statusSeconds: a tap the broker dropped at the end of a burst is found by it. */
  private heartbeat: NodeJS.Timeout | undefined;
  private events: Outbox | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private snapshotting: Promise<void> | undefined;
  private snapshotAgain = false;
  /**
   * From each (re)connection until a snapshot is applied: what waits in the session may hold
   * the grant of a visit that ended meanwhile ahead of its revocation, so only revocations are
   * applied as they come; the grants are in the snapshot as they stand now.
   */
  private catchingUp = false;
  private stopped = false;
  private readonly file: string;
  private readonly deskKey: KeyObject;
  /** The X25519 key derived from this gateway's key: a snapshot's cards are sealed to it. */
  private readonly boxKey: KeyObject;
  private readonly topics: ReturnType<typeof doorTopics>;
  private readonly deskUrl: string;
  /** 'broker': the link is down; 'behind': the desk is ahead of lastSeq. */
  private readonly since = new Since();
  /** When a message signed by the desk last came (a head included). */
  private lastDeskAt: number | undefined;
  private lastSnapshot: { at: number; seq: number } | undefined;
  /**
   * The moment the last snapshot request was signed for: each request is signed for a later one,
   * as the desk answers a request once (two in one millisecond, a clock stepped back meanwhile).
   */
  private lastAskedAt = 0;
  /** Why the snapshot being fetched failed last; cleared when one is applied. */
  private snapshotError: string | undefined;

  private constructor(
    private readonly gateway: Gateway,
    private readonly fleet: FleetConfig,
    private readonly key: KeyObject,
    private readonly log: Logger,
  ) {
    super();
    const desk = fleet.desk;
    if (!desk) throw new Error('fleet.desk is required for a door gateway');
    this.deskKey = publicKeyFrom(desk.publicKey);
    this.boxKey = boxPrivateKeyOf(key);
    this.deskUrl = desk.url.replace(/\/+$/, '');
    this.file = join(gateway.config.dataDir, 'fleet-door.json');
    this.topics = doorTopics(fleet.baseTopic, fleet.gatewayId);
  }

  static async start(gateway: Gateway, fleet: FleetConfig, key: KeyObject, log: Logger): Promise<FleetDoor> {
    const door = new FleetDoor(gateway, fleet, key, log.child({ part: 'fleet-door' }));
    await door.open();
    return door;
  }

  private async open(): Promise<void> {
    const saved = await readJsonIfPresent<{ lastSeq: number }>(this.file);
    if (saved) {
      this.lastSeq = saved.lastSeq;
      this.highestSeen = this.lastSeq;
    }
    this.events = this.eventOutbox();
    await this.events.open();
    this.gateway.core.bus.on('entry', this.onEntry);
    this.since.hold('broker', this.gateway.core.now());
    const b = this.fleet.broker;
    const client = mqtt.connect(b.url, {
      clientId: `pintu-fleet-${this.fleet.gatewayId}`,
      // Persistent: what the desk sends while this gateway is away waits at the broker.
      clean: false,
      protocolVersion: 4,
      // The desk learns that the link is gone (its health names this gateway not connected).
      will: {
        topic: this.topics.events,
        payload: Buffer.from(seal(this.statusPayload(false), this.key)),
        qos: 1,
        retain: false,
      },
      username: b.username ?? this.fleet.gatewayId,
      ...(b.password !== undefined ? { password: b.password } : {}),
      reconnectPeriod: 1000,
    });
    this.client = client;
    // The PUBACK goes once the message is applied and lastSeq saved: a gateway that stops
    // midway gets it again from the broker (a duplicate then, or applied now).
    client.handleMessage = (packet, done) => {
      this.enqueue(() => this.onMessage(packet.topic, Buffer.from(packet.payload), packet.retain)).then(
        () => done(),
        (err: unknown) => {
          this.log.error({ err, topic: packet.topic }, 'fleet: a message could not be applied');
          done();
        },
      );
    };
    client.on('connect', () => {
      this.catchingUp = true;
      this.holdTaps();
      this.requestSnapshot();
      this.since.clear('broker');
      client.subscribe(this.topics.inbox, { qos: 1 }, (err) => {
        if (err) this.log.error({ err }, 'fleet: subscribing to the desk failed');
      });
      client.publish(this.topics.events, seal(this.statusPayload(true), this.key), { qos: 1 });
      this.events?.linkUp();
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.sendStatus(), this.fleet.statusSeconds * 1000);
      this.heartbeat.unref();
    });
    client.on('close', () => {
      clearInterval(this.heartbeat);
      // Cut off, it decides from what it has: a broker outage strands no guest.
      this.releaseTaps();
      this.since.hold('broker', this.gateway.core.now());
    });
    client.on('offline', () => this.events?.linkDown());
    client.on('error', (err) => this.log.warn({ err }, 'fleet: broker connection'));
  }

  /**
   * Back on the broker, the desk's news is moments away: the desk may have ended a visit this
   * gateway still has as open. Until it knows it missed nothing (its retained head) or has the
   * snapshot, at most fleet.syncHoldMs, a visit's tap to enter is refused as `syncing`.
   */
  private holdTaps(): void {
    if (this.fleet.syncHoldMs > 0)
      this.gateway.core.state.syncHoldUntil = this.gateway.core.now() + this.fleet.syncHoldMs;
  }

  private releaseTaps(): void {
    this.gateway.core.state.syncHoldUntil = undefined;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private statusPayload(online?: boolean): FleetStatusPayload {
    return {
      v: 1,
      gateway: this.fleet.gatewayId,
      kind: 'status',
      lastSeq: this.lastSeq,
      ...(this.events ? { lastEvent: this.events.cursor } : {}),
      at: Date.now(),
      ...(online !== undefined ? { online } : {}),
    };
  }

  /** The desk ahead of what this gateway has: a clock from the first moment, cleared when caught up. */
  private trackLag(): void {
    if (this.highestSeen > this.lastSeq) this.since.hold('behind', this.gateway.core.now());
    else this.since.clear('behind');
  }

  private async onMessage(topic: string, raw: Buffer, retained: boolean): Promise<void> {
    try {
      await this.handle(topic, raw, retained);
    } finally {
      this.trackLag();
    }
  }

  private async handle(topic: string, raw: Buffer, retained: boolean): Promise<void> {
    const p = unseal(raw, this.deskKey);
    if (!isFleetPayload(p) || p.gateway !== this.fleet.gatewayId) {
      this.counts.refused++;
      this.log.warn(
        { topic },
        'fleet: a message not signed by the desk, or not for this gateway, was refused',
      );
      this.emit('refused', topic);
      return;
    }
    this.lastDeskAt = Date.now();
    if (p.kind === 'resend') {
      // The desk found a hole in this gateway's taps (a broker's queue or the backlog dropped
      // some): they are read again from the journal and sent before what waits.
      this.eventFigures.resendsAsked++;
      const n = (await this.events?.replayAfter(p.after)) ?? 0;
      this.eventFigures.eventsResent += n;
      this.log.info({ after: p.after, events: n }, 'fleet: the desk asked for access events again');
      return;
    }
    if (p.kind === 'head') {
      // Only as found at (re)subscription (retain flag 1, [MQTT-3.3.1-8]; 0 when live,
      // [MQTT-3.3.1-9]): a live head (QoS 0) may pass the QoS 1 message it follows, and would
      // ask for a snapshot nothing needs.
      if (!retained) return;
      this.highestSeen = Math.max(this.highestSeen, p.seq);
      if (p.seq > this.lastSeq) this.requestSnapshot();
      // The desk sent nothing past what this gateway has applied: nothing was missed.
      else this.releaseTaps();
      return;
    }
    this.highestSeen = Math.max(this.highestSeen, p.seq);
    const verdict = seqVerdict(this.lastSeq, p);
    if (verdict === 'duplicate') {
      this.counts.duplicates++;
      this.emit('duplicate', p.seq);
      return;
    }
    if (this.catchingUp && !isRevocation(p)) {
      // Not applied and lastSeq not moved: the snapshot asked for at the connection covers it,
      // or, sent after the snapshot's seq, highestSeen asks for another.
      return;
    }
    if (verdict === 'gap') {
      this.counts.gaps++;
      this.log.warn(
        { seq: p.seq, prev: p.prev, lastSeq: this.lastSeq },
        'fleet: messages were missed; asking the desk for a snapshot',
      );
      // Taking access away early is always safe; what it does not say comes with the snapshot.
      if (isRevocation(p)) await this.applyBody(p);
      this.requestSnapshot();
      return;
    }
    await this.applyBody(p);
    await this.advance(p.seq);
    this.counts.applied++;
    this.emit('applied', p.seq);
  }

  /** Saved, then in force: lastSeq never says more than a restart would find. */
  private async advance(seq: number): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify({ lastSeq: seq }));
    this.lastSeq = seq;
    this.sendStatus();
  }

  /** This gateway's progress (lastSeq, the last access event the broker took) to the desk. */
  private sendStatus(): void {
    if (!this.stopped && this.client?.connected)
      this.client.publish(this.topics.events, seal(this.statusPayload(), this.key), { qos: 1 });
  }

  private async applyBody(p: FleetPayload): Promise<void> {
    if (p.kind === 'visit') await this.applyVisit(p.visit);
    else if (p.kind === 'lockdown') await this.applyLockdown(p.on);
    else if (p.kind === 'badge') await this.applyBadge(p.badge);
    else if (p.kind === 'escort') await this.applyEscort(p.escort);
  }

  /** The pool card of this UID to where the desk has it; lost or removed, refused before its journal write. */
  private async applyBadge(target: FleetBadge): Promise<void> {
    const state = this.gateway.core.state;
    if (target.status === 'available' && state.escortsByUid.has(target.uid)) {
      this.log.warn({ badge: target.label }, "fleet: the desk's badge is an escort card here; not added");
      return;
    }
    // Nothing to change (a resend, a snapshot's card as it is here): no transaction, no save.
    if (reconcileBadge(state.badgesByUid.get(target.uid), target, randomUUID).length === 0) return;
    await this.gateway.core.transact(
      DESK,
      () => {
        const events = reconcileBadge(state.badgesByUid.get(target.uid), target, randomUUID);
        return { events, result: () => events.length };
      },
      () => {
        const local = state.badgesByUid.get(target.uid);
        if (target.status === 'available' || !local) return () => {};
        state.revoked.badges.add(local.id);
        return () => state.revoked.badges.delete(local.id);
      },
    );
  }

  /** The desk's escort card to where the desk has it; a revocation is in force before its journal write. */
  private async applyEscort(target: FleetEscort): Promise<void> {
    const state = this.gateway.core.state;
    const id = fleetEscortId(target.id);
    if (target.uid !== undefined && !target.revoked) {
      const other = state.escortsByUid.get(target.uid);
      if (state.badgesByUid.has(target.uid) || (other && other.id !== id)) {
        this.log.warn(
          { escort: target.name },
          "fleet: the desk's escort card is another card here; not enrolled",
        );
        return;
      }
    }
    if (reconcileEscort(state.escorts.get(id), target).length === 0) return;
    await this.gateway.core.transact(
      DESK,
      () => {
        const events = reconcileEscort(state.escorts.get(id), target);
        return { events, result: () => events.length };
      },
      () => {
        const local = state.escorts.get(id);
        if (!local || (!target.revoked && target.uid === local.uid)) return () => {};
        // Revoked, or its card changed: the old card counts for nothing from now.
        state.escortsByUid.delete(local.uid);
        return () => {
          if (state.escorts.get(id) === local) state.escortsByUid.set(local.uid, local);
        };
      },
    );
  }

  /**
   * The desk's fleet-wide lockdown. Its release releases only a lockdown the desk set here: one
   * this gateway set itself (before the desk's, or again since) is its guard's to release, so
   * the desk's release leaves it, by the setter the live state keeps for the global lockdown.
   */
  private async applyLockdown(on: boolean): Promise<void> {
    const { lockdown } = this.gateway.core.state;
    if (on) {
      if (!lockdown.global) await this.gateway.access.setLockdown('*', true, DESK);
      return;
    }
    const setter = lockdown.by.get('*')?.actor;
    if (lockdown.global && setter?.kind === DESK.kind && setter.id === DESK.id)
      await this.gateway.access.setLockdown('*', false, DESK);
  }

  /** Bring the local copy of a desk visit to `target`; an end is in force before its journal write. */
  private async applyVisit(target: FleetVisit): Promise<void> {
    const core = this.gateway.core;
    const state = core.state;
    const id = target.id;
    const revokeNow = () => {
      const local = state.visits.get(id);
      if (target.status === 'ended') {
        state.revoked.visits.set(id, 'checked_out');
        return () => {
          if (state.revoked.visits.get(id) === 'checked_out') state.revoked.visits.delete(id);
        };
      }
      const gone = (local?.rooms ?? []).filter((r) => !target.rooms.includes(r));
      if (gone.length === 0) return () => {};
      const rooms = state.revoked.rooms.get(id) ?? new Set<string>();
      for (const r of gone) rooms.add(r);
      state.revoked.rooms.set(id, rooms);
      return () => {
        for (const r of gone) rooms.delete(r);
        if (rooms.size === 0 && state.revoked.rooms.get(id) === rooms) state.revoked.rooms.delete(id);
      };
    };
    await core.transact(
      DESK,
      () => {
        const events = reconcileVisit(state.visits.get(id), target, this.badgeFor(target));
        return { events, result: () => events.length };
      },
      revokeNow,
    );
  }

  /** The pool badge here whose UID hash the desk sent, if it is free to hand to this visit. */
  private badgeFor(target: FleetVisit): string | undefined {
    if (target.status !== 'badged' || !target.badge) return undefined;
    for (const b of this.gateway.core.state.badges.values()) {
      if (badgeUidHash(b.uid) !== target.badge.uidHash) continue;
      if (b.status === 'available' || b.visitId === target.id) return b.id;
      this.log.warn({ badge: b.label, status: b.status }, "fleet: the desk's badge is not available here");
      return undefined;
    }
    this.log.warn({ badge: target.badge.label }, "fleet: the desk's badge is not in this gateway's pool");
    return undefined;
  }

  /** One snapshot at a time; asked again while one runs, another follows it. */
  private requestSnapshot(): void {
    if (this.snapshotting) {
      this.snapshotAgain = true;
      return;
    }
    this.snapshotting = (async () => {
      do {
        this.snapshotAgain = false;
        await this.fetchSnapshot();
      } while ((this.snapshotAgain || this.highestSeen > this.lastSeq) && !this.stopped);
    })().finally(() => {
      this.snapshotting = undefined;
    });
  }

  private async fetchSnapshot(): Promise<void> {
    const timeout = this.fleet.snapshotTimeoutMs;
    for (let delay = 250; !this.stopped; delay = Math.min(delay * 2, timeout)) {
      try {
        const { p, held } = await this.getSnapshot(timeout);
        await this.enqueue(() => this.applySnapshot(p, held));
        this.snapshotError = undefined;
        return;
      } catch (err) {
        this.snapshotError = err instanceof Error ? err.message : String(err);
        this.log.warn({ err }, 'fleet: snapshot from the desk failed; trying again');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The snapshot the desk signed for this gateway, and what its box holds; throws for anything else. */
  private async getSnapshot(timeoutMs: number): Promise<{ p: FleetSnapshot; held: FleetSnapshotState }> {
    const id = this.fleet.gatewayId;
    const at = Math.max(Date.now(), this.lastAskedAt + 1);
    this.lastAskedAt = at;
    const proof = `${id}.${at}.${signText(snapshotRequestText(id, at), this.key)}`;
    const res = await fetch(`${this.deskUrl}/api/v1/fleet/snapshot`, {
      headers: { 'x-pintu-fleet': proof },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`the desk answered ${res.status}`);
    const p = unseal(await res.text(), this.deskKey);
    if (p === undefined) throw new Error('the snapshot is not signed by the desk');
    if (!isFleetSnapshot(p)) throw new Error(`the desk sent ${snapshotProblem(p)}`);
    if (p.gateway !== id) throw new Error(`the snapshot is for gateway ${p.gateway}, not this one`);
    let held: unknown;
    try {
      held = JSON.parse(openBox(p.sealed, this.boxKey, snapshotContext(p)));
    } catch {
      throw new Error("the snapshot's box does not open with this gateway's key");
    }
    if (!isFleetSnapshotState(held))
      throw new Error("the snapshot's box holds a shape this gateway does not know");
    return { p, held };
  }

  /**
   * A snapshot's cards, revocations first: the desk's escort cards it no longer has (or has on
   * another card) are revoked here, the badges it has lost lost; then its escort cards, and its
   * other badges by UID: a card added or found at the desk while this gateway was away longer
   * than the broker kept its messages is added or found here.
   */
  private async applyCards(held: FleetSnapshotState): Promise<void> {
    const state = this.gateway.core.state;
    const kept = new Map(held.escorts.map((e) => [fleetEscortId(e.id), e.uid]));
    for (const e of [...state.escorts.values()])
      if (e.id.startsWith(FLEET_EXTERNAL_PREFIX) && kept.get(e.id) !== e.uid)
        await this.applyEscort({
          id: e.id.slice(FLEET_EXTERNAL_PREFIX.length),
          name: e.name,
          revoked: true,
        });
    for (const b of held.badges) if (b.status === 'lost') await this.applyBadge(b);
    for (const e of held.escorts) await this.applyEscort(e);
    for (const b of held.badges) if (b.status !== 'lost') await this.applyBadge(b);
  }

  /** Every desk visit to where the snapshot has it (ends first), then lastSeq = its seq. */
  private async applySnapshot(p: FleetSnapshot, held: FleetSnapshotState): Promise<void> {
    this.catchingUp = false;
    if (p.seq <= this.lastSeq) {
      this.releaseTaps();
      return;
    }
    try {
      await this.applySnapshotState(p, held);
    } finally {
      this.releaseTaps();
    }
  }

  private async applySnapshotState(p: FleetSnapshot, held: FleetSnapshotState): Promise<void> {
    const live = new Set(held.visits.map((v) => v.id));
    const gone = [...this.gateway.core.state.visits.values()].filter(
      (v) => v.externalId?.startsWith(FLEET_EXTERNAL_PREFIX) && !live.has(v.id),
    );
    for (const v of gone)
      await this.applyVisit({
        id: v.id,
        status: 'ended',
        rooms: [],
        hostId: v.hostId,
        institution: v.institution,
        purpose: v.purpose,
      });
    if (held.lockdown) await this.applyLockdown(true);
    await this.applyCards(held);
    for (const v of held.visits) await this.applyVisit(v);
    if (!held.lockdown) await this.applyLockdown(false);
    this.highestSeen = Math.max(this.highestSeen, p.seq);
    await this.advance(p.seq);
    this.lastSnapshot = { at: Date.now(), seq: p.seq };
    this.lastDeskAt = this.lastSnapshot.at;
    this.trackLag();
    this.counts.snapshots++;
    this.releaseTaps();
    this.emit('snapshot', p.seq);
  }

  /**
   * This gateway's access events, to the desk: from its journal, in order, each after the
   * previous one's PUBACK, the cursor in fleet-events.json (the MQTT service's outbox), so that
   * neither a broker outage nor a restart of this gateway loses one.
   */
  private eventOutbox(): Outbox {
    const figures = this.eventFigures;
    return new Outbox({
      journal: this.gateway.core.journal,
      file: join(this.gateway.config.dataDir, 'fleet-events.json'),
      max: this.fleet.eventsBacklogMax,
      types: ['access.granted', 'access.denied'],
      topicOf: () => this.topics.events,
      publish: async (entry, prev) => {
        const event: FleetEventPayload = {
          v: 1,
          gateway: this.fleet.gatewayId,
          kind: 'event',
          seq: entry.seq,
          prev,
          at: entry.at,
          type: entry.type,
          payload: wirePayloadOf(entry.payload),
          ...this.placeOf(entry),
        };
        const client = this.client;
        if (!client?.connected) throw new Error('the broker is away');
        await client.publishAsync(this.topics.events, seal(event, this.key), { qos: 1 });
      },
      metrics: {
        backlog: { set: (n) => (figures.eventBacklog = n) },
        backlogMax: { set: () => undefined },
        eventsDropped: { inc: (n = 1) => (figures.eventsDropped += n) },
        eventsPublished: { inc: (n = 1) => (figures.eventsSent += n) },
        refused: { inc: () => figures.eventsRefused++ },
      },
      log: this.log,
    });
  }

  private readonly onEntry = (entry: JournalEntry): void => {
    this.events?.offer(entry);
  };

  /**
   * Where a tap was, as only this gateway knows it (the desk has not its doors and areas): the
   * door's name, and for a visit's granted tap the area it leads into and the path to it.
   */
  private placeOf(entry: JournalEntry): Pick<FleetEventPayload, 'doorName' | 'area'> {
    if (entry.type !== 'access.granted' && entry.type !== 'access.denied') return {};
    const { doorId, direction, visitId } = entry.payload;
    const state = this.gateway.core.state;
    const door = doorId !== undefined ? state.doors.get(doorId) : undefined;
    if (!door) return {};
    if (entry.type !== 'access.granted' || !visitId || !direction) return { doorName: door.name };
    const id = areaAfter(state.areas, OUTSIDE, door.id, direction);
    const path = areaPath(state.areas, id).map((a) => ({ id: a, name: state.areas.names.get(a) ?? a }));
    return { doorName: door.name, area: { id, path } };
  }

  status(): DoorFleetStatus {
    return {
      gatewayId: this.fleet.gatewayId,
      connected: this.client?.connected ?? false,
      lastSeq: this.lastSeq,
      highestSeen: this.highestSeen,
      lag: Math.max(0, this.highestSeen - this.lastSeq),
      ...this.counts,
      ...this.eventFigures,
    };
  }

  /** The fleet entry of GET /api/v1/health, and what lasted past fleet.lagMaxSeconds. */
  health(now = this.gateway.core.now()): FleetHealth {
    const bound = this.fleet.lagMaxSeconds;
    const s = this.status();
    const problems: string[] = [];
    const away = this.since.seconds('broker', now);
    if (away !== undefined && away > bound) problems.push(`fleet: the broker has been away for ${away} s`);
    const behind = this.since.seconds('behind', now);
    if (behind !== undefined && behind > bound)
      problems.push(
        `fleet: the desk has been ahead of this gateway for ${behind} s (lag ${s.lag})` +
          (this.snapshotError ? `; its snapshot fails: ${this.snapshotError}` : ''),
      );
    return {
      entry: {
        role: 'door',
        gatewayId: s.gatewayId,
        connected: s.connected,
        lastSeq: s.lastSeq,
        lag: s.lag,
        // Reachable: its signed word came over the broker, or its snapshot over HTTP, and the
        // snapshot being fetched now (if any) does not fail.
        deskReachable: this.lastDeskAt !== undefined && this.snapshotError === undefined,
        ...(this.lastDeskAt !== undefined ? { lastDeskMessageAt: this.lastDeskAt } : {}),
        ...(this.lastSnapshot ? { lastSnapshot: this.lastSnapshot } : {}),
        ...(this.snapshotError ? { snapshotError: this.snapshotError } : {}),
        ...(behind !== undefined ? { behindSeconds: behind } : {}),
      },
      problems,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.gateway.core.bus.off('entry', this.onEntry);
    await this.events?.close();
    // A clean disconnect sends no will: the desk is told here.
    if (this.client?.connected)
      await this.client
        .publishAsync(this.topics.events, seal(this.statusPayload(false), this.key), { qos: 1 })
        .catch(() => undefined);
    await this.client?.endAsync();
    await this.snapshotting;
    await this.queue;
  }
}
