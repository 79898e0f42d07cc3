// The MQTT contract on the embedded aedes broker (see mqtt-contract.ts), and what only the
// embedded broker does: no $SYS publishing, TLS, WebSocket, limits against hostile clients.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { MqttUsers, mqttUsersFile } from '../../src/mqtt/users.js';
import { requireLab } from '../support/lab.js';
import { testCertificate } from '../support/lab-tools.js';
import { limit } from '../support/limits.js';
import {
  attempt,
  type Collected,
  client,
  connectCode,
  freePort,
  type MqttGateway,
  startMqttGateway,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';
import { connect311, RawClient, subscribePacket as subscribeAt } from '../support/mqtt-raw.js';
import { contractSuite, USERS } from './mqtt-contract.js';

describe('MQTT contract on the embedded broker', () => {
  contractSuite({
    kind: 'embedded',
    protocolVersion: 4,
    async start(o = {}) {
      return startMqttGateway({
        mqtt: { mode: 'embedded', port: await freePort(), ...o.mqtt },
        users: USERS,
        ...(o.dir ? { dir: o.dir } : {}),
        ...(o.extra ? { extra: o.extra } : {}),
      });
    },
    async cleanup() {},
  });
});

// MQTT 3.1.1 packets by hand, for a client that misbehaves on purpose.
const str = (s: string) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
};
function packet(type: number, body: Buffer): Buffer {
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...len]), body]);
}
const connectPacket = (clientId: string, username: string, password: string) =>
  packet(
    0x10,
    Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 60]), str(clientId), str(username), str(password)]),
  );
const subscribePacket = (filter: string) =>
  packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([0])]));

describe('the embedded broker itself', () => {
  let g: MqttGateway | undefined;
  let dir: string | undefined;
  const clients: Collected[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await g?.close();
    g = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const as = async (
    username: string,
    subscribe: string[] = [],
    url = g!.url,
    extra: Record<string, unknown> = {},
  ) => {
    const c = await client(url, { username, password: TEST_PASSWORD, subscribe, ...extra });
    clients.push(c);
    return c;
  };

  it('listens on loopback by default', () => {
    const { config } = loadConfig({ env: {} });
    expect(config.mqtt).toMatchObject({ mode: 'embedded', host: '127.0.0.1', port: 1883 });
  });

  it('refuses $SYS publications from every client: acknowledged and dropped, as Mosquitto does', async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    const routed: string[] = [];
    g.mqtt.broker!.aedes.on('publish', (packet, from) => {
      if (from) routed.push(packet.topic);
    });
    const evil = await as('fac');
    await evil.client.publishAsync('$SYS/fake/clients/connected', '1000', { qos: 1 });
    // The sentinel: the next publication of the same connection is routed; the $SYS one never was.
    await evil.client.publishAsync('pintu/doors/pintu-utama/set', 'LOCK', { qos: 1 });
    await until(() => expect(routed).toContain('pintu/doors/pintu-utama/set'));
    expect(routed.filter((t) => t.startsWith('$SYS'))).toEqual([]);
    expect(evil.client.connected).toBe(true);
    const { values } = await g.gateway.core.metrics.mqtt.rejected.get();
    expect(values.find((v) => v.labels.reason === 'sys')?.value).toBe(1);
  });

  it("sends a retained message at the lower of its QoS and the subscription's (MQTT-3.3.5-1), wildcards too", async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    // The gateway's retained status and door states are QoS 1 (src/mqtt/schemas.ts TOPIC_SPECS).
    await until(() => expect(g!.mqtt.health().connected).toBe(true));
    const c = await RawClient.open(g.config.mqtt.port);
    try {
      c.send(
        connect311({
          clientId: 'fac-qos',
          username: 'fac',
          password: TEST_PASSWORD,
          keepalive: 60,
          clean: true,
        }),
      );
      await c.next('CONNACK', (p) => p.type === 2);
      // QoS 0: an exact topic and a wildcard filter; QoS 1: the visitors count.
      c.send(subscribeAt(1, ['pintu/status', 'pintu/doors/+/state'], 0));
      c.send(subscribeAt(2, 'pintu/visitors/inside', 1));
      const status = await c.nextPublish('pintu/status');
      const door = await c.nextPublish('pintu/doors/pintu-utama/state');
      const inside = await c.nextPublish('pintu/visitors/inside');
      expect([status, door, inside].map((m) => [m.topic, m.retain, m.qos])).toEqual([
        ['pintu/status', true, 0],
        ['pintu/doors/pintu-utama/state', true, 0],
        ['pintu/visitors/inside', true, 1],
      ]);
    } finally {
      c.end();
    }
  });

  it("a login cannot take over another login's client id (the gateway's or a controller's)", async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    const ctl = new SimController({
      room: 'r101',
      url: g.url,
      username: 'ctl-101',
      password: TEST_PASSWORD,
      reconnectPeriod: 0,
    });
    await ctl.start();
    const fac = await as('fac', ['pintu/events']);
    try {
      const as = (clientId: string) =>
        connectCode(g!.url, { username: 'fac', password: TEST_PASSWORD, clientId });
      expect(await as('pintu-room-r101')).toBe(2);
      expect(await as('pintu-gateway')).toBe(2);
      expect(await as('pintu-gateway-events')).toBe(2);
      // The sentinel: a tap over the controller's session, decided by the gateway's, published by
      // its events session. A takeover would have closed one of them before its CONNACK.
      ctl.tap('nfc', 'DEADBEEF');
      await until(() =>
        expect(fac.on('pintu/events').some((e) => JSON.parse(e).reason === 'unknown_badge')).toBe(true),
      );
      expect(ctl.connected).toBe(true);
      expect(g.mqtt.health().connected).toBe(true);
    } finally {
      await ctl.stop();
    }
  });

  it('closes the sessions of a user removed with pintu mqtt-user remove', async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
    const fac = await as('fac');
    const users = await MqttUsers.open(mqttUsersFile(g.dir));
    await users.remove('fac');
    // The broker notices at the next login attempt (any client's).
    expect(await connectCode(g.url, { username: 'fac', password: TEST_PASSWORD })).toBeGreaterThan(0);
    await until(() => expect(fac.client.connected).toBe(false));
  });

  // The test's certificate comes from openssl (Debian: always there; named when missing).
  const hasOpenssl = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].some((f) =>
    existsSync(f),
  );
  it.skipIf(!requireLab('openssl (apt package openssl), to make a test certificate', hasOpenssl))(
    'serves TLS and MQTT over WebSocket with the same logins and rules',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'pintu-tls-'));
      const { cert, key } = await testCertificate(dir, 1);
      const [port, tlsPort, wsPort] = [await freePort(), await freePort(), await freePort()];
      g = await startMqttGateway({
        mqtt: { mode: 'embedded', port, tls: { port: tlsPort, cert, key }, websocket: { port: wsPort } },
        users: USERS,
      });
      expect(g.mqtt.health().broker?.listening.map((l) => l.kind)).toEqual(['tcp', 'tls', 'ws']);
      const ca = readFileSync(cert);
      const overTls = await as('fac', ['pintu/status'], `mqtts://127.0.0.1:${tlsPort}`, { ca });
      await until(() => expect(overTls.on('pintu/status')).toEqual(['online']));
      const overWs = await as('fac', ['pintu/status'], `ws://127.0.0.1:${wsPort}/mqtt`);
      await until(() => expect(overWs.on('pintu/status')).toEqual(['online']));
      expect(
        await connectCode(`ws://127.0.0.1:${wsPort}/mqtt`, { username: 'fac', password: 'wrong password!' }),
      ).toBeGreaterThan(0);
      // A client that does not trust the certificate is refused by its own TLS check.
      expect(
        await connectCode(`mqtts://127.0.0.1:${tlsPort}`, { username: 'fac', password: TEST_PASSWORD }),
      ).not.toBe(0);
    },
  );

  it(
    'drops a client that exceeds maxTopicLevels, and one that stops reading (drainTimeout), without stalling the others',
    async () => {
      g = await startMqttGateway({
        mqtt: {
          mode: 'embedded',
          port: await freePort(),
          limits: { maxTopicLevels: 8, drainTimeoutMs: 300, maxPacketBytes: 65536 },
        },
        users: USERS,
      });
      const deep = await as('fac');
      await attempt(
        deep.client.publishAsync('pintu/doors/a/b/c/d/e/f/g/h/set', 'LOCK', { qos: 1 }),
        deep.client,
      );
      await until(() => expect(deep.client.connected).toBe(false));

      // A frozen subscriber: a raw socket that logs in, subscribes to everything and never reads.
      const frozen = net.connect(g.config.mqtt.port, '127.0.0.1');
      await new Promise((r) => frozen.once('connect', r));
      frozen.write(connectPacket('fac-frozen', 'fac', TEST_PASSWORD));
      // Settled once its SUBACK came (after the CONNACK's 4 bytes): then it stops reading.
      let got = Buffer.alloc(0);
      frozen.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
      });
      frozen.write(subscribePacket('homeassistant/#'));
      await until(() => expect(got[4]).toBe(0x90));
      frozen.pause();
      expect(g.mqtt.broker!.clients().map((c) => c.id)).toContain('fac-frozen');
      const healthy = await as('fac', ['homeassistant/status']);
      const ha = await as('ha');
      const payload = 'x'.repeat(60_000);
      for (let i = 0; i < 200; i++) ha.client.publish('homeassistant/status', payload);
      // 12 MB through the broker: on one busy core this takes tens of seconds (deadlines, not speed)
      await until(() => expect(healthy.on('homeassistant/status')).toHaveLength(200), limit(60_000));
      // The broker gave up on the frozen one (it never read: it does not even know yet).
      await until(
        () => expect(g!.mqtt.broker!.clients().map((c) => c.id)).not.toContain('fac-frozen'),
        limit(10_000),
      );
      frozen.destroy();
    },
    limit(90_000),
  );
});

describe('the embedded broker at start', () => {
  it('says which address is taken when it cannot listen, and leaves nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startMqttGateway({ mqtt: { mode: 'embedded', port } })).rejects.toThrow(
        `mqtt broker: cannot listen (tcp) on 127.0.0.1:${port}: the address is in use`,
      );
    } finally {
      blocker.close();
    }
  });
});
