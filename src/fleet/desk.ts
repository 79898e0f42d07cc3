// The desk of a fleet (README "Fleet"): every journal entry that changes what a door gateway
// needs (a visit accepted, badged, its rooms, its end; the fleet-wide lockdown) becomes a signed,
// sequenced message to each door gateway at QoS 1. The desk's journal is the outbox. Messages go
// out as soon as their entry is in live state, without waiting for the previous one's PUBACK
// (at most fleet.sendWindow entries unacknowledged): the door gateways' taps arrive on the same
// connection, MQTT hands a client its incoming packets one at a time, and a PUBACK waiting
// behind taps being recorded must not hold a checkout back. One connection keeps the order each
// gateway sees. How far the broker has taken them, and the last seq it took for each gateway,
// are kept in fleet-desk.json as the PUBACKs come, in order; a start publishes again from there
// (a message sent twice is a duplicate at the door gateway). Messages are built from the visit
// as it stands when they are sent, never from an older step: a late message cannot hand back
// what was taken away.
// The door gateways' taps come back on their events topics: each is journaled here once, as
// fleet.access under (gateway, its seq), before the broker gets its PUBACK, so the desk's
// presence, roll call and recap cover every entrance and a resend never counts twice. A broker
// whose queue for the desk overflowed drops taps on the way: each tap names the one before it
// (prev) and each status the last one sent (lastEvent), so the desk sees the hole, records
// nothing past it, and asks that gateway (a signed `resend` on its head topic) to send again from
// its journal everything after the last one recorded.
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { FleetConfig } from '../config/schema.js';
import type { FleetAccessEvent, JournalEntry } from '../domain/events.js';
import {
  type FleetBadge,
  type FleetBody,
  type FleetEscort,
  type FleetPayload,
  type FleetSnapshot,
  type FleetSnapshotState,
  type FleetVisit,
  fleetVisitOf,
  isRevocation,
  SNAPSHOT_VERSION,
} from '../domain/fleet.js';
import type { Actor, Badge, EscortCard } from '../domain/types.js';
import type { Gateway } from '../service/gateway.js';
import { readJsonIfPresent, writeFileAtomic } from '../store/durable-file.js';
import { badgeUidHash, publicKeyFrom, seal, snapshotRequestText, unseal, verifyText } from './envelope.js';
import { type FleetHealth, Since } from './health.js';
import { AnsweredRequests } from './replay.js';
import { boxPublicKeyOf, sealTo, snapshotContext } from './sealed.js';
import { deskTopics, type FleetEventPayload, fleetAccessOf, isFleetEvent, isFleetStatus } from './topics.js';

/** The entries that end a visit (or its last step after its end). */
const END_TYPES: readonly string[] = ['visit.checked_out', 'visit.cancelled', 'visit.document_returned'];

/** Journal entries that may change what a door gateway needs. */
const FLEET_TYPES = ['visit.', 'door.lockdown', 'door.released', 'badge.', 'escort.'] as const;

const fleetBadge = (b: Badge): FleetBadge => ({
  label: b.label,
  uid: b.uid,
  status: b.status === 'lost' ? 'lost' : 'available',
  ...(b.credential === 'secure' ? { credential: 'secure' as const } : {}),
  ...(b.keyGen !== undefined ? { keyGen: b.keyGen } : {}),
});
const fleetEscort = (e: EscortCard): FleetEscort => ({
  id: e.id,
  name: e.name,
  uid: e.uid,
  ...(e.opensAlone ? { opensAlone: true } : {}),
});

interface Peer {
  id: string;
  rooms: readonly string[];
  key: KeyObject;
  /** Its X25519 key, derived from `key`: a snapshot's cards are sealed to it. */
  box: KeyObject;
}

/** What the desk knows of a door gateway, for `fleet status`. */
export interface PeerStatus {
  id: string;
  /** The seq of the last message the broker took for it. */
  lastSentSeq: number;
  /** The seq it said it has applied up to, and when (its last word of any kind). */
  appliedSeq?: number;
  lastHeardAt?: number;
  /** lastSentSeq - appliedSeq: what the broker holds for it or it has yet to apply (0: none). */
  lag?: number;
  /** Its access events received, the last one's seq in its journal. */
  events: number;
  lastEventSeq?: number;
  /** Its link to the broker as it last said (connected, or its will); absent: not heard since start. */
  connected?: boolean;
  /** Times its taps were found missing and asked for again, since start. */
  resends?: number;
  /** The seq (in its journal) of its last tap recorded here, every one before it recorded too. */
  recordedSeq?: number;
}

interface Saved {
  cursor: number;
  prev: Record<string, number>;
}

/** An entry's messages published, their PUBACKs to come. */
interface Sent {
  seq: number;
  /** The gateways it went to (none: it needed no message). */
  to: readonly string[];
  acked: Promise<unknown> | undefined;
  /** Its acknowledgement handled (never rejects). */
  handled?: Promise<void>;
}

export interface DeskFleetEvents {
  /** A door gateway's tap journaled here (fleet.access). */
  recorded: [gateway: string, seq: number];
  /** A tap of a door gateway at or below the last recorded for it: not journaled again. */
  duplicate: [gateway: string, seq: number];
  /** Taps of a door gateway missing after `after` (the last recorded): asked for again. */
  resend: [gateway: string, after: number];
}

/** The desk's answer to a snapshot request; `refused`: why (the route's status says it). */
export type SnapshotAnswer =
  | { body: string }
  /** Not a door gateway's request within the skew, or one answered before. */
  | { refused: 'unauthorized' | 'replayed' }
  /** fleet.snapshotRequestsKept requests in their window (AnsweredRequests): ask again then. */
  | { refused: 'full'; retryAfterSeconds: number };

export class FleetDesk extends EventEmitter<DeskFleetEvents> {
  private client: MqttClient | undefined;
  /** The last entry whose messages the broker has all taken (saved): a start sends again after it. */
  private cursor = 0;
  /** The last seq the broker took for each gateway, as saved with the cursor. */
  private readonly acked = new Map<string, number>();
  /** The last entry published, PUBACKs pending or not. */
  private sentSeq = 0;
  /** The last seq published to each gateway: the next message's prev. */
  private readonly prev = new Map<string, number>();
  /** Entries published and not yet acknowledged, oldest first. */
  private readonly window: Sent[] = [];
  /** Each entry's acknowledgement handled in order: the cursor moves only over a gap-free run. */
  private acks: Promise<void> = Promise.resolve();
  /** A publication was refused: nothing more goes out until the window is settled and rewound. */
  private failed = false;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  private readonly peers: Peer[];
  private readonly heard = new Map<string, Omit<PeerStatus, 'id' | 'lastSentSeq' | 'lag'>>();
  /** The last request to send taps again, per gateway: asked again for the same hole only after fleet.statusSeconds. */
  private readonly asked = new Map<string, { after: number; at: number }>();
  /** 'broker': the desk's link is down; a gateway's id: messages wait for it and it applied none. */
  private readonly since = new Since();
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private stop_: () => void = () => undefined;
  /** Resolves at stop: nothing waits for a PUBACK past it. */
  private readonly stopping = new Promise<void>((resolve) => {
    this.stop_ = resolve;
  });
  /** No fleet-desk.json: this desk has never sent anything (startFromHere). */
  private fresh = false;
  private readonly file: string;
  private readonly topics: ReturnType<typeof deskTopics>;
  private readonly answered: AnsweredRequests;

  private constructor(
    private readonly gateway: Gateway,
    private readonly fleet: FleetConfig,
    private readonly key: KeyObject,
    private readonly log: Logger,
  ) {
    super();
    this.file = join(gateway.config.dataDir, 'fleet-desk.json');
    this.peers = fleet.gateways.map((g) => ({
      id: g.id,
      rooms: g.rooms,
      key: publicKeyFrom(g.publicKey),
      box: boxPublicKeyOf(g.publicKey),
    }));
    this.topics = deskTopics(fleet.baseTopic);
    this.answered = new AnsweredRequests(fleet.snapshotSkewSeconds * 1000, fleet.snapshotRequestsKept);
  }

  static async start(gateway: Gateway, fleet: FleetConfig, key: KeyObject, log: Logger): Promise<FleetDesk> {
    const desk = new FleetDesk(gateway, fleet, key, log.child({ part: 'fleet-desk' }));
    await desk.open();
    return desk;
  }

  private async open(): Promise<void> {
    const saved = await readJsonIfPresent<Saved>(this.file);
    if (saved) {
      this.cursor = saved.cursor;
      for (const [id, seq] of Object.entries(saved.prev)) this.acked.set(id, seq);
      this.rewind();
    } else this.fresh = true;
    this.gateway.core.bus.on('entry', this.onEntry);
    this.since.hold('broker', this.gateway.core.now());
    const b = this.fleet.broker;
    const client = mqtt.connect(b.url, {
      clientId: `pintu-fleet-${this.fleet.gatewayId}`,
      // Persistent: the door gateways' events wait at the broker while the desk is away.
      clean: false,
      protocolVersion: 4,
      username: b.username ?? this.fleet.gatewayId,
      ...(b.password !== undefined ? { password: b.password } : {}),
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('close', () => this.since.hold('broker', this.gateway.core.now()));
    client.on('connect', () => {
      this.since.clear('broker');
      client.subscribe(this.topics.events, { qos: 1 }, (err) => {
        if (err) this.log.error({ err }, "fleet: subscribing to the gateways' events failed");
      });
      if (this.fresh) void this.startFromHere();
      else this.pump();
    });
    client.on('error', (err) => this.log.warn({ err }, 'fleet: broker connection'));
    // The PUBACK goes once a tap is journaled: a desk that stops midway gets it again (from the
    // session the broker keeps), and records it then or finds it recorded.
    client.handleMessage = (packet, done) => {
      this.onEvent(packet.topic, Buffer.from(packet.payload)).then(
        () => done(),
        (err: unknown) => {
          this.log.error({ err, topic: packet.topic }, "fleet: a gateway's tap could not be recorded");
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    };
  }

  /**
   * The first start of a desk (no fleet-desk.json) on a journal with a history: its past is not
   * sent message by message. The head of every gateway is set at the journal's seq instead, so
   * each door gateway finds it above what it has and takes one snapshot of what is open now.
   */
  private async startFromHere(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const seq = this.gateway.core.state.journalSeq;
    try {
      for (const peer of this.peers) await this.publishHead(client, peer.id, seq);
    } catch (err) {
      this.log.warn({ err }, 'fleet: the first heads did not go out; tried again at the next connection');
      return;
    }
    this.cursor = seq;
    for (const peer of this.peers) {
      this.acked.set(peer.id, seq);
      this.since.hold(peer.id, this.gateway.core.now());
    }
    this.rewind();
    await this.save();
    this.fresh = false;
    this.pump();
  }

  private publishHead(client: MqttClient, id: string, seq: number): Promise<unknown> {
    // Retained, so that a gateway that (re)subscribes and finds it above what it has knows it
    // missed one. QoS 0: it is not queued in an away gateway's session beside every message
    // (the broker keeps only the last, retained), halving what the broker holds for it.
    const head: FleetPayload = { v: 1, gateway: id, seq, prev: seq, at: Date.now(), kind: 'head' };
    return client.publishAsync(this.topics.head(id), seal(head, this.key), { qos: 0, retain: true });
  }

  private readonly onEntry = (entry: JournalEntry): void => {
    if (FLEET_TYPES.some((t) => entry.type.startsWith(t))) this.pump();
  };

  /** Publish what the journal holds past the cursor; one pump at a time, run again if woken meanwhile. */
  pump(): void {
    if (this.fresh) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.drain().catch((err: unknown) =>
          // The broker went away mid-publish: the cursor stays, the next connect sends again.
          this.log.warn({ err }, 'fleet: publishing stopped; resumed at the next connection'),
        );
      } while (this.again && !this.stopped && this.client?.connected);
    })().finally(() => {
      this.pumping = undefined;
    });
  }

  /** Resolves when nothing is being published and every PUBACK so far is handled (tests). */
  async idle(): Promise<void> {
    while (this.pumping || this.window.length > 0 || this.saving) {
      await this.pumping;
      await this.acks;
      await this.saving;
    }
  }

  /** Sending starts again from what the broker took (a start, or after a refused publication). */
  private rewind(): void {
    this.sentSeq = this.cursor;
    this.prev.clear();
    for (const [id, seq] of this.acked) this.prev.set(id, seq);
    this.failed = false;
  }

  private async drain(): Promise<void> {
    if (this.failed) {
      // What was published after the refused one may have gone out or not: the window settles,
      // and everything after the cursor goes again (a duplicate is harmless at the door).
      await this.acks;
      this.rewind();
    }
    const journal = this.gateway.core.journal;
    for await (const entry of journal.read({ fromSeq: this.sentSeq + 1, types: FLEET_TYPES })) {
      // Room in the window first: its oldest PUBACK, or a stop.
      while (this.window.length >= this.fleet.sendWindow && !this.stopped)
        await Promise.race([this.window[0]?.handled, this.stopping]);
      if (this.stopped || this.failed || !this.client?.connected) return;
      // Journaled but not yet in live state (a transaction between its write and its apply): the
      // message is built from live state, so it waits for the bus's entry event that follows.
      if (entry.seq > this.gateway.core.state.journalSeq) return;
      this.track(this.send(entry));
      this.sentSeq = entry.seq;
    }
  }

  /**
   * Publish the gateways' messages of one entry, each chained to the last one published to that
   * gateway (its prev); the broker keeps one client's messages in order, so each gateway sees
   * its chain in order without waiting for PUBACKs.
   */
  private send(entry: JournalEntry): Sent {
    const client = this.client;
    const out = client
      ? this.peers.flatMap((peer) => {
          const body = this.bodyFor(entry, peer);
          return body ? [{ peer, body }] : [];
        })
      : [];
    if (!client || out.length === 0) return { seq: entry.seq, to: [], acked: undefined };
    const acks = out.map(({ peer, body }) => {
      const payload: FleetPayload = {
        v: 1,
        gateway: peer.id,
        seq: entry.seq,
        prev: this.prev.get(peer.id) ?? 0,
        at: Date.now(),
        ...body,
      };
      const topic = isRevocation(body) ? this.topics.revocations(peer.id) : this.topics.grants(peer.id);
      const acked = client.publishAsync(topic, seal(payload, this.key), { qos: 1 });
      // After its message on the same connection, so the broker never holds a head ahead of it.
      this.publishHead(client, peer.id, entry.seq).catch((err: unknown) =>
        this.log.warn({ err, gateway: peer.id }, 'fleet: a head did not go out'),
      );
      this.prev.set(peer.id, entry.seq);
      return acked;
    });
    return { seq: entry.seq, to: out.map(({ peer }) => peer.id), acked: Promise.all(acks) };
  }

  /** Its PUBACKs handled after those of every entry before it: the cursor, then a save. */
  private track(sent: Sent): void {
    this.window.push(sent);
    sent.handled = this.acks = this.acks.then(async () => {
      try {
        await sent.acked;
      } catch (err) {
        if (!this.failed)
          this.log.warn(
            { err, seq: sent.seq },
            'fleet: a publication was refused; sent again from the last one taken',
          );
        this.failed = true;
      } finally {
        this.window.shift();
      }
      if (this.failed) {
        if (this.window.length === 0 && !this.stopped) this.pump();
        return;
      }
      this.cursor = sent.seq;
      for (const id of sent.to) {
        this.acked.set(id, sent.seq);
        // Waiting at the broker for a gateway that has not said it applied this far.
        if ((this.heard.get(id)?.appliedSeq ?? -1) < sent.seq) this.since.hold(id, this.gateway.core.now());
      }
      // An entry that sent nothing is read again after a crash to send nothing: no write for it.
      if (sent.to.length > 0) this.saveSoon();
    });
  }

  /** One write at a time; PUBACKs that come meanwhile are in the next one. */
  private saveSoon(): void {
    if (this.saving) {
      this.saveAgain = true;
      return;
    }
    this.saving = (async () => {
      do {
        this.saveAgain = false;
        await this.save().catch((err: unknown) =>
          this.log.error({ err }, 'fleet: fleet-desk.json not saved'),
        );
      } while (this.saveAgain);
    })().finally(() => {
      this.saving = undefined;
    });
  }

  private save(): Promise<void> {
    const saved: Saved = { cursor: this.cursor, prev: Object.fromEntries(this.acked) };
    return writeFileAtomic(this.file, JSON.stringify(saved));
  }

  private bodyFor(entry: JournalEntry, peer: Peer): FleetBody | undefined {
    if (entry.type === 'door.lockdown' || entry.type === 'door.released') {
      // A lockdown of one of the desk's own doors stays at the desk.
      if (!entry.payload.global) return undefined;
      return { kind: 'lockdown', on: entry.type === 'door.lockdown' };
    }
    const state = this.gateway.core.state;
    // The pool and the escort cards go to every gateway, as they stand now.
    if (
      entry.type === 'badge.added' ||
      entry.type === 'badge.found' ||
      entry.type === 'badge.lost' ||
      entry.type === 'badge.removed' ||
      entry.type === 'badge.personalised'
    ) {
      const b = state.badges.get(entry.payload.badgeId);
      return {
        kind: 'badge',
        badge: b ? fleetBadge(b) : { label: entry.payload.label, uid: entry.payload.uid, status: 'removed' },
      };
    }
    if (entry.type === 'escort.enrolled' || entry.type === 'escort.revoked') {
      const e = state.escorts.get(entry.payload.escortId);
      return {
        kind: 'escort',
        escort: e ? fleetEscort(e) : { id: entry.payload.escortId, name: entry.payload.name, revoked: true },
      };
    }
    if (!entry.type.startsWith('visit.')) return undefined;
    const visitId = (entry.payload as { visitId: string }).visitId;
    // A visit long gone (archived: the desk catching up after a long broker outage) is sent
    // once, as ended, for the entry that ended it; its earlier steps would say the same again.
    if (!state.visits.has(visitId) && !state.closedRecently(visitId) && !END_TYPES.includes(entry.type))
      return undefined;
    const visit = this.visitFor(visitId, peer);
    return visit ? { kind: 'visit', visit } : undefined;
  }

  /** The visit as it stands now for this gateway; one gone from live state has ended. */
  private visitFor(visitId: string, peer: Peer): FleetVisit | undefined {
    const state = this.gateway.core.state;
    const v = state.visits.get(visitId) ?? state.closedRecently(visitId);
    if (!v) return { id: visitId, status: 'ended', rooms: [], hostId: '', institution: '', purpose: '' };
    const badge = v.badgeId ? state.badges.get(v.badgeId) : undefined;
    return fleetVisitOf(
      v,
      peer.rooms,
      badge ? { label: badge.label, uidHash: badgeUidHash(badge.uid) } : undefined,
      state.revoked.visits.has(visitId),
      this.fleet.codeKeyFile !== undefined,
    );
  }

  /**
   * A door gateway's snapshot, signed, for the `x-pintu-fleet` header `<id>.<epoch ms>.<sig>`,
   * once: refused when the header does not prove that gateway asked within the allowed skew, or
   * when that request was answered before (a replay).
   */
  snapshot(header: string, now = Date.now()): SnapshotAnswer {
    const [id, atText, sig] = header.split('.');
    const peer = this.peers.find((p) => p.id === id);
    const at = Number(atText);
    if (!peer || !sig || !Number.isSafeInteger(at)) return { refused: 'unauthorized' };
    if (Math.abs(now - at) > this.fleet.snapshotSkewSeconds * 1000) return { refused: 'unauthorized' };
    if (!verifyText(snapshotRequestText(peer.id, at), sig, peer.key)) return { refused: 'unauthorized' };
    // Only a proven request is remembered: nobody without a gateway's key can fill the memory.
    const verdict = this.answered.check(peer.id, at, now);
    if (verdict === 'full')
      return { refused: 'full', retryAfterSeconds: this.answered.secondsUntilRoom(now) };
    if (verdict === 'replayed') {
      this.log.warn(
        { gateway: peer.id, at },
        'fleet: a snapshot request answered before came again; refused',
      );
      return { refused: 'replayed' };
    }
    return { body: this.snapshotFor(peer, now) };
  }

  /** The gateway's snapshot: its header in clear, all it holds sealed to that gateway (FleetSnapshot). */
  private snapshotFor(peer: Peer, now: number): string {
    const state = this.gateway.core.state;
    const visits: FleetVisit[] = [];
    for (const v of state.visits.values()) {
      const fv = this.visitFor(v.id, peer);
      if (fv && fv.status !== 'ended') visits.push(fv);
    }
    const held: FleetSnapshotState = {
      visits,
      lockdown: state.lockdown.global || state.revoked.lockdown.has('*'),
      badges: [...state.badges.values()].map(fleetBadge),
      escorts: [...state.escorts.values()].map(fleetEscort),
    };
    // Live state holds every state entry up to journalSeq: messages at or below it are in here.
    const head = { gateway: peer.id, seq: state.journalSeq, prev: 0, at: now };
    const payload: FleetSnapshot = {
      v: SNAPSHOT_VERSION,
      ...head,
      kind: 'snapshot',
      sealed: sealTo(peer.box, JSON.stringify(held), snapshotContext(head)),
    };
    return seal(payload, this.key);
  }

  /**
   * Journal a door gateway's tap once: one at or below the last recorded for the gateway (a
   * resend: after a reconnect, a desk restart, a replay) is a duplicate. Its taps come in its
   * journal's order (each after the previous one's PUBACK), so the highest seq is the line.
   */
  async record(m: FleetEventPayload): Promise<'recorded' | 'duplicate' | 'refused'> {
    const payload = fleetAccessOf(m);
    if (!payload) {
      this.log.warn({ gateway: m.gateway, seq: m.seq, type: m.type }, 'fleet: an event of an unknown shape');
      return 'refused';
    }
    const core = this.gateway.core;
    const seen = () => m.seq <= (core.state.fleetSeqs.get(m.gateway) ?? 0);
    const actor: Actor = { kind: 'device', id: `fleet:${m.gateway}` };
    const event: FleetAccessEvent = { type: 'fleet.access', payload };
    // Checked again in the queue: another copy may be journaled between here and there.
    const outcome = seen()
      ? 'duplicate'
      : await core.transact(actor, () =>
          seen()
            ? { events: [], result: () => 'duplicate' as const }
            : { events: [event], result: () => 'recorded' as const },
        );
    this.emit(outcome, m.gateway, m.seq);
    return outcome;
  }

  private async onEvent(topic: string, raw: Buffer): Promise<void> {
    const id = this.topics.gatewayOf(topic);
    const peer = this.peers.find((p) => p.id === id);
    const m = peer ? unseal(raw, peer.key) : undefined;
    const ok = (isFleetEvent(m) || isFleetStatus(m)) && m.gateway === peer?.id;
    if (!peer || !ok) {
      this.log.warn({ topic }, 'fleet: a message not signed by its gateway was refused');
      return;
    }
    const s = this.heard.get(peer.id) ?? { events: 0 };
    const lastHeardAt = Date.now();
    if (isFleetStatus(m)) {
      // Its will: the link is gone; the seq it carries is from when it connected.
      if (m.online === false) {
        this.heard.set(peer.id, { ...s, connected: false, lastHeardAt });
        return;
      }
      if (m.lastSeq >= (this.prev.get(peer.id) ?? 0)) this.since.clear(peer.id);
      else if (s.appliedSeq === undefined || m.lastSeq > s.appliedSeq)
        this.since.restart(peer.id, this.gateway.core.now());
      this.heard.set(peer.id, { ...s, appliedSeq: m.lastSeq, lastHeardAt, connected: true });
      // Everything it sent before this status is here by now (one connection, in order).
      if (m.lastEvent !== undefined) this.checkHole(peer.id, m.lastEvent, m.lastEvent);
    } else {
      this.heard.set(peer.id, { ...s, events: s.events + 1, lastEventSeq: m.seq, lastHeardAt });
      // Past a hole nothing is recorded: the resend brings this one again, in its place.
      if (m.prev !== undefined && this.checkHole(peer.id, m.seq, m.prev)) return;
      await this.record(m);
    }
  }

  /**
   * Whether taps of this gateway are missing before `seq` (`before`: the last it sent ahead of
   * it): then it is asked to send again everything after the last recorded. A gateway never
   * recorded here starts its line where it is (its history before the fleet is not asked for).
   */
  private checkHole(id: string, seq: number, before: number): boolean {
    const recorded = this.gateway.core.state.fleetSeqs.get(id);
    if (recorded === undefined || seq <= recorded || before <= recorded) return false;
    const now = Date.now();
    const last = this.asked.get(id);
    if (last && last.after === recorded && now - last.at < this.fleet.statusSeconds * 1000) return true;
    this.asked.set(id, { after: recorded, at: now });
    const s = this.heard.get(id) ?? { events: 0 };
    this.heard.set(id, { ...s, resends: (s.resends ?? 0) + 1 });
    this.log.warn(
      { gateway: id, after: recorded, seq },
      "fleet: a door gateway's taps are missing; asked for again",
    );
    const client = this.client;
    if (client?.connected) {
      const seqNow = this.gateway.core.state.journalSeq;
      const ask: FleetPayload = {
        v: 1,
        gateway: id,
        seq: seqNow,
        prev: seqNow,
        at: now,
        kind: 'resend',
        after: recorded,
      };
      // QoS 1, not retained: the retained head stays what it is; an away gateway gets it later.
      client
        .publishAsync(this.topics.head(id), seal(ask, this.key), { qos: 1 })
        .catch((err: unknown) =>
          this.log.warn({ err, gateway: id }, 'fleet: a resend request did not go out'),
        );
    }
    this.emit('resend', id, recorded);
    return true;
  }

  status(): PeerStatus[] {
    return this.peers.map((p) => {
      const sent = this.acked.get(p.id) ?? 0;
      const h = this.heard.get(p.id) ?? { events: 0 };
      const recorded = this.gateway.core.state.fleetSeqs.get(p.id);
      return {
        id: p.id,
        lastSentSeq: sent,
        ...h,
        ...(recorded !== undefined ? { recordedSeq: recorded } : {}),
        ...(h.appliedSeq !== undefined ? { lag: Math.max(0, sent - h.appliedSeq) } : {}),
      };
    });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The fleet entry of GET /api/v1/health: each gateway's progress, and what lasted too long. */
  health(now = this.gateway.core.now()): FleetHealth {
    const bound = this.fleet.lagMaxSeconds;
    const problems: string[] = [];
    const away = this.since.seconds('broker', now);
    if (away !== undefined && away > bound) problems.push(`fleet: the broker has been away for ${away} s`);
    const gateways = this.status().map((g) => {
      const behind = this.since.seconds(g.id, now);
      if (behind !== undefined && behind > bound)
        problems.push(
          `fleet: door gateway ${g.id} has applied nothing sent to it for ${behind} s (lag ${g.lag ?? 'unknown'})`,
        );
      return {
        id: g.id,
        ...(g.appliedSeq !== undefined ? { lastSeq: g.appliedSeq } : {}),
        lastSentSeq: g.lastSentSeq,
        ...(g.lag !== undefined ? { lag: g.lag } : {}),
        ...(g.connected !== undefined ? { connected: g.connected } : {}),
        ...(g.lastHeardAt !== undefined ? { lastHeardAt: g.lastHeardAt } : {}),
        ...(behind !== undefined ? { behindSeconds: behind } : {}),
      };
    });
    return { entry: { role: 'desk', connected: this.connected, gateways }, problems };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stop_();
    this.gateway.core.bus.off('entry', this.onEntry);
    await this.pumping;
    await this.saving;
    // What the broker has not acknowledged goes again at the next start. A client with no
    // broker would wait for those PUBACKs for ever: it ends at once.
    await this.client?.endAsync(!this.client.connected);
  }
}
