// The gateway's connection to a broker (its own embedded one, in process, or an external
// one), kept up with backoff. Every connection is a fresh, clean MQTT session: nothing the
// broker kept for the gateway (a tap, a facilities command) is delivered late, and nothing
// the gateway meant to send earlier is sent on reconnect. What must survive an outage
// (events) is replayed by the outbox from the journal, not from a client queue.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type IPublishPacket, MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface LinkOptions {
  /** A broker URL (external), or a stream to an in-process broker (embedded). */
  target: { url: string } | { stream: () => Duplex };
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  will: { topic: string; payload: string };
  /**
   * Filters subscribed at every connect. MQTT 5 only: noLocal (not our own publications),
   * retainAsPublished (a retained publication keeps its flag live, so it can be refused).
   */
  subscriptions: Array<{ filter: string; qos: 0 | 1; noLocal?: boolean; retainAsPublished?: boolean }>;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  keepaliveSeconds?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  log: Logger;
}

export interface LinkEvents {
  /** Connected and subscribed. */
  up: [];
  /** The connection is gone (a reconnect is scheduled unless stopped). */
  down: [];
  message: [topic: string, payload: Buffer, packet: IPublishPacket];
}

export class MqttLink extends EventEmitter<LinkEvents> {
  private client: MqttClient | undefined;
  private isUp = false;
  private stopped = false;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Connections made (1 after the first). */
  connections = 0;

  constructor(private readonly opts: LinkOptions) {
    super();
    this.delay = opts.reconnectMinMs ?? 250;
  }

  /** Connected (CONNACK received): publications go out now. 'up' follows once subscribed. */
  get connected(): boolean {
    return !this.stopped && !!this.client?.connected;
  }

  get protocolVersion(): 4 | 5 {
    return this.opts.protocolVersion;
  }

  /** Start connecting; resolves at the first connection or after `waitMs` (the broker may be away). */
  start(waitMs = 0): Promise<boolean> {
    this.connect();
    if (this.isUp || waitMs <= 0) return Promise.resolve(this.isUp);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.off('up', onUp);
        resolve(false);
      }, waitMs);
      const onUp = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.once('up', onUp);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      protocolVersion: o.protocolVersion,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: o.keepaliveSeconds ?? 30,
      queueQoSZero: false,
      resubscribe: false,
      will: { topic: o.will.topic, payload: Buffer.from(o.will.payload), qos: 1, retain: true },
      ...tlsOptions(o.tls),
    };
    const target = o.target;
    const client = connectTo(target, options);
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.onConnect(client);
    });
    client.on('message', (topic, payload, packet) => {
      if (this.client === client) this.emit('message', topic, payload, packet);
    });
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.failures++;
      // A refused connection repeats every few seconds: log the first and then every 20th.
      const log = this.failures === 1 || this.failures % 20 === 0 ? 'warn' : 'debug';
      this.opts.log[log](
        { err: { message: err.message, code: (err as { code?: unknown }).code }, failures: this.failures },
        'mqtt: connection problem',
      );
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.onClose();
    });
  }

  private onConnect(client: MqttClient): void {
    const subs = this.opts.subscriptions;
    const done = () => {
      if (this.client !== client || !client.connected) return;
      this.isUp = true;
      this.connections++;
      this.failures = 0;
      this.delay = this.opts.reconnectMinMs ?? 250;
      this.opts.log.info({ connection: this.connections }, 'mqtt: connected');
      this.emit('up');
    };
    if (subs.length === 0) {
      done();
      return;
    }
    const v5 = this.opts.protocolVersion === 5;
    const map: Record<string, { qos: 0 | 1; nl?: boolean; rap?: boolean }> = {};
    for (const s of subs) {
      map[s.filter] = {
        qos: s.qos,
        ...(v5 && s.noLocal ? { nl: true } : {}),
        ...(v5 && s.retainAsPublished ? { rap: true } : {}),
      };
    }
    client.subscribe(map, (err, granted) => {
      if (err) {
        this.opts.log.error({ err }, 'mqtt: subscribe failed');
        client.end(true);
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos === 128);
      if (refused.length)
        this.opts.log.error(
          { refused: refused.map((g) => g.topic) },
          'mqtt: broker refused subscriptions (check its ACL)',
        );
      done();
    });
  }

  private onClose(): void {
    const wasUp = this.isUp;
    this.isUp = false;
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners('connect');
    client?.removeAllListeners('message');
    client?.on('error', () => {});
    client?.end(true);
    if (wasUp) {
      this.opts.log.warn('mqtt: connection lost');
      this.emit('down');
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, this.opts.reconnectMaxMs ?? 5000);
  }

  /** Publish now; rejects when not connected (nothing is queued). QoS 1 resolves at PUBACK. */
  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos: 0 | 1; retain: boolean; expirySeconds?: number },
  ): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error('not connected to the broker'));
    const properties =
      opts.expirySeconds !== undefined && this.opts.protocolVersion === 5
        ? { properties: { messageExpiryInterval: opts.expirySeconds } }
        : {};
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: opts.qos, retain: opts.retain, ...properties }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  /** Disconnect; `last` is published first (the offline status), so no will fires. */
  async stop(last?: { topic: string; payload: string }): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    if (!client) return;
    if (last && client.connected) {
      await Promise.race([
        new Promise<void>((resolve) =>
          client.publish(last.topic, last.payload, { qos: 1, retain: true }, () => resolve()),
        ),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
    }
    this.client = undefined;
    this.isUp = false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      client.end(false, {}, () => {
        clearTimeout(t);
        resolve();
      });
    });
    client.removeAllListeners();
    client.on('error', () => {});
  }
}

export interface PublisherOptions {
  target: LinkOptions['target'];
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  tls?: LinkOptions['tls'];
  reconnectMs: number;
  log: Logger;
}

/**
 * The connection that carries pintu/events: a persistent session (clean: false) that
 * subscribes to nothing, so a broker never queues anything for it, and QoS 2 publications
 * that mqtt.js resends with their packet id after a reconnect, so the broker takes each
 * event exactly once even when the connection (or a broker with persistence) drops between
 * PUBLISH and its acknowledgement.
 */
export class MqttPublisher extends EventEmitter<{ up: []; down: [] }> {
  private readonly client: MqttClient;
  private wasUp = false;

  constructor(o: PublisherOptions) {
    super();
    const options: IClientOptions = {
      clientId: o.clientId,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      protocolVersion: o.protocolVersion,
      clean: false,
      // MQTT 5: a gateway gone for a day leaves no session behind.
      ...(o.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 86_400 } } : {}),
      reconnectPeriod: o.reconnectMs,
      connectTimeout: 10_000,
      keepalive: 30,
      queueQoSZero: false,
      resubscribe: false,
      ...tlsOptions(o.tls),
    };
    const target = o.target;
    this.client = connectTo(target, options);
    this.client.on('connect', () => {
      this.wasUp = true;
      this.emit('up');
    });
    this.client.on('close', () => {
      if (!this.wasUp) return;
      this.wasUp = false;
      this.emit('down');
    });
    this.client.on('error', (err) =>
      o.log.debug({ err: { message: err.message } }, 'mqtt events connection: problem'),
    );
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * QoS 2 unless told (pintu/alerts is QoS 1: its consumers drop a seq seen twice); resolves at
   * PUBCOMP (PUBACK). A publication in flight when the connection drops stays in flight (resent
   * at the reconnect), so this may take as long as the outage.
   */
  publish(topic: string, payload: string, qos: 1 | 2 = 2): Promise<void> {
    if (!this.client.connected) return Promise.reject(new Error('not connected to the broker'));
    return new Promise((resolve, reject) =>
      this.client.publish(topic, payload, { qos, retain: false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1000);
      this.client.end(false, {}, () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.client.removeAllListeners();
    this.client.on('error', () => {});
  }
}

/** The TLS part of the client options (none without TLS). */
function tlsOptions(tls: LinkOptions['tls']): IClientOptions {
  if (!tls) return {};
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

/** A client of a broker by URL, or over a stream (the embedded broker, in process). */
function connectTo(target: LinkOptions['target'], options: IClientOptions): MqttClient {
  // writeCache off: mqtt-packet otherwise builds, at the first packet written, a buffer for
  // each of the 65,536 two-byte numbers and keeps them (about 6 MiB of heap, the embedded
  // broker's too: one module, one switch) to save a 2-byte allocation a packet.
  const o: IClientOptions = { ...options, writeCache: false };
  return 'url' in target ? mqtt.connect(target.url, o) : new MqttClient(target.stream, o);
}
