// The MQTT contract on a real Mosquitto (external mode), started by the test with its own
// users, the contract's ACL and the shipped pintu.conf's client settings (client ids bound to
// logins); and what only an external broker shows: an outage with the
// broker restarted (events replayed in order, none lost or duplicated), a broker that is
// away when the gateway starts (bounded backlog, visible in /healthz and /metrics).
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { SimController } from '../../src/mqtt/sim-controller.js';
import {
  contractSuite,
  gatewayOnMosquitto,
  journalSince,
  mosquittoContractAcl,
  mosquittoUsers,
} from '../integration/mqtt-contract.js';
import { healthOf } from '../support/health.js';
import { labSuite } from '../support/lab.js';
import {
  type Collected,
  client,
  freePort,
  Mosquitto,
  type MqttGateway,
  nextCommand,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';

const acl = mosquittoContractAcl();

labSuite('MQTT contract on a real Mosquitto (external mode)', ['mosquitto'], () => {
  let broker: Mosquitto | undefined;
  contractSuite({
    kind: 'mosquitto',
    protocolVersion: 5,
    async start(o = {}) {
      broker ??= await Mosquitto.start({ users: mosquittoUsers(), acl, shipped: true });
      return gatewayOnMosquitto(broker, o);
    },
    async cleanup() {
      await broker?.stop();
      broker = undefined;
    },
  });
});

labSuite('an external broker that goes away', ['mosquitto'], () => {
  let broker: Mosquitto;
  let g: MqttGateway | undefined;
  const clients: Collected[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await g?.close();
    g = undefined;
    await broker?.stop();
  });

  it('is restarted: events journaled meanwhile are replayed in order, none lost or duplicated', async () => {
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl, persistence: true });
    g = await gatewayOnMosquitto(broker);
    const gw = g;
    // A facilities client with a persistent session: the broker keeps its messages across the restart.
    const fac = await client(broker.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      clientId: 'fac-persistent',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 200,
      subscribe: ['pintu/events'],
      // QoS 2 end to end: exactly once, also across the broker's restart.
      qos: 2,
    });
    clients.push(fac);
    const v = await gw.badgedVisit();
    const since = gw.gateway.core.journal.lastSeq;
    const tap = (i: number) => {
      gw.gateway.access.simulate(i % 2 ? 'pintu-utama-out' : 'pintu-utama-in', 'nfc', v.uid);
      gw.clock.now += 60_000;
    };
    for (let i = 0; i < 3; i++) tap(i);
    await until(() => expect(fac.on('pintu/events')).toHaveLength(3));

    await broker.pause();
    await until(() => expect(gw.mqtt.health().connected).toBe(false));
    // Local readers keep working while the broker is away.
    for (let i = 3; i < 11; i++) tap(i);
    await until(() => expect(gw.mqtt.health().backlog).toBe(8));
    const health = await healthOf(gw.app, gw.gateway);
    expect(health.mqtt).toMatchObject({ mode: 'external', connected: false, backlog: 8, dropped: 0 });

    await broker.resume();
    await until(() => expect(fac.on('pintu/events').length).toBeGreaterThanOrEqual(11), 15_000);
    const entries = await journalSince(gw, since);
    const expected = entries.filter((e) => e.type.startsWith('access.')).map((e) => e.seq);
    expect(expected, JSON.stringify(entries)).toHaveLength(11);
    expect(fac.on('pintu/events').map((p) => JSON.parse(p).seq)).toEqual(expected);
    // A twelfth tap is the sentinel: a late copy of one of the eleven would come before its event.
    tap(11);
    await until(() => expect(fac.on('pintu/events').length).toBeGreaterThanOrEqual(12));
    const twelfth = (await journalSince(gw, since)).filter((e) => e.type.startsWith('access.')).at(-1)!.seq;
    expect(fac.on('pintu/events').map((p) => JSON.parse(p).seq)).toEqual([...expected, twelfth]);
    await until(() => expect(gw.mqtt.health()).toMatchObject({ connected: true, backlog: 0 }));
  });

  it('is away when the gateway starts: taps work, the backlog is bounded and visible, then sent', async () => {
    const port = await freePort();
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl, port });
    await broker.pause();
    g = await gatewayOnMosquitto(broker, { mqtt: { backlogMax: 10 } });
    const gw = g;
    const v = await gw.badgedVisit();
    const since = gw.gateway.core.journal.lastSeq;
    for (let i = 0; i < 13; i++) {
      const outcome = gw.gateway.access.simulate(i % 2 ? 'pintu-utama-out' : 'pintu-utama-in', 'nfc', v.uid);
      expect(outcome).toMatchObject({ kind: 'door', decision: { granted: true } });
      gw.clock.now += 60_000;
    }
    await until(() => expect(gw.mqtt.health()).toMatchObject({ connected: false, backlog: 10, dropped: 3 }));
    const health = await healthOf(gw.app, gw.gateway);
    expect(health.mqtt).toMatchObject({ connected: false, backlog: 10, backlogMax: 10, dropped: 3 });
    const metrics = await gw.gateway.core.metrics.registry.metrics();
    expect(metrics).toMatch(/^pintu_mqtt_event_backlog 10$/m);
    expect(metrics).toMatch(/^pintu_mqtt_events_dropped_total 3$/m);
    expect(metrics).toMatch(/^pintu_mqtt_connected 0$/m);

    const fac = await until(async () => {
      await broker.resume().catch(() => undefined);
      return client(broker.url, { username: 'fac', password: TEST_PASSWORD, subscribe: ['pintu/events'] });
    });
    clients.push(fac);
    await until(() => expect(fac.on('pintu/events')).toHaveLength(10), 15_000);
    const all = (await journalSince(gw, since)).filter((e) => e.type.startsWith('access.')).map((e) => e.seq);
    expect(fac.on('pintu/events').map((p) => JSON.parse(p).seq)).toEqual(all.slice(3));
    await until(() => expect(gw.mqtt.health()).toMatchObject({ connected: true, backlog: 0, dropped: 3 }));
  });

  it('a gateway that vanishes is reported offline by its last will', async () => {
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl });
    g = await gatewayOnMosquitto(broker);
    const fac = await client(broker.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      subscribe: ['pintu/status'],
    });
    clients.push(fac);
    await until(() => expect(fac.on('pintu/status')).toEqual(['online']));
    // No DISCONNECT: the socket just dies.
    (g.mqtt.link as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
    await until(() => expect(fac.on('pintu/status').slice(0, 2)).toEqual(['online', 'offline']));
    await until(() => expect(fac.on('pintu/status').at(-1)).toBe('online'));
    await g.close();
    g = undefined;
    await until(() => expect(fac.on('pintu/status').at(-1)).toBe('offline'));
    const late = await client(broker.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      subscribe: ['pintu/status'],
    });
    clients.push(late);
    await until(() =>
      expect(late.messages).toEqual([{ topic: 'pintu/status', payload: 'offline', retain: true }]),
    );
  });
});

labSuite('the shipped Mosquitto configuration binds client ids to logins', ['mosquitto'], () => {
  let broker: Mosquitto | undefined;
  let g: MqttGateway | undefined;
  const open: Array<Collected | SimController> = [];
  afterEach(async () => {
    for (const c of open.splice(0))
      await (c instanceof SimController ? c.stop() : c.end()).catch(() => undefined);
    await g?.close();
    g = undefined;
    await broker?.stop();
    broker = undefined;
  });

  it("a login using the gateway's client id does not kick the gateway off; room taps are answered", async () => {
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl, shipped: true });
    g = await gatewayOnMosquitto(broker);
    const ctl = new SimController({
      room: 'r101',
      url: broker.url,
      username: 'ctl-101',
      password: TEST_PASSWORD,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    open.push(ctl);
    await ctl.start();
    await until(() => expect(g!.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined());
    // The gateway's guessable ids (pintu-<host>-<baseTopic>, and its events connection's).
    const ids = [
      (g.mqtt.link as unknown as { opts: { clientId: string } }).opts.clientId,
      `${(g.mqtt.link as unknown as { opts: { clientId: string } }).opts.clientId}-events`,
    ];
    for (let round = 0; round < 3; round++) {
      for (const clientId of ids) {
        const squatter = await client(broker.url, { username: 'fac', password: TEST_PASSWORD, clientId });
        open.push(squatter);
      }
      // The sentinel: a tap made after the squatters connected gets its unlock command (a
      // visit of its own each time: a second entry of one badge would be refused).
      const v = await g.badgedVisit();
      const got = nextCommand(ctl, 'unlock');
      ctl.tap('nfc', v.uid);
      await got;
    }
    // The gateway kept its first connections (each: the link and the events session).
    expect(g.mqtt.link.connections).toBe(1);
    expect(g.mqtt.health().connected).toBe(true);
  });

  it('a last will: one on a topic the login may not write never arrives; one on the HA command topic carries only HA authority', async () => {
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl, shipped: true });
    g = await gatewayOnMosquitto(broker);
    const before = g.gateway.core.journal.lastSeq;
    const dies = async (username: string, topic: string, payload: string) => {
      const c = await client(broker!.url, {
        username,
        password: TEST_PASSWORD,
        protocolVersion: 5,
        will: { topic, payload, qos: 1, retain: false },
      });
      // No DISCONNECT: the socket just dies, and the broker publishes the will.
      (c.client as unknown as { stream: { destroy(): void } }).stream.destroy();
    };
    // Home Assistant may not write the facilities topic: that will is dropped by the ACL.
    await dies('ha', 'pintu/doors/ruang-101/set', 'LOCKDOWN');
    // Its own topic: the will is published as Home Assistant's command, without a role.
    await dies('ha', 'pintu/doors/ruang-102/ha/set', 'LOCKDOWN');
    await until(async () =>
      expect((await journalSince(g!, before)).filter((e) => e.type === 'door.lockdown')).toHaveLength(1),
    );
    const [entry] = (await journalSince(g!, before)).filter((e) => e.type === 'door.lockdown');
    expect(entry!.payload).toMatchObject({ doorId: 'ruang-102' });
    expect(entry!.actor).toEqual({ kind: 'device', id: 'mqtt:homeassistant' });
  });

  it('rate limits door commands per door and topic (the publisher is unknown here)', async () => {
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl, shipped: true });
    g = await gatewayOnMosquitto(broker, { mqtt: { limits: { commandsPerMinute: 1 } } });
    const before = g.gateway.core.journal.lastSeq;
    const fac = await client(broker.url, { username: 'fac', password: TEST_PASSWORD, protocolVersion: 5 });
    open.push(fac);
    for (let i = 0; i < 30; i++)
      await fac.client.publishAsync('pintu/doors/pintu-utama/set', 'UNLOCK', { qos: 1 });
    const entries = async (type: string) => (await journalSince(g!, before)).filter((e) => e.type === type);
    const rate = async () => {
      const { values } = await g!.gateway.core.metrics.mqtt.rejected.get();
      return values.filter((v) => v.labels.reason === 'rate').reduce((n, v) => n + v.value, 0);
    };
    await until(async () => expect((await entries('door.unlocked')).length + (await rate())).toBe(30));
    expect(await entries('door.unlocked')).toHaveLength(1);
    // Home Assistant's topic has its own allowance.
    const ha = await client(broker.url, { username: 'ha', password: TEST_PASSWORD, protocolVersion: 5 });
    open.push(ha);
    await ha.client.publishAsync('pintu/doors/pintu-utama/ha/set', 'LOCK', { qos: 1 });
    await until(async () => expect(await entries('door.locked')).toHaveLength(1));
  });
});

labSuite('a Mosquitto whose ACL refuses a topic the gateway publishes on', ['mosquitto'], () => {
  let broker: Mosquitto | undefined;
  let g: MqttGateway | undefined;
  const clients: Collected[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await g?.close();
    g = undefined;
    await broker?.stop();
  });

  /**
   * A gateway on a Mosquitto whose contract ACL lacks the line `topic write <topic>`, the
   * facilities client on pintu/events and pintu/alerts, and what the gateway logged (warn and up).
   */
  const refusing = async (topic: string) => {
    const refused = acl.replace(new RegExp(`^topic write ${topic}\\n`, 'm'), '');
    expect(refused).not.toBe(acl);
    broker = await Mosquitto.start({ users: mosquittoUsers(), acl: refused, shipped: true });
    const logged: Array<{ msg: string; topic?: string; code?: number; reason?: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) logged.push(JSON.parse(l));
        done();
      },
    });
    g = await gatewayOnMosquitto(broker, { log: pino({ level: 'warn' }, sink) });
    const fac = await client(broker.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      protocolVersion: 5,
      subscribe: ['pintu/events', 'pintu/alerts'],
    });
    clients.push(fac);
    return { gw: g, fac, logged };
  };

  /** A guest on the watchlist arrives: the screening's matches (one alert for pintu/alerts). */
  const watchlistArrival = async (gw: MqttGateway) => {
    const actor = { kind: 'user' as const, id: 'u-meja-1', role: 'receptionist' as const };
    await gw.gateway.watchlist.add(
      {
        name: 'Budi Santoso',
        institution: 'PT Maju Jaya',
        reason: 'Uji',
        validUntil: gw.clock.now + 86_400_000,
      },
      actor,
    );
    const v = await gw.gateway.visits.arrive(
      {
        guest: { name: 'Budi Santoso', institution: 'PT Maju Jaya' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      },
      actor,
    );
    return gw.gateway.watchlist.screen(v, { source: 'arrival', desk: 'meja-1' });
  };

  it('an ACL from before pintu/alerts (an upgraded gateway): the alert is refused (MQTT 5 PUBACK 0x87), the events behind it still go out', async () => {
    const { gw, fac } = await refusing('pintu/alerts');
    expect(await watchlistArrival(gw)).toHaveLength(1);
    // The event journaled after the match: before the fix, the refused alert stayed at the head
    // of the outbox and nothing behind it was published again.
    gw.gateway.access.simulate('pintu-utama-in', 'nfc', 'DEADBEEF');
    await until(() =>
      expect(fac.on('pintu/events').some((e) => JSON.parse(e).type === 'access.denied')).toBe(true),
    );
    expect(fac.on('pintu/alerts')).toEqual([]);
    await until(() => expect(gw.mqtt.health()).toMatchObject({ connected: true, backlog: 0 }));
    const refused = await gw.gateway.core.metrics.mqtt.publishRefused.get();
    expect(refused.values).toEqual([{ labels: { topic: 'pintu/alerts' }, value: 1 }]);
    expect(gw.mqtt.health().refused).toMatchObject([{ topic: 'pintu/alerts', count: 1, code: 0x87 }]);
  });

  it('an ACL written by hand without pintu/events: passes over each refused event (logged once, counted, in health); what follows goes out', async () => {
    const { gw, fac, logged: lines } = await refusing('pintu/events');
    for (let i = 0; i < 3; i++) gw.gateway.access.simulate('pintu-utama-in', 'nfc', `DEADBEE${i}`);
    // The sentinel: an alert journaled after the refused events (pintu/alerts is allowed). Before
    // the fix, the first refused event stayed at the head of the outbox, tried again at once.
    await watchlistArrival(gw);
    await until(() => expect(fac.on('pintu/alerts')).toHaveLength(1));
    expect(fac.on('pintu/events')).toEqual([]);

    await until(() => expect(gw.mqtt.health()).toMatchObject({ connected: true, backlog: 0 }));
    const { refused } = gw.mqtt.health() as {
      refused?: Array<{ topic: string; count: number; code: number }>;
    };
    expect(refused).toEqual([
      { topic: 'pintu/events', count: expect.any(Number), code: 0x87, reason: 'Not authorized' },
    ]);
    expect(refused![0]!.count).toBeGreaterThanOrEqual(3);
    const metric = await gw.gateway.core.metrics.mqtt.publishRefused.get();
    expect(metric.values).toEqual([{ labels: { topic: 'pintu/events' }, value: refused![0]!.count }]);
    // Logged once for the topic, with the broker's reason; the rest are counted.
    const logged = lines.filter((l) => l.topic === 'pintu/events' && l.code === 0x87);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ reason: 'Not authorized' });
  });
});
