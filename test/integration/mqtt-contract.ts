// The MQTT contract (DESIGN.md "MQTT topics", issue 4), checked the same way against the
// embedded aedes broker (mqtt-embedded.test.ts) and a real Mosquitto (mqtt-mosquitto.test.ts).
import fc from 'fast-check';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import { assertValid, decodeJson, decodeText } from '../../src/mqtt/payload-check.js';
import type { MqttLock } from '../../src/mqtt/rooms.js';
import {
  AlertPayload,
  DoorSetPayload,
  DoorStatePayload,
  EventPayload,
  RoomAckPayload,
  RoomStatePayload,
  RoomTapPayload,
  VisitorsListPayload,
} from '../../src/mqtt/schemas.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { haValidate } from '../support/ha-schemas.js';
import {
  attempt,
  client,
  connectCode,
  cutConnections,
  gatewayLogins,
  type Mosquitto,
  type MosquittoUser,
  type MqttGateway,
  mosquittoAcl,
  startMqttGateway,
  TEST_PASSWORD,
  type TestUser,
  until,
} from '../support/mqtt.js';

export const USERS: TestUser[] = [
  { username: 'ctl-101', role: 'room', room: 'r101' },
  { username: 'ctl-102', role: 'room', room: 'r102' },
  { username: 'fac', role: 'facilities' },
  { username: 'ha', role: 'homeassistant' },
];

/** The gateway's own login on the contract suites' Mosquitto. */
export const MOSQUITTO_GATEWAY = { username: 'gateway', password: 'gateway secret 123' };

/** The Mosquitto logins of the contract: the gateway's, `extra`, then USERS'. */
export function mosquittoUsers(...extra: MosquittoUser[]): MosquittoUser[] {
  return [
    ...gatewayLogins(MOSQUITTO_GATEWAY),
    ...extra,
    ...USERS.map((u) => ({ username: u.username, password: TEST_PASSWORD })),
  ];
}

/** The shipped ACL with USERS' names. */
export function mosquittoContractAcl(): string {
  return mosquittoAcl({
    gateway: MOSQUITTO_GATEWAY.username,
    facilities: ['fac'],
    homeassistant: ['ha'],
    rooms: { 'ctl-101': 'r101', 'ctl-102': 'r102' },
  });
}

/** A gateway in external mode (MQTT 5) on `broker`, logged in as MOSQUITTO_GATEWAY. */
export function gatewayOnMosquitto(
  broker: Mosquitto,
  o: { dir?: string; extra?: Record<string, unknown>; mqtt?: Record<string, unknown>; log?: Logger } = {},
): Promise<MqttGateway> {
  return startMqttGateway({
    mqtt: {
      mode: 'external',
      url: broker.url,
      username: MOSQUITTO_GATEWAY.username,
      password: MOSQUITTO_GATEWAY.password,
      protocolVersion: 5,
      ...o.mqtt,
    },
    url: broker.url,
    users: [],
    ...(o.dir ? { dir: o.dir } : {}),
    ...(o.extra ? { extra: o.extra } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}

export interface BrokerSetup {
  kind: 'embedded' | 'mosquitto';
  /** A gateway on a fresh broker (and data folder). */
  start(opts?: {
    extra?: Record<string, unknown>;
    mqtt?: Record<string, unknown>;
    dir?: string;
  }): Promise<MqttGateway>;
  /** After each test (the gateway is closed already). */
  cleanup(): Promise<void>;
  /** MQTT protocol of the plain clients. */
  protocolVersion: 4 | 5;
}

export async function journalSince(g: MqttGateway, seq: number): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of g.gateway.core.journal.read({ fromSeq: seq + 1 })) out.push(e);
  return out;
}

export async function rejected(g: MqttGateway, reason?: string): Promise<number> {
  const { values } = await g.gateway.core.metrics.mqtt.rejected.get();
  return values.filter((v) => !reason || v.labels.reason === reason).reduce((n, v) => n + v.value, 0);
}

/** Room controller commands with this outcome (acked, offline, no_ack...), as the metric counts them. */
export async function commands(g: MqttGateway, result: string): Promise<number> {
  const { values } = await g.gateway.core.metrics.mqtt.commands.get();
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

export function contractSuite(setup: BrokerSetup): void {
  let g: MqttGateway;
  const open: Array<{ end(): Promise<void> } | SimController> = [];
  const embedded = setup.kind === 'embedded';

  beforeEach(async () => {
    g = await setup.start();
  });
  afterEach(async () => {
    for (const c of open.splice(0))
      await (c instanceof SimController ? c.stop() : c.end()).catch(() => undefined);
    await g.close();
    await setup.cleanup();
  });

  const as = async (username: string, subscribe: string[] = [], extra: Record<string, unknown> = {}) => {
    const c = await client(g.url, {
      username,
      password: TEST_PASSWORD,
      protocolVersion: setup.protocolVersion,
      subscribe,
      ...extra,
    });
    open.push(c);
    return c;
  };
  const controller = async (
    room: 'r101' | 'r102',
    o: Partial<ConstructorParameters<typeof SimController>[0]> = {},
  ) => {
    const c = new SimController({
      room,
      url: g.url,
      username: `ctl-${room.slice(1)}`,
      password: TEST_PASSWORD,
      protocolVersion: setup.protocolVersion,
      reconnectPeriod: 0,
      ...o,
    });
    await c.start();
    open.push(c);
    return c;
  };
  /** The controller of r101 is up and the gateway has brought it to its state (acked a lock). */
  const ready = async (room: 'r101' | 'r102' = 'r101') => {
    const c = await controller(room);
    const door = room === 'r101' ? 'ruang-101' : 'ruang-102';
    await until(() => expect(g.drivers.locks.get(door)!.state().fault).toBeUndefined());
    return c;
  };
  const lastSeq = () => g.gateway.core.journal.lastSeq;
  const doorEntries = async (since: number, type: string, doorId: string) =>
    (await journalSince(g, since)).filter(
      (e) => e.type === type && (e.payload as { doorId?: string }).doorId === doorId,
    );

  describe('authentication', () => {
    it('refuses a client without credentials, with a wrong password or an unknown user name', async () => {
      const v = setup.protocolVersion;
      const refused = [4, 5, 134, 135];
      expect(refused).toContain(await connectCode(g.url, { protocolVersion: v }));
      expect(refused).toContain(
        await connectCode(g.url, { protocolVersion: v, username: 'fac', password: 'wrong password!' }),
      );
      expect(refused).toContain(
        await connectCode(g.url, { protocolVersion: v, username: 'nobody', password: TEST_PASSWORD }),
      );
      expect(refused).toContain(await connectCode(g.url, { protocolVersion: v, username: 'fac' }));
      expect(await connectCode(g.url, { protocolVersion: v, username: 'fac', password: TEST_PASSWORD })).toBe(
        0,
      );
      if (embedded) expect(await rejected(g, 'auth')).toBeGreaterThanOrEqual(4);
    });
  });

  describe('the topic contract', () => {
    it('the inside count and roll call follow areas: a perimeter exit leaves the room too (issue 13)', async () => {
      const fac = await as('fac', ['pintu/visitors/inside', 'pintu/visitors/inside/list']);
      const v = await g.badgedVisit();
      const granted = (readerId: string) => {
        const out = g.gateway.access.handleRead({ readerId, kind: 'nfc', credential: v.uid });
        expect(out.kind === 'door' && out.decision.granted, readerId).toBe(true);
      };
      granted('pintu-utama-in');
      await until(() => expect(fac.on('pintu/visitors/inside').at(-1)).toBe('1'));
      // The room controller's reader: an entry with no out-reader behind it.
      granted('r101-in');
      granted('pintu-utama-out');
      await until(() => expect(fac.on('pintu/visitors/inside').at(-1)).toBe('0'));
      // The count and the list are two topics: each is waited for on its own.
      await until(() =>
        expect(JSON.parse(fac.on('pintu/visitors/inside/list').at(-1) ?? '{}')).toMatchObject({
          count: 0,
          visitors: [],
        }),
      );
      assertValid(VisitorsListPayload, JSON.parse(fac.on('pintu/visitors/inside/list').at(-1)!));
      const gauge = async () => (await g.gateway.core.metrics.visitorsInside.get()).values[0]?.value;
      expect(await gauge()).toBe(0);

      // In again and into the room: the list names the area, the gauge counts at once.
      granted('pintu-utama-in');
      granted('r101-in');
      await until(() =>
        expect(JSON.parse(fac.on('pintu/visitors/inside/list').at(-1) ?? '{}').visitors?.[0]).toMatchObject({
          visitId: v.visitId,
          area: 'ruang-101',
          areaName: 'Ruang 101',
        }),
      );
      await until(() => expect(fac.on('pintu/visitors/inside').at(-1)).toBe('1'));
      expect(await gauge()).toBe(1);
    });

    it('status and door states are retained, events and commands are not', async () => {
      const ctl = await ready();
      const v = await g.badgedVisit();
      const witness = await as('fac', ['pintu/#']);
      ctl.tap('nfc', v.uid);
      await until(() => expect(ctl.ran.some((c) => c.action === 'unlock')).toBe(true));
      await until(async () =>
        expect((await journalSince(g, 0)).some((e) => e.type === 'access.granted')).toBe(true),
      );
      // The pulse (500 ms) is over and the controller reported it: nothing changes while we look.
      await until(() => expect(ctl.locked && g.drivers.locks.get('ruang-101')!.state().locked).toBe(true));
      // Settled: what the tap made the gateway publish has reached a subscriber (so the broker
      // holds it) before the late client subscribes.
      await until(() => {
        expect(witness.on('pintu/events').some((e) => JSON.parse(e).type === 'access.granted')).toBe(true);
        expect(witness.on('pintu/visitors/inside').at(-1)).toBe('1');
        expect(JSON.parse(witness.on('pintu/doors/ruang-101/state').at(-1) ?? '{}').locked).toBe(true);
        expect(witness.on('pintu/doors/ruang-101/state').some((t) => JSON.parse(t).locked === false)).toBe(
          true,
        );
      });
      // A client that connects now gets what is retained, and only that.
      const late = await as('fac', ['pintu/#']);
      await until(() => expect(late.on('pintu/status')).toEqual(['online']));
      await until(() =>
        expect(late.messages.filter((m) => /\/doors\/[^/]+\/state$/.test(m.topic))).toHaveLength(3),
      );
      for (const m of late.messages) {
        expect(m.retain, m.topic).toBe(true);
        expect(m.topic).not.toMatch(/\/(events|command|set|tap|ack)$/);
      }
      for (const s of late.messages.filter(
        (m) => m.topic.endsWith('/state') && m.topic.includes('/doors/'),
      )) {
        assertValid(DoorStatePayload, JSON.parse(s.payload));
      }
      expect(late.on('pintu/visitors/inside')).toEqual(['1']);
    });

    it('publishes every access event once, as JSON of its schema, with the display name as configured', async () => {
      const fac = await as('fac', ['pintu/events', 'pintu/rooms/+/command']);
      const ctl = await ready();
      const v = await g.badgedVisit('TAMU-02', 'Budi Santoso');
      const since = lastSeq();
      ctl.tap('nfc', v.uid);
      ctl.tap('pin', '000000');
      await until(() => expect(fac.on('pintu/events').length).toBeGreaterThanOrEqual(2));
      const events = fac.on('pintu/events').map((p) => JSON.parse(p) as Record<string, unknown>);
      for (const e of events) assertValid(EventPayload, e);
      const granted = events.find((e) => e.type === 'access.granted')!;
      expect(granted).toMatchObject({
        door: 'ruang-101',
        reader: 'r101-in',
        visitId: v.visitId,
        guest: 'B. S.',
        badge: 'TAMU-02',
      });
      expect(JSON.stringify(events)).not.toContain(v.uid);
      expect(JSON.stringify(events)).not.toContain('Budi');
      expect(events.find((e) => e.type === 'access.denied')).toMatchObject({
        kind: 'pin',
        reason: 'unknown_code',
      });
      const seqs = events.map((e) => e.seq as number);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.every((s) => s > since)).toBe(true);
      // Commands: JSON of the schema, never retained.
      const commands = fac.messages.filter((m) => m.topic.endsWith('/command'));
      expect(commands.length).toBeGreaterThan(0);
      for (const c of commands) expect(c.retain).toBe(false);
    });

    it('answers a controller tap with the same policy as local readers', async () => {
      const ctl = await ready();
      const v = await g.badgedVisit();
      const since = lastSeq();
      ctl.tap('pin', v.code);
      await until(() => expect(ctl.ran.filter((c) => c.action === 'unlock')).toHaveLength(1));
      expect(ctl.ran.at(-1)).toMatchObject({ action: 'unlock', ms: 500 });
      await until(() => expect(g.drivers.locks.get('ruang-101')!.state().locked).toBe(false));
      ctl.tap('nfc', 'DEADBEEF');
      await until(async () =>
        expect(
          (await journalSince(g, since)).map((e) => [e.type, (e.payload as { reason?: string }).reason]),
        ).toEqual([
          ['access.granted', undefined],
          ['access.denied', 'unknown_badge'],
        ]),
      );
      expect(ctl.ran.filter((c) => c.action === 'unlock')).toHaveLength(1);
    });
  });

  describe('the ACL', () => {
    it('keeps a room controller to its own room', async () => {
      const c102 = await ready('r102');
      const v = await g.badgedVisit();
      // A client with the r101 controller's credentials tries the other room.
      const spy = await as('ctl-101', [
        'pintu/rooms/r102/#',
        'pintu/doors/#',
        'pintu/events',
        'pintu/visitors/#',
      ]);
      // A witness that reads everything, and the spy's own room: the sentinels below.
      const witness = await as('fac', ['pintu/#']);
      await spy.client.subscribeAsync('pintu/rooms/r101/command', { qos: 1 });
      c102.tap('nfc', v.uid);
      await until(() => expect(c102.ran.some((c) => c.action === 'unlock')).toBe(true));
      await until(() => {
        expect(witness.on('pintu/events').some((e) => JSON.parse(e).type === 'access.granted')).toBe(true);
        expect(witness.on('pintu/doors/ruang-102/state').some((t) => JSON.parse(t).locked === false)).toBe(
          true,
        );
      });
      // The broker sent the spy its copies (had the ACL let them through) before a later
      // command to the spy's own room.
      await witness.client.publishAsync('pintu/doors/ruang-101/set', 'LOCK', { qos: 1 });
      await until(() => expect(spy.on('pintu/rooms/r101/command')).toHaveLength(1));
      expect(spy.messages.filter((m) => m.topic !== 'pintu/rooms/r101/command')).toEqual([]);
      const since = lastSeq();
      await attempt(
        spy.client.publishAsync('pintu/rooms/r102/tap', JSON.stringify({ credential: v.uid, kind: 'nfc' }), {
          qos: 1,
        }),
        spy.client,
      );
      const spy2 = await as('ctl-101');
      await attempt(spy2.client.publishAsync('pintu/doors/ruang-102/set', 'UNLOCK', { qos: 1 }), spy2.client);
      const spy3 = await as('ctl-101');
      await attempt(
        spy3.client.publishAsync('pintu/rooms/r102/state', '{"online":false}', { qos: 1, retain: true }),
        spy3.client,
      );
      // The sentinel: the real controller's tap, handled after whatever the broker let through.
      c102.tap('nfc', 'DEADBEEF');
      await until(async () => expect((await journalSince(g, since)).length).toBeGreaterThan(0));
      expect(
        (await journalSince(g, since)).map((e) => [e.type, (e.payload as { reason?: string }).reason]),
      ).toEqual([['access.denied', 'unknown_badge']]);
      expect(g.drivers.locks.get('ruang-102')!.state().fault).toBeUndefined();
      if (embedded) expect(await rejected(g, 'acl')).toBeGreaterThanOrEqual(3);
    });

    it('lets facilities read everything but taps, and publish only door commands (journaled as theirs)', async () => {
      const ctl = await ready();
      const fac = await as('fac', ['pintu/#']);
      const v = await g.badgedVisit();
      ctl.tap('nfc', v.uid);
      await until(() => expect(fac.on('pintu/events').length).toBeGreaterThan(0));
      expect(fac.messages.filter((m) => m.topic.endsWith('/tap'))).toEqual([]);
      await until(() => expect(fac.on('pintu/visitors/inside/list').length).toBeGreaterThan(0));
      assertValid(VisitorsListPayload, JSON.parse(fac.on('pintu/visitors/inside/list').at(-1)!));

      const ran = ctl.ran.length;
      const since = lastSeq();
      const evil = await as('fac');
      await attempt(
        evil.client.publishAsync(
          'pintu/rooms/r101/command',
          JSON.stringify({
            id: 'evil',
            action: 'unlock',
            ms: 5000,
            exp: Date.now() + 60_000,
            at: Date.now(),
          }),
          { qos: 1 },
        ),
        evil.client,
      );
      // Past the reader's debounce: the same badge again would be decided anew.
      g.clock.now += 60_000;
      const evil2 = await as('fac');
      await attempt(
        evil2.client.publishAsync(
          'pintu/rooms/r101/tap',
          JSON.stringify({ credential: v.uid, kind: 'nfc' }),
          {
            qos: 1,
          },
        ),
        evil2.client,
      );

      // The door command facilities may send is the sentinel: the broker delivered the refused
      // ones (had it let them through) to the controller and the gateway before it.
      const ok = await as('fac');
      await ok.client.publishAsync('pintu/doors/ruang-101/set', 'UNLOCK', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.unlocked', 'ruang-101')).toHaveLength(1));
      const [entry] = await doorEntries(since, 'door.unlocked', 'ruang-101');
      expect(entry!.actor).toMatchObject({ kind: 'device', id: embedded ? 'mqtt:fac' : 'mqtt' });
      await until(() => expect(ctl.ran.slice(ran).some((c) => c.id !== 'evil')).toBe(true));
      expect(ctl.ran.slice(ran).map((c) => c.action)).toEqual(['unlock']);
      expect(ctl.ran.at(-1)!.id).not.toBe('evil');
      expect((await journalSince(g, since)).map((e) => e.type)).toEqual(['door.unlocked']);
    });

    it('lets Home Assistant read states and discovery but not the roll call; it may command doors', async () => {
      const ctl = await ready();
      const v = await g.badgedVisit();
      g.gateway.access.simulate('pintu-utama-in', 'nfc', v.uid);
      const ha = await as('ha', [
        'pintu/status',
        'pintu/events',
        'pintu/doors/#',
        'pintu/visitors/inside',
        'pintu/visitors/inside/list',
        'pintu/rooms/#',
        'homeassistant/#',
      ]);
      if (embedded) expect(ha.refused).toEqual(['pintu/visitors/inside/list', 'pintu/rooms/#']);
      const configs = g.mqtt.discoveryTopics().length;
      await until(() =>
        expect(
          ha.messages.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config')),
        ).toHaveLength(configs),
      );
      await until(() => expect(ha.on('pintu/visitors/inside').at(-1)).toBe('1'));
      expect(ha.on('pintu/visitors/inside/list')).toEqual([]);
      const since = lastSeq();
      // Home Assistant's own command topic, the one its discovery config names.
      await ha.client.publishAsync('pintu/doors/ruang-101/ha/set', 'LOCK', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.locked', 'ruang-101')).toHaveLength(1));
      const [locked] = await doorEntries(since, 'door.locked', 'ruang-101');
      expect(locked!.actor).toEqual({ kind: 'device', id: embedded ? 'mqtt:ha' : 'mqtt:homeassistant' });
      // Its birth message brings the discovery configs again.
      const before = ha.messages.length;
      await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
      await until(() =>
        expect(
          ha.messages
            .slice(before)
            .filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config')).length,
        ).toBe(configs),
      );
      // A controller's tap: the broker routes it (had the ACL let it) to Home Assistant before the
      // gateway hears it, so before the event of its decision.
      ctl.tap('nfc', 'DEADBEEF');
      await until(() =>
        expect(ha.on('pintu/events').some((e) => JSON.parse(e).reason === 'unknown_badge')).toBe(true),
      );
      expect(ha.messages.filter((m) => m.topic.includes('/tap'))).toEqual([]);
    });

    it('alerts a watchlist match on pintu/alerts to facilities only: QoS 1, not retained, no name, reason or document', async () => {
      const actor = { kind: 'user' as const, id: 'u-meja-1', role: 'receptionist' as const };
      const desk = 'meja-1';
      const nik = '3578014107900001';
      const { watchlist, visits } = g.gateway;
      const entry = await watchlist.add(
        {
          name: 'Budi Santoso',
          institution: 'PT Maju Jaya',
          documentNumber: nik,
          reason: 'Mengancam petugas loket',
          validUntil: g.clock.now + 30 * 86_400_000,
        },
        actor,
      );
      const fac = await as('fac', ['pintu/alerts', 'pintu/events'], { qos: 2 });
      const qos: number[] = [];
      fac.client.on('message', (topic, _payload, packet) => topic === 'pintu/alerts' && qos.push(packet.qos));
      const ha = await as('ha', ['pintu/alerts', 'pintu/events']);
      if (embedded) expect(ha.refused).toEqual(['pintu/alerts']);
      // The arrival as POST /visits makes it: the visit, then the check (here by the document).
      const v = await visits.arrive(
        { guest: { name: 'B. Santoso', institution: 'CV Lain' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        actor,
      );
      expect(await watchlist.screen(v, { source: 'arrival', desk }, nik)).toHaveLength(1);
      // A guest who matches nothing is silent.
      const other = await visits.arrive(
        {
          guest: { name: 'Sinta Dewi', institution: 'PT Maju Jaya' },
          purpose: 'Rapat',
          hostId: 'kabag-umum',
        },
        actor,
      );
      expect(await watchlist.screen(other, { source: 'arrival', desk }, '3578014107900002')).toEqual([]);
      // The sentinel: a later event on pintu/events (the same session, in journal order), which
      // both receive; an alert let through to Home Assistant would be there before it.
      g.gateway.access.simulate('pintu-utama-in', 'nfc', 'DEADBEEF');
      const denied = (c: typeof fac) =>
        c.on('pintu/events').some((e) => JSON.parse(e).type === 'access.denied');
      await until(() => expect(denied(fac) && denied(ha)).toBe(true));
      const alerts = fac.messages.filter((m) => m.topic === 'pintu/alerts');
      expect(alerts).toHaveLength(1);
      const alert = JSON.parse(alerts[0]!.payload);
      assertValid(AlertPayload, alert);
      expect(alert).toMatchObject({
        kind: 'watchlist',
        visitId: v.id,
        source: 'arrival',
        desk: 'meja-1',
        matches: [{ entryId: entry.id, by: 'document' }],
      });
      expect(alerts[0]!.retain).toBe(false);
      expect(qos).toEqual([1]);
      expect(alerts[0]!.payload).not.toMatch(/Budi|Santoso|Mengancam|reason|documentKey/);
      expect(alerts[0]!.payload).not.toContain(nik);
      expect(alerts[0]!.payload).not.toContain(other.id);
      expect(ha.messages.filter((m) => m.topic === 'pintu/alerts')).toEqual([]);
      // Nothing retained: a client that subscribes now gets no alert.
      const late = await as('fac', ['pintu/alerts', 'pintu/status']);
      await until(() => expect(late.on('pintu/status')).toEqual(['online']));
      expect(late.on('pintu/alerts')).toEqual([]);
    });

    it('refuses a retained door command: nothing unlocks', async () => {
      const ctl = await ready();
      const ran = ctl.ran.length;
      const since = lastSeq();
      const fac = await as('fac');
      await attempt(
        fac.client.publishAsync('pintu/doors/ruang-101/set', 'UNLOCK', { qos: 1, retain: true }),
        fac.client,
      );
      // The sentinel: a plain LOCK after it, which the gateway handles after the refused one.
      const fac2 = await as('fac');
      await fac2.client.publishAsync('pintu/doors/ruang-101/set', 'LOCK', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.locked', 'ruang-101')).toHaveLength(1));
      await until(() => expect(ctl.ran.length).toBeGreaterThan(ran));
      expect(await doorEntries(since, 'door.unlocked', 'ruang-101')).toEqual([]);
      expect(ctl.ran.slice(ran).map((c) => c.action)).toEqual(['lock']);
      if (embedded || setup.protocolVersion === 5)
        expect(await rejected(g, 'retained')).toBeGreaterThanOrEqual(1);
      // Nothing retained stays behind for the next subscriber (a gateway restart would see it).
      const late = await as('fac', ['pintu/doors/+/set']);
      // A broker sends what is retained before anything published after the subscription (by
      // the late client itself: a Mosquitto as shipped keeps one connection per login).
      await late.client.publishAsync('pintu/doors/ruang-102/set', 'LOCK', { qos: 1 });
      await until(() => expect(late.on('pintu/doors/ruang-102/set')).toContain('LOCK'));
      expect(late.messages.filter((m) => m.payload.length > 0)).toEqual([
        { topic: 'pintu/doors/ruang-102/set', payload: 'LOCK', retain: false },
      ]);
    });

    it('a controller publishing a retained tap opens nothing', async () => {
      const ctl = await ready();
      const v = await g.badgedVisit();
      const since = lastSeq();
      await attempt(
        ctl.publishRaw('pintu/rooms/r101/tap', JSON.stringify({ credential: v.uid, kind: 'nfc' }), {
          qos: 1,
          retain: true,
        }),
        ctl,
      );
      // The sentinel: a plain tap after it on the same connection, decided after the retained one.
      ctl.tap('nfc', 'DEADBEEF');
      await until(async () =>
        expect((await journalSince(g, since)).some((e) => e.type === 'access.denied')).toBe(true),
      );
      if (embedded || setup.protocolVersion === 5) {
        expect(
          (await journalSince(g, since)).map((e) => [e.type, (e.payload as { reason?: string }).reason]),
        ).toEqual([['access.denied', 'unknown_badge']]);
        expect(await rejected(g, 'retained')).toBeGreaterThanOrEqual(1);
      }
    });
  });

  describe('malformed payloads (fast-check)', () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 40 }).map((s) => Buffer.from(s)),
      fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.alloc(5000, 0x7b)),
      fc
        .record(
          {
            credential: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            kind: fc.string({ maxLength: 5 }),
            x: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((o) => Buffer.from(JSON.stringify(o))),
      fc
        .record(
          { id: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()), ok: fc.anything() },
          { requiredKeys: [] },
        )
        .map((o) => Buffer.from(JSON.stringify(o) ?? '')),
      fc
        .record({ online: fc.anything(), locked: fc.anything(), open: fc.anything() }, { requiredKeys: [] })
        .map((o) => Buffer.from(JSON.stringify(o) ?? '')),
      fc
        .constantFrom('unlock', 'UNLOCK ', 'Unlock', 'OPEN', '{"action":"UNLOCK"}', 'LOCKDOWN!', '')
        .map((s) => Buffer.from(s)),
    );
    const topics = [
      {
        topic: 'pintu/rooms/r101/tap',
        user: 'ctl-101',
        valid: (p: Buffer) => decodeJson(RoomTapPayload, p).ok,
        empty: 'counted',
      },
      {
        topic: 'pintu/rooms/r101/ack',
        user: 'ctl-101',
        valid: (p: Buffer) => decodeJson(RoomAckPayload, p).ok,
        empty: 'counted',
      },
      {
        topic: 'pintu/rooms/r101/state',
        user: 'ctl-101',
        valid: (p: Buffer) => decodeJson(RoomStatePayload, p).ok,
        empty: 'ignored',
      },
      {
        topic: 'pintu/doors/ruang-101/set',
        user: 'fac',
        valid: (p: Buffer) => decodeText(DoorSetPayload, p).ok,
        empty: 'counted',
      },
    ] as const;

    it('are refused, counted and change nothing, on every topic the gateway reads', async () => {
      // The controller's own connection: a broker that binds client ids to logins (the
      // shipped Mosquitto configuration) holds one connection per login.
      const ctl = await ready();
      const lock = g.drivers.locks.get('ruang-101')!;
      const fac = await as('fac');
      const send: Record<string, (topic: string, payload: Buffer | string) => Promise<unknown>> = {
        'ctl-101': (topic, payload) => ctl.publishRaw(topic, payload, { qos: 1 }),
        fac: (topic, payload) => fac.client.publishAsync(topic, payload, { qos: 1 }),
      };
      let n = 0;
      for (const t of topics) {
        await fc.assert(
          fc.asyncProperty(fc.array(junk, { minLength: 1, maxLength: 40 }), async (payloads) => {
            const bad = payloads.filter((p) => !t.valid(p));
            const counted = bad.filter((p) => !(t.empty === 'ignored' && p.length === 0)).length;
            const since = lastSeq();
            const before = await rejected(g);
            const state = { ...lock.state() };
            for (const p of bad) await send[t.user]!(t.topic, p);
            // A valid tap after them: when its decision is journaled, the junk was read.
            const uid = `C0FFEE${(++n).toString(16).padStart(4, '0')}`.toUpperCase();
            await send['ctl-101']!('pintu/rooms/r101/tap', JSON.stringify({ credential: uid, kind: 'nfc' }));
            await until(
              async () => expect((await journalSince(g, since)).length).toBeGreaterThanOrEqual(1),
              5000,
              5,
            );
            await until(async () => expect(await rejected(g)).toBe(before + counted), 2000, 5);
            const entries = await journalSince(g, since);
            expect(entries.map((e) => [e.type, (e.payload as { reason?: string }).reason])).toEqual([
              ['access.denied', 'unknown_badge'],
            ]);
            expect(lock.state()).toEqual(state);
          }),
          // About 500 payloads per topic, 2,000 in all, through the broker: 25 runs of 1 to 40.
          { numRuns: 25 },
        );
      }
      expect(ctl.connected && fac.client.connected).toBe(true);
    });
  });

  describe('room controllers', () => {
    it('no ack: retries with the same id, then the alarm and an unknown door state (and a lock behind the lost unlock)', async () => {
      const ctl = await ready();
      const fac = await as('fac', [
        'pintu/rooms/r101/command',
        'pintu/events',
        'pintu/doors/ruang-101/state',
      ]);
      const since = lastSeq();
      await ctl.stop();
      // A deaf controller: online, never acknowledging.
      const deaf = await controller('r101', { silent: true });
      await until(() => expect(g.drivers.locks.get('ruang-101')!.state().fault).toBe('no_ack'), 5000);
      const v = await g.badgedVisit();
      const s2 = lastSeq();
      deaf.tap('nfc', v.uid);
      await until(async () =>
        expect((await journalSince(g, s2)).some((e) => e.type === 'access.granted')).toBe(true),
      );
      await until(() => {
        const unlocks = fac
          .on('pintu/rooms/r101/command')
          .map((p) => JSON.parse(p))
          .filter((c) => c.action === 'unlock');
        expect(unlocks).toHaveLength(3); // 1 + retries (2)
        expect(new Set(unlocks.map((c) => c.id)).size).toBe(1);
      });
      // After the lost unlock, a lock follows.
      await until(() =>
        expect(
          fac
            .on('pintu/rooms/r101/command')
            .map((p) => JSON.parse(p).action)
            .at(-1),
        ).toBe('lock'),
      );
      const alarms = await doorEntries(since, 'door.alarm', 'ruang-101');
      expect(alarms.map((e) => (e.payload as { alarm?: string }).alarm)).toEqual(['offline', 'no_ack']);
      await until(() => {
        const last = JSON.parse(fac.on('pintu/doors/ruang-101/state').at(-1)!);
        expect(last).toMatchObject({ locked: null, alarm: 'no_ack', alarms: ['no_ack'] });
      });
      await until(() =>
        expect(
          fac
            .on('pintu/events')
            .map((p) => JSON.parse(p))
            .some((e) => e.type === 'door.alarm' && e.alarm === 'no_ack'),
        ).toBe(true),
      );
      const { values } = await g.gateway.core.metrics.mqtt.commands.get();
      expect(values.find((x) => x.labels.result === 'no_ack')?.value).toBeGreaterThanOrEqual(2);
      // A working controller again: the alarm ends.
      deaf.kill();
      await until(() => expect((g.drivers.locks.get('ruang-101') as MqttLock).controllerOnline).toBe(false));
      const back = await controller('r101');
      await until(
        async () => expect(await doorEntries(since, 'door.alarm_cleared', 'ruang-101')).not.toHaveLength(0),
        5000,
      );
      await until(() => expect(g.drivers.locks.get('ruang-101')!.state()).toMatchObject({ locked: true }));
      expect(g.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined();
      void back;
    });

    it('a controller that comes back gets the current lock state, never an unlock from while it was away', async () => {
      const ctl = await ready();
      const since = lastSeq();
      ctl.kill(); // power cut: the broker publishes its last will
      await until(async () =>
        expect(
          (await doorEntries(since, 'door.alarm', 'ruang-101')).map(
            (e) => (e.payload as { alarm?: string }).alarm,
          ),
        ).toEqual(['offline']),
      );
      await until(() =>
        expect(g.mqtt.doorState('ruang-101')).toMatchObject({ locked: null, alarms: ['offline'] }),
      );
      // Health says so: a door nobody can open is not a whole gateway (issue 11: /healthz said ok).
      const health = async () =>
        (await g.app.inject({ method: 'GET', url: '/healthz' })).json() as { status: string };
      expect(g.gateway.problems()).toContain('door ruang-101: room controller r101: offline');
      expect(await health()).toEqual({ status: 'degraded' });
      // While it is away: a remote unlock (journaled, but nothing may reach the controller later).
      const fac = await as('fac');
      await fac.client.publishAsync('pintu/doors/ruang-101/set', 'UNLOCK', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.unlocked', 'ruang-101')).toHaveLength(1));
      // The sentinel of that unlock's fate: the hub dropped it as sent to an offline controller.
      await until(async () => expect(await commands(g, 'offline')).toBe(1));
      const back = await controller('r101');
      await until(() => expect(back.ran.map((c) => c.action)).toEqual(['lock']));
      // A later command is the sentinel: anything queued from the outage (the broker's session,
      // a retry) would reach the controller before it.
      await fac.client.publishAsync('pintu/doors/ruang-101/set', 'LOCK', { qos: 1 });
      await until(() => expect(back.ran.length).toBeGreaterThanOrEqual(2));
      expect(back.ran.map((c) => c.action)).toEqual(['lock', 'lock']);
      await until(async () =>
        expect(await doorEntries(since, 'door.alarm_cleared', 'ruang-101')).toHaveLength(1),
      );
      await until(() => expect(g.mqtt.doorState('ruang-101')).toMatchObject({ locked: true, alarms: [] }));
      // (ruang-102 has no controller in this suite: it stays a problem.)
      expect(g.gateway.problems()).not.toContain('door ruang-101: room controller r101: offline');
    });

    it('the controller door contact feeds door supervision (opened, closed)', async () => {
      const ctl = await ready();
      const since = lastSeq();
      const v = await g.badgedVisit();
      ctl.tap('nfc', v.uid);
      await until(() => expect(ctl.locked).toBe(false));
      ctl.setOpen(true);
      await until(async () => expect(await doorEntries(since, 'door.opened', 'ruang-101')).toHaveLength(1));
      ctl.setOpen(false);
      await until(async () => expect(await doorEntries(since, 'door.closed', 'ruang-101')).toHaveLength(1));
      expect(g.mqtt.doorState('ruang-101')!.open).toBe(false);
    });
  });

  describe('facilities commands', () => {
    it('LOCKDOWN refuses every badge, journaled with the client; facilities cannot RELEASE it, security can', async () => {
      const ctl = await ready();
      const v = await g.badgedVisit();
      const fac = await as('fac', ['pintu/doors/ruang-101/state']);
      const since = lastSeq();
      await fac.client.publishAsync('pintu/doors/ruang-101/set', 'LOCKDOWN', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.lockdown', 'ruang-101')).toHaveLength(1));
      await until(() =>
        expect(JSON.parse(fac.on('pintu/doors/ruang-101/state').at(-1)!).lockdown).toBe(true),
      );
      ctl.tap('nfc', v.uid);
      await until(async () =>
        expect((await journalSince(g, since)).find((e) => e.type === 'access.denied')?.payload).toMatchObject(
          { reason: 'lockdown' },
        ),
      );
      // UNLOCK during a lockdown is refused (and counted).
      await fac.client.publishAsync('pintu/doors/ruang-101/set', 'UNLOCK', { qos: 1 });
      await until(async () => expect(await rejected(g, 'refused')).toBeGreaterThanOrEqual(1));
      const [set] = await doorEntries(since, 'door.lockdown', 'ruang-101');
      expect(set!.actor.id).toBe(embedded ? 'mqtt:fac' : 'mqtt');
      // Facilities may set a lockdown but not release it (access.facilitiesMayReleaseLockdown).
      const refusedBefore = await rejected(g, 'refused');
      await fac.client.publishAsync('pintu/doors/ruang-101/set', 'RELEASE', { qos: 1 });
      await until(async () => expect(await rejected(g, 'refused')).toBeGreaterThan(refusedBefore));
      expect(await doorEntries(since, 'door.released', 'ruang-101')).toEqual([]);
      // Security releases it (panel or API); the retained state follows.
      await g.gateway.access.setLockdown('ruang-101', false, {
        kind: 'user',
        id: 'satpam',
        role: 'security',
      });
      expect(await doorEntries(since, 'door.released', 'ruang-101')).toHaveLength(1);
      expect(await doorEntries(since, 'door.unlocked', 'ruang-101')).toEqual([]);
      await until(() =>
        expect(JSON.parse(fac.on('pintu/doors/ruang-101/state').at(-1)!).lockdown).toBe(false),
      );
    });
  });

  describe('when the connection drops', () => {
    it('events journaled meanwhile are published in order when it returns, none lost or repeated', async () => {
      const fac = await as('fac', ['pintu/events', 'pintu/status']);
      const v = await g.badgedVisit();
      const since = lastSeq();
      g.gateway.access.simulate('pintu-utama-in', 'nfc', v.uid);
      await until(() => expect(fac.on('pintu/events')).toHaveLength(1));
      // Cut the gateway's connection (as a network failure would), then keep tapping.
      cutConnections(g);
      for (let i = 0; i < 6; i++) {
        g.gateway.access.simulate(
          i % 2 ? 'pintu-utama-in' : 'pintu-utama-out',
          'nfc',
          i === 5 ? 'BADBADBAD0' : v.uid,
        );
        g.clock.now += 60_000;
      }
      const t0 = Date.now();
      await until(() => expect(fac.on('pintu/events').length).toBeGreaterThanOrEqual(7), 8000);
      const entries = await journalSince(g, since);
      const expected = entries.filter((e) => e.type.startsWith('access.')).map((e) => e.seq);
      expect(
        fac.on('pintu/events').length,
        `${Date.now() - t0} ms ${JSON.stringify(entries)} ${fac.on('pintu/events')}`,
      ).toBe(7);
      const got = fac.on('pintu/events').map((p) => JSON.parse(p).seq as number);
      expect(got).toEqual(expected);
      // The last will said offline; the gateway said online again.
      await until(() => expect(fac.on('pintu/status').slice(-2)).toEqual(['offline', 'online']));
      expect(g.mqtt.health()).toMatchObject({ connected: true, backlog: 0 });
      expect(g.mqtt.link.connections).toBe(2);
      // The events' session resent what was in flight: the broker took each event once.
    });
  });

  describe('Home Assistant discovery', () => {
    it('removes (empty retained config) the entities of a door no longer configured', async () => {
      const dir = g.dir;
      const ha = await as('ha', ['homeassistant/#']);
      const configs = g.mqtt.discoveryTopics().length;
      await until(() => expect(ha.messages.filter((m) => m.payload.length > 0)).toHaveLength(configs));
      await ha.end();
      await g.close({ keepDir: true });
      // The same data folder, room 102 gone from the configuration.
      g = await setup.start({
        dir,
        extra: {
          doors: [
            { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' },
            { id: 'ruang-101', name: 'Ruang 101', kind: 'room', lock: { driver: 'mqtt', room: 'r101' } },
          ],
          readers: [
            { id: 'pintu-utama-in', role: 'door', door: 'pintu-utama', direction: 'in' },
            { id: 'r101-in', role: 'door', door: 'ruang-101', direction: 'in', driver: { type: 'mqtt' } },
          ],
          hosts: [
            { id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: ['ruang-101'] },
          ],
        },
      });
      const ha2 = await as('ha', ['homeassistant/#']);
      await ha2.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
      const gone = g.mqtt.doorDiscoveryTopics('ruang-102');
      await until(() => {
        for (const t of gone) expect(ha2.messages.filter((m) => m.topic === t).at(-1)?.payload).toBe('');
      });
      const ha3 = await as('ha', ['homeassistant/#']);
      // The broker sends what is retained before a message published after the subscription.
      await ha3.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
      await until(() => expect(ha3.on('homeassistant/status')).toContain('offline'));
      const retainedNow = [
        ...new Set(ha3.messages.filter((m) => m.retain && m.payload.length > 0).map((m) => m.topic)),
      ];
      expect(retainedNow.sort()).toEqual(g.mqtt.discoveryTopics().sort());
      for (const t of gone) expect(retainedNow).not.toContain(t);
    });

    it('announces the gateway device before the doors that name it, each config valid for Home Assistant', async () => {
      const ha = await as('ha', ['homeassistant/+/pintu/+/config']);
      const want = g.mqtt.discoveryTopics();
      await until(() => expect(new Set(ha.messages.map((m) => m.topic)).size).toBe(want.length));
      // Home Assistant's birth message: the configs again, live, in the order they are published.
      const before = ha.messages.length;
      await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
      await until(() => expect(ha.messages.length - before).toBe(want.length));
      const known = new Set<string>();
      for (const m of ha.messages.slice(before)) {
        expect(haValidate('homeassistant', m.topic, m.payload), m.topic).toEqual([]);
        const device = (JSON.parse(m.payload) as { device: { identifiers: string[]; via_device?: string } })
          .device;
        if (device.via_device) expect(known, m.topic).toContain(device.via_device);
        for (const id of device.identifiers) known.add(id);
      }
    });
  });

  describe('Home Assistant commands', () => {
    it('OPEN pulses; UNLOCK (no hold allowed) and RELEASE are refused and journaled; its button sets the site lockdown', async () => {
      const ctl = await ready();
      const ha = await as('ha', ['pintu/lockdown', 'pintu/doors/+/state']);
      await until(() => expect(ha.on('pintu/lockdown').at(-1)).toBe('OFF'));
      const haActor = { kind: 'device', id: embedded ? 'mqtt:ha' : 'mqtt:homeassistant' };
      const since = lastSeq();
      const ran = ctl.ran.length;
      await ha.client.publishAsync('pintu/doors/ruang-101/ha/set', 'OPEN', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.unlocked', 'ruang-101')).toHaveLength(1));
      const [opened] = await doorEntries(since, 'door.unlocked', 'ruang-101');
      expect(opened!.payload).toEqual({ doorId: 'ruang-101', ms: 500 });
      expect(opened!.actor).toEqual(haActor);
      await until(() => expect(ctl.ran.slice(ran).map((c) => c.action)).toContain('unlock'));

      await ha.client.publishAsync('pintu/doors/ruang-101/ha/set', 'UNLOCK', { qos: 1 });
      await until(async () =>
        expect(await doorEntries(since, 'door.command_refused', 'ruang-101')).toHaveLength(1),
      );
      const [refused] = await doorEntries(since, 'door.command_refused', 'ruang-101');
      expect(refused!.payload).toMatchObject({ doorId: 'ruang-101', command: 'UNLOCK' });
      expect(refused!.actor).toEqual(haActor);
      // The refusal is journaled after the command was handled: no hold was ever sent.
      expect(ctl.ran.map((c) => c.action)).not.toContain('hold');

      await ha.client.publishAsync('pintu/doors/*/ha/set', 'LOCKDOWN', { qos: 1 });
      await until(() => expect(ha.on('pintu/lockdown').at(-1)).toBe('ON'));
      await until(() =>
        expect(JSON.parse(ha.on('pintu/doors/ruang-101/state').at(-1) ?? '{}')).toMatchObject({
          lockdown: true,
        }),
      );
      await ha.client.publishAsync('pintu/doors/*/ha/set', 'RELEASE', { qos: 1 });
      await until(async () => expect(await doorEntries(since, 'door.command_refused', '*')).toHaveLength(1));
      const [release] = await doorEntries(since, 'door.command_refused', '*');
      expect(release!.payload).toMatchObject({ command: 'RELEASE' });
      expect(g.gateway.access.inSiteLockdown()).toBe(true);
      expect(await doorEntries(since, 'door.released', '*')).toEqual([]);
    });

    it('with mqtt.homeAssistant.mayHoldUnlocked, UNLOCK holds the door until LOCK', async () => {
      await g.close();
      g = await setup.start({ mqtt: { homeAssistant: { mayHoldUnlocked: true } } });
      const ctl = await ready();
      const ha = await as('ha', ['pintu/doors/ruang-101/state']);
      const state = () =>
        JSON.parse(ha.on('pintu/doors/ruang-101/state').at(-1) ?? '{}') as Record<string, unknown>;
      await until(() => expect(state()).toMatchObject({ locked: true, held: false }));
      const since = lastSeq();
      const ran = ctl.ran.length;
      await ha.client.publishAsync('pintu/doors/ruang-101/ha/set', 'UNLOCK', { qos: 1 });
      await until(() => expect(ctl.ran.slice(ran).map((c) => c.action)).toContain('hold'));
      await until(() => expect(state()).toMatchObject({ locked: false, held: true }));
      const [held] = await doorEntries(since, 'door.unlocked', 'ruang-101');
      // Held: no pulse length.
      expect(held!.payload).toEqual({ doorId: 'ruang-101' });
      await ha.client.publishAsync('pintu/doors/ruang-101/ha/set', 'LOCK', { qos: 1 });
      await until(() => expect(state()).toMatchObject({ locked: true, held: false }));
    });
  });
}
