// Issue 15, item 7: a room controller whose clock is off. A command carries its deadline on the
// gateway's clock (`exp`) and the gateway's time when this copy was sent (`at`); the controller
// judges lateness against its own notion of the gateway's time, learned from the commands of
// the connection with its own clock, so a skewed or unset clock does not turn every grant into
// no_ack, while a copy delivered late is still dropped. The simulated controller runs the rule
// of the reference firmware (firmware-config/room-controller/room-controller.yaml).
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomCommand } from '../../src/mqtt/schemas.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { freePort, type MqttGateway, startMqttGateway, TEST_PASSWORD, until } from '../support/mqtt.js';
import { USERS } from './mqtt-contract.js';

describe('room controllers with a skewed clock', () => {
  let g: MqttGateway | undefined;
  let ctl: SimController | undefined;
  afterEach(async () => {
    await ctl?.stop();
    await g?.close();
    ctl = undefined;
    g = undefined;
  });

  const start = async (clock: () => number) => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    ctl = new SimController({
      room: 'r101',
      url: g.url,
      username: 'ctl-101',
      password: TEST_PASSWORD,
      reconnectPeriod: 0,
      clock,
    });
    const ignored: Array<{ reason: string; payload: string }> = [];
    ctl.on('ignored', (x) => ignored.push(x));
    await ctl.start();
    // The state command the gateway sends a controller that comes online.
    await until(() => expect(ctl!.ran.length + ignored.length).toBeGreaterThan(0));
    return { ctl, ignored };
  };

  for (const [what, offset] of [
    ['5 s ahead', 5_000],
    ['a minute ahead', 60_000],
    ['an hour behind', -3_600_000],
  ] as const) {
    it(`a controller clock ${what}: every grant opens, no no_ack`, async () => {
      const { ctl, ignored } = await start(() => Date.now() + offset);
      const v = await g!.badgedVisit();
      ctl.tap('nfc', v.uid);
      // The sentinel: the unlock runs, or the controller drops it as expired.
      await until(() =>
        expect(
          ctl.ran.some((c) => c.action === 'unlock') || ignored.some((x) => x.reason === 'expired'),
        ).toBe(true),
      );
      expect(ignored.filter((x) => x.reason === 'expired')).toEqual([]);
      await until(() => expect(g!.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined());
      const { values } = await g!.gateway.core.metrics.mqtt.commands.get();
      expect(values.filter((x) => x.labels.result === 'no_ack').reduce((n, x) => n + x.value, 0)).toBe(0);
    });
  }

  it('a copy delivered late is still dropped, whatever the clock; the next grant opens', async () => {
    const { ctl, ignored } = await start(() => Date.now() + 5_000);
    // A copy sent 10 s ago with the gateway's usual validity, arriving now (stuck in a buffer).
    const at = Date.now() - 10_000;
    const late: RoomCommand & { at: number } = {
      id: 'late-copy',
      action: 'unlock',
      ms: 500,
      exp: at + 450,
      at,
    };
    await g!.mqtt.broker!.publish({
      topic: 'pintu/rooms/r101/command',
      payload: Buffer.from(JSON.stringify(late)),
      qos: 0,
      retain: false,
    });
    await until(() => expect(ignored.map((x) => JSON.parse(x.payload).id)).toContain('late-copy'));
    expect(ignored.find((x) => JSON.parse(x.payload).id === 'late-copy')?.reason).toBe('expired');
    expect(ctl.ran.map((c) => c.id)).not.toContain('late-copy');
    const v = await g!.badgedVisit();
    ctl.tap('nfc', v.uid);
    await until(() => expect(ctl.ran.some((c) => c.action === 'unlock')).toBe(true));
  });
});
