// Issue 13, item 1: the evacuation roll call from one model of areas. A guest who entered the
// building, then a room without an out-reader, then left through the perimeter is nobody's
// to search for: not in GET /presence, nor after a restart. The same over MQTT, on both
// brokers, is in the contract suite (mqtt-contract.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

interface PresenceBody {
  inside: Array<{ visitId: string; area: { id: string; name: string } }>;
  badgedNotInside: Array<{ visitId: string }>;
}

describe('the roll call follows the guest through areas (HTTP)', () => {
  let t: TestGateway | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    t = dir = undefined;
  });

  const presence = async (g: TestGateway, cookie: string): Promise<PresenceBody> => {
    const res = await g.app.inject({ method: 'GET', url: '/api/v1/presence', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return res.json<PresenceBody>();
  };

  it('entrance in, room in, entrance out: nobody is inside, and a restart agrees', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-areas-'));
    t = await startTestGateway({ dir });
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

    // The state file (and the taps the journal has past it) give the same answer after a restart.
    await t.close();
    t = await startTestGateway({ dir });
    p = await presence(t, await t.login('security'));
    expect(p.inside.map((r) => [r.visitId, r.area.id])).toEqual([[v.id, 'building']]);
  });
});
