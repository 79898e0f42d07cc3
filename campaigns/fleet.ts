// Fleet propagation (issue 17): a desk and N door gateways (10 by default) on one private
// Mosquitto, in this process (test/support/fleet.ts: each gateway with its own data folder,
// journal, key and login; not separate processes yet). Measured, per door gateway, from the desk's
// journal having an entry (its bus event) to the door gateway having applied it (its `applied`
// event: in its journal, lastSeq saved):
//   - grant: a visit badged at the desk (the badge_issued entry);
//   - revoke: its checkout; lockdown: the desk's fleet-wide lockdown, and its release;
//   - catch-up: one door gateway away while visits come and go, then back, its session kept by
//     the broker, or lost (a snapshot): from its fleet part's start to lastSeq at the desk's head,
//     and every visit that ended meanwhile refused there afterwards.
//
//   npm run campaign:fleet -- [--doors 10] [--visits 100] [--away 100]
//   npm run campaign:fleet -- --processes [--doors 10] [--visits 30] [--hour 120] [--stay 20] [--poll 250]
//   (the gateways as separate processes, an hour away, restarts under load: fleet-processes.ts)
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fmt, load, summarise } from '../bench/lib/util.js';
import type { JournalEntry } from '../src/domain/events.js';
import { type FleetSite, fleetDoorIds, startMosquittoFleet } from '../test/support/fleet.js';
import type { Mosquitto } from '../test/support/mqtt.js';
import { runProcessCampaign } from './fleet-processes.js';
import { compareFleetRecap, recapText } from './lib/fleet-recap.js';

const STAFF = { kind: 'user' as const, id: 'campaign', role: 'admin' as const };
const GOAL_MS = 1000;
const CATCH_UP_GOAL_MS = 10_000;

const { values } = parseArgs({
  options: {
    doors: { type: 'string', default: '10' },
    visits: { type: 'string' },
    away: { type: 'string', default: '100' },
    processes: { type: 'boolean', default: false },
    hour: { type: 'string', default: '120' },
    stay: { type: 'string', default: '20' },
    poll: { type: 'string', default: '250' },
  },
});
const N = Number(values.doors);
const VISITS = Number(values.visits ?? 100);
const AWAY = Number(values.away);

/** When each desk entry was durable, and when each door gateway applied each seq. */
class Clocks {
  readonly entryAt = new Map<number, number>();
  readonly appliedAt = new Map<string, Array<[seq: number, at: number]>>();

  constructor(private readonly site: FleetSite) {
    site.desk.gateway.core.bus.on('entry', (e: JournalEntry) => this.entryAt.set(e.seq, performance.now()));
    for (const id of site.doors.keys()) this.watch(id);
  }

  /** (Again after a door gateway's fleet part was started anew.) */
  watch(id: string): void {
    const list = this.appliedAt.get(id) ?? [];
    this.appliedAt.set(id, list);
    const door = this.site.door(id).fleet.door;
    const at = (seq: number) => list.push([seq, performance.now()]);
    door?.on('applied', at);
    door?.on('snapshot', at);
  }

  /** Every door gateway's delay for the entry `seq`: the first seq at or past it it applied. */
  async delays(seq: number, ids: readonly string[]): Promise<number[]> {
    for (const id of ids) await this.site.caughtUp(id, 30_000);
    const from = this.entryAt.get(seq);
    if (from === undefined) throw new Error(`no bus event for seq ${seq}`);
    return ids.map((id) => {
      const hit = this.appliedAt.get(id)?.find(([s]) => s >= seq);
      if (!hit) throw new Error(`${id} never applied seq ${seq}`);
      return hit[1] - from;
    });
  }
}

function line(what: string, samples: number[], goal = GOAL_MS): string[] {
  const s = summarise(samples);
  return [
    what,
    String(s.n),
    fmt.ms(s.median, 1),
    fmt.ms(s.p99, 1),
    fmt.ms(s.max, 1),
    s.p99 < goal ? 'yes' : '**no**',
  ];
}

/**
 * Taps at every entrance while the broker is stopped and started, then while the desk's fleet part
 * is stopped and started (its journal and fleet-desk.json kept); then, once the desk has recorded
 * up to the last access entry of every door gateway's journal, the desk's monthly recap against
 * the door gateways' own (campaigns/lib/fleet-recap.ts).
 */
async function restartsAndRecap(site: FleetSite, broker: Mosquitto, ids: readonly string[]): Promise<string> {
  const last = new Map<string, number>();
  for (const id of ids)
    site.door(id).gateway.core.bus.on('entry', (e: JournalEntry) => {
      if (e.type === 'access.granted' || e.type === 'access.denied') last.set(id, e.seq);
    });
  const { visitId, uid } = await site.deskVisit([]);
  for (const id of ids) await site.caughtUp(id, 30_000);
  const tapAll = (k: number) => {
    for (const id of ids) {
      site.tap(id, `${id}-in`, uid);
      // A card the pool does not have: refused, and counted as such in both recaps.
      site.tap(id, `${id}-in`, `0499${String(k).padStart(10, '0')}`);
    }
  };
  tapAll(0);
  await broker.pause();
  tapAll(1);
  await broker.resume();
  tapAll(2);
  await site.desk.fleet.stop();
  tapAll(3);
  await site.desk.resumeFleet();
  tapAll(4);
  await site.checkout(visitId);
  const desk = site.desk.gateway.core.state;
  const t0 = performance.now();
  for (;;) {
    const behind = ids.filter((id) => (desk.fleetSeqs.get(id) ?? 0) < (last.get(id) ?? 0));
    if (behind.length === 0) break;
    if (performance.now() - t0 > 60_000)
      throw new Error(`taps missing at the desk from ${behind.join(', ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const heard = performance.now() - t0;
  const month = new Date(site.desk.clock.now + 7 * 3_600_000).toISOString().slice(0, 7);
  const gateways = [];
  for (const id of ids) gateways.push({ id, recap: await site.door(id).gateway.reports.monthly(month) });
  const c = compareFleetRecap(await site.desk.gateway.reports.monthly(month), gateways);
  if (c.differences.length > 0)
    throw new Error(`the fleet recap is not the sum of the gateways': ${c.differences.join('; ')}`);
  return `restarts: taps at every entrance before, during and after a broker restart (persistence on) and a restart of the desk's fleet part; the desk had the last of them ${fmt.ms(heard, 0)} after the last tap; ${recapText(month, ids.length, c)}`;
}

async function main(): Promise<void> {
  if (values.processes)
    return runProcessCampaign({
      doors: N,
      visits: Number(values.visits ?? 30),
      hour: Number(values.hour),
      stay: Number(values.stay),
      pollMs: Number(values.poll),
    });
  process.stdout.write(
    `fleet campaign: ${N} door gateways, ${VISITS} visits, ${AWAY} while one is away; load ${load().text}\n`,
  );
  const ids = fleetDoorIds(N);
  // As a site runs it: a persistent broker, sessions and queues survive the restart below.
  const site = await startMosquittoFleet({ doors: N });
  const clocks = new Clocks(site);
  const rows: string[][] = [];
  const notes: string[] = [];
  try {
    const grant: number[] = [];
    const revoke: number[] = [];
    for (let k = 0; k < VISITS; k++) {
      const { visitId, uid } = await site.deskVisit([`ruang-${(k % N) + 1}`]);
      grant.push(...(await clocks.delays(site.desk.gateway.core.state.journalSeq, ids)));
      const where = ids[k % N]!;
      if (!site.tap(where, `${where}-in`, uid).granted) throw new Error(`visit ${k} refused at ${where}`);
      await site.checkout(visitId);
      revoke.push(...(await clocks.delays(site.desk.gateway.core.state.journalSeq, ids)));
      const after = site.tap(where, `${where}-in`, uid);
      if (after.granted) throw new Error(`visit ${k} still opens ${where} after its checkout`);
    }
    rows.push(
      line('grant (badged at the desk → applied)', grant),
      line('revoke (checkout → applied)', revoke),
    );

    const lockdown: number[] = [];
    for (let k = 0; k < 10; k++) {
      await site.desk.gateway.access.setLockdown('*', true, STAFF);
      lockdown.push(...(await clocks.delays(site.desk.gateway.core.state.journalSeq, ids)));
      await site.desk.gateway.access.setLockdown('*', false, STAFF);
      await clocks.delays(site.desk.gateway.core.state.journalSeq, ids);
    }
    rows.push(line('lockdown (set at the desk → applied)', lockdown));

    for (const lost of [false, true]) {
      const away = ids.at(-1)!;
      const m = site.door(away);
      await m.fleet.stop();
      const ended: string[] = [];
      for (let k = 0; k < AWAY; k++) {
        const { visitId, uid } = await site.deskVisit([]);
        await site.checkout(visitId);
        ended.push(uid);
      }
      // Everything is at the broker (in its session) before it comes back, as after an hour away.
      await site.sentTo(away, 60_000);
      // What the broker kept for it is gone: a clean connection with its client id.
      if (lost) await site.loseSession(away);
      const t0 = performance.now();
      await m.resumeFleet();
      clocks.watch(away);
      await site.caughtUp(away, 60_000);
      const ms = performance.now() - t0;
      const honoured = ended.filter((uid) => site.tap(away, `${away}-in`, uid).granted).length;
      if (honoured > 0) throw new Error(`${honoured} ended visits still open ${away}`);
      const s = m.fleet.door?.status();
      rows.push([
        `catch-up after ${AWAY} visits came and went, session ${lost ? 'lost (snapshot)' : 'kept'}`,
        '1',
        fmt.ms(ms, 1),
        fmt.ms(ms, 1),
        fmt.ms(ms, 1),
        ms < CATCH_UP_GOAL_MS ? 'yes' : '**no**',
      ]);
      process.stdout.write(`  ${away}: ${JSON.stringify(s)}\n`);
    }
    notes.push(await restartsAndRecap(site, site.broker, ids));
  } finally {
    await site.close();
  }
  process.stdout.write(
    [
      '',
      '| what | n | median | p99 | max | p99 within goal (1 s; catch-up 10 s) |',
      '|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      ...notes.map((n) => `- ${n}`),
      `- load at the end: ${load().text}`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet campaign failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
