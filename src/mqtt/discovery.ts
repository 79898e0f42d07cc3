// Home Assistant MQTT discovery, pure: the retained config messages that make the gateway a
// device (the bridge, as zigbee2mqtt has one) and every door a device connected through it
// (`via_device`). The gateway's own entities come first in the map, and are published first,
// so Home Assistant knows the bridge before a door names it (2025.1+ warns otherwise).
//
//   gateway   Visitors inside (sensor); Lockdown (button: the site lockdown); Lockdown
//             (binary_sensor: the site lockdown's state, from pintu/lockdown)
//   each door Lock (lock: OPEN a pulse, UNLOCK a hold where allowed, LOCK); Door (contact);
//             Alarm (problem, any alarm); Reader (problem: reader_offline); Room controller
//             (problem: offline, no_ack; doors with a room controller only); Lockdown (button);
//             Lockdown (binary_sensor: its state); Access (event: granted, denied)
//
// A lockdown is a button and a read-only state, never a switch: Home Assistant may set a
// lockdown and never release it (README "Security model"), and a switch's "off" would be a
// promise the gateway refuses. Every entity is available while pintu/status says online.
// Field names are those of Home Assistant's MQTT platforms (full names, not abbreviations).
import type { Topics } from './topics.js';

export interface DiscoveryDoor {
  id: string;
  name: string;
  /** The lock is a room controller over MQTT: the door gets its controller's problem sensor. */
  controller: boolean;
}

export interface DiscoveryInput {
  topics: Topics;
  /** Stable id of this gateway among others on the broker (from the base topic). */
  nodeId: string;
  doors: readonly DiscoveryDoor[];
  version: string;
  /** Shown as the gateway device's name. */
  site?: string;
}

export type DiscoveryConfig = Record<string, unknown>;

/** `pintu` -> `pintu`; `site/gerbang-1` -> `site_gerbang-1`. */
export function nodeIdOf(baseTopic: string): string {
  return baseTopic.replace(/\//g, '_').replace(/[^A-Za-z0-9_-]/g, '');
}

/** The gateway device's identifier, which every door names as its `via_device`. */
export function gatewayDeviceId(nodeId: string): string {
  return `pintu_${nodeId}`;
}

export function lockTopic(prefix: string, nodeId: string, door: string): string {
  return `${prefix}/lock/${nodeId}/${door}/config`;
}

/** The config topic of each entity a door may have. */
function doorTopics(prefix: string, nodeId: string, door: string) {
  const binary = (what: string) => `${prefix}/binary_sensor/${nodeId}/${door}_${what}/config`;
  return {
    lock: lockTopic(prefix, nodeId, door),
    contact: binary('contact'),
    alarm: binary('alarm'),
    reader: binary('reader'),
    controller: binary('controller'),
    lockdownButton: `${prefix}/button/${nodeId}/${door}_lockdown/config`,
    lockdown: binary('lockdown'),
    access: `${prefix}/event/${nodeId}/${door}_access/config`,
  };
}

/** Every config topic a door may own, whatever its lock (for removal and tests). */
export function doorDiscoveryTopics(prefix: string, nodeId: string, door: string): string[] {
  return Object.values(doorTopics(prefix, nodeId, door));
}

export function visitorsTopic(prefix: string, nodeId: string): string {
  return `${prefix}/sensor/${nodeId}/visitors_inside/config`;
}

/** The gateway device's config topics, in the order they are published. */
export function gatewayDiscoveryTopics(prefix: string, nodeId: string): string[] {
  return [
    visitorsTopic(prefix, nodeId),
    `${prefix}/button/${nodeId}/lockdown/config`,
    `${prefix}/binary_sensor/${nodeId}/lockdown/config`,
  ];
}

/** The filter that finds this gateway's retained configs on a broker (to clear stale ones). */
export function discoveryFilter(prefix: string, nodeId: string): string {
  return `${prefix}/+/${nodeId}/+/config`;
}

/** A Jinja string literal of a door id (ids are plain, JSON's quoting is Jinja's). */
const jinjaString = (s: string): string => JSON.stringify(s);

/**
 * The event entity's template: only this door's taps, as `{"event_type": "granted"|"denied"}`
 * with the direction and, for a refusal, its reason code; nothing else of the event (no guest,
 * no badge, no visit). Anything else renders empty, which Home Assistant ignores.
 */
function accessEventTemplate(door: string): string {
  return (
    `{% if value_json.door == ${jinjaString(door)} and value_json.type == 'access.granted' %}` +
    "{{ {'event_type': 'granted', 'direction': value_json.get('direction')} | tojson }}" +
    `{% elif value_json.door == ${jinjaString(door)} and value_json.type == 'access.denied' %}` +
    "{{ {'event_type': 'denied', 'direction': value_json.get('direction'), 'reason': value_json.get('reason')} | tojson }}" +
    '{% endif %}'
  );
}

/** topic -> config, for every entity of the current configuration, in publishing order. */
export function discoveryConfigs(input: DiscoveryInput): Map<string, DiscoveryConfig> {
  const { topics, nodeId, version } = input;
  const prefix = topics.discoveryPrefix;
  const availability = {
    availability_topic: topics.status,
    payload_available: 'online',
    payload_not_available: 'offline',
  };
  const origin = { name: 'Pintu', sw_version: version };
  const gatewayDevice = {
    identifiers: [gatewayDeviceId(nodeId)],
    name: input.site ?? `Pintu ${topics.base}`,
    manufacturer: 'Biro Umum',
    model: 'Pintu visitor access gateway',
    sw_version: version,
  };
  const onOff = { payload_on: 'ON', payload_off: 'OFF' };
  const out = new Map<string, DiscoveryConfig>();

  // The bridge first: every door below names it in via_device.
  const [visitorsT, siteButtonT, siteStateT] = gatewayDiscoveryTopics(prefix, nodeId) as [
    string,
    string,
    string,
  ];
  out.set(visitorsT, {
    name: 'Visitors inside',
    unique_id: `pintu_${nodeId}_visitors_inside`,
    state_topic: topics.visitorsInside,
    state_class: 'measurement',
    unit_of_measurement: 'visitors',
    icon: 'mdi:account-group',
    qos: 1,
    ...availability,
    device: gatewayDevice,
    origin,
  });
  out.set(siteButtonT, {
    name: 'Lockdown',
    unique_id: `pintu_${nodeId}_lockdown_button`,
    command_topic: topics.doorHaSet('*'),
    payload_press: 'LOCKDOWN',
    retain: false,
    qos: 1,
    icon: 'mdi:shield-lock',
    ...availability,
    device: gatewayDevice,
    origin,
  });
  out.set(siteStateT, {
    name: 'Lockdown',
    unique_id: `pintu_${nodeId}_lockdown`,
    state_topic: topics.lockdown,
    ...onOff,
    icon: 'mdi:shield-lock',
    qos: 1,
    ...availability,
    device: gatewayDevice,
    origin,
  });

  for (const door of input.doors) {
    const state = topics.doorState(door.id);
    const device = {
      identifiers: [`pintu_${nodeId}_${door.id}`],
      name: door.name,
      manufacturer: 'Biro Umum',
      model: 'Pintu door',
      via_device: gatewayDeviceId(nodeId),
    };
    const common = { ...availability, device, origin };
    const id = (what: string) => `pintu_${nodeId}_${door.id}_${what}`;
    const t = doorTopics(prefix, nodeId, door.id);
    out.set(t.lock, {
      name: 'Lock',
      unique_id: id('lock'),
      command_topic: topics.doorHaSet(door.id),
      state_topic: state,
      // A pulse (a grant, OPEN) is Home Assistant's "open"; only a hold is "unlocked".
      value_template:
        "{% if 'no_ack' in value_json.alarms %}JAMMED{% elif value_json.locked is none %}None{% elif value_json.locked %}LOCKED{% elif value_json.held %}UNLOCKED{% else %}OPEN{% endif %}",
      payload_lock: 'LOCK',
      payload_unlock: 'UNLOCK',
      payload_open: 'OPEN',
      state_locked: 'LOCKED',
      state_unlocked: 'UNLOCKED',
      state_open: 'OPEN',
      state_jammed: 'JAMMED',
      optimistic: false,
      retain: false,
      qos: 1,
      json_attributes_topic: state,
      ...common,
    });
    out.set(t.contact, {
      name: 'Door',
      unique_id: id('contact'),
      device_class: 'door',
      state_topic: state,
      value_template:
        '{% if value_json.open is none %}None{% elif value_json.open %}ON{% else %}OFF{% endif %}',
      ...onOff,
      qos: 1,
      ...common,
    });
    out.set(t.alarm, {
      name: 'Alarm',
      unique_id: id('alarm'),
      device_class: 'problem',
      state_topic: state,
      value_template: "{{ 'ON' if value_json.alarms | length > 0 else 'OFF' }}",
      ...onOff,
      json_attributes_topic: state,
      json_attributes_template:
        '{{ {"alarm": value_json.alarm, "alarms": value_json.alarms, "lockdown": value_json.lockdown} | tojson }}',
      qos: 1,
      ...common,
    });
    out.set(t.reader, {
      name: 'Reader',
      unique_id: id('reader'),
      device_class: 'problem',
      entity_category: 'diagnostic',
      state_topic: state,
      value_template: "{{ 'ON' if 'reader_offline' in value_json.alarms else 'OFF' }}",
      ...onOff,
      qos: 1,
      ...common,
    });
    if (door.controller) {
      out.set(t.controller, {
        name: 'Room controller',
        unique_id: id('controller'),
        device_class: 'problem',
        entity_category: 'diagnostic',
        state_topic: state,
        value_template:
          "{{ 'ON' if 'offline' in value_json.alarms or 'no_ack' in value_json.alarms else 'OFF' }}",
        ...onOff,
        qos: 1,
        ...common,
      });
    }
    out.set(t.lockdownButton, {
      name: 'Lockdown',
      unique_id: id('lockdown_button'),
      command_topic: topics.doorHaSet(door.id),
      payload_press: 'LOCKDOWN',
      retain: false,
      qos: 1,
      icon: 'mdi:shield-lock',
      ...common,
    });
    out.set(t.lockdown, {
      name: 'Lockdown',
      unique_id: id('lockdown'),
      state_topic: state,
      value_template: "{{ 'ON' if value_json.lockdown else 'OFF' }}",
      ...onOff,
      icon: 'mdi:shield-lock',
      qos: 1,
      ...common,
    });
    out.set(t.access, {
      name: 'Access',
      unique_id: id('access'),
      state_topic: topics.events,
      event_types: ['granted', 'denied'],
      value_template: accessEventTemplate(door.id),
      icon: 'mdi:badge-account',
      qos: 1,
      ...common,
    });
  }
  return out;
}
