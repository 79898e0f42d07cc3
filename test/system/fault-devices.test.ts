// Fault campaign (issue 6), short: one gateway with a PC/SC reader (real pcscd + vpcd), a
// serial reader (socat pty pair), GPIO relays (fake sysfs) and a room controller on a real
// Mosquitto (test/support/fault-rig.ts). In turn: pcscd killed and restarted, the serial
// device unplugged and back, the broker stopped and started, a room controller that never
// acks and then does. All along, the readers that still have their device keep deciding;
// the right alarm is raised and cleared; everything recovers without a restart.
// `npm run campaign:faults` runs the same faults at random, round after round.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FaultRig, RIG_NEEDS } from '../support/fault-rig.js';
import { labSuite, eventually as until } from '../support/lab.js';

labSuite('fault campaign: devices and broker under one running gateway', RIG_NEEDS, () => {
  let rig: FaultRig;
  const granted = async (kind: 'nfc' | 'serial' | 'room') => {
    const d = await rig.tap(kind);
    expect(d?.type, `a tap at the ${kind} reader`).toBe('access.granted');
  };
  const readerProblem = (reader: string) => [
    expect.stringMatching(new RegExp(`^reader ${reader}: offline \\(.+\\)$`)),
  ];
  const gauge = async (reader: string) => {
    const text = await rig.g.gateway.core.metrics.registry.getSingleMetricAsString('pintu_reader_connected');
    return new RegExp(`reader="${reader}"} (\\d)`).exec(text)?.[1];
  };

  beforeAll(async () => {
    rig = await FaultRig.start();
  }, 240_000); // waits for the lab's pcscd lock if hw-pcsc.test.ts holds it

  afterAll(async () => {
    await rig?.close();
  });

  it('before any fault: every reader grants, the relays move, health is ok', async () => {
    const pulses = [rig.pulses('nfc'), rig.pulses('serial')];
    await granted('nfc');
    await granted('serial');
    await granted('room');
    expect([rig.pulses('nfc'), rig.pulses('serial')]).toEqual([pulses[0]! + 1, pulses[1]! + 1]);
    expect(await rig.health()).toMatchObject({ status: 'ok', mqtt: { connected: true } });
    expect(rig.alarms()).toEqual([]);
  });

  it('pcscd killed: the serial reader grants, the PC/SC door shows reader_offline; restarted: NFC grants, cleared', async () => {
    const from = rig.entries.length;
    const generation = rig.pcsc.generation;
    await rig.inject('pcscd');
    const pulses = rig.pulses('serial');
    await granted('serial');
    expect(rig.pulses('serial')).toBe(pulses + 1);
    await until(() => expect(rig.relay('serial')).toBe('1'), 1000, 2); // the relay moved (a 1 s pulse)
    await until(
      async () =>
        expect(await rig.health()).toMatchObject({
          status: 'degraded',
          problems: readerProblem('pintu-utama-in'),
        }),
      10_000,
    );
    expect(await gauge('pintu-utama-in')).toBe('0');
    await until(() =>
      expect(rig.alarms(from)).toEqual([['door.alarm', 'pintu-utama', 'reader_offline', 'pintu-utama-in']]),
    );
    expect(rig.g.mqtt.doorState('pintu-utama')).toMatchObject({ alarms: ['reader_offline'], locked: true });
    await granted('serial'); // still, with the alarm up
    await until(() =>
      expect(rig.fac.on('pintu/events').map((p) => JSON.parse(p))).toContainEqual(
        expect.objectContaining({ type: 'door.alarm', door: 'pintu-utama', alarm: 'reader_offline' }),
      ),
    );

    await rig.restore('pcscd');
    await until(
      () =>
        expect(rig.alarms(from)).toEqual([
          ['door.alarm', 'pintu-utama', 'reader_offline', 'pintu-utama-in'],
          ['door.alarm_cleared', 'pintu-utama', 'reader_offline', 'pintu-utama-in'],
        ]),
      15_000,
    );
    expect(rig.pcsc.generation).toBeGreaterThan(generation); // a new PC/SC context, the same gateway
    const nfcPulses = rig.pulses('nfc');
    await granted('nfc');
    expect(rig.pulses('nfc')).toBe(nfcPulses + 1);
    expect(await rig.health()).toMatchObject({ status: 'ok' });
    expect(await gauge('pintu-utama-in')).toBe('1');
    expect(rig.g.mqtt.doorState('pintu-utama')).toMatchObject({ alarms: [] });
  }, 40_000);

  it('serial device unplugged: the NFC reader grants, the serial door shows reader_offline; back: grants, cleared', async () => {
    const from = rig.entries.length;
    const opens = rig.serialReader.opens;
    await rig.inject('serial');
    await granted('nfc');
    await until(
      async () =>
        expect(await rig.health()).toMatchObject({
          status: 'degraded',
          problems: readerProblem('pintu-samping-in'),
        }),
      10_000,
    );
    expect((await rig.health()).problems).toEqual([
      'reader pintu-samping-in: offline (serial reader unplugged)',
    ]);
    await until(() =>
      expect(rig.alarms(from)).toEqual([
        ['door.alarm', 'pintu-samping', 'reader_offline', 'pintu-samping-in'],
      ]),
    );
    expect(rig.g.mqtt.doorState('pintu-samping')).toMatchObject({ alarms: ['reader_offline'] });
    const pulses = rig.pulses('nfc');
    await granted('nfc');
    expect(rig.pulses('nfc')).toBe(pulses + 1);

    await rig.restore('serial');
    await until(() => expect(rig.serialReader.opens).toBe(opens + 1), 5000);
    await granted('serial');
    await until(() =>
      expect(rig.alarms(from)).toEqual([
        ['door.alarm', 'pintu-samping', 'reader_offline', 'pintu-samping-in'],
        ['door.alarm_cleared', 'pintu-samping', 'reader_offline', 'pintu-samping-in'],
      ]),
    );
    expect(await rig.health()).toMatchObject({ status: 'ok' });
  }, 40_000);

  it('broker stopped: local readers grant, MQTT shows disconnected and a growing backlog; started: drained, in order', async () => {
    const from = rig.entries.length;
    await rig.inject('broker');
    await until(() => expect(rig.g.mqtt.health().connected).toBe(false), 10_000);
    const backlog = rig.g.mqtt.health().backlog;
    for (const kind of ['serial', 'nfc', 'serial', 'nfc'] as const) await granted(kind);
    await until(() => expect(rig.g.mqtt.health().backlog).toBeGreaterThanOrEqual(backlog + 4));
    expect((await rig.health()).mqtt).toMatchObject({ connected: false });
    expect(rig.alarms(from).filter((a) => a[2] === 'reader_offline')).toEqual([]); // no reader lost anything

    await rig.restore('broker');
    await until(() => expect(rig.g.mqtt.health()).toMatchObject({ connected: true, backlog: 0 }), 15_000);
    // Everything journaled since the start arrived once, in journal order (QoS 2, persistent session).
    await until(() => expect(rig.eventsProblem(0)).toBeUndefined(), 15_000);
    await granted('room'); // the controller is back with the broker
    await until(() => expect(rig.eventsProblem(0)).toBeUndefined(), 5000);
  }, 40_000);

  it('a room controller that never acks: no_ack and an unknown lock, local readers grant; it acks again: cleared', async () => {
    const from = rig.entries.length;
    await rig.inject('no_ack'); // deaf, and a tap at its reader: an unlock goes unanswered
    await until(
      () => expect(rig.g.mqtt.doorState('ruang-101')).toMatchObject({ locked: null, alarms: ['no_ack'] }),
      5000,
    );
    await until(() => expect(rig.alarms(from)).toEqual([['door.alarm', 'ruang-101', 'no_ack', 'room:r101']]));
    await granted('nfc');
    await granted('serial');

    await rig.restore('no_ack');
    await granted('room'); // the next command is acknowledged
    await until(() =>
      expect(rig.alarms(from)).toEqual([
        ['door.alarm', 'ruang-101', 'no_ack', 'room:r101'],
        ['door.alarm_cleared', 'ruang-101', 'no_ack', 'room:r101'],
      ]),
    );
    await until(() => expect(rig.g.mqtt.doorState('ruang-101')).toMatchObject({ alarms: [] }));
    expect(rig.g.mqtt.doorState('ruang-101')?.locked).not.toBeNull();
  });

  it('recovered without a restart: one gateway all along, every door without alarms, health ok', async () => {
    expect(rig.entries.filter((e) => e.type.startsWith('system.'))).toEqual([]);
    for (const door of ['pintu-utama', 'pintu-samping', 'ruang-101'])
      expect(rig.g.mqtt.doorState(door)?.alarms, door).toEqual([]);
    await until(async () =>
      expect(await rig.health()).toMatchObject({ status: 'ok', mqtt: { connected: true, backlog: 0 } }),
    );
    await until(() => expect(rig.eventsProblem(0)).toBeUndefined());
  });
});
