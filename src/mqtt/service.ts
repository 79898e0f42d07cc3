// The gateway on MQTT: the embedded broker or the connection to an external one, its
// lifecycle (connect, reconnect, stop) and the wiring of what the gateway says and hears
// there (DESIGN.md "MQTT topics"), each part in the module named for what it acts on:
//
//   pintu/status                retained online/offline, last will offline (here)
//   pintu/doors/<door>/state    retained, republished on every change (door-state.ts)
//   pintu/lockdown              retained ON/OFF: the site-wide lockdown (door-state.ts)
//   pintu/doors/<door>/set      facilities commands, journaled with the client as actor
//   pintu/doors/<door>/ha/set   Home Assistant's commands, no release authority (door-commands.ts)
//   pintu/visitors/inside(/list) retained count; the roll call for facilities (roll-call.ts)
//   pintu/events                the journal's access and door events, in order (event-feed.ts)
//   pintu/alerts                a guest matched the watchlist, for security (facilities only);
//                               through the same outbox, so none is lost to an outage
//   pintu/rooms/<room>/...      room controllers (rooms.ts); their alarms journaled (room-alarms.ts)
//   homeassistant/...           discovery (discovery-publisher.ts, discovery.ts)
//
// main.ts creates the room hub before the drivers (createRoomHub), opens the gateway, then
// starts this service.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { JournalEntry } from '../domain/events.js';
import type { Gateway } from '../service/gateway.js';
import { EmbeddedBroker, type Listening } from './broker.js';
import { DiscoveryPublisher, discoverySubscriptions } from './discovery-publisher.js';
import { DoorCommands } from './door-commands.js';
import { DoorStatePublisher } from './door-state.js';
import { eventOutbox } from './event-feed.js';
import { MqttLink, MqttPublisher } from './link.js';
import type { Outbox, Refusal } from './outbox.js';
import { Rejections } from './rejects.js';
import { RollCallPublisher } from './roll-call.js';
import { RoomAlarms } from './room-alarms.js';
import type { RoomHub } from './rooms.js';
import type { DoorState } from './schemas.js';
import { type Topics, topicsOf } from './topics.js';
import { MqttUsers, mqttUsersFile } from './users.js';

export interface MqttHealth {
  mode: 'embedded' | 'external';
  connected: boolean;
  /** Events waiting for the broker. */
  backlog: number;
  backlogMax: number;
  /** Events dropped from MQTT because the backlog was full (since start). */
  dropped: number;
  published: number;
  /** Topics the broker refused a publication on since start (passed over; absent: none). */
  refused?: Refusal[];
  connections: number;
  broker?: { clients: number; listening: Listening[] };
  /** Rooms whose controller has no key (a migration): commands and taps unauthenticated, weak. */
  weakRooms: string[];
}

export interface MqttServiceOptions {
  config: Config;
  gateway: Gateway;
  /** The hub whose ports the drivers use (createRoomHub). */
  rooms?: RoomHub;
  log: Logger;
  version: string;
}

export class MqttService {
  readonly topics: Topics;
  readonly link: MqttLink;
  /** The persistent, publish-only session that carries pintu/events. */
  readonly events: MqttPublisher;
  readonly outbox: Outbox;
  readonly rejections: Rejections;
  private readonly log: Logger;
  private readonly doors: DoorStatePublisher;
  private readonly rollCall: RollCallPublisher;
  private readonly commands: DoorCommands;
  private readonly roomAlarms: RoomAlarms | undefined;
  private readonly discovery: DiscoveryPublisher;
  private readonly offs: Array<() => void> = [];
  private stopped = false;

  private constructor(
    private readonly opts: MqttServiceOptions,
    readonly broker: EmbeddedBroker | undefined,
    link: MqttLink,
    events: MqttPublisher,
    readonly hub: RoomHub | undefined,
    topics: Topics,
    rejections: Rejections,
    log: Logger,
  ) {
    this.link = link;
    this.events = events;
    this.topics = topics;
    this.rejections = rejections;
    this.log = log;
    const { config, gateway, version } = opts;
    this.doors = new DoorStatePublisher({ config, gateway, hub, link, topics, log });
    this.rollCall = new RollCallPublisher({ config, gateway, link, topics, log });
    this.commands = new DoorCommands({ config, gateway, broker, link, rejections, log });
    this.roomAlarms = hub
      ? new RoomAlarms({ config, gateway, hub, changed: (doorId) => this.doors.publish(doorId), log })
      : undefined;
    this.discovery = new DiscoveryPublisher({ config, link, topics, version, log });
    this.outbox = eventOutbox({ config, gateway, events, topics, log });
  }

  static async start(opts: MqttServiceOptions): Promise<MqttService> {
    const { config, gateway } = opts;
    const c = config.mqtt;
    if (c.mode === 'off') throw new Error('mqtt.mode is off');
    const log = opts.log.child({ part: 'mqtt' });
    const metrics = gateway.core.metrics.mqtt;
    const topics = topicsOf(config);
    const rejections = new Rejections(log, metrics.rejected);
    opts.rooms?.bind({ metrics, rejections });

    // Retain-as-published (MQTT 5): a command or tap published retained is seen as such live, and refused.
    const subscriptions: Array<{
      filter: string;
      qos: 0 | 1;
      noLocal?: boolean;
      retainAsPublished?: boolean;
    }> = [
      { filter: topics.anyDoorSet, qos: 1, retainAsPublished: true },
      { filter: topics.anyDoorHaSet, qos: 1, retainAsPublished: true },
      { filter: topics.anyRoom('tap'), qos: 0, retainAsPublished: true },
      { filter: topics.anyRoom('ack'), qos: 0, retainAsPublished: true },
      { filter: topics.anyRoom('state'), qos: 1 },
    ];
    subscriptions.push(...discoverySubscriptions(config, topics));

    let broker: EmbeddedBroker | undefined;
    let link: MqttLink;
    let events: MqttPublisher;
    const will = { topic: topics.status, payload: 'offline' };
    if (c.mode === 'embedded') {
      const users = await MqttUsers.open(mqttUsersFile(config.dataDir));
      broker = await EmbeddedBroker.start({
        config: c,
        topics,
        users,
        log,
        metrics,
        rejections,
        gate: gateway.passwordGate,
      });
      const b = broker;
      link = new MqttLink({
        target: { stream: () => b.connectInternal() },
        clientId: 'pintu-gateway',
        ...b.gatewayCredentials,
        protocolVersion: 4,
        will,
        subscriptions,
        reconnectMinMs: 50,
        log,
      });
      events = new MqttPublisher({
        target: { stream: () => b.connectInternal() },
        clientId: 'pintu-gateway-events',
        ...b.gatewayCredentials,
        protocolVersion: 4,
        reconnectMs: 100,
        log,
      });
    } else {
      // A retained command left on a shared broker is found and cleared (see onMessage).
      subscriptions.push({
        filter: topics.anyRoom('command'),
        qos: 0,
        noLocal: true,
        retainAsPublished: true,
      });
      const url = c.url ?? `mqtt://${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;
      const file = (p: string | undefined) => (p ? readFileSync(p) : undefined);
      const secure = /^(mqtts|wss|ssl):/.test(url);
      const ca = file(c.tls.ca);
      const cert = file(c.tls.cert);
      const key = file(c.tls.key);
      const clientId = c.clientId ?? `pintu-${hostname()}-${c.baseTopic.replace(/\//g, '-')}`.slice(0, 57);
      const credentials = {
        ...(c.username !== undefined ? { username: c.username } : {}),
        ...(c.password !== undefined ? { password: c.password } : {}),
      };
      const tls =
        secure || cert
          ? {
              tls: {
                rejectUnauthorized: c.tls.rejectUnauthorized,
                ...(ca ? { ca } : {}),
                ...(cert ? { cert } : {}),
                ...(key ? { key } : {}),
              },
            }
          : {};
      link = new MqttLink({
        target: { url },
        clientId,
        ...credentials,
        protocolVersion: c.protocolVersion,
        will,
        subscriptions,
        ...tls,
        log,
      });
      // Its own login: a broker that binds client ids to user names (the shipped pintu.conf)
      // would otherwise let the two connections take each other's place.
      const eventsUser = c.eventsUsername ?? (c.username !== undefined ? `${c.username}-events` : undefined);
      const eventsPassword = c.eventsPassword ?? c.password;
      events = new MqttPublisher({
        target: { url },
        clientId: `${clientId}-events`,
        ...(eventsUser !== undefined ? { username: eventsUser } : {}),
        ...(eventsPassword !== undefined ? { password: eventsPassword } : {}),
        protocolVersion: c.protocolVersion,
        reconnectMs: 1000,
        ...tls,
        log,
      });
    }

    const service = new MqttService(opts, broker, link, events, opts.rooms, topics, rejections, log);
    try {
      await service.begin(c.mode === 'embedded');
    } catch (err) {
      await service.stop();
      throw err;
    }
    return service;
  }

  private async begin(embedded: boolean): Promise<void> {
    const { gateway } = this.opts;
    const bus = gateway.core.bus;
    const onEntry = (e: JournalEntry) => this.onEntry(e);
    const onLock = (l: { doorId: string }) => this.doors.publish(l.doorId);
    const onReader = (r: { doorId?: string }) => r.doorId && this.doors.publish(r.doorId);
    bus.on('entry', onEntry);
    bus.on('lock', onLock);
    bus.on('reader', onReader);
    this.offs.push(
      () => bus.off('entry', onEntry),
      () => bus.off('lock', onLock),
      () => bus.off('reader', onReader),
    );
    if (this.roomAlarms) this.offs.push(this.roomAlarms.listen());
    await this.outbox.open();
    this.hub?.attach(this.link);
    this.events.on('up', () => this.outbox.linkUp());
    this.events.on('down', () => this.outbox.linkDown());
    if (this.events.connected) this.outbox.linkUp();
    this.link.on('up', () => this.onUp());
    this.link.on('down', () => this.onDown());
    this.link.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet.retain));
    // Embedded: the broker is in this process, so the first connection is immediate. External:
    // the broker may be away; taps do not wait for it.
    await this.link.start(embedded ? 5000 : 0);
  }

  health(): MqttHealth {
    return {
      mode: this.opts.config.mqtt.mode as 'embedded' | 'external',
      connected: this.link.connected && this.events.connected,
      backlog: this.outbox.backlog,
      backlogMax: this.opts.config.mqtt.backlogMax,
      dropped: this.outbox.dropped,
      published: this.outbox.published,
      ...(this.outbox.refused().length ? { refused: this.outbox.refused() } : {}),
      connections: this.link.connections,
      weakRooms: this.hub?.unauthenticatedRooms() ?? [],
      ...(this.broker
        ? { broker: { clients: this.broker.aedes.connectedClients, listening: this.broker.listening } }
        : {}),
    };
  }

  // ------------------------------------------------------------------ connection

  private onUp(): void {
    const m = this.opts.gateway.core.metrics.mqtt;
    m.connected.set(1);
    const retained = (topic: string, payload: string) =>
      this.link
        .publish(topic, payload, { qos: 1, retain: true })
        .catch((err) => this.log.debug({ err, topic }, 'mqtt: publish failed'));
    void retained(this.topics.status, 'online');
    this.doors.forget();
    this.doors.publishDoors();
    this.rollCall.republish();
    this.doors.publishLockdown();
    void this.discovery.publish();
    this.hub?.linkUp(this.link);
  }

  private onDown(): void {
    this.opts.gateway.core.metrics.mqtt.connected.set(0);
    this.hub?.linkDown();
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    const route = this.topics.parse(topic);
    if (route) {
      switch (route.kind) {
        case 'door.set':
        case 'door.ha_set':
          void this.commands.handle(topic, route, payload, retained);
          return;
        case 'room.tap':
        case 'room.ack':
        case 'room.state':
          this.hub?.handle(route, payload, retained);
          if (!this.hub) this.rejections.reject('unknown_room', route.kind, { room: route.room });
          return;
        case 'room.command':
          // Only seen on an external broker: a retained command would reach a controller at its next connect.
          if (retained && payload.length > 0) {
            this.rejections.reject('retained', route.kind, {
              room: route.room,
              detail: 'retained command cleared',
            });
            void this.link.publish(topic, '', { qos: 1, retain: true }).catch(() => undefined);
          }
          return;
        default:
          return;
      }
    }
    this.discovery.handle(topic, payload, retained);
  }

  // ------------------------------------------------------------------ what the gateway publishes

  private onEntry(e: JournalEntry): void {
    this.outbox.offer(e);
    if (e.type.startsWith('door.')) {
      const p = e.payload as { doorId: string; global?: boolean };
      if (p.global || p.doorId === '*') {
        this.doors.publishDoors();
        this.doors.publishLockdown();
      } else this.doors.publish(p.doorId);
    }
    if (e.type === 'access.granted' || e.type.startsWith('visit.') || e.type === 'privacy.erased')
      this.rollCall.schedule();
  }

  /** The state of one door as pintu/doors/<door>/state carries it. */
  doorState(doorId: string): DoorState | undefined {
    return this.doors.state(doorId);
  }

  /** Topics of the discovery configs (tests). */
  discoveryTopics(): string[] {
    return this.discovery.topics();
  }

  /** Every config topic a door may own (tests). */
  doorDiscoveryTopics(doorId: string): string[] {
    return this.discovery.doorTopics(doorId);
  }

  // ------------------------------------------------------------------ stop

  /** After the gateway closed (its locks sent their last lock): flush events, say offline, disconnect. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rollCall.stop();
    // What a flood left out is journaled (and published, if the broker is still there) first.
    this.roomAlarms?.flush();
    if (this.events.connected) await this.outbox.drain(2000);
    for (const off of this.offs.splice(0)) off();
    await this.outbox.close();
    await this.events.stop();
    await this.link.stop({ topic: this.topics.status, payload: 'offline' });
    await this.hub?.close();
    this.opts.gateway.core.metrics.mqtt.connected.set(0);
    await this.broker?.close();
  }
}
