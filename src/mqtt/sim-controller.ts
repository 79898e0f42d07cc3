// A simulated room controller that speaks the contract exactly as the ESPHome reference
// (firmware-config/room-controller/) does: birth and last will on its retained state topic,
// commands at QoS 0 with a clean session, every copy of a command acknowledged but an id
// run once, retained or late commands ignored (late by the gateway's time as the commands tell
// it, never by the controller's own time of day), taps never queued while offline.
// With a room key it checks each copy's MAC, counter and deadline first and acknowledges a
// refusal with its error (bad_mac, replayed, expired), and MACs its taps (room-mac.ts).
// `pintu sim-controller --room <room>` runs one; the tests and the benchmark run many.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import { decodeJson } from './payload-check.js';
import { commandText, mac, macValid, tapText } from './room-mac.js';
import { type RoomCommand, RoomCommandPayload } from './schemas.js';
import { Topics } from './topics.js';

export interface SimControllerOptions {
  room: string;
  /** Broker URL, or a stream (in-process tests). */
  url?: string;
  stream?: () => Duplex;
  username?: string;
  password?: string;
  baseTopic?: string;
  clientId?: string;
  protocolVersion?: 4 | 5;
  /** Never acknowledge and never run a command (a dead or deaf controller). */
  silent?: boolean;
  /** Wait this long before acknowledging. */
  ackDelayMs?: number;
  /** Reconnect after this many ms (0: never). */
  reconnectPeriod?: number;
  fw?: string;
  /**
   * The controller's own clock, ms (default Date.now). Only its elapsed time is used, as the
   * firmware uses its uptime: it may be seconds or hours off, or count from boot.
   */
  clock?: () => number;
  /** The room key (`pintu mqtt-user add --role room` prints it): commands and taps MACed. */
  key?: Buffer;
  /**
   * The first tap counter. The firmware keeps its counter across reboots; the default, the
   * time in microseconds, grows across the simulator's restarts as long as the clock does.
   */
  tapCounter?: number;
  /** The last command counter accepted (the firmware's, kept across reboots). */
  lastCommandCounter?: number;
}

/**
 * A copy later than its deadline by more than this is dropped (the reference firmware's slack):
 * within it, delivery jitter; beyond it, a copy stuck in some buffer.
 */
export const LATE_SLACK_MS = 2000;

/**
 * The controller's notion of the gateway's time, as the reference firmware keeps it: learned
 * from the commands' `at` (the gateway's clock when the copy was sent) and the controller's own
 * elapsed time, never from its own time of day. The reference is the copy that implies the
 * latest gateway time (the fastest delivered); the estimate never runs ahead of the gateway's
 * clock, so a controller clock off by any amount drops nothing that came on time.
 */
export class GatewayTime {
  private ref: { at: number; local: number } | undefined;

  constructor(private readonly clock: () => number) {}

  /** A new connection: nothing older is trusted. */
  reset(): void {
    this.ref = undefined;
  }

  /** Is this copy past its deadline `exp`? It also teaches the gateway's time. */
  late(at: number, exp: number): boolean {
    const local = this.clock();
    const estimate = this.ref ? this.ref.at + (local - this.ref.local) : Number.NEGATIVE_INFINITY;
    if (at >= estimate) this.ref = { at, local };
    if (Math.max(at, estimate) <= exp + LATE_SLACK_MS) return false;
    // Late: stuck somewhere, or the gateway's clock stepped back. Learn anew from this copy, so
    // a step costs one copy: the gateway's retry comes with a fresh `at`.
    this.ref = { at, local };
    return true;
  }
}

export interface SimControllerEvents {
  connect: [];
  close: [];
  /** A command the controller ran. */
  command: [RoomCommand];
  /** A command it ignored, and why. */
  ignored: [{ reason: 'retained' | 'invalid' | 'expired' | 'duplicate'; payload: string }];
  /** A copy refused for its MAC, counter or deadline (room key set), acknowledged with the error. */
  refused: [{ error: 'bad_mac' | 'replayed' | 'expired'; payload: string }];
  relay: [{ locked: boolean }];
}

export class SimController extends EventEmitter<SimControllerEvents> {
  readonly topics: Topics;
  private client: MqttClient | undefined;
  locked = true;
  open = false;
  /** Commands run, in order. */
  readonly ran: RoomCommand[] = [];
  private readonly seen = new Set<string>();
  private relock: NodeJS.Timeout | undefined;
  private readonly gatewayTime: GatewayTime;
  private tapCtr: number;
  /** Taps published (the campaign counts the decisions they can explain). */
  taps = 0;
  /** The counter of the last command copy accepted. */
  lastCommandCounter: number;

  constructor(readonly opts: SimControllerOptions) {
    super();
    this.topics = new Topics(opts.baseTopic ?? 'pintu');
    this.gatewayTime = new GatewayTime(opts.clock ?? Date.now);
    this.tapCtr = opts.tapCounter ?? Date.now() * 1000;
    this.lastCommandCounter = opts.lastCommandCounter ?? 0;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  private topic(leaf: 'tap' | 'command' | 'ack' | 'state'): string {
    return this.topics.room(this.opts.room, leaf);
  }

  private statePayload(): string {
    return JSON.stringify({
      online: true,
      locked: this.locked,
      open: this.open,
      ...(this.opts.fw ? { fw: this.opts.fw } : {}),
    });
  }

  /** Connect; resolves at the first CONNACK (rejects on a refused login). */
  start(): Promise<void> {
    const o = this.opts;
    const options: IClientOptions = {
      // A fixed id, as a real controller has: a new connection takes over a dead one's session.
      // The login's own name: brokers bind a client id to its user name.
      clientId: o.clientId ?? o.username ?? `pintu-room-${o.room}`,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      protocolVersion: o.protocolVersion ?? 4,
      clean: true,
      queueQoSZero: false,
      reconnectPeriod: o.reconnectPeriod ?? 1000,
      connectTimeout: 5000,
      keepalive: 15,
      will: { topic: this.topic('state'), payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
      // No 6 MiB cache of mqtt-packet's two-byte numbers (see link.ts) in the gateway's process.
      writeCache: false,
    };
    const client = o.stream
      ? new MqttClient(o.stream, options)
      : mqtt.connect(o.url ?? 'mqtt://127.0.0.1:1883', options);
    this.client = client;
    client.on('message', (_topic, payload, packet) => this.onCommand(payload, packet.retain));
    client.on('close', () => this.emit('close'));
    client.on('connect', () => {
      this.gatewayTime.reset();
      client.publish(this.topic('state'), this.statePayload(), { qos: 1, retain: true });
      client.subscribe(this.topic('command'), { qos: 0 }, () => this.emit('connect'));
    });
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        client.off('error', onError);
        resolve();
      };
      const onError = (err: Error) => {
        client.off('connect', onConnect);
        client.end(true);
        reject(err);
      };
      this.once('connect', onConnect);
      client.once('error', onError);
    });
  }

  private onCommand(payload: Buffer, retained: boolean): void {
    const text = payload.toString('utf8');
    if (retained) return void this.emit('ignored', { reason: 'retained', payload: text });
    const d = decodeJson<RoomCommand>(RoomCommandPayload, payload);
    if (!d.ok) return void this.emit('ignored', { reason: 'invalid', payload: text });
    const cmd = d.value;
    if (this.opts.silent) return;
    const ack = (error?: 'bad_mac' | 'replayed' | 'expired') => {
      const body = error ? { id: cmd.id, ok: false, error } : { id: cmd.id, ok: true };
      const send = () =>
        this.client?.connected &&
        this.client.publish(this.topic('ack'), JSON.stringify(body), { qos: 0, retain: false });
      if (this.opts.ackDelayMs) setTimeout(send, this.opts.ackDelayMs).unref();
      else send();
    };
    const refusal = this.refusal(cmd);
    if (refusal) {
      this.emit('refused', { error: refusal, payload: text });
      ack(refusal);
      return;
    }
    // As the firmware: a copy of a command already run is acknowledged again, whenever it comes.
    if (this.seen.has(cmd.id)) {
      this.emit('ignored', { reason: 'duplicate', payload: text });
      ack();
      return;
    }
    // Too late to act on (an unlock is on time or never): dropped, not acknowledged.
    // Without a key, a late copy is dropped unacknowledged (with one, refusal() answered it).
    if (!this.opts.key && this.gatewayTime.late(cmd.at, cmd.exp))
      return void this.emit('ignored', { reason: 'expired', payload: text });
    this.seen.add(cmd.id);
    if (this.seen.size > 200) this.seen.delete(this.seen.values().next().value!);
    clearTimeout(this.relock);
    if (cmd.action === 'unlock') {
      this.setRelay(false);
      this.relock = setTimeout(() => this.setRelay(true), cmd.ms ?? 3000);
      this.relock.unref();
    } else this.setRelay(cmd.action === 'lock');
    this.ran.push(cmd);
    this.emit('command', cmd);
    ack();
  }

  /**
   * With a key, as the firmware: the MAC first (nothing of a forged copy is believed, not even
   * its `at`), then the counter, then the deadline; a good copy's counter becomes the last.
   */
  private refusal(cmd: RoomCommand): 'bad_mac' | 'replayed' | 'expired' | undefined {
    const key = this.opts.key;
    if (!key) return undefined;
    if (
      cmd.ctr === undefined ||
      !macValid(key, commandText(this.opts.room, { ...cmd, ctr: cmd.ctr }), cmd.mac)
    )
      return 'bad_mac';
    if (cmd.ctr <= this.lastCommandCounter) return 'replayed';
    this.lastCommandCounter = cmd.ctr;
    // A copy of an id already run is acknowledged again below, whenever it comes.
    if (!this.seen.has(cmd.id) && this.gatewayTime.late(cmd.at, cmd.exp)) return 'expired';
    return undefined;
  }

  private setRelay(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.emit('relay', { locked });
    this.publishState();
  }

  private publishState(): void {
    if (this.client?.connected)
      this.client.publish(this.topic('state'), this.statePayload(), { qos: 1, retain: true });
  }

  /** A badge or a keypad code; false when offline (a tap is never queued). */
  tap(kind: 'nfc' | 'pin', credential: string): boolean {
    if (!this.client?.connected) return false;
    const key = this.opts.key;
    const ctr = ++this.tapCtr;
    this.taps++;
    const tap = key
      ? { credential, kind, ctr, mac: mac(key, tapText(this.opts.room, { credential, kind, ctr })) }
      : { credential, kind };
    this.client.publish(this.topic('tap'), JSON.stringify(tap), { qos: 0, retain: false });
    return true;
  }

  /** The door contact. */
  setOpen(open: boolean): void {
    this.open = open;
    this.publishState();
  }

  /** Publish anything on the controller's own connection (tests of what the broker refuses). */
  publishRaw(
    topic: string,
    payload: string | Buffer,
    opts: { qos?: 0 | 1; retain?: boolean } = {},
  ): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not started'));
    return new Promise((resolve, reject) =>
      client.publish(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  /** Leave cleanly: offline state, then disconnect (no last will). */
  async stop(): Promise<void> {
    clearTimeout(this.relock);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      // The broker may be gone already (a gateway restarted under it) while the socket's close
      // is still on its way: then no PUBACK comes, and the close ends the wait instead.
      await new Promise<void>((resolve) => {
        const done = () => {
          client.off('close', done);
          resolve();
        };
        client.once('close', done);
        client.publish(this.topic('state'), '{"online":false}', { qos: 1, retain: true }, () => done());
      });
    }
    // Forced when the connection is gone: a clean end would wait for in-flight messages no
    // broker will ever acknowledge.
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }

  /** Vanish without a DISCONNECT (power cut): the broker publishes the last will. */
  kill(): void {
    clearTimeout(this.relock);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.options.reconnectPeriod = 0;
    client.stream?.destroy();
    client.end(true);
  }
}
