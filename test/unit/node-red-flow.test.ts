// The Node-RED example flow (firmware-config/node-red/pintu-facilities.json, issue 15): a
// facilities dashboard from pintu/events, the doors' states and the inside count, and the
// watchlist alerts (pintu/alerts) for security's officer. Node-RED
// itself is not installed here; what is checked is what would break it against this gateway:
// the flow's wiring, that the facilities login may subscribe to every topic it reads (the
// broker's own ACL) under a client id bound to that login, and that its function nodes turn
// payloads valid by the contract's schemas into the lines they promise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Acl } from '../../src/mqtt/acl.js';
import { clientIdBound } from '../../src/mqtt/broker.js';
import { assertValid } from '../../src/mqtt/payload-check.js';
import { AlertPayload, DoorStatePayload, EventPayload } from '../../src/mqtt/schemas.js';
import { Topics } from '../../src/mqtt/topics.js';

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  topic?: string;
  broker?: string;
  clientid?: string;
  func?: string;
  outputs?: number;
  wires?: string[][];
}

const FLOW = join(import.meta.dirname, '../../firmware-config/node-red/pintu-facilities.json');
const flow = JSON.parse(readFileSync(FLOW, 'utf8')) as FlowNode[];
const byId = new Map(flow.map((n) => [n.id, n]));
const FACILITIES = { role: 'facilities' as const, username: 'facilities-1' };

/** Runs a function node's code as Node-RED does (msg in, node.status), returning its outputs. */
function run(n: FlowNode, msg: { topic: string; payload: unknown }): unknown {
  const status: unknown[] = [];
  // The flow's own code, run as Node-RED runs it.
  const fn = new Function('msg', 'node', n.func!) as (m: typeof msg, node: unknown) => unknown;
  return fn(structuredClone(msg), { status: (s: unknown) => status.push(s) });
}

describe('Node-RED example flow', () => {
  it('is wired: unique ids, every wire to a node of the flow, each output wired', () => {
    expect(new Set(flow.map((n) => n.id)).size).toBe(flow.length);
    for (const n of flow) {
      for (const out of n.wires ?? [])
        for (const to of out) expect(byId.has(to), `${n.id} -> ${to}`).toBe(true);
      if (n.type === 'function') expect(n.wires, n.id).toHaveLength(n.outputs ?? 1);
      if (n.z) expect(byId.get(n.z)?.type, n.id).toBe('tab');
    }
  });

  it('reads only what the facilities login may, under a client id bound to it', () => {
    const acl = new Acl(new Topics('pintu'));
    const inputs = flow.filter((n) => n.type === 'mqtt in');
    expect(inputs.map((n) => n.topic).sort()).toEqual([
      'pintu/alerts',
      'pintu/doors/+/state',
      'pintu/events',
      'pintu/visitors/inside',
    ]);
    for (const n of inputs) {
      expect(byId.get(n.broker!)?.type, n.id).toBe('mqtt-broker');
      expect(acl.canSubscribe(FACILITIES, n.topic!), n.topic).toEqual({ ok: true });
    }
    const broker = flow.find((n) => n.type === 'mqtt-broker')!;
    expect(clientIdBound(FACILITIES.username, broker.clientid!)).toBe(true);
  });

  it('writes one line per event, and sends alarms to its second output', () => {
    const node = byId.get('pintu-events-line')!;
    const denied = {
      seq: 12,
      at: Date.UTC(2026, 10, 30, 2, 5, 0),
      type: 'access.denied',
      door: 'pintu-utama',
      reader: 'pintu-utama-in',
      direction: 'in',
      kind: 'nfc',
      reason: 'unknown_badge',
      actor: { kind: 'device', id: 'pintu-utama-in' },
    };
    assertValid(EventPayload, denied);
    const [line, alarm] = run(node, { topic: 'pintu/events', payload: denied }) as Array<{
      payload: string;
    } | null>;
    expect(line!.payload).toBe('09.05.00 · access.denied · pintu-utama · masuk · (unknown_badge)');
    expect(alarm).toBeNull();
    const forced = {
      seq: 13,
      at: Date.UTC(2026, 10, 30, 2, 6, 0),
      type: 'door.alarm',
      door: 'ruang-101',
      alarm: 'forced_open',
      actor: { kind: 'device', id: 'ruang-101' },
    };
    assertValid(EventPayload, forced);
    const out = run(node, { topic: 'pintu/events', payload: forced }) as Array<{ payload: string } | null>;
    expect(out[1]!.payload).toContain('alarm forced_open');
  });

  it("writes a watchlist alert as one line for security's officer: where, how, which desk", () => {
    const node = byId.get('pintu-alerts-line')!;
    const alert = {
      seq: 40,
      at: Date.UTC(2026, 10, 30, 2, 24, 0),
      kind: 'watchlist',
      visitId: 'v-123',
      source: 'collateral',
      desk: 'meja-1',
      matches: [{ entryId: 'e-1', by: 'document' }],
    };
    assertValid(AlertPayload, alert);
    const out = run(node, { topic: 'pintu/alerts', payload: alert }) as { payload: string };
    expect(out.payload).toBe(
      '09.24.00 · DAFTAR PERHATIAN · kunjungan v-123 · dokumen jaminan · cocok: dokumen · meja meja-1',
    );
  });

  it("names a door's state from its retained payload", () => {
    const node = byId.get('pintu-doors-line')!;
    const state = {
      locked: true,
      open: false,
      alarm: null,
      alarms: [],
      lockdown: false,
      held: false,
      at: Date.UTC(2026, 10, 30, 2, 0, 0),
    };
    assertValid(DoorStatePayload, state);
    const out = run(node, { topic: 'pintu/doors/pintu-utama/state', payload: state }) as { payload: string };
    expect(out.payload).toBe('pintu-utama: terkunci');
    const down = { ...state, lockdown: true, open: true };
    assertValid(DoorStatePayload, down);
    expect(
      (run(node, { topic: 'pintu/doors/aula/state', payload: down }) as { payload: string }).payload,
    ).toBe('aula: LOCKDOWN, daun pintu terbuka');
  });
});
