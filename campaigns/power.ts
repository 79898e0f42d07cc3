// Power-cut campaign (issue 16): the built gateway (dist/cli.js, embedded broker, simulated
// hardware) runs on a data folder mounted through test/lab/lazyfs.py, a FUSE file system that
// keeps apart what was not made durable (file data before fsync, directory entries before the
// directory's fsync). Under taps and visit steps through the API, tap decisions also watched on
// pintu/events through a facilities login the campaign adds, the gateway is killed (SIGKILL) at
// a random moment and the power cut: a seeded random part of what was not durable is thrown
// away. Then, on what survived: every tap the API acknowledged and every tap decision seen on
// MQTT is in the journal under its seq, the journal's chain holds (a torn last line, cut at the
// next start, is the only break allowed), every file of the data folder parses (or is one the
// gateway recovers from its backup, and it says so in its log), and after the restart every
// acknowledged visit step is there.
//
//   npm run campaign:power -- [--rounds 200] [--seed N] [--dir DIR]
//   (test/system/power.test.ts runs a few rounds of it in CI; needs python3-fusepy, fuse3, /dev/fuse)
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { rng } from '../bench/lib/fixtures.js';
import { MqttUsers, mqttUsersFile } from '../src/mqtt/users.js';
import { Journal } from '../src/store/journal.js';
import { type CutReport, LazyMount } from '../test/support/lazyfs.js';
import { freePort, startGatewayProcess, stopProcess } from '../test/support/process.js';
import { decisionsMissing, journalDecisions, verifyAfterKill } from './lib/journal-check.js';
import { type RoundsCampaignOptions, roundsCampaignMain } from './lib/rounds-main.js';
import { Api, loadUntilKilled, missingSteps, newAcked, type Step, tidy } from './lib/sop-load.js';

export interface PowerCampaignOptions extends RoundsCampaignOptions {
  /** Work folder (kept): the disk (backing folder) and the mount point; a temporary one when absent. */
  dir?: string;
}

export interface PowerCampaignResult {
  seed: number;
  rounds: number;
  /** Acknowledged by the API over the campaign. */
  ackedSteps: number;
  ackedTaps: number;
  /** Tap decisions seen on pintu/events (the embedded broker): each one must be in the journal. */
  mqttEvents: number;
  /** Acknowledged steps or taps missing after a cut. Must be 0. */
  losses: number;
  /** Files of the data folder that neither parse nor are recovered by the gateway. Must be 0. */
  unreadable: number;
  /** Files found damaged after a cut and recovered (loudly) by the gateway's next start. */
  recovered: number;
  /** Torn last lines a cut left in the journal (cut at the next start) or an archive month (skipped, cut at the next append). */
  tornTails: number;
  /** What the cuts threw away, summed. */
  dropped: { entries: number; writes: number; torn: number };
  journalEntries: number;
  problems: string[];
}

/** The facilities login the campaign watches pintu/events with (made on the first mount). */
const WATCHER = { username: 'kampanye-listrik', password: 'kata-sandi-kampanye' };

/** Files every start writes anew, whose content nothing reads back across a restart. */
const EPHEMERAL = new Set(['pintu.pid', 'cli.token']);
/** Whole-file JSON kept with a last good copy (`.bak`) the gateway recovers from, and logs. */
const WITH_BACKUP = new Set(['state.json', 'guests.json']);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export async function powerCampaign(options: PowerCampaignOptions): Promise<PowerCampaignResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = rng(seed); // seeded: the load, the cut moments and each cut's own seed
  const log = options.log ?? (() => {});
  const minMs = options.minMs ?? 150;
  const maxMs = options.maxMs ?? 1500;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'pintu-power-campaign-')));
  const disk = join(dir, 'disk');
  const mnt = join(dir, 'data');
  const control = join(dir, 'lazyfs.sock');
  await mkdir(disk, { recursive: true });
  await mkdir(mnt, { recursive: true });
  const problems: string[] = [];
  const acked = newAcked();
  const seen = new Map<string, Step>();
  const r: PowerCampaignResult = {
    seed,
    rounds: options.rounds,
    ackedSteps: 0,
    ackedTaps: 0,
    mqttEvents: 0,
    losses: 0,
    unreadable: 0,
    recovered: 0,
    tornTails: 0,
    dropped: { entries: 0, writes: 0, torn: 0 },
    journalEntries: 0,
    problems,
  };
  /** Journal seq -> the tap decision seen on pintu/events. */
  const seenEvents = new Map<number, string>();
  let child: ChildProcess | undefined;
  let watcher: MqttClient | undefined;
  let fs: LazyMount | undefined;
  let output = '';
  /** Files found damaged after the last cut that the next start must say it recovered. */
  let mustRecover: string[] = [];
  const problem = (round: number, text: string) => {
    problems.push(`round ${round}: ${text}`);
    log(`  PROBLEM round ${round}: ${text}`);
  };

  const start = async (round: number, cutSeed: number): Promise<Api> => {
    fs = await LazyMount.mount(disk, mnt, control, cutSeed);
    if (round === 1) {
      // As `pintu mqtt-user add` would, through the mount: the login must survive every cut.
      const users = await MqttUsers.open(mqttUsersFile(mnt));
      if (!users.get(WATCHER.username)) await users.add({ ...WATCHER, role: 'facilities' });
    }
    const port = await freePort();
    const mqttPort = await freePort();
    output = '';
    child = await startGatewayProcess(
      {
        PINTU_DATA_DIR: mnt,
        PINTU_HTTP_PORT: String(port),
        PINTU_MQTT_MODE: 'embedded',
        PINTU_CONFIG_MQTT__PORT: String(mqttPort),
      },
      { built: true, onOutput: (chunk) => (output += chunk) },
    );
    try {
      watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
        ...WATCHER,
        clientId: `${WATCHER.username}-${round}`, // bound to the login (mqtt/broker.ts)
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      });
      watcher.on('error', () => {}); // the gateway is killed under it every round
      watcher.on('message', (_topic, payload) => {
        const e = JSON.parse(payload.toString()) as { seq?: number; type?: string };
        if (typeof e.seq === 'number' && (e.type === 'access.granted' || e.type === 'access.denied'))
          seenEvents.set(e.seq, e.type);
      });
      await watcher.subscribeAsync('pintu/events', { qos: 1 });
    } catch (err) {
      problem(round, `MQTT login ${WATCHER.username} refused or broker away: ${(err as Error).message}`);
    }
    for (const file of mustRecover) {
      if (!output.includes(file))
        problem(round, `${file} was damaged and the start did not say it recovered it`);
    }
    mustRecover = [];
    return new Api(port, (await readFile(join(mnt, 'cli.token'), 'utf8')).trim());
  };

  /** After the cut, the gateway down and unmounted: what the disk holds. */
  const checkDisk = async (round: number) => {
    const journalDir = join(disk, 'journal');
    const chain = await verifyAfterKill(journalDir);
    if (chain.tornTail) r.tornTails++;
    if (chain.broken) {
      const b = chain.broken;
      problem(round, `journal broken at ${relative(disk, b.file)}:${b.line}: ${b.reason}`);
    }
    r.journalEntries = chain.entries;
    const journal = await journalDecisions(journalDir);
    for (const m of decisionsMissing(acked.taps, journal)) {
      r.losses++;
      problem(round, `tap seq ${m.seq} acknowledged as ${m.type}, journal has ${m.found}`);
    }
    // An event on pintu/events comes from the journal (the outbox), so it was durable too.
    for (const m of decisionsMissing(seenEvents, journal)) {
      r.losses++;
      problem(round, `event seq ${m.seq} published as ${m.type}, journal has ${m.found}`);
    }
    for (const file of await filesUnder(disk)) {
      const name = relative(disk, file);
      if (name.startsWith('journal/')) continue; // verified above, line by line
      if (EPHEMERAL.has(name) || name.endsWith('.tmp')) continue; // never read back
      const bytes = await readFile(file);
      let ok: boolean;
      if (name.endsWith('.key')) ok = bytes.length === 32;
      else if (name.endsWith('.jsonl') || name === 'guests.log') {
        // An archive month or the guest book's log: whole lines must parse. The part after the
        // last newline is an append cut short, never acknowledged: readers skip it and the next
        // append cuts it (archive.ts, guest-book.ts).
        const lines = bytes.toString('utf8').split('\n');
        if (lines.at(-1) !== '') r.tornTails++;
        ok = lines.slice(0, -1).every(parsesAsJson);
      } else ok = parsesAsJson(bytes.toString('utf8'));
      if (ok) continue;
      const bak = WITH_BACKUP.has(name) ? await readFile(`${file}.bak`, 'utf8').catch(() => '') : '';
      if (parsesAsJson(bak)) {
        r.recovered++;
        mustRecover.push(name);
        log(`  round ${round}: ${name} damaged (${bytes.length} bytes), its backup good`);
        continue;
      }
      r.unreadable++;
      problem(round, `${name} unreadable after the cut (${bytes.length} bytes)`);
    }
  };

  try {
    log(`power campaign: ${options.rounds} rounds, seed ${seed}, work folder ${dir}`);
    for (let round = 1; round <= options.rounds; round++) {
      const t0 = performance.now();
      const cutSeed = Math.floor(rand() * 2 ** 31);
      const api = await start(round, cutSeed);
      const startMs = performance.now() - t0;
      const lost = await missingSteps(api, acked, seen);
      r.losses += lost.length;
      for (const l of lost) problem(round, l);
      await tidy(api, acked);
      // The power goes: the process first (nothing it does later reaches the disk), then the disk.
      const after = await loadUntilKilled(api, acked, rand, { minMs, maxMs }, () =>
        stopProcess(child!, 'SIGKILL'),
      );
      await watcher?.endAsync(true);
      const cut: CutReport = await fs!.cut('random', cutSeed);
      // A call the file system failed on its own (not a cut) would be a harness error, not the gateway's.
      if (fs!.log.includes('Uncaught exception')) problem(round, `lazyfs failed a call:\n${fs!.log}`);
      r.dropped.entries += cut.entriesDropped;
      r.dropped.writes += cut.writesDropped;
      r.dropped.torn += cut.torn;
      await checkDisk(round);
      log(
        `round ${round}: up in ${startMs.toFixed(0)} ms, cut after ${after} ms (cut seed ${cutSeed}: dropped ${cut.entriesDropped} entries, ${cut.writesDropped} writes, ${cut.torn} torn), round ${(performance.now() - t0).toFixed(0)} ms; acknowledged so far ${acked.visits.size} visits, ${acked.taps.size} taps; journal ${r.journalEntries} entries`,
      );
    }
    // The last start: everything there, and the journal whole once the start cut its tail.
    const api = await start(options.rounds + 1, 0);
    const lost = await missingSteps(api, acked, seen);
    r.losses += lost.length;
    for (const l of lost) problem(options.rounds + 1, l);
    await watcher?.endAsync(true);
    await stopProcess(child!, 'SIGTERM');
    await fs!.cut('keep-all', 0);
    const final = await Journal.verify(join(disk, 'journal'));
    if (!final.ok)
      problem(options.rounds + 1, `journal broken after a clean stop: ${final.firstBreak?.reason}`);
  } catch (err) {
    throw new Error(`${(err as Error).message}\ngateway output:\n${output}\nlazyfs:\n${fs?.log ?? ''}`, {
      cause: err,
    });
  } finally {
    await watcher?.endAsync(true);
    if (child) await stopProcess(child, 'SIGKILL');
    await fs?.close();
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  }
  r.ackedSteps = acked.visits.size;
  r.ackedTaps = acked.taps.size;
  r.mqttEvents = seenEvents.size;
  return r;
}

/** The summary table (Markdown), as BENCHMARKS.md shows it. */
export function summary(r: PowerCampaignResult, seconds: number): string {
  return [
    '| figure | value |',
    '|---|---|',
    `| rounds (power cuts) | ${r.rounds} in ${seconds.toFixed(0)} s, seed ${r.seed} |`,
    `| acknowledged | ${r.ackedSteps} visits, ${r.ackedTaps} taps (HTTP); ${r.mqttEvents} tap decisions on pintu/events |`,
    `| thrown away by the cuts | ${r.dropped.entries} directory entries, ${r.dropped.writes} writes (${r.dropped.torn} torn) |`,
    `| torn last lines, journal or archive (cut at the next start or append) | ${r.tornTails} |`,
    `| files damaged and recovered from their backup (logged) | ${r.recovered} |`,
    `| **acknowledged steps or taps lost** | **${r.losses}** |`,
    `| **unreadable files** | **${r.unreadable}** |`,
    `| journal entries at the end | ${r.journalEntries} |`,
    `| problems | ${r.problems.length} |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  roundsCampaignMain(powerCampaign, (r, seconds) =>
    [summary(r, seconds), ...r.problems.map((p) => `- ${p}`)].join('\n'),
  );
}
