// The MQTT contract as an AsyncAPI 3.0 document, built from the same catalogue (TOPIC_SPECS) and
// TypeBox payloads as the JSON Schema files, so the two cannot say different things. It is
// written to src/mqtt/asyncapi.json by scripts/mqtt-schemas.ts (a test keeps it equal) and
// served by the gateway beside its OpenAPI document.
//
// An AsyncAPI document describes one application: this one is the gateway's. Its operations are
// what the gateway sends and receives; every operation is tagged with each party of the
// topic (sender and receivers), and the room controllers', facilities' and Home Assistant's
// side is the mirror image of the gateway's.
import { jsonSchemaOf, type Party, TOPIC_SPECS, type TopicSpec } from './schemas.js';

/** Changes when the contract does (a topic, a payload, a QoS), not with every release. */
export const MQTT_CONTRACT_VERSION = '1.0.0';

const PARTY_NAMES: Readonly<Record<Party, string>> = {
  gateway: 'gateway',
  'room-controller': 'room controller',
  facilities: 'facilities',
  'home-assistant': 'Home Assistant',
};

const PARTY_DESCRIPTIONS: Readonly<Record<Party, string>> = {
  gateway: 'The Pintu gateway (this application).',
  'room-controller':
    "A room's door controller (e.g. the ESPHome reference firmware): reads badges and keypad codes, drives the relay; its own room's topics only (broker ACL).",
  facilities: 'Facilities clients: dashboards, Node-RED, the facilities team; may unlock and lock down.',
  'home-assistant': 'Home Assistant, through MQTT discovery (homeassistant/...) and the topics below.',
};

const PARAMETERS: Readonly<Record<string, { description: string }>> = {
  door: {
    description:
      'Door id (doors[].id in the configuration, e.g. pintu-utama). On pintu/doors/{door}/set, "*" is every door (LOCKDOWN and RELEASE only).',
  },
  room: {
    description: "Room id of a door whose lock.driver is mqtt: its lock.room, else the door's id.",
  },
};

/** `door-state` -> `doorState`. */
const camel = (name: string): string => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const ref = ($ref: string) => ({ $ref });
const parameterNames = (topic: string): string[] =>
  [...topic.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1] ?? '');
const names = (parties: readonly Party[]): string => parties.map((p) => PARTY_NAMES[p]).join(', ');

function operation(spec: TopicSpec, action: 'send' | 'receive'): Record<string, unknown> {
  const key = camel(spec.name);
  const will = spec.lastWill
    ? ` (last will: published by the broker for the ${PARTY_NAMES[spec.from[0] ?? 'gateway']})`
    : '';
  return {
    action,
    channel: ref(`#/channels/${key}`),
    summary: `${names(spec.from)} → ${names(spec.to)}${will}`,
    tags: [...new Set([...spec.from, ...spec.to])].map((name) => ({ name })),
    messages: [ref(`#/channels/${key}/messages/${key}`)],
    bindings: { mqtt: { qos: spec.qos, retain: spec.retained, bindingVersion: '0.2.0' } },
  };
}

/** The AsyncAPI 3.0 document of the MQTT contract (with the default base topic, `pintu`). */
export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const spec of TOPIC_SPECS) {
    const key = camel(spec.name);
    const schema = jsonSchemaOf(spec);
    const params = parameterNames(spec.topic);
    channels[key] = {
      address: spec.topic,
      title: String(schema.title ?? spec.topic),
      description: String(schema.description ?? ''),
      messages: { [key]: ref(`#/components/messages/${key}`) },
      ...(params.length
        ? { parameters: Object.fromEntries(params.map((p) => [p, ref(`#/components/parameters/${p}`)])) }
        : {}),
    };
    if (spec.from.includes('gateway')) operations[`send${upperFirst(key)}`] = operation(spec, 'send');
    if (spec.to.includes('gateway')) operations[`receive${upperFirst(key)}`] = operation(spec, 'receive');
    messages[key] = {
      name: key,
      title: String(schema.title ?? spec.topic),
      contentType: spec.encoding === 'json' ? 'application/json' : 'text/plain',
      payload: ref(`#/components/schemas/${key}`),
    };
    // The JSON Schema file itself (draft-07, its `$id` the gateway's address of it), unchanged.
    schemas[key] = { schemaFormat: 'application/schema+json;version=draft-07', schema };
  }
  return {
    asyncapi: '3.0.0',
    id: 'urn:pintu:mqtt',
    info: {
      title: 'Pintu MQTT contract',
      version: MQTT_CONTRACT_VERSION,
      description:
        'The topics of the Pintu visitor access gateway: door state and commands, the visitors inside, access events, and the room controllers. Topics start with the base topic, mqtt.baseTopic (default `pintu`, as written here). "text" payloads (text/plain) are the bare value. Every payload also ships as a JSON Schema file, served by the gateway at its `$id`.',
      tags: Object.keys(PARTY_NAMES).map((p) => ({ name: p, description: PARTY_DESCRIPTIONS[p as Party] })),
    },
    defaultContentType: 'application/json',
    servers: {
      broker: {
        host: '{host}:{port}',
        protocol: 'mqtt',
        title: 'The MQTT broker',
        description:
          "The gateway's embedded broker (mqtt.mode embedded, MQTT 3.1.1, the default: 127.0.0.1:1883) or an external one (Mosquitto, EMQX; MQTT 3.1.1 or 5) the gateway is a client of. Every client logs in with its own credentials; an ACL keeps each to its topics.",
        variables: {
          host: { default: '127.0.0.1', description: 'mqtt.host (embedded), or the external broker' },
          port: { default: '1883', description: 'mqtt.port' },
        },
        security: [ref('#/components/securitySchemes/clientPassword')],
      },
      brokerTls: {
        host: '{host}:{port}',
        protocol: 'secure-mqtt',
        title: 'The MQTT broker over TLS',
        description: "The embedded broker's TLS listener, opened when mqtt.tls.cert and key are set.",
        variables: {
          host: { default: '127.0.0.1', description: 'mqtt.host' },
          port: { default: '8883', description: 'mqtt.tls.port' },
        },
        security: [ref('#/components/securitySchemes/clientPassword')],
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      parameters: PARAMETERS,
      securitySchemes: {
        clientPassword: {
          type: 'userPassword',
          description:
            "One user name and password per client (device, facilities client, Home Assistant): `pintu mqtt-user add` for the embedded broker; the broker's own password file otherwise.",
        },
      },
    },
  };
}

/** Everything the gateway serves about the MQTT contract: the AsyncAPI document and each JSON Schema by name. */
export function mqttContractDocuments(): {
  asyncapi: Record<string, unknown>;
  schemas: ReadonlyMap<string, Record<string, unknown>>;
} {
  return {
    asyncapi: asyncApiDocument(),
    schemas: new Map(TOPIC_SPECS.map((spec) => [spec.name, jsonSchemaOf(spec)])),
  };
}
