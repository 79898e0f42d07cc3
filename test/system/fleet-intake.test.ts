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
import type { FleetDesk } from '../../src/fleet/desk.js';
import { type MosquittoFleet, startMosquittoFleet } from '../support/fleet.js';
import { labSuite } from '../support/lab.js';
import { until } from '../support/mqtt.js';

const A = 'pintu-1';
const B = 'pintu-2';

/**
 * Holds the desk's recording of the taps that reach it, as a desk buried in taps holds it: `held`
 * once one waits; `release` lets it and every one after it through (vi.restoreAllMocks unhooks).
 */
function holdRecording(desk: FleetDesk): { held: Promise<void>; release: () => void } {
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
  return { held, release };
}

labSuite("fleet: the desk's messages while its intake is held (issue 17)", ['mosquitto'], () => {
  let site: MosquittoFleet;

  beforeAll(async () => {
    site = await startMosquittoFleet({ doors: 2 });
  }, 60_000);

  afterAll(() => site?.close());

  it("a new visit and a checkout reach every door gateway while a gateway's tap is still being recorded", async () => {
    const desk = site.desk.fleet.desk;
    if (!desk) throw new Error('no desk');
    const first = await site.deskVisit([]);
    await site.allCaughtUp();

    const { held, release } = holdRecording(desk);
    const recorded = once(desk, 'recorded');
    let second: Awaited<ReturnType<MosquittoFleet['deskVisit']>>;
    try {
      // A's tap goes to the desk, which holds it midway through recording it.
      expect(site.tap(A, `${A}-in`, first.uid)).toMatchObject({ granted: true });
      await held;

      second = await site.deskVisit([]);
      await site.checkout(first.visitId);
      await site.allCaughtUp();
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
      await site.allCaughtUp();
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

// A broker keeps a bounded queue for each client (Mosquitto's max_queued_messages beyond the 20
// in flight; EMQX's max_mqueue_len): a desk that takes taps slower than the entrances make them
// has the rest dropped on the way, though each door gateway's broker acknowledged its tap. The
// desk must find the hole and get those taps again from the gateway's journal: its recap is the
// sum of the gateways'.
labSuite('fleet: taps a broker dropped on their way to the desk (issue 17)', ['mosquitto'], () => {
  let site: MosquittoFleet;

  beforeAll(async () => {
    // Its progress every second: the hole at the end of a burst is found without another tap.
    site = await startMosquittoFleet({ doors: 1, maxQueued: 3, doorFleet: { statusSeconds: 1 } });
  }, 60_000);

  afterAll(() => site?.close());

  it('records every tap of a burst the desk could not keep up with, once each', async () => {
    const desk = site.desk.fleet.desk;
    const door = site.door(A);
    if (!desk || !door.fleet.door) throw new Error('no fleet');
    const { visitId, uid } = await site.deskVisit([]);
    await site.caughtUp(A);

    const { held, release } = holdRecording(desk);
    // Every tap in a journal, by the gateway's seq (the desk's fleet.access carry it).
    const taps = async (j: typeof door.gateway.core.journal) => {
      const seqs: number[] = [];
      for await (const e of j.read({ types: ['access.granted', 'access.denied', 'fleet.access'] }))
        seqs.push(e.type === 'fleet.access' ? e.payload.gatewaySeq : e.seq);
      return seqs;
    };
    try {
      expect(site.tap(A, `${A}-in`, uid)).toMatchObject({ granted: true });
      await held;
      // The rest of the burst, each journaled at the gateway and taken by the broker: more than
      // the broker keeps for a desk that takes none.
      const sent = door.fleet.door.status().eventsSent;
      for (let k = 1; k < 60; k++) site.tap(A, `${A}-in`, uid);
      await until(
        () => expect(door.fleet.door!.status().eventsSent - sent).toBeGreaterThanOrEqual(59),
        30_000,
        50,
      );
    } finally {
      release();
      vi.restoreAllMocks();
    }
    // Every tap of the gateway's journal is in the desk's, once.
    const atDoor = await taps(door.gateway.core.journal);
    await until(async () => expect(await taps(site.desk.gateway.core.journal)).toEqual(atDoor), 60_000, 200);
    expect(desk.status()[0]!.resends).toBeGreaterThan(0);
    expect(door.fleet.door.status().resendsAsked).toBeGreaterThan(0);
    await site.checkout(visitId);
  }, 120_000);
});
