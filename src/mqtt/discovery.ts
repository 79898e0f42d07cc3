// Home Assistant MQTT discovery, pure: the retained config messages that make every door a
// device with a lock, a door contact and an alarm, and the gateway a device with a
// "visitors inside" sensor. Every entity is available while pintu/status says online.
// Field names are those of Home Assistant's MQTT lock, binary_sensor and sensor platforms
// (full names, not abbreviations).
import type { Topics } from './topics.js';

export interface DiscoveryDoor {
  id: string;
  name: string;
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

export function lockTopic(prefix: string, nodeId: string, door: string): string {
  return `${prefix}/lock/${nodeId}/${door}/config`;
}

/** Every config topic a door owns (for removal). */
export function doorDiscoveryTopics(prefix: string, nodeId: string, door: string): string[] {
  return [
    lockTopic(prefix, nodeId, door),
    `${prefix}/binary_sensor/${nodeId}/${door}_contact/config`,
    `${prefix}/binary_sensor/${nodeId}/${door}_alarm/config`,
  ];
}

export function visitorsTopic(prefix: string, nodeId: string): string {
  return `${prefix}/sensor/${nodeId}/visitors_inside/config`;
}

/** The filter that finds this gateway's retained configs on a broker (to clear stale ones). */
export function discoveryFilter(prefix: string, nodeId: string): string {
  return `${prefix}/+/${nodeId}/+/config`;
}

/** topic -> config, for every entity of the current configuration. */
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
    identifiers: [`pintu_${nodeId}`],
    name: input.site ?? `Pintu ${topics.base}`,
    manufacturer: 'Biro Umum',
    model: 'Pintu visitor access gateway',
    sw_version: version,
  };
  const out = new Map<string, DiscoveryConfig>();
  for (const door of input.doors) {
    const state = topics.doorState(door.id);
    const device = {
      identifiers: [`pintu_${nodeId}_${door.id}`],
      name: door.name,
      manufacturer: 'Biro Umum',
      model: 'Pintu door',
      via_device: `pintu_${nodeId}`,
    };
    const [lockT, contactT, alarmT] = doorDiscoveryTopics(prefix, nodeId, door.id) as [
      string,
      string,
      string,
    ];
    out.set(lockT, {
      name: 'Lock',
      unique_id: `pintu_${nodeId}_${door.id}_lock`,
      command_topic: topics.doorHaSet(door.id),
      state_topic: state,
      value_template:
        "{% if 'no_ack' in value_json.alarms %}JAMMED{% elif value_json.locked is none %}None{% elif value_json.locked %}LOCKED{% else %}UNLOCKED{% endif %}",
      payload_lock: 'LOCK',
      payload_unlock: 'UNLOCK',
      state_locked: 'LOCKED',
      state_unlocked: 'UNLOCKED',
      state_jammed: 'JAMMED',
      optimistic: false,
      retain: false,
      qos: 1,
      json_attributes_topic: state,
      ...availability,
      device,
      origin,
    });
    out.set(contactT, {
      name: 'Door',
      unique_id: `pintu_${nodeId}_${door.id}_contact`,
      device_class: 'door',
      state_topic: state,
      value_template:
        '{% if value_json.open is none %}None{% elif value_json.open %}ON{% else %}OFF{% endif %}',
      payload_on: 'ON',
      payload_off: 'OFF',
      qos: 1,
      ...availability,
      device,
      origin,
    });
    out.set(alarmT, {
      name: 'Alarm',
      unique_id: `pintu_${nodeId}_${door.id}_alarm`,
      device_class: 'problem',
      state_topic: state,
      value_template: "{{ 'ON' if value_json.alarms | length > 0 else 'OFF' }}",
      payload_on: 'ON',
      payload_off: 'OFF',
      json_attributes_topic: state,
      json_attributes_template:
        '{{ {"alarm": value_json.alarm, "alarms": value_json.alarms, "lockdown": value_json.lockdown} | tojson }}',
      qos: 1,
      ...availability,
      device,
      origin,
    });
  }
  out.set(visitorsTopic(prefix, nodeId), {
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
  return out;
}
