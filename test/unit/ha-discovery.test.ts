// Home Assistant discovery (issue 15 item 6): what the gateway announces, checked against Home
// Assistant's own discovery schemas (test/support/ha-schemas.ts, transcribed from its source),
// in the order Home Assistant needs (the bridge before the doors that name it), and the
// templates rendered by a real Jinja2 (the engine Home Assistant renders them with).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { discoveryConfigs, doorDiscoveryTopics, gatewayDeviceId } from '../../src/mqtt/discovery.js';
import { decodeText } from '../../src/mqtt/payload-check.js';
import { DoorHaSetPayload, DoorSetPayload } from '../../src/mqtt/schemas.js';
import { Topics } from '../../src/mqtt/topics.js';
import { expandAbbreviations, haValidate } from '../support/ha-schemas.js';
import { PYTHON, requireLab } from '../support/lab.js';

const configs = discoveryConfigs({
  topics: new Topics('pintu'),
  nodeId: 'pintu',
  doors: [
    { id: 'pintu-utama', name: 'Pintu Utama', controller: false },
    { id: 'ruang-101', name: 'Ruang 101', controller: true },
  ],
  version: '1.2.3',
});
const entries = [...configs];
const of = (component: string) => entries.filter(([t]) => t.startsWith(`homeassistant/${component}/`));
const byId = (uniqueId: string) => {
  const found = entries.find(([, c]) => c.unique_id === uniqueId);
  if (!found) throw new Error(`no entity ${uniqueId}`);
  return found[1];
};

describe('Home Assistant discovery: order', () => {
  it('publishes the gateway device (the bridge) before any door that names it as via_device', () => {
    const known = new Set<string>();
    for (const [topic, cfg] of entries) {
      const device = cfg.device as { identifiers: string[]; via_device?: string };
      if (device.via_device)
        expect(known, `${topic} names ${device.via_device} before it`).toContain(device.via_device);
      for (const id of device.identifiers) known.add(id);
    }
    // Every door goes through the gateway.
    for (const [, cfg] of entries) {
      const device = cfg.device as { identifiers: string[]; via_device?: string };
      if (!device.identifiers.includes(gatewayDeviceId('pintu')))
        expect(device.via_device).toBe('pintu_pintu');
    }
  });
});

describe("Home Assistant discovery: Home Assistant's schemas", () => {
  it('every payload passes its platform schema, read the way Home Assistant reads it', () => {
    for (const [topic, cfg] of entries)
      expect(haValidate('homeassistant', topic, JSON.stringify(cfg)), topic).toEqual([]);
  });

  it('the transcribed schemas refuse what Home Assistant refuses', () => {
    const lock = of('lock')[0]!;
    const bad = (patch: Record<string, unknown>, drop: string[] = []) => {
      const c: Record<string, unknown> = { ...lock[1], ...patch };
      for (const k of drop) delete c[k];
      return haValidate('homeassistant', lock[0], JSON.stringify(c));
    };
    expect(bad({}, ['command_topic'])).toEqual(["required key not provided @ data['command_topic']"]);
    expect(bad({ command_topic: 'pintu/doors/+/ha/set' })[0]).toMatch(/valid_publish_topic/);
    expect(bad({ qos: 3 })[0]).toMatch(/valid_qos_schema/);
    expect(bad({ availability: [{ topic: 'pintu/status' }] })[0]).toMatch(/group of exclusion/);
    expect(bad({ device: { name: 'x' } })[0]).toMatch(/at least one identifying value/);
    expect(bad({ paylod_open: 'OPEN' })[0]).toMatch(/extra key/);
    expect(haValidate('homeassistant', 'homeassistant/event/pintu/x/config', '{"state_topic":"a"}')).toEqual([
      "required key not provided @ data['event_types']",
    ]);
    // Abbreviated keys are expanded as discovery.py does.
    expect(expandAbbreviations({ cmd_t: 'a', dev: { ids: ['x'] }, o: {} })).toEqual({
      command_topic: 'a',
      device: { identifiers: ['x'] },
      o: {},
    });
  });

  it('every entity is available on pintu/status', () => {
    for (const [topic, cfg] of entries) {
      expect(cfg, topic).toMatchObject({
        availability_topic: 'pintu/status',
        payload_available: 'online',
        payload_not_available: 'offline',
      });
      expect(cfg.origin, topic).toMatchObject({ name: 'Pintu' });
    }
    const ids = entries.map(([, c]) => c.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('Home Assistant discovery: the entities', () => {
  it('per door a lock, contact, alarm, reader problem, lockdown button and state, access event; a controller problem where there is one', () => {
    expect(of('lock')).toHaveLength(2);
    expect(of('event')).toHaveLength(2);
    expect(of('button')).toHaveLength(3);
    // contact, alarm, reader, lockdown per door; controller for ruang-101; the site lockdown.
    expect(of('binary_sensor')).toHaveLength(4 + 4 + 1 + 1);
    expect(of('sensor')).toHaveLength(1);
    // A lockdown is never a switch: Home Assistant may not turn it off.
    expect(of('switch')).toEqual([]);
    for (const t of configs.keys())
      expect(t).toMatch(
        /^homeassistant\/(lock|binary_sensor|sensor|button|event)\/pintu\/[a-zA-Z0-9_-]+\/config$/,
      );
    const doorTopics = doorDiscoveryTopics('homeassistant', 'pintu', 'pintu-utama');
    expect(doorTopics.filter((t) => configs.has(t))).toHaveLength(7);
    expect(doorDiscoveryTopics('homeassistant', 'pintu', 'ruang-101').every((t) => configs.has(t))).toBe(
      true,
    );
  });

  it("the lock: OPEN pulses, UNLOCK holds, LOCK; on Home Assistant's own command topic, never retained", () => {
    const lock = byId('pintu_pintu_ruang-101_lock');
    expect(lock).toMatchObject({
      command_topic: 'pintu/doors/ruang-101/ha/set',
      state_topic: 'pintu/doors/ruang-101/state',
      payload_open: 'OPEN',
      payload_unlock: 'UNLOCK',
      payload_lock: 'LOCK',
      state_locked: 'LOCKED',
      state_unlocked: 'UNLOCKED',
      state_open: 'OPEN',
      state_jammed: 'JAMMED',
      retain: false,
      optimistic: false,
    });
    for (const p of ['payload_open', 'payload_unlock', 'payload_lock'])
      expect(decodeText(DoorHaSetPayload, Buffer.from(lock[p] as string)).ok, p).toBe(true);
    // OPEN is Home Assistant's word, not facilities'.
    expect(decodeText(DoorSetPayload, Buffer.from('OPEN')).ok).toBe(false);
  });

  it('lockdown: a button (LOCKDOWN) and a read-only state, per door and for the site', () => {
    expect(byId('pintu_pintu_ruang-101_lockdown_button')).toMatchObject({
      command_topic: 'pintu/doors/ruang-101/ha/set',
      payload_press: 'LOCKDOWN',
      retain: false,
    });
    expect(byId('pintu_pintu_lockdown_button')).toMatchObject({
      command_topic: 'pintu/doors/*/ha/set',
      payload_press: 'LOCKDOWN',
    });
    expect(byId('pintu_pintu_ruang-101_lockdown')).toMatchObject({
      state_topic: 'pintu/doors/ruang-101/state',
    });
    expect(byId('pintu_pintu_lockdown')).toMatchObject({
      state_topic: 'pintu/lockdown',
      payload_on: 'ON',
      payload_off: 'OFF',
    });
    for (const [, c] of of('binary_sensor')) expect(c.command_topic).toBeUndefined();
  });

  it('access events and the problem sensors', () => {
    expect(byId('pintu_pintu_ruang-101_access')).toMatchObject({
      state_topic: 'pintu/events',
      event_types: ['granted', 'denied'],
    });
    expect(byId('pintu_pintu_ruang-101_reader')).toMatchObject({ device_class: 'problem' });
    expect(byId('pintu_pintu_ruang-101_controller')).toMatchObject({ device_class: 'problem' });
    expect(entries.some(([, c]) => c.unique_id === 'pintu_pintu_pintu-utama_controller')).toBe(false);
  });
});

// ---------------------------------------------------------------- the templates, rendered

/** A Python with Jinja2: Debian's (python3-jinja2), else the first python3 on PATH that has it. */
const jinjaPython = [PYTHON, 'python3'].find((py) => {
  try {
    execFileSync(py, ['-c', 'import jinja2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** Render Jinja templates as Home Assistant does for MQTT (value, value_json), in a sandbox. */
function render(cases: Array<{ template: string; payload: string }>): string[] {
  const script = `
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
env = ImmutableSandboxedEnvironment()
out = []
for c in json.load(sys.stdin):
    try:
        value_json = json.loads(c["payload"])
    except ValueError:
        value_json = None
    out.append(env.from_string(c["template"]).render(value=c["payload"], value_json=value_json).strip())
print(json.dumps(out))
`;
  return JSON.parse(
    execFileSync(jinjaPython ?? PYTHON, ['-c', script], { input: JSON.stringify(cases) }).toString(),
  ) as string[];
}

describe.runIf(requireLab('python3 with Jinja2 (apt package python3-jinja2)', jinjaPython !== undefined))(
  'Home Assistant discovery: the templates, rendered by Jinja2',
  () => {
    const state = (s: Record<string, unknown>) =>
      JSON.stringify({
        locked: true,
        open: false,
        alarm: null,
        alarms: [],
        lockdown: false,
        held: false,
        at: 1,
        ...s,
      });

    it('the lock says LOCKED, OPEN (a pulse), UNLOCKED (a hold), JAMMED, or None (unknown)', () => {
      const lock = byId('pintu_pintu_ruang-101_lock');
      const declared = new Set([
        lock.state_locked,
        lock.state_unlocked,
        lock.state_open,
        lock.state_jammed,
        'None',
      ]);
      const got = render(
        [
          state({}),
          state({ locked: false }),
          state({ locked: false, held: true }),
          state({ locked: null, alarms: ['no_ack'], alarm: 'no_ack' }),
          state({ locked: null, alarms: ['offline'], alarm: 'offline' }),
        ].map((payload) => ({ template: lock.value_template as string, payload })),
      );
      expect(got).toEqual(['LOCKED', 'OPEN', 'UNLOCKED', 'JAMMED', 'None']);
      for (const s of got) expect(declared).toContain(s);
    });

    it('the binary sensors say ON, OFF or None, each for its own condition', () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['pintu_pintu_ruang-101_contact', { open: true }, 'ON'],
        ['pintu_pintu_ruang-101_contact', { open: null }, 'None'],
        ['pintu_pintu_ruang-101_alarm', { alarms: ['held_open'], alarm: 'held_open' }, 'ON'],
        ['pintu_pintu_ruang-101_reader', { alarms: ['reader_offline'] }, 'ON'],
        ['pintu_pintu_ruang-101_reader', { alarms: ['no_ack'] }, 'OFF'],
        ['pintu_pintu_ruang-101_controller', { alarms: ['offline'] }, 'ON'],
        ['pintu_pintu_ruang-101_controller', { alarms: ['no_ack'] }, 'ON'],
        ['pintu_pintu_ruang-101_controller', { alarms: ['reader_offline'] }, 'OFF'],
        ['pintu_pintu_ruang-101_lockdown', { lockdown: true }, 'ON'],
        ['pintu_pintu_ruang-101_lockdown', {}, 'OFF'],
      ];
      const got = render(
        cases.map(([id, s]) => ({ template: byId(id).value_template as string, payload: state(s) })),
      );
      expect(got).toEqual(cases.map(([, , want]) => want));
    });

    it("the access event: this door's taps as granted/denied with the reason code; no name, badge or visit", () => {
      const template = byId('pintu_pintu_ruang-101_access').value_template as string;
      const event = (e: Record<string, unknown>) =>
        JSON.stringify({
          seq: 9,
          at: 1,
          actor: { kind: 'device', id: 'r101-in' },
          reader: 'r101-in',
          kind: 'nfc',
          door: 'ruang-101',
          direction: 'in',
          badge: 'TAMU-01',
          visitId: 'v-1',
          guest: 'Siti Rahma',
          ...e,
        });
      const got = render(
        [
          event({ type: 'access.granted' }),
          event({ type: 'access.denied', reason: 'expired' }),
          event({ type: 'access.granted', door: 'pintu-utama' }),
          event({ type: 'door.unlocked' }),
        ].map((payload) => ({ template, payload })),
      );
      expect(JSON.parse(got[0]!)).toEqual({ event_type: 'granted', direction: 'in' });
      expect(JSON.parse(got[1]!)).toEqual({ event_type: 'denied', direction: 'in', reason: 'expired' });
      // Another door's tap and other events render empty: Home Assistant ignores them.
      expect(got.slice(2)).toEqual(['', '']);
      for (const s of got) for (const secret of ['Siti', 'TAMU', 'v-1']) expect(s).not.toContain(secret);
    });
  },
);
