// Room controllers: the lock and reader ports of a door driven over MQTT (`lock: {driver:
// mqtt}`, reader `driver: {type: mqtt}`), and the hub that routes the controllers'
// messages to them.
//
// A command goes out on pintu/rooms/<room>/command as `{id, action, ms?, exp, at}`, QoS 0 and
// never retained, only while the gateway is connected: nothing queues it, so it arrives
// now or never. `exp` (deadline) and `at` (this copy's send time) are both on the gateway's
// clock: a controller measures lateness with its own clock's elapsed time from the copies it
// got (schemas.ts RoomCommandPayload), so a controller clock seconds off, or never set, does
// not make it drop every command. No ack within commandTimeoutMs: sent again (same id, the controller runs an
// id once); after `retries` the door is `unknown` (no_ack alarm) and, when the lost
// command was an unlock, a lock follows it, so an unlock stuck in some buffer is closed
// right behind. A controller that comes back (its retained state says online) is sent the
// door's current state (lock, or hold while held): never a pulse that was due while it
// was away.
//
// A room with a key (room-keys.ts) runs authenticated: every copy of a command carries the
// room's next counter and a MAC (room-mac.ts), and a tap is taken only with a valid MAC and a
// counter greater than the last accepted, so a device on the LAN that can publish on the
// room's topics but has no key can neither open the door nor tap for someone.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type {
  DoorInputEvent,
  DoorInputsPort,
  LockPort,
  LockState,
  ReadEvent,
  ReaderPort,
} from '../hardware/ports.js';
import type { Metrics } from '../service/metrics.js';
import { decodeJson } from './payload-check.js';
import type { Rejections, RejectReason } from './rejects.js';
import { RoomCounters, RoomKeys, roomCountersFile, roomKeysFile } from './room-keys.js';
import { commandText, mac, macValid, tapText } from './room-mac.js';
// The shipped documents rather than the TypeBox definitions: TypeBox stays off the door path.
import RoomAckSchema from './schemas/room-ack.json' with { type: 'json' };
import RoomStateSchema from './schemas/room-state.json' with { type: 'json' };
import RoomTapSchema from './schemas/room-tap.json' with { type: 'json' };
import type { AlarmKind, RoomAck, RoomCommand, RoomState, RoomTap } from './schemas.js';
import { type Route, type Topics, topicsOf } from './topics.js';

/** What the hub needs from the broker connection. */
export interface RoomLink {
  readonly connected: boolean;
  publish(
    topic: string,
    payload: string,
    opts: { qos: 0 | 1; retain: boolean; expirySeconds?: number },
  ): Promise<void>;
}

export interface RoomHubOptions {
  topics: Topics;
  commandTimeoutMs: number;
  retries: number;
  log: Logger;
  /** A controller not heard of this long after the gateway connected is reported offline. */
  offlineGraceMs?: number;
  /** The rooms' keys and counters; without them every room runs unauthenticated. */
  auth?: { keys: RoomKeys; counters: RoomCounters };
}

/** What a controller with a key answers to a copy it refuses (ack error). */
export const COMMAND_REFUSALS = ['bad_mac', 'replayed', 'expired'] as const;

export interface RoomHubEvents {
  /** An alarm of the controller of a room door (offline, no_ack) began (active) or ended. */
  alarm: [{ doorId: string; room: string; alarm: Extract<AlarmKind, 'offline' | 'no_ack'>; active: boolean }];
  /** The controller of a room door refused a copy of a command (forged, replayed or late). */
  commandRefused: [{ doorId: string; room: string; error: (typeof COMMAND_REFUSALS)[number] }];
}

/** Counting and refusal reporting, bound when the gateway's metrics exist (see bind()). */
interface HubReporting {
  metrics: Pick<Metrics['mqtt'], 'commands' | 'commandSeconds' | 'controllerAlarm'>;
  rejections: Pick<Rejections, 'reject'>;
}

const UNBOUND: HubReporting = {
  metrics: {
    commands: { inc: () => {} },
    commandSeconds: { observe: () => {} },
    controllerAlarm: { set: () => {} },
  } as unknown as HubReporting['metrics'],
  rejections: { reject: () => {} },
};

type Action = RoomCommand['action'];

interface Pending {
  id: string;
  action: Action;
  ms?: number;
  exp: number;
  attempt: number;
  sentAt: number;
  timer?: NodeJS.Timeout;
  /** A safety lock after a lost unlock: its own failure raises nothing new. */
  safety: boolean;
}

export class RoomHub extends EventEmitter<RoomHubEvents> {
  private readonly locksByRoom = new Map<string, MqttLock>();
  private readonly readersByRoom = new Map<string, MqttReader>();
  private readonly inputsByRoom = new Map<string, MqttDoorInputs>();
  private link: RoomLink | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  report: HubReporting = UNBOUND;

  constructor(readonly opts: RoomHubOptions) {
    super();
  }

  /** The gateway's metrics and refusal log (they exist once the gateway is open). */
  bind(report: HubReporting): void {
    this.report = report;
    // Every controller's alarms as series from the start, so an alert sees 0 before any 1.
    for (const lock of this.locksByRoom.values()) lock.reportAlarms();
  }

  /** The door contact the controller of `room` reports (door supervision reads it like a GPIO contact). */
  inputs(doorId: string, room: string): MqttDoorInputs {
    if (this.inputsByRoom.has(room)) throw new Error(`room controller "${room}" already reports a door`);
    const port = new MqttDoorInputs(doorId);
    this.inputsByRoom.set(room, port);
    return port;
  }

  /** The lock port of a door whose controller is `room`. */
  lock(doorId: string, room: string): MqttLock {
    if (this.locksByRoom.has(room)) throw new Error(`room controller "${room}" already drives a door`);
    const lock = new MqttLock(doorId, room, this);
    this.locksByRoom.set(room, lock);
    return lock;
  }

  /** The reader port of the controller of `room`. */
  reader(readerId: string, room: string): MqttReader {
    if (this.readersByRoom.has(room)) throw new Error(`room controller "${room}" already has a reader`);
    const reader = new MqttReader(readerId, room);
    this.readersByRoom.set(room, reader);
    return reader;
  }

  get rooms(): string[] {
    return [...new Set([...this.locksByRoom.keys(), ...this.readersByRoom.keys()])];
  }

  /** Rooms whose controller has no key: commands and taps unauthenticated (health calls them weak). */
  unauthenticatedRooms(): string[] {
    const keys = this.opts.auth?.keys;
    return this.rooms.filter((room) => !keys?.get(room)).sort();
  }

  /** A refused copy of a command, as the controller acknowledged it: counted and logged. */
  refusedCommand(room: string, ack: RoomAck): void {
    const reason = (COMMAND_REFUSALS as readonly string[]).includes(ack.error ?? '')
      ? (ack.error as (typeof COMMAND_REFUSALS)[number])
      : 'refused';
    this.report.metrics.commands.inc({ result: reason });
    this.report.rejections.reject(reason, 'room.ack', { room, id: ack.id });
    const lock = this.locksByRoom.get(room);
    if (lock && reason !== 'refused')
      this.emit('commandRefused', { doorId: lock.doorId, room, error: reason });
  }

  lockOfRoom(room: string): MqttLock | undefined {
    return this.locksByRoom.get(room);
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  /** The connection commands go out on (before it is up: retained states may come first). */
  attach(link: RoomLink): void {
    this.link = link;
  }

  /** The gateway is connected (again): controllers' retained states will follow. */
  linkUp(link: RoomLink): void {
    this.link = link;
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      for (const lock of this.locksByRoom.values()) lock.graceOver();
    }, this.opts.offlineGraceMs ?? 10_000);
    this.graceTimer.unref();
  }

  /** The gateway lost the broker: no controller can be reached. */
  linkDown(): void {
    clearTimeout(this.graceTimer);
    for (const lock of this.locksByRoom.values()) lock.unreachable();
  }

  /** Stop retrying; resolves when the counters are on disk. */
  async close(): Promise<void> {
    clearTimeout(this.graceTimer);
    for (const lock of this.locksByRoom.values()) lock.cancelPending();
    await this.opts.auth?.counters.flush();
  }

  /** A message on a room topic (the service routes pintu/rooms/+/{tap,ack,state} here). */
  handle(route: Extract<Route, { room: string }>, payload: Buffer, retained: boolean): void {
    const refusal = this.dispatch(route, payload, retained);
    if (refusal)
      this.report.rejections.reject(refusal.reason, route.kind, { room: route.room, ...refusal.detail });
  }

  /** Hands the message to the room's port; what is refused comes back. */
  private dispatch(
    route: Extract<Route, { room: string }>,
    payload: Buffer,
    retained: boolean,
  ): { reason: RejectReason; detail?: Record<string, unknown> } | undefined {
    const lock = this.locksByRoom.get(route.room);
    const reader = this.readersByRoom.get(route.room);
    if (!lock && !reader) {
      // An empty retained state is only a cleared one.
      return route.kind === 'room.state' && payload.length === 0 ? undefined : { reason: 'unknown_room' };
    }
    switch (route.kind) {
      case 'room.tap': {
        if (retained) return { reason: 'retained' };
        const d = decodeJson<RoomTap>(RoomTapSchema, payload);
        if (!d.ok) return { reason: d.reason, detail: { detail: d.detail } };
        if (!reader) return { reason: 'unknown_room', detail: { detail: 'no reader configured' } };
        const forged = this.forgedTap(route.room, d.value);
        if (forged) {
          reader.forged(d.value);
          return { reason: forged };
        }
        // Before the decision: its unlock must not be dropped as sent to an offline controller.
        lock?.alive();
        reader.deliver(d.value);
        return undefined;
      }
      case 'room.ack': {
        if (retained) return { reason: 'retained' };
        const d = decodeJson<RoomAck>(RoomAckSchema, payload);
        if (!d.ok) return { reason: d.reason, detail: { detail: d.detail } };
        lock?.alive();
        lock?.ack(d.value);
        return undefined;
      }
      case 'room.state': {
        if (payload.length === 0) return undefined; // a cleared retained state
        const d = decodeJson<RoomState>(RoomStateSchema, payload);
        if (!d.ok) return { reason: d.reason, detail: { detail: d.detail } };
        lock?.controllerState(d.value);
        const inputs = this.inputsByRoom.get(route.room);
        if (inputs && d.value.online && d.value.open !== undefined) inputs.contact(d.value.open);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * Why a tap of a room with a key is refused, or undefined when it is good (its counter is then
   * the room's last accepted). Checked before anything else is done with it.
   */
  private forgedTap(room: string, tap: RoomTap): 'bad_mac' | 'replayed' | undefined {
    const auth = this.opts.auth;
    const key = auth?.keys.get(room);
    if (!auth || !key) return undefined;
    if (tap.ctr === undefined || !macValid(key, tapText(room, { ...tap, ctr: tap.ctr }), tap.mac))
      return 'bad_mac';
    if (tap.ctr <= auth.counters.lastTap(room, key)) return 'replayed';
    auth.counters.acceptTap(room, key, tap.ctr);
    return undefined;
  }

  /** The command as sent: with the room's next counter and its MAC when the room has a key. */
  private signed(room: string, command: RoomCommand): RoomCommand {
    const auth = this.opts.auth;
    const key = auth?.keys.get(room);
    if (!auth || !key) return command;
    const ctr = auth.counters.nextCommand(room);
    return { ...command, ctr, mac: mac(key, commandText(room, { ...command, ctr })) };
  }

  /** Send a command; false when the gateway is not connected (the command is dropped, never queued). */
  send(room: string, unsigned: RoomCommand): boolean {
    const link = this.link;
    if (!link?.connected) return false;
    const command = this.signed(room, unsigned);
    const expirySeconds = Math.max(1, Math.ceil((command.exp - Date.now()) / 1000));
    link
      .publish(this.opts.topics.room(room, 'command'), JSON.stringify(command), {
        qos: 0,
        retain: false,
        expirySeconds,
      })
      .catch((err) => this.opts.log.debug({ err, room }, 'room command not sent'));
    return true;
  }
}

export class MqttReader implements ReaderPort {
  private handler: (read: ReadEvent) => void = () => {};
  private running = false;
  constructor(
    readonly id: string,
    readonly room: string,
  ) {}
  onRead(handler: (read: ReadEvent) => void): void {
    this.handler = handler;
  }
  deliver(tap: RoomTap): void {
    if (this.running) this.handler({ readerId: this.id, kind: tap.kind, credential: tap.credential });
  }
  /**
   * A tap refused for its MAC or counter: decided as a forgery (credential_invalid, journaled
   * within the room's budget), its credential not believed.
   */
  forged(tap: RoomTap): void {
    if (this.running) this.handler({ readerId: this.id, kind: tap.kind, credential: '', forged: true });
  }
  async start(): Promise<void> {
    this.running = true;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
}

const newId = () => randomBytes(6).toString('hex');

export class MqttLock implements LockPort {
  private current: LockState = { locked: true, fault: 'offline' };
  private readonly listeners: Array<(s: LockState) => void> = [];
  private pending: Pending | undefined;
  private relock: NodeJS.Timeout | undefined;
  /** Facilities asked to hold the door unlocked (LockPort.unlock) until lock(). */
  private held = false;
  /** undefined: not heard of yet. */
  private online: boolean | undefined;
  private readonly alarms = new Set<'offline' | 'no_ack'>();
  /** Commands acknowledged (tests, the API). */
  acked = 0;

  constructor(
    readonly doorId: string,
    readonly room: string,
    private readonly hub: RoomHub,
  ) {}

  // ------------------------------------------------------------ LockPort

  pulse(ms: number): void {
    this.command('unlock', ms);
  }
  unlock(): void {
    this.held = true;
    this.command('hold');
  }
  lock(): void {
    this.held = false;
    clearTimeout(this.relock);
    this.command('lock');
  }
  state(): LockState {
    return this.current;
  }
  onChange(handler: (s: LockState) => void): void {
    this.listeners.push(handler);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.held = false;
    // Leave the door locked: a last command, not waited for (the controller's own fail mode
    // applies when it hears nothing).
    this.command('lock');
    this.cancelPending();
    clearTimeout(this.relock);
  }

  /** Controller alarms of this door now (offline, no_ack). */
  activeAlarms(): Array<'offline' | 'no_ack'> {
    return [...this.alarms];
  }

  /** The controller's alarms (raised after the start grace), for health. */
  problem(): string | undefined {
    if (this.alarms.has('offline')) return `room controller ${this.room}: offline`;
    if (this.alarms.has('no_ack')) return `room controller ${this.room}: commands not acknowledged`;
    return undefined;
  }

  get controllerOnline(): boolean | undefined {
    return this.online;
  }

  // ------------------------------------------------------------ commands

  private command(action: Action, ms?: number, safety = false): void {
    this.supersede();
    const { commandTimeoutMs, retries } = this.hub.opts;
    const now = Date.now();
    const p: Pending = {
      id: newId(),
      action,
      ...(ms !== undefined ? { ms } : {}),
      exp: now + commandTimeoutMs * (retries + 1),
      attempt: 0,
      sentAt: now,
      safety,
    };
    this.pending = p;
    this.attempt(p);
  }

  private attempt(p: Pending): void {
    const { commandTimeoutMs, retries } = this.hub.opts;
    if (this.pending !== p) return;
    if (p.attempt > retries) {
      this.giveUp(p);
      return;
    }
    if (this.online === false) {
      // Its last will said it is gone: nothing would hear the command, and it must not be kept.
      this.pending = undefined;
      this.hub.report.metrics.commands.inc({ result: 'offline' });
      this.hub.opts.log.warn(
        { door: this.doorId, room: this.room, action: p.action },
        'room command dropped: controller offline',
      );
      return;
    }
    p.attempt++;
    const sent = this.hub.send(this.room, {
      id: p.id,
      action: p.action,
      ...(p.ms !== undefined ? { ms: p.ms } : {}),
      exp: p.exp,
      // The controller judges exp against the gateway's clock as these tell it, not its own.
      at: Date.now(),
    });
    if (!sent && p.attempt === 1) {
      // Not connected: nothing can reach the controller now, and nothing may later.
      this.pending = undefined;
      this.hub.report.metrics.commands.inc({ result: 'not_connected' });
      this.hub.opts.log.warn(
        { door: this.doorId, room: this.room, action: p.action },
        'room command dropped: not connected to the broker',
      );
      return;
    }
    p.timer = setTimeout(() => this.attempt(p), commandTimeoutMs);
    p.timer.unref();
  }

  private giveUp(p: Pending): void {
    this.pending = undefined;
    this.hub.report.metrics.commands.inc({ result: 'no_ack' });
    this.hub.opts.log.warn(
      { door: this.doorId, room: this.room, action: p.action, id: p.id, attempts: p.attempt },
      'room controller did not acknowledge: door state unknown',
    );
    this.setAlarm('no_ack', true);
    this.set({
      locked: this.current.locked,
      ...(this.current.open !== undefined ? { open: this.current.open } : {}),
      fault: 'no_ack',
    });
    if (!p.safety && p.action !== 'lock') this.command('lock', undefined, true);
  }

  /** A newer command replaces the one in flight (its ack no longer matters). */
  private supersede(): void {
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  cancelPending(): void {
    this.supersede();
  }

  ack(a: RoomAck): void {
    const p = this.pending;
    if (!p || p.id !== a.id) {
      // A refusal of a command the gateway never sent (a forger's) is still worth counting.
      if (!a.ok) this.hub.refusedCommand(this.room, a);
      // A copy of a command already acknowledged, or one a newer command replaced.
      this.hub.opts.log.debug({ door: this.doorId, id: a.id }, 'room ack for no pending command (ignored)');
      return;
    }
    if (!a.ok && (COMMAND_REFUSALS as readonly string[]).includes(a.error ?? '')) {
      // A copy the controller found forged, replayed or late: the retry (a fresh counter, MAC
      // and at) stays due, and without one in time the door is unknown (no_ack) as for silence.
      this.hub.refusedCommand(this.room, a);
      return;
    }
    clearTimeout(p.timer);
    this.pending = undefined;
    const m = this.hub.report.metrics;
    m.commandSeconds.observe((Date.now() - p.sentAt) / 1000);
    if (!a.ok) {
      m.commands.inc({ result: 'refused' });
      this.hub.opts.log.warn(
        { door: this.doorId, action: p.action, error: a.error },
        'room controller refused a command',
      );
      return;
    }
    m.commands.inc({ result: 'acked' });
    this.acked++;
    this.setAlarm('no_ack', false);
    const open = this.current.open !== undefined ? { open: this.current.open } : {};
    const fault = this.online === false ? { fault: 'offline' } : {};
    clearTimeout(this.relock);
    if (p.action === 'unlock') {
      this.set({ locked: false, ...open, ...fault });
      this.relock = setTimeout(() => this.set({ ...this.current, locked: true }), p.ms ?? 0);
      this.relock.unref();
    } else {
      this.set({ locked: p.action === 'lock', ...open, ...fault });
    }
  }

  // ------------------------------------------------------------ what the controller says

  controllerState(s: RoomState): void {
    const was = this.online;
    this.online = s.online;
    if (!s.online) {
      this.supersede();
      this.setAlarm('offline', true);
      this.set({
        locked: this.current.locked,
        ...(this.current.open !== undefined ? { open: this.current.open } : {}),
        fault: 'offline',
      });
      return;
    }
    this.setAlarm('offline', false);
    const locked = s.locked ?? this.current.locked;
    const noAck = this.current.fault === 'no_ack' && s.locked === undefined;
    this.set({
      locked,
      ...(s.open !== undefined ? { open: s.open } : {}),
      ...(noAck ? { fault: 'no_ack' } : {}),
    });
    if (s.locked !== undefined) this.setAlarm('no_ack', false);
    // Back (or first heard of): tell it the state it must be in. Never a pulse from the past.
    if (was !== true) this.command(this.held ? 'hold' : 'lock');
  }

  /**
   * A live tap or ack: only this room's login may publish them and never retained, so the
   * controller is connected now, whatever order its retained state and the last will of a
   * session it replaced arrived in (aedes may route a retained state after the next tap).
   */
  alive(): void {
    if (this.online !== true) this.controllerState({ online: true });
  }

  /** The gateway connected a while ago and this controller has said nothing. */
  graceOver(): void {
    if (this.online === undefined) {
      this.online = false;
      this.setAlarm('offline', true);
    }
  }

  /** The gateway lost the broker. */
  unreachable(): void {
    this.supersede();
    this.online = undefined;
    this.set({
      locked: this.current.locked,
      ...(this.current.open !== undefined ? { open: this.current.open } : {}),
      fault: 'offline',
    });
  }

  /** Set the alarm gauges of this controller to its alarms now. */
  reportAlarms(): void {
    for (const alarm of ['offline', 'no_ack'] as const)
      this.hub.report.metrics.controllerAlarm.set({ room: this.room, alarm }, this.alarms.has(alarm) ? 1 : 0);
  }

  private setAlarm(alarm: 'offline' | 'no_ack', active: boolean): void {
    if (active === this.alarms.has(alarm)) return;
    if (active) this.alarms.add(alarm);
    else this.alarms.delete(alarm);
    this.reportAlarms();
    this.hub.emit('alarm', { doorId: this.doorId, room: this.room, alarm, active });
  }

  private set(next: LockState): void {
    const c = this.current;
    if (next.locked === c.locked && next.open === c.open && next.fault === c.fault) return;
    this.current = next;
    for (const l of this.listeners) l(next);
  }
}

/** The door contact of a room controller, as a door-input port (no exit button). */
export class MqttDoorInputs implements DoorInputsPort {
  readonly hasContact = true;
  readonly hasExitButton = false;
  private open: boolean | undefined;
  private handler: (e: DoorInputEvent) => void = () => {};
  private running = false;

  constructor(readonly doorId: string) {}

  contactOpen(): boolean | undefined {
    return this.open;
  }
  onInput(handler: (e: DoorInputEvent) => void): void {
    this.handler = handler;
  }
  /** The controller reported its contact. */
  contact(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    if (this.running) this.handler({ input: 'contact', active: open });
  }
  async start(): Promise<void> {
    this.running = true;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
}

/**
 * The room controller hub, built before the drivers; undefined when MQTT is off. Here, not in
 * service.ts, so that the door path comes up without loading the broker (main.ts).
 */
export function createRoomHub(config: Config, log: Logger): RoomHub | undefined {
  if (config.mqtt.mode === 'off') return undefined;
  return new RoomHub({
    topics: topicsOf(config),
    commandTimeoutMs: config.mqtt.rooms.commandTimeoutMs,
    retries: config.mqtt.rooms.retries,
    log: log.child({ part: 'rooms' }),
    auth: {
      keys: new RoomKeys(roomKeysFile(config.dataDir)),
      counters: new RoomCounters(roomCountersFile(config.dataDir), Date.now, (err) =>
        log.error({ err }, 'room counters not written; written again at the next change'),
      ),
    },
  });
}
