// The fleet lab (issue 17, README "Fleet"): a desk and N door gateways as separate `pintu start`
// processes, each with its own data folder, configuration, key and HTTP port, on one private
// Mosquitto with the shipped fleet ACL, or (--bridged) on two, one per building, the desk on A and
// the door gateways on B, A bridged to B with the shipped fleet-bridge.conf; simulated doors and
// readers. The desk accepts visits
// through its API, the guests tap at every entrance through each gateway's API (its CLI token),
// then check out and tap again. Prints, per visit, how long each entrance took to open after the
// badge and to refuse after the checkout (wall time, polled every 20 ms: the lab's, not a
// benchmark's figures; campaigns/fleet.ts measures).
//
//   npx tsx scripts/fleet-lab.ts [--doors 3] [--visits 3] [--bridged] [--keep]
//   (--keep: leave the fleet running, print its addresses, stop on Ctrl-C)

import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { publicKeyText } from '../src/fleet/envelope.js';
import { DESK_ID, FLEET_PASSWORD, fleetAcl, startBridgedBrokers } from '../test/support/fleet.js';
import { Mosquitto } from '../test/support/mqtt.js';
import { freePort, startGatewayProcess, stopProcess } from '../test/support/process.js';

const { values } = parseArgs({
  options: {
    doors: { type: 'string', default: '3' },
    visits: { type: 'string', default: '3' },
    bridged: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.doors);
const VISITS = Number(values.visits);
const ALWAYS_OPEN = { officeHours: { days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '23:59' } };

interface Node {
  id: string;
  dir: string;
  port: number;
  key: KeyObject;
  proc?: ChildProcess;
}

async function node(id: string): Promise<Node> {
  const dir = await mkdtemp(join(tmpdir(), `pintu-lab-${id}-`));
  return { id, dir, port: await freePort(), key: generateKeyPairSync('ed25519').privateKey };
}

async function start(n: Node, config: Record<string, unknown>): Promise<void> {
  await writeFile(join(n.dir, 'fleet.key'), n.key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const file = join(n.dir, 'pintu.json');
  await writeFile(file, JSON.stringify({ dataDir: n.dir, access: ALWAYS_OPEN, ...config }));
  n.proc = await startGatewayProcess({
    PINTU_CONFIG: file,
    PINTU_DATA_DIR: n.dir,
    PINTU_HTTP_PORT: String(n.port),
  });
}

/** The gateway's API with its CLI token (the same machine: `pintu tap` does the same). */
async function api(n: Node, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const token = (await readFile(join(n.dir, 'cli.token'), 'utf8')).trim();
  const res = await fetch(`http://127.0.0.1:${n.port}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${n.id} ${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** Taps until the entrance answers as wanted; ms from `from`. */
async function until(n: Node, uid: string, granted: boolean, from: number): Promise<number> {
  for (;;) {
    const r = await api(n, 'POST', '/taps', { reader: `${n.id}-in`, uid });
    if (r.granted === granted) return performance.now() - from;
    if (performance.now() - from > 30_000) throw new Error(`${n.id}: still ${JSON.stringify(r)} after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const doorIds = Array.from({ length: N }, (_, i) => `pintu-${i + 1}`);
  const brokers = values.bridged
    ? await startBridgedBrokers(doorIds)
    : await Mosquitto.start({
        users: [DESK_ID, ...doorIds].map((username) => ({ username, password: FLEET_PASSWORD })),
        acl: fleetAcl(),
        persistence: true,
      }).then((one) => ({ a: one, b: one }));
  const desk = await node(DESK_ID);
  const doors = await Promise.all(doorIds.map(node));
  const all = [desk, ...doors];
  const stop = async () => {
    for (const n of all.reverse()) {
      if (n.proc) await stopProcess(n.proc);
      await rm(n.dir, { recursive: true, force: true });
    }
    await brokers.a.stop();
    if (brokers.b !== brokers.a) await brokers.b.stop();
  };
  try {
    const broker$ = (id: string, url = brokers.a.url) => ({ url, username: id, password: FLEET_PASSWORD });
    await start(desk, {
      doors: [{ id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' }],
      readers: [{ id: 'desk', role: 'desk' }],
      hosts: [{ id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: [] }],
      fleet: {
        role: 'desk',
        gatewayId: DESK_ID,
        broker: broker$(DESK_ID),
        gateways: doors.map((d) => ({ id: d.id, publicKey: publicKeyText(d.key) })),
      },
    });
    for (const d of doors)
      await start(d, {
        doors: [{ id: `${d.id}-masuk`, name: `Pintu ${d.id}`, kind: 'entrance' }],
        readers: [{ id: `${d.id}-in`, role: 'door', door: `${d.id}-masuk`, direction: 'in' }],
        hosts: [],
        fleet: {
          role: 'door',
          gatewayId: d.id,
          broker: broker$(d.id, brokers.b.url),
          desk: { url: `http://127.0.0.1:${desk.port}`, publicKey: publicKeyText(desk.key) },
        },
      });
    process.stdout.write(
      values.bridged
        ? `fleet lab: desk http://127.0.0.1:${desk.port} on broker A ${brokers.a.url}, ${N} door gateways on broker B ${brokers.b.url} (A bridged to B)\n`
        : `fleet lab: desk http://127.0.0.1:${desk.port}, ${N} door gateways, broker ${brokers.a.url}\n`,
    );
    for (let k = 1; k <= VISITS; k++) {
      const label = `TAMU-${String(k).padStart(2, '0')}`;
      const v = await api(desk, 'POST', '/visits', {
        guest: { name: `Tamu ${k}`, institution: 'Lab' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      });
      const id = String(v.id);
      await api(desk, 'POST', `/visits/${id}/screening`, { passed: true });
      await api(desk, 'POST', `/visits/${id}/guestbook`, {});
      await api(desk, 'POST', `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] });
      const badged = performance.now();
      await api(desk, 'POST', `/visits/${id}/badge`, {
        badge: label,
        collateral: { type: 'ktp', number: '3578014107900001' },
      });
      const uid = `04A1B2C3D4E5${k.toString(16).toUpperCase().padStart(2, '0')}`;
      const open = await Promise.all(doors.map((d) => until(d, uid, true, badged)));
      const out = performance.now();
      await api(desk, 'POST', `/visits/${id}/checkout`, { badgeReturned: true, documentReturned: true });
      const shut = await Promise.all(doors.map((d) => until(d, uid, false, out)));
      process.stdout.write(
        `  visit ${k} (${label}): opens every entrance within ${Math.max(...open).toFixed(0)} ms of its badge, refused everywhere within ${Math.max(...shut).toFixed(0)} ms of its checkout\n`,
      );
    }
    const status = await api(desk, 'GET', '/fleet/status');
    process.stdout.write(`desk's fleet status: ${JSON.stringify(status)}\n`);
    if (values.keep) {
      process.stdout.write('running; Ctrl-C stops the fleet and removes its folders\n');
      await new Promise((r) => process.once('SIGINT', r));
    }
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet lab failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
