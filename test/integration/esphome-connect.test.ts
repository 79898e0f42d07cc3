// The reference room controller (firmware-config/room-controller/room-controller.yaml) as
// ESPHome's MQTT client runs it, replayed byte by byte against the embedded broker and a real
// Mosquitto with the shipped settings and ACL (issue 15, item 1).
//
// The sequence is read from ESPHome 2024.10.2 (github.com/esphome/esphome, tag 2024.10.2; the
// files below are unchanged up to 2024.11.0-dev, commit 33fdbbe):
// - esphome/components/mqtt/__init__.py: the defaults the YAML leaves (keepalive 15s,
//   discover_ip true, discovery_retain true); `discovery: false` only empties the prefix:
//   set_discovery_info(prefix "", ..., retain true, discover_ip) unless discover_ip is false too.
// - esphome/components/mqtt/mqtt_backend_esp32.cpp: the ESP-IDF backend (esp-mqtt, MQTT 3.1.1):
//   CONNECT with the client id, user name, password, clean-session flag and the last will
//   (topic, payload, qos, retain) of the YAML.
// - esphome/components/mqtt/mqtt_client.h: MQTTJsonMessageTrigger subscribes in its constructor
//   (the generated setup code, before MQTTClientComponent::setup()), so the command topic is
//   the first subscription; mqtt_client.cpp setup() then adds `esphome/discover` and
//   `esphome/ping/<name>` (QoS 2) when discover_ip is on.
// - esphome/components/mqtt/mqtt_client.cpp check_connected(): after CONNACK,
//   resubscribe_subscriptions_() (one SUBSCRIBE each, in that order), then send_device_info_():
//   a retained QoS 2 PUBLISH of the device's JSON on `esphome/discover/<name>`; loop() sends the
//   birth message on its next pass; on_connect's publish_state follows once mqtt.connected holds.
// - the YAML's lambda: every copy of a command is acknowledged at QoS 0 at once; a tap is the
//   pn532 UID as ESPHome prints it ("04-A1-B2-..."), QoS 0.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labSuite } from '../support/lab.js';
import {
  freePort,
  gatewayLogins,
  Mosquitto,
  type MqttGateway,
  mosquittoAcl,
  startMqttGateway,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';
import {
  ackPacket,
  connect311,
  decodePublish,
  PINGREQ,
  publishPacket,
  RawClient,
  subscribePacket,
} from '../support/mqtt-raw.js';
import { rejected, USERS } from './mqtt-contract.js';

const ESPHOME_VERSION = '2024.10.2';
const ROOM = 'r101';
const NODE = `pintu-${ROOM}`;

interface Message {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** What the firmware built from the YAML sends, for one room and login. */
interface Firmware {
  clientId: string;
  username: string;
  password: string;
  keepalive: number;
  clean: boolean;
  will: Message;
  birth: Message;
  commandTopic: string;
  commandQos: 0 | 1 | 2;
  discoverIp: boolean;
  discoveryRetain: boolean;
  stateTopic: string;
  tapTopic: string;
  ackTopic: string;
}

type Yaml = Record<string, unknown>;

/** The shipped YAML, with its substitutions for this room and its secrets for this login. */
function shippedFirmware(username: string, password: string): { fw: Firmware; yaml: Yaml } {
  const substitutions: Record<string, string> = { room: ROOM, base_topic: 'pintu', device_name: NODE };
  const text = readFileSync(
    new URL('../../firmware-config/room-controller/room-controller.yaml', import.meta.url),
    'utf8',
  )
    // ESPHome's substitutions, `${name}` in the YAML.
    .replace(/\$\{(\w+)\}/g, (whole, name: string) => substitutions[name] ?? whole);
  const secrets: Record<string, string> = { mqtt_username: username, mqtt_password: password };
  const yaml = parse(text, {
    customTags: [
      { tag: '!secret', resolve: (name: string) => secrets[name] ?? `secret:${name}` },
      { tag: '!lambda', resolve: (code: string) => code },
    ],
  }) as Yaml;
  const m = yaml.mqtt as Yaml;
  const message = (o: unknown): Message => {
    const x = o as { topic: string; payload: string; qos?: 0 | 1 | 2; retain?: boolean };
    // ESPHome's MQTT_MESSAGE_SCHEMA defaults: qos 0, retain true.
    return { topic: x.topic, payload: x.payload, qos: x.qos ?? 0, retain: x.retain ?? true };
  };
  const onJson = (m.on_json_message as Yaml[] | Yaml) ?? [];
  const trigger = (Array.isArray(onJson) ? onJson[0] : onJson) as { topic: string; qos?: 0 | 1 | 2 };
  const seconds = (v: unknown, dflt: number) =>
    v === undefined ? dflt : Number.parseInt(String(v).replace(/s$/, ''), 10);
  return {
    yaml,
    fw: {
      clientId: String(m.client_id ?? `${NODE}-240ac4000001`),
      username: String(m.username),
      password: String(m.password),
      keepalive: seconds(m.keepalive, 15),
      clean: m.clean_session === true,
      will: message(m.will_message),
      birth: message(m.birth_message),
      commandTopic: trigger.topic,
      commandQos: trigger.qos ?? 0,
      discoverIp: m.discover_ip !== false,
      discoveryRetain: m.discovery_retain !== false,
      stateTopic: `pintu/rooms/${ROOM}/state`,
      tapTopic: `pintu/rooms/${ROOM}/tap`,
      ackTopic: `pintu/rooms/${ROOM}/ack`,
    },
  };
}

/** What one session showed. */
interface Session {
  /** SUBACK return codes, in the order of the subscriptions. */
  granted: number[];
  /** The stray discovery publication was acknowledged through PUBCOMP (undefined: none sent). */
  strayCompleted?: boolean;
  commands: Array<{ id: string; action: string }>;
}

/**
 * One connection of the firmware: CONNECT, the subscriptions and publications it makes on
 * connect, in order; then the gateway's state command, a tap and its unlock; then a PINGREQ
 * answered, the proof that the connection is still up.
 */
async function esphomeSession(port: number, fw: Firmware, credential: string): Promise<Session> {
  const c = await RawClient.open(port);
  const commands: Session['commands'] = [];
  // The YAML's lambda: every copy of a command acknowledged at once (QoS 0, not retained).
  c.listeners.push((p) => {
    if (p.type !== 3) return;
    const m = decodePublish(p);
    if (m.topic !== fw.commandTopic) return;
    const cmd = JSON.parse(m.payload) as { id: string; action: string };
    commands.push({ id: cmd.id, action: cmd.action });
    c.send(
      publishPacket({
        topic: fw.ackTopic,
        payload: JSON.stringify({ id: cmd.id, ok: true }),
        qos: 0,
        retain: false,
      }),
    );
  });
  try {
    c.send(
      connect311({
        clientId: fw.clientId,
        username: fw.username,
        password: fw.password,
        keepalive: fw.keepalive,
        clean: fw.clean,
        will: fw.will,
      }),
    );
    const connack = await c.next('CONNACK', (p) => p.type === 2);
    expect(connack.body[1], 'CONNACK return code').toBe(0);
    // esp-mqtt numbers its packets from 1.
    let id = 0;
    const subscriptions: Array<[string, 0 | 1 | 2]> = [
      [fw.commandTopic, fw.commandQos],
      ...(fw.discoverIp
        ? ([
            ['esphome/discover', 2],
            [`esphome/ping/${NODE}`, 2],
          ] as Array<[string, 2]>)
        : []),
    ];
    const subIds = subscriptions.map(([topic, qos]) => {
      const i = ++id;
      c.send(subscribePacket(i, topic, qos));
      return i;
    });
    let strayId: number | undefined;
    if (fw.discoverIp) {
      strayId = ++id;
      c.send(
        publishPacket({
          topic: `esphome/discover/${NODE}`,
          payload: JSON.stringify({
            ip: '192.168.10.51',
            name: NODE,
            version: ESPHOME_VERSION,
            mac: '240ac4000001',
            platform: 'ESP32',
            board: 'esp32dev',
            network: 'wifi',
          }),
          qos: 2,
          retain: fw.discoveryRetain,
          id: strayId,
        }),
      );
    }
    const birthId = ++id;
    c.send(publishPacket({ ...fw.birth, id: birthId }));
    const stateId = ++id;
    c.send(
      publishPacket({
        topic: fw.stateTopic,
        payload: JSON.stringify({
          online: true,
          locked: true,
          open: false,
          fw: 'esphome-pintu-room-controller',
        }),
        qos: 1,
        retain: true,
        id: stateId,
      }),
    );
    const granted: number[] = [];
    for (const i of subIds) granted.push((await c.nextAck(9, i)).body[2]!);
    let strayCompleted: boolean | undefined;
    if (strayId !== undefined) {
      await c.nextAck(5, strayId);
      c.send(ackPacket(0x62, strayId));
      await c.nextAck(7, strayId);
      strayCompleted = true;
    }
    await c.nextAck(4, birthId);
    await c.nextAck(4, stateId);
    // Told the controller is online, the gateway sends the state its door must be in.
    await until(() => expect(commands.map((x) => x.action)).toContain('lock'));
    c.send(
      publishPacket({
        topic: fw.tapTopic,
        payload: JSON.stringify({ credential, kind: 'nfc' }),
        qos: 0,
        retain: false,
      }),
    );
    await until(() => expect(commands.map((x) => x.action)).toContain('unlock'));
    c.send(PINGREQ);
    await c.next('PINGRESP', (p) => p.type === 13);
    return { granted, ...(strayCompleted !== undefined ? { strayCompleted } : {}), commands };
  } finally {
    c.end();
  }
}

/** "04A1B2C3D4E501" as ESPHome's pn532 prints it: "04-A1-B2-C3-D4-E5-01". */
const dashed = (uid: string) => uid.match(/../g)!.join('-');

describe(`ESPHome ${ESPHOME_VERSION} room controller on the embedded broker`, () => {
  let g: MqttGateway | undefined;
  afterEach(async () => {
    await g?.close();
    g = undefined;
  });

  it('the shipped YAML turns discover_ip off: it publishes nothing outside its rights', () => {
    const { fw } = shippedFirmware('ctl-101', TEST_PASSWORD);
    expect(fw.discoverIp).toBe(false);
    expect(fw.clean).toBe(true);
    expect(fw.clientId).toBe('ctl-101');
  });

  for (const discoverIp of [false, true]) {
    it(`stays connected through its connect sequence (discover_ip ${discoverIp}); birth and taps reach the gateway`, async () => {
      g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
      const broker = g.mqtt.broker!;
      const fromClients: string[] = [];
      broker.aedes.on('publish', (packet, from) => {
        if (from) fromClients.push(packet.topic);
      });
      const { fw } = shippedFirmware('ctl-101', TEST_PASSWORD);
      const v = await g.badgedVisit();
      const s = await esphomeSession(g.config.mqtt.port, { ...fw, discoverIp }, dashed(v.uid));
      // The command topic granted; esphome/* refused, the connection kept.
      expect(s.granted).toEqual(discoverIp ? [0, 0x80, 0x80] : [0]);
      expect(g.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined();
      if (discoverIp) {
        expect(s.strayCompleted).toBe(true);
        // Acknowledged, counted, and dropped: never routed, never retained.
        expect(fromClients.filter((t) => t.startsWith('esphome/'))).toEqual([]);
        const retained: string[] = [];
        // aedes's retained store (untyped in its .d.ts): what a new subscriber would be sent.
        const store = (
          broker.aedes as unknown as {
            persistence: { createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string }> };
          }
        ).persistence;
        for await (const p of store.createRetainedStreamCombi(['esphome/#'])) retained.push(p.topic);
        expect(retained).toEqual([]);
        expect(await rejected(g, 'acl')).toBe(3);
      } else expect(await rejected(g)).toBe(0);
    });
  }
});

labSuite(
  `ESPHome ${ESPHOME_VERSION} room controller on a real Mosquitto (shipped settings)`,
  ['mosquitto'],
  () => {
    let g: MqttGateway | undefined;
    let broker: Mosquitto | undefined;
    afterEach(async () => {
      await g?.close();
      await broker?.stop();
      g = undefined;
      broker = undefined;
    });

    for (const discoverIp of [false, true]) {
      it(`stays connected through its connect sequence (discover_ip ${discoverIp}); birth and taps reach the gateway`, async () => {
        const gateway = { username: 'gateway', password: 'gateway secret 123' };
        const observer = { username: 'observer', password: 'observer secret 123' };
        broker = await Mosquitto.start({
          users: [...gatewayLogins(gateway), observer, { username: 'ctl-101', password: TEST_PASSWORD }],
          acl: `${mosquittoAcl({
            gateway: gateway.username,
            facilities: [],
            homeassistant: [],
            rooms: { 'ctl-101': ROOM },
          })}\nuser ${observer.username}\ntopic readwrite #\n`,
          shipped: true,
        });
        g = await startMqttGateway({
          mqtt: { mode: 'external', url: broker.url, ...gateway, protocolVersion: 5 },
          url: broker.url,
          users: [],
        });
        const { fw } = shippedFirmware('ctl-101', TEST_PASSWORD);
        const v = await g.badgedVisit();
        const s = await esphomeSession(broker.port, { ...fw, discoverIp }, dashed(v.uid));
        expect(s.granted[0]).toBe(0);
        expect(g.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined();
        if (discoverIp) expect(s.strayCompleted).toBe(true);
        // Nothing retained under esphome/: a reader of everything subscribes, then publishes a
        // marker; a retained message would reach it before the marker.
        const o = await RawClient.open(broker.port);
        try {
          o.send(connect311({ clientId: 'observer', ...observer, keepalive: 60, clean: true }));
          await o.next('CONNACK', (p) => p.type === 2);
          o.send(subscribePacket(1, 'esphome/#', 0));
          await o.nextAck(9, 1);
          o.send(publishPacket({ topic: 'esphome/marker', payload: 'end', qos: 0, retain: false }));
          await o.nextPublish('esphome/marker');
          const before = o.received.filter((p) => p.type === 3).map((p) => decodePublish(p).topic);
          expect(before).toEqual(['esphome/marker']);
        } finally {
          o.end();
        }
      });
    }
  },
);
