// Fleet propagation with the gateways as separate processes (issue 17's goals; `npm run
// campaign:fleet -- --processes`): a desk and N door gateways (10 by default) as `pintu start`
// processes on one real Mosquitto (test/support/fleet-processes.ts), driven through their APIs.
//   - grant / revoke: from the badge (checkout) request sent to the desk to each entrance
//     answering a tap granted (refused), taps every 20 ms through each gateway's API: what a
//     guest at a side door sees, the API's round trip and the polling included;
//   - an hour away: one door gateway stopped while an hour of a busy office's desk activity goes
//     by (--hour visits arrive, each staying while --stay later ones arrive, then checked out;
//     the visits it knew end too), started again: from its start, and from its fleet connection
//     as its status first shows it, to lastSeq at the desk's head; meanwhile the badges of every
//     visit ended while it was away tap its entrance as fast as its API answers;
//   - restarts under load: visits come and go while the broker, then the desk, is restarted;
//     then every door gateway at the desk's head (lag 0), every ended visit refused and every
//     open one granted at every entrance, every access event of every door gateway at the desk.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmt, load, summarise } from '../bench/lib/util.js';
import { type ProcessFleet, type ProcNode, startProcessFleet } from '../test/support/fleet-processes.js';
import { compareFleetRecap, type RecapDoors, recapText } from './lib/fleet-recap.js';

const GOAL_MS = 1000;
const CATCH_UP_GOAL_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProcessCampaign {
  doors: number;
  visits: number;
  hour: number;
  stay: number;
  /**
   * How often each entrance is tapped while a change is awaited. Every tap is an access event the
   * desk journals (fleet.access), so ten entrances tapped every 20 ms are 500 events a second at
   * the desk, past what it records here (about 80 a second), and its own messages then wait
   * behind them (BENCHMARKS.md).
   */
  pollMs: number;
}

interface DoorStatus {
  connected: boolean;
  lastSeq: number;
}
interface DeskGatewayStatus {
  id: string;
  lastSentSeq: number;
  appliedSeq: number;
  lag: number;
  events: number;
  lastEventSeq?: number;
  recordedSeq?: number;
  resends?: number;
}

/** The seq of the last access event in a door gateway's journal. */
async function lastAccessSeq(n: ProcNode): Promise<number | undefined> {
  const dir = join(n.dir, 'journal');
  let last: number | undefined;
  for (const file of (await readdir(dir)).filter((x) => x.endsWith('.jsonl')).sort())
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      if (!line.includes('"access.')) continue;
      const e = JSON.parse(line) as { seq: number; type: string };
      if (e.type === 'access.granted' || e.type === 'access.denied') last = e.seq;
    }
  return last;
}

const doorStatus = async (f: ProcessFleet, n: ProcNode) =>
  (await f.api(n, 'GET', '/fleet/status')) as unknown as DoorStatus;
const deskStatus = async (f: ProcessFleet) =>
  ((await f.api(f.desk, 'GET', '/fleet/status')) as unknown as { gateways: DeskGatewayStatus[] }).gateways;

/** Until the desk has handed the broker everything for `id` (its journal's head). */
async function allSent(f: ProcessFleet, id: string): Promise<number> {
  const head = await f.deskSeq();
  for (let t = 0; ; t++) {
    const g = (await deskStatus(f)).find((s) => s.id === id);
    if (g && g.lastSentSeq >= head) return head;
    if (t > 600) throw new Error(`the desk did not send everything to ${id} within 60 s`);
    await sleep(100);
  }
}

/** The desk's recap against the door gateways' own (campaigns/lib/fleet-recap.ts), through their APIs. */
async function recapCheck(f: ProcessFleet): Promise<{ text: string; differences: string[] }> {
  // The gateways' month (Asia/Jakarta, UTC+7): a run across a month's end would compare two.
  const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
  const recapOf = async (n: ProcNode) =>
    (await f.api(n, 'GET', `/reports/monthly?month=${month}`)) as unknown as RecapDoors;
  const gateways = [];
  for (const d of f.doors) gateways.push({ id: d.id, recap: await recapOf(d) });
  const c = compareFleetRecap(await recapOf(f.desk), gateways);
  return { text: recapText(month, f.doors.length, c), differences: c.differences };
}

function row(what: string, samples: number[], goal = GOAL_MS): string {
  const s = summarise(samples);
  return `| ${what} | ${s.n} | ${fmt.ms(s.median, 1)} | ${fmt.ms(s.p99, 1)} | ${fmt.ms(s.max, 1)} | ${s.p99 < goal ? 'yes' : '**no**'} |`;
}

export async function runProcessCampaign(o: ProcessCampaign): Promise<void> {
  process.stdout.write(
    `fleet campaign (processes): ${o.doors} door gateways, ${o.visits} visits, an hour away of ${o.hour} visits (each staying while ${o.stay} more arrive), each entrance tapped every ${o.pollMs} ms while a change is awaited; load ${load().text}\n`,
  );
  let next = 0;
  const pool = o.visits + o.hour + 400;
  const f = await startProcessFleet({ doors: o.doors, badges: pool });
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    // ---- grant and revoke
    const grant: number[] = [];
    const revoke: number[] = [];
    for (let k = 0; k < o.visits; k++) {
      let badged = 0;
      const v = await f.visit(next++, () => {
        badged = performance.now();
      });
      grant.push(...(await Promise.all(f.doors.map((d) => f.until(d, v.uid, true, badged, o.pollMs)))));
      const out = performance.now();
      await f.checkout(v.id);
      revoke.push(...(await Promise.all(f.doors.map((d) => f.until(d, v.uid, false, out, o.pollMs)))));
    }
    rows.push(row('grant: badge request at the desk → granted at each entrance', grant));
    rows.push(row('revoke: checkout request at the desk → refused at each entrance', revoke));

    // ---- lockdown: a visit open everywhere, refused at each entrance once the desk locks down
    const inside = await f.visit(next++);
    await Promise.all(f.doors.map((d) => f.until(d, inside.uid, true, performance.now(), o.pollMs)));
    const locked: number[] = [];
    for (let k = 0; k < 10; k++) {
      const on = performance.now();
      await f.api(f.desk, 'POST', '/doors/*/lockdown', { active: true });
      locked.push(...(await Promise.all(f.doors.map((d) => f.until(d, inside.uid, false, on, o.pollMs)))));
      const off = performance.now();
      await f.api(f.desk, 'POST', '/doors/*/lockdown', { active: false });
      await Promise.all(f.doors.map((d) => f.until(d, inside.uid, true, off, o.pollMs)));
    }
    await f.checkout(inside.id);
    await Promise.all(f.doors.map((d) => f.until(d, inside.uid, false, performance.now(), o.pollMs)));
    rows.push(row('lockdown: request at the desk → refused at each entrance', locked));
    process.stdout.write(`  propagation done; load ${load().text}\n${rows.join('\n')}\n`);

    // ---- an hour away
    const away = f.doors.at(-1)!;
    const known: Array<{ id: string; uid: string }> = [];
    for (let k = 0; k < 10; k++) {
      const v = await f.visit(next++);
      await f.until(away, v.uid, true, performance.now(), o.pollMs);
      known.push(v);
    }
    await f.stop(away);
    const endedKnown = new Set<string>();
    const endedAway = new Set<string>();
    const staying: Array<{ id: string; uid: string }> = [];
    const hourStart = performance.now();
    for (const v of known) {
      await f.checkout(v.id);
      endedKnown.add(v.uid);
    }
    for (let k = 0; k < o.hour; k++) {
      staying.push(await f.visit(next++));
      if (staying.length > o.stay) {
        const v = staying.shift()!;
        await f.checkout(v.id);
        endedAway.add(v.uid);
      }
    }
    const head = await allSent(f, away.id);
    const hourMs = performance.now() - hourStart;
    const t0 = performance.now();
    await f.start(away);
    const httpUp = performance.now() - t0;
    let connectedAt: number | undefined;
    let caughtAt: number | undefined;
    // Each honoured tap, and whether the status had shown the fleet connection by its answer.
    const honoured = { known: 0, knownConnected: 0, away: 0 };
    let taps = 0;
    const ended = [...endedKnown, ...endedAway];
    const tapper = (async () => {
      for (let i = 0; caughtAt === undefined; i++) {
        const uid = ended[i % ended.length]!;
        taps++;
        // Connected before the tap was sent: a tap in flight as the status showed the
        // connection may have been decided before it.
        const afterConnection = connectedAt !== undefined;
        if (await f.tap(away, uid)) {
          if (!endedKnown.has(uid)) honoured.away++;
          else if (!afterConnection) honoured.known++;
          else honoured.knownConnected++;
        }
      }
    })();
    for (;;) {
      const s = await doorStatus(f, away);
      const at = performance.now() - t0;
      if (s.connected && connectedAt === undefined) connectedAt = at;
      if (s.lastSeq >= head) {
        caughtAt = at;
        break;
      }
      if (at > 120_000) throw new Error(`${away.id} not caught up after 120 s: ${JSON.stringify(s)}`);
      await sleep(25);
    }
    await tapper;
    // One at a time: a gateway's API takes only so many connections at once.
    for (const v of staying)
      if (!(await f.tap(away, v.uid))) throw new Error('a visit open at the desk is refused after catch-up');
    for (const uid of ended)
      if (await f.tap(away, uid)) throw new Error('an ended visit opens after catch-up');
    const fromConnection = caughtAt - (connectedAt ?? caughtAt);
    rows.push(
      row(
        `an hour away (${o.hour} visits arrived, ${endedAway.size + endedKnown.size} ended, desk at seq ${head}): its process start → lastSeq at the head`,
        [caughtAt],
        CATCH_UP_GOAL_MS,
      ),
      row(
        'the same, from its fleet connection (first status showing it) → the head',
        [fromConnection],
        CATCH_UP_GOAL_MS,
      ),
    );
    notes.push(
      `hour away: the desk's hour took ${fmt.ms(hourMs, 0)} of wall time; the door gateway's HTTP answered ${fmt.ms(httpUp, 0)} after its start; ${taps} taps of ended visits while it caught up: ${honoured.away} honoured of the ${endedAway.size} visits granted and ended while it was away, of the ${endedKnown.size} it knew before (in force until their revocation arrives) ${honoured.known} before its status showed the connection and ${honoured.knownConnected} after; afterwards ${staying.length} open visits granted, ${ended.length} ended refused`,
    );
    process.stdout.write(
      `  hour away done; load ${load().text}\n${rows.slice(2).join('\n')}\n- ${notes[0]}\n`,
    );

    // ---- a broker restart and a desk restart under load
    let running = true;
    const open: Array<{ id: string; uid: string }> = [];
    const closed: string[] = [];
    let retries = 0;
    const retry = async <T>(step: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await step();
        } catch {
          retries++;
          await sleep(200);
        }
      }
    };
    const loadLoop = (async () => {
      while (running) {
        const k = next++;
        // A visit whose steps failed midway (the desk restarting) is made again from the start.
        open.push(await retry(() => f.visit(k)));
        if (open.length > 10) {
          const v = open.shift()!;
          await retry(() => f.checkout(v.id));
          closed.push(v.uid);
        }
      }
    })();
    await sleep(3000);
    await f.brokers.a.pause();
    await sleep(2000);
    await f.brokers.a.resume();
    await sleep(3000);
    await f.stop(f.desk);
    await f.start(f.desk);
    await sleep(3000);
    running = false;
    await loadLoop;
    const loadHead = await f.deskSeq();
    const t1 = performance.now();
    for (;;) {
      const gs = await deskStatus(f);
      if (gs.length === f.doors.length && gs.every((g) => g.lastSentSeq >= loadHead && g.lag === 0)) break;
      if (performance.now() - t1 > 120_000) throw new Error(`not caught up: ${JSON.stringify(gs)}`);
      await sleep(100);
    }
    const settle = performance.now() - t1;
    let wrong = 0;
    for (const d of f.doors) {
      for (const v of open) if (!(await f.tap(d, v.uid))) wrong++;
      for (const uid of closed) if (await f.tap(d, uid)) wrong++;
    }
    // Every access event of every door gateway (these last taps too) reaches the desk: it records
    // them in each gateway's journal order and asks again for any the broker dropped, so its
    // having recorded the last one in the door gateway's journal is having recorded all.
    const t2 = performance.now();
    let asked = 0;
    for (;;) {
      const gs = await deskStatus(f);
      asked = gs.reduce((n, g) => n + (g.resends ?? 0), 0);
      const last = await Promise.all(f.doors.map((d) => lastAccessSeq(d)));
      const missing = f.doors.filter((d, i) => gs.find((g) => g.id === d.id)?.recordedSeq !== last[i]);
      if (missing.length === 0) break;
      if (performance.now() - t2 > 120_000)
        throw new Error(
          `events missing at the desk from ${missing.map((d) => d.id).join(', ')}: ${JSON.stringify(gs)} ${last}`,
        );
      await sleep(200);
    }
    const events = `the desk recorded up to the last access event in every door gateway's journal ${fmt.ms(performance.now() - t2, 0)} after the last taps (it asked ${asked} times for taps a broker dropped, since its restart)`;
    const recap = await recapCheck(f);
    notes.push(
      `restarts under load: ${open.length + closed.length} visits made during it (${retries} API calls retried while the desk restarted), broker stopped 2 s, desk stopped and started; every door gateway at the desk's head ${fmt.ms(settle, 0)} after the load stopped; ${wrong} wrong answers of ${f.doors.length * (open.length + closed.length)} taps (open visits granted, ended refused); ${events}; ${recap.text}`,
    );
    if (wrong > 0) throw new Error(`${wrong} wrong answers after the restarts`);
    if (recap.differences.length > 0)
      throw new Error(`the fleet recap is not the sum of the gateways': ${recap.differences.join('; ')}`);
  } finally {
    await f.close();
  }
  process.stdout.write(
    [
      '',
      '| what | n | median | p99 | max | p99 within goal (1 s; catch-up 10 s) |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      ...notes.map((n) => `- ${n}`),
      `- load at the end: ${load().text}`,
      '',
    ].join('\n'),
  );
}
