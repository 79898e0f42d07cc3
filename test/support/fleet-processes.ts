// A fleet as a site runs it (README "Fleet"): a desk and N door gateways as separate
// `pintu start` processes, each with its own data folder, configuration, key and HTTP port, on
// one private Mosquitto with the shipped fleet ACL, or on two bridged ones (the desk on A, the
// door gateways on B); simulated doors and readers, office hours all day, one badge pool. Driven
// through each gateway's API with its CLI token, as `pintu tap` does on the same machine. Used by
// the fleet lab (scripts/fleet-lab.ts) and the campaign's --processes (campaigns/fleet-processes.ts).
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyText } from '../../src/fleet/envelope.js';
import { DESK_ID, FLEET_PASSWORD, fleetAcl, startBridgedBrokers } from './fleet.js';
import { Mosquitto } from './mqtt.js';
import { freePort, startGatewayProcess, stopProcess } from './process.js';

const ALWAYS_OPEN = { officeHours: { days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '23:59' } };

export interface ProcNode {
  id: string;
  dir: string;
  port: number;
  key: KeyObject;
  config: Record<string, unknown>;
  proc?: ChildProcess;
}

/** Badge `i` (0-based) of the shared pool: its label and UID. */
export function poolBadge(i: number): { label: string; uid: string } {
  return {
    label: `TAMU-${String(i + 1).padStart(3, '0')}`,
    uid: `04A1B2C3${(i + 1).toString(16).toUpperCase().padStart(6, '0')}`,
  };
}

export interface ProcessFleet {
  desk: ProcNode;
  doors: ProcNode[];
  brokers: { a: Mosquitto; b: Mosquitto };
  api(n: ProcNode, method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** A tap at the door gateway's entrance: granted or not. */
  tap(n: ProcNode, uid: string): Promise<boolean>;
  /** Taps every `everyMs` until the entrance answers `granted`; ms from `from`. */
  until(n: ProcNode, uid: string, granted: boolean, from: number, everyMs?: number): Promise<number>;
  /** A visit accepted at the desk; `badge` is called just before its badge is issued. */
  visit(k: number, onBadge?: () => void): Promise<{ id: string; uid: string }>;
  checkout(id: string): Promise<void>;
  /** The desk journal's seq (its /api/v1/health). */
  deskSeq(): Promise<number>;
  start(n: ProcNode): Promise<void>;
  stop(n: ProcNode, signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

async function node(id: string, config: Record<string, unknown>): Promise<ProcNode> {
  const dir = await mkdtemp(join(tmpdir(), `pintu-lab-${id}-`));
  const key = generateKeyPairSync('ed25519').privateKey;
  await writeFile(join(dir, 'fleet.key'), key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { id, dir, port: await freePort(), key, config };
}

export async function startProcessFleet(opts: {
  doors: number;
  bridged?: boolean;
  /** The badge pool of every gateway (TAMU-001 ...). */
  badges?: number;
}): Promise<ProcessFleet> {
  const doorIds = Array.from({ length: opts.doors }, (_, i) => `pintu-${i + 1}`);
  const brokers = opts.bridged
    ? await startBridgedBrokers(doorIds)
    : await Mosquitto.start({
        users: [DESK_ID, ...doorIds].map((username) => ({ username, password: FLEET_PASSWORD })),
        acl: fleetAcl(),
        persistence: true,
      }).then((one) => ({ a: one, b: one }));
  const badges = Array.from({ length: opts.badges ?? 10 }, (_, i) => poolBadge(i));
  const login = (id: string, url: string) => ({ url, username: id, password: FLEET_PASSWORD });
  const desk = await node(DESK_ID, {});
  const doors = await Promise.all(doorIds.map((id) => node(id, {})));
  desk.config = {
    doors: [{ id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance' }],
    readers: [{ id: 'desk', role: 'desk' }],
    hosts: [{ id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: [] }],
    fleet: {
      role: 'desk',
      gatewayId: DESK_ID,
      broker: login(DESK_ID, brokers.a.url),
      gateways: doors.map((d) => ({ id: d.id, publicKey: publicKeyText(d.key) })),
    },
  };
  for (const d of doors)
    d.config = {
      doors: [{ id: `${d.id}-masuk`, name: `Pintu ${d.id}`, kind: 'entrance' }],
      readers: [{ id: `${d.id}-in`, role: 'door', door: `${d.id}-masuk`, direction: 'in' }],
      hosts: [],
      fleet: {
        role: 'door',
        gatewayId: d.id,
        broker: login(d.id, brokers.b.url),
        desk: { url: `http://127.0.0.1:${desk.port}`, publicKey: publicKeyText(desk.key) },
      },
    };
  const all = [desk, ...doors];

  const start = async (n: ProcNode) => {
    const file = join(n.dir, 'pintu.json');
    await writeFile(file, JSON.stringify({ dataDir: n.dir, access: ALWAYS_OPEN, badges, ...n.config }));
    n.proc = await startGatewayProcess({
      PINTU_CONFIG: file,
      PINTU_DATA_DIR: n.dir,
      PINTU_HTTP_PORT: String(n.port),
    });
  };
  const stop = async (n: ProcNode, signal: NodeJS.Signals = 'SIGTERM') => {
    if (n.proc) await stopProcess(n.proc, signal);
    n.proc = undefined;
  };
  const close = async () => {
    for (const n of [...all].reverse()) {
      await stop(n);
      await rm(n.dir, { recursive: true, force: true });
    }
    await brokers.a.stop();
    if (brokers.b !== brokers.a) await brokers.b.stop();
  };
  const call = async (n: ProcNode, method: string, url: string, body?: unknown) => {
    const token = (await readFile(join(n.dir, 'cli.token'), 'utf8')).trim();
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const data = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${n.id} ${method} ${url}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
  const api = (n: ProcNode, method: string, path: string, body?: unknown) =>
    call(n, method, `http://127.0.0.1:${n.port}/api/v1${path}`, body);
  const tap = async (n: ProcNode, uid: string) =>
    (await api(n, 'POST', '/taps', { reader: `${n.id}-in`, uid })).granted === true;

  try {
    // One at a time: eleven gateways booting together on a small machine outlast the start-up wait.
    for (const n of all) await start(n);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    desk,
    doors,
    brokers,
    api,
    tap,
    async until(n, uid, granted, from, everyMs = 20) {
      for (;;) {
        if ((await tap(n, uid)) === granted) return performance.now() - from;
        if (performance.now() - from > 60_000) {
          // What the entrance answers, and what the gateway's fleet part says: why, in the error.
          const last = await api(n, 'POST', '/taps', { reader: `${n.id}-in`, uid });
          const fleet = await api(n, 'GET', '/fleet/status');
          const atDesk = await api(desk, 'GET', '/fleet/status');
          const head = await api(desk, 'GET', '/health');
          throw new Error(
            `${n.id}: ${uid} not ${granted} after 60 s: ${JSON.stringify(last)}; its fleet status ${JSON.stringify(fleet)}; the desk's (at seq ${String(head.journalSeq)}) ${JSON.stringify(atDesk)}`,
          );
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    async visit(k, onBadge) {
      const v = await api(desk, 'POST', '/visits', {
        guest: { name: `Tamu ${k}`, institution: 'Lab' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      });
      const id = String(v.id);
      await api(desk, 'POST', `/visits/${id}/screening`, { passed: true });
      await api(desk, 'POST', `/visits/${id}/guestbook`, {});
      await api(desk, 'POST', `/visits/${id}/decision`, { outcome: 'accepted', rooms: [] });
      const badge = badges[k % badges.length]!;
      onBadge?.();
      await api(desk, 'POST', `/visits/${id}/badge`, {
        badge: badge.label,
        collateral: { type: 'ktp', number: '3578014107900001' },
      });
      return { id, uid: badge.uid };
    },
    async checkout(id) {
      await api(desk, 'POST', `/visits/${id}/checkout`, { badgeReturned: true, documentReturned: true });
    },
    async deskSeq() {
      const h = await api(desk, 'GET', '/health');
      if (typeof h.journalSeq !== 'number') throw new Error(`no journalSeq in ${JSON.stringify(h)}`);
      return h.journalSeq;
    },
    start,
    stop,
    close,
  };
}
