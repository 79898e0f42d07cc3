// Issue 13, item 1: the evacuation roll call from one model of areas. A guest who entered the
// building, then a room without an out-reader, then left through the perimeter is nobody's
// to search for: not in GET /presence, not in pintu/visitors/inside, not after a restart.
import { afterEach, describe, expect, it } from 'vitest';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  type Collected,
  client,
  freePort,
  type MqttGateway,
  startMqttGateway,
  until,
} from '../support/mqtt.js';
import { USERS } from './mqtt-contract.js';

interface PresenceBody {
  inside: Array<{ visitId: string; area: { id: string; name: string } }>;
  badgedNotInside: Array<{ visitId: string }>;
}

describe('the roll call follows the guest through areas (HTTP)', () => {
  let t: TestGateway | undefined;
  let again: TestGateway | undefined;
  afterEach(async () => {
    await again?.close();
    await t?.close();
    t = again = undefined;
  });

  const presence = async (g: TestGateway, cookie: string): Promise<PresenceBody> => {
    const res = await g.app.inject({ method: 'GET', url: '/api/v1/presence', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return res.json<PresenceBody>();
  };

  it('entrance in, room in, entrance out: nobody is inside, and a restart agrees', async () => {
    t = await startTestGateway();
    const v = await badgedVisit(t.gateway, { badge: 'TAMU-01', rooms: ['ruang-kabag'] });
    const uid = '04A1B2C3D4E501';
    const cookie = await t.login('facilities');
    const tap = async (reader: string) => {
      const out = t!.gateway.access.simulate(reader, 'nfc', uid);
      if (out.kind !== 'door') throw new Error(`not a door tap: ${out.kind}`);
      expect(out.decision.granted, reader).toBe(true);
      await out.recorded;
    };

    await tap('pintu-utama-in');
    await tap('ruang-kabag-in');
    await tap('pintu-utama-out');
    let p = await presence(t, cookie);
    expect(p.inside).toEqual([]);
    // Still badged, so the desk still sees the badge out.
    expect(p.badgedNotInside.map((r) => r.visitId)).toEqual([v.id]);

    // In again, and into the room: the roll call names the room.
    await tap('pintu-utama-in');
    await tap('ruang-kabag-in');
    p = await presence(t, cookie);
    expect(p.inside.map((r) => [r.visitId, r.area.id])).toEqual([[v.id, 'ruang-kabag']]);
    await tap('pintu-utama-out');

    // Back in through the entrance: in the building (the lobby), not in the room.
    await tap('pintu-utama-in');
    p = await presence(t, cookie);
    expect(p.inside.map((r) => [r.visitId, r.area.id])).toEqual([[v.id, 'building']]);

    // The state file and the journal both give the same answer after a restart.
    const dir = t.dir;
    await t.gateway.close();
    await t.app.close();
    again = await startTestGateway({ dir });
    const cookie2 = await again.login('security');
    p = await presence(again, cookie2);
    expect(p.inside.map((r) => [r.visitId, r.area.id])).toEqual([[v.id, 'building']]);
    t = undefined;
    await again.close();
    again = undefined;
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('the roll call follows the guest through areas (MQTT)', () => {
  let g: MqttGateway | undefined;
  const clients: Collected[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await g?.close();
    g = undefined;
  });

  it('pintu/visitors/inside falls back to 0 when the guest leaves through the entrance', async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    const fac = await client(g.url, { username: 'fac', password: 'correct horse battery staple' });
    clients.push(fac);
    await fac.client.subscribeAsync(['pintu/visitors/inside', 'pintu/visitors/inside/list'], { qos: 1 });
    const v = await g.badgedVisit();
    const access = g.gateway.access;
    const granted = (readerId: string) => {
      const out = access.handleRead({ readerId, kind: 'nfc', credential: v.uid });
      expect(out.kind === 'door' && out.decision.granted, readerId).toBe(true);
    };
    granted('pintu-utama-in');
    await until(() => expect(fac.on('pintu/visitors/inside').at(-1)).toBe('1'));
    // The room controller's reader: an entry with no out-reader behind it.
    granted('r101-in');
    granted('pintu-utama-out');
    await until(() => expect(fac.on('pintu/visitors/inside').at(-1)).toBe('0'));
    expect(JSON.parse(fac.on('pintu/visitors/inside/list').at(-1)!)).toMatchObject({
      count: 0,
      visitors: [],
    });
    const gauge = async () => (await g!.gateway.core.metrics.visitorsInside.get()).values[0]?.value;
    expect(await gauge()).toBe(0);

    // In again and into the room: the list names the area, the gauge counts without delay.
    granted('pintu-utama-in');
    granted('r101-in');
    await until(() => {
      const list = JSON.parse(fac.on('pintu/visitors/inside/list').at(-1) ?? '{}');
      expect(list.visitors?.[0]?.area).toBe('ruang-101');
    });
    expect(fac.on('pintu/visitors/inside').at(-1)).toBe('1');
    expect(await gauge()).toBe(1);
  });
});
