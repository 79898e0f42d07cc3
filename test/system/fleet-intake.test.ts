// The desk's sending never waits for its intake (README "Fleet", found by the tap-flood
// campaign): the door gateways' taps come to the desk on the same broker connection its grants
// and revocations leave by, and MQTT hands a client its incoming packets one at a time, the
// broker's PUBACKs for the desk's own messages among them. A desk that waited for each PUBACK
// before its next message stalled behind a tap it was still recording (every entrance tapped
// every 20 ms: the send cursor stood still while a minute of taps was journaled). Here the desk's
// recording of one tap is held, as a desk buried in taps holds it, and a new visit and a
// checkout must still reach every door gateway.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DESK_ID, FLEET_PASSWORD, type FleetSite, fleetAcl, startFleetSite } from '../support/fleet.js';
import { labSuite } from '../support/lab.js';
import { Mosquitto } from '../support/mqtt.js';

const A = 'pintu-1';
const B = 'pintu-2';

labSuite("fleet: the desk's messages while its intake is held (issue 17)", ['mosquitto'], () => {
  let broker: Mosquitto;
  let site: FleetSite;

  beforeAll(async () => {
    broker = await Mosquitto.start({
      users: [DESK_ID, A, B].map((username) => ({ username, password: FLEET_PASSWORD })),
      acl: fleetAcl(),
      persistence: true,
    });
    site = await startFleetSite({ brokerUrl: broker.url, doors: 2 });
  }, 60_000);

  afterAll(async () => {
    await site?.close();
    await broker?.stop();
  });

  it("a new visit and a checkout reach every door gateway while a gateway's tap is still being recorded", async () => {
    const desk = site.desk.fleet.desk;
    if (!desk) throw new Error('no desk');
    const first = await site.deskVisit([]);
    await site.caughtUp(A);
    await site.caughtUp(B);

    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const record = desk.record.bind(desk);
    const held = new Promise<void>((resolve) => {
      vi.spyOn(desk, 'record').mockImplementation(async (m) => {
        resolve();
        await gate;
        return record(m);
      });
    });
    const recorded = once(desk, 'recorded');
    let second: Awaited<ReturnType<FleetSite['deskVisit']>>;
    try {
      // A's tap goes to the desk, which holds it midway through recording it.
      expect(site.tap(A, `${A}-in`, first.uid)).toMatchObject({ granted: true });
      await held;

      second = await site.deskVisit([]);
      await site.checkout(first.visitId);
      await site.caughtUp(A);
      await site.caughtUp(B);
      for (const d of [A, B]) {
        expect(site.tap(d, `${d}-in`, first.uid), d).toMatchObject({ granted: false, reason: 'checked_out' });
        expect(site.tap(d, `${d}-in`, second.uid), d).toMatchObject({ granted: true });
      }
    } finally {
      // Let go: the held tap, and every one after it, reaches the desk's journal.
      release();
      vi.restoreAllMocks();
    }
    expect(await recorded).toEqual([A, expect.any(Number)]);
    await site.checkout(second.visitId);
    // Every PUBACK came: what the desk saved is where a restart would send from.
    await desk.idle();
    const saved = JSON.parse(await readFile(join(site.desk.dir, 'fleet-desk.json'), 'utf8'));
    expect(saved.prev).toEqual({ [A]: desk.status()[0]!.lastSentSeq, [B]: desk.status()[1]!.lastSentSeq });
    expect(saved.cursor).toBeGreaterThanOrEqual(Math.max(...Object.values<number>(saved.prev)));
  });

  it('a publication the client refuses is sent again from the last one the broker took', async () => {
    const desk = site.desk.fleet.desk;
    if (!desk) throw new Error('no desk');
    const publish = MqttClient.prototype.publishAsync;
    let refused = 0;
    const spy = vi.spyOn(MqttClient.prototype, 'publishAsync').mockImplementation(function (
      this: MqttClient,
      ...args: Parameters<MqttClient['publishAsync']>
    ) {
      if (refused === 0 && args[0] === `pintu/fleet/${B}/grants`) {
        refused++;
        return Promise.reject(new Error('refused by the test'));
      }
      return publish.apply(this, args);
    });
    try {
      const { visitId, uid } = await site.deskVisit([]);
      await site.caughtUp(A);
      await site.caughtUp(B);
      expect(refused).toBe(1);
      expect(site.tap(B, `${B}-in`, uid)).toMatchObject({ granted: true });
      await site.checkout(visitId);
      await site.caughtUp(B);
      expect(site.tap(B, `${B}-in`, uid)).toMatchObject({ granted: false, reason: 'checked_out' });
    } finally {
      spy.mockRestore();
    }
  });
});
