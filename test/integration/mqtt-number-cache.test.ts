// Idle memory (issue 16): mqtt-packet, under aedes and mqtt.js alike, keeps by default a cache
// of the 65,536 two-byte buffers a packet id or a length can be, built at the first packet
// written: 65,536 Buffer objects, about 6 MiB of the gateway's heap held for the life of the
// process, to save a 2-byte allocation a packet. The gateway's MQTT clients turn it off.
import { createRequire } from 'node:module';
import { afterEach, expect, it } from 'vitest';
import { freePort, type MqttGateway, startMqttGateway, TEST_PASSWORD, until } from '../support/mqtt.js';
import { connect311, RawClient, subscribePacket } from '../support/mqtt-raw.js';
import { USERS } from './mqtt-contract.js';

// The module aedes and mqtt.js write packets with (the same file for both: one copy installed).
const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<string, Buffer> };

let g: MqttGateway | undefined;
afterEach(async () => {
  await g?.close();
  g = undefined;
});

it('the embedded broker and the gateway exchange packets without the number cache', async () => {
  g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
  await until(() => expect(g!.mqtt.health().connected).toBe(true));
  // A plain TCP client (not mqtt.js, which would turn the cache on in this process).
  const c = await RawClient.open(g.config.mqtt.port);
  try {
    c.send(
      connect311({
        clientId: 'fac-cache',
        username: 'fac',
        password: TEST_PASSWORD,
        keepalive: 60,
        clean: true,
      }),
    );
    await c.next('CONNACK', (p) => p.type === 2);
    // QoS 1: the broker writes a packet id (a two-byte number) with the retained count.
    c.send(subscribePacket(1, 'pintu/visitors/inside', 1));
    const inside = await c.nextPublish('pintu/visitors/inside');
    expect(inside.qos).toBe(1);
  } finally {
    c.end();
  }
  expect(Object.keys(numbers.cache)).toHaveLength(0);
});
