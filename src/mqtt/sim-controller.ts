// A simulated room controller that speaks the contract exactly as the ESPHome reference
// (firmware-config/room-controller/) does: birth and last will on its retained state topic,
// commands at QoS 0 with a clean session, every copy of a command acknowledged but an id
// run once, retained or expired commands ignored, taps never queued while offline.
// `pintu sim-controller --room <room>` runs one; the tests and the benchmark run many.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import { decodeJson, type RoomCommand, RoomCommandPayload } from './schemas.js';
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
}

export interface SimControllerEvents {
  connect: [];
  close: [];
  /** A command the controller ran. */
  command: [RoomCommand];
  /** A command it ignored, and why. */
  ignored: [{ reason: 'retained' | 'invalid' | 'expired' | 'duplicate'; payload: string }];
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

  constructor(readonly opts: SimControllerOptions) {
    super();
    this.topics = new Topics(opts.baseTopic ?? 'pintu');
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
    };
    const client = o.stream
      ? new MqttClient(o.stream, options)
      : mqtt.connect(o.url ?? 'mqtt://127.0.0.1:1883', options);
    this.client = client;
    client.on('message', (_topic, payload, packet) => this.onCommand(payload, packet.retain));
    client.on('close', () => this.emit('close'));
    client.on('connect', () => {
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
    if (cmd.exp < Date.now()) return void this.emit('ignored', { reason: 'expired', payload: text });
    const ack = () => {
      const send = () =>
        this.client?.connected &&
        this.client.publish(this.topic('ack'), JSON.stringify({ id: cmd.id, ok: true }), {
          qos: 0,
          retain: false,
        });
      if (this.opts.ackDelayMs) setTimeout(send, this.opts.ackDelayMs).unref();
      else send();
    };
    if (this.seen.has(cmd.id)) {
      this.emit('ignored', { reason: 'duplicate', payload: text });
      ack();
      return;
    }
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
    this.client.publish(this.topic('tap'), JSON.stringify({ credential, kind }), { qos: 0, retain: false });
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
      await new Promise<void>((resolve) =>
        client.publish(this.topic('state'), '{"online":false}', { qos: 1, retain: true }, () => resolve()),
      );
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
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
