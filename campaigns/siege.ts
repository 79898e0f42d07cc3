// Siege campaign (issue 11): the door path measured while the gateway is under attack.
// The BUILT gateway runs as its own process (campaigns/lib/site.ts): an entrance with
// simulated readers, a room door driven over MQTT by a simulated room controller that acks.
// Idle first, then under each attack of campaigns/lib/attacks.ts, in turn, its traffic sent by
// an attacker process of its own (campaigns/lib/attacker.ts), as another machine on the LAN:
//  - tap decision latency: entrance taps through POST /api/v1/taps (answered once journaled),
//    room taps over MQTT (tap published -> unlock command at the controller): p50/p99 and the
//    ratio to the same run's idle p99 (goal <= 2x); room taps that got no unlock;
//  - revocation latency: badge taps go on at a steady rate at the entrance and the room door
//    while a checkout is POSTed (and then a lockdown, with the room's keypad tapped too):
//    request -> the first refused tap, from the journal's decision times (the gateway's clock
//    is this machine's), and the grants decided later than 100 ms after the request (goal:
//    <= 100 ms, none later);
//  - resident memory and open files of the gateway during and after (goal: RSS < idle +
//    64 MB), and afterwards: /healthz ok and a tap granted at both doors, without a restart;
//  - what an attack got through, where it counts it (attacks.ts `tally`: room-forgery's grants
//    and unlocks, which must be 0).
// The run ends with a Markdown table; the exit code is non-zero only on a harness error.
//
//   npm run campaign:siege -- [--attack NAME ...] [--seconds N] [--seed S]
//   (test/system/siege.test.ts runs every attack, short, in CI and asserts the goals)
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { rng } from '../bench/lib/fixtures.js';
import { fmt, machineInfo, percentile } from '../bench/lib/util.js';
import { launch, type Running } from './lib/attacker.js';
import { ATTACKS, type Attack } from './lib/attacks.js';
import {
  describe,
  GOALS,
  goalsMissed,
  markdownTable,
  type PhaseResult,
  type Revocation,
  type SiegeResult,
  type Taps,
} from './lib/report.js';
import { BADGES, ENTRANCE, type Entry, ROOM, Site, sleep, type TapAnswer } from './lib/site.js';

export interface SiegeOptions {
  /** Attack names (all when empty). */
  attacks?: readonly string[];
  /** Seconds each attack (and the idle phase) runs. */
  seconds: number;
  seed?: number;
  /** Size of the attacks (1: the issue's counts). */
  scale?: number;
  /** Open files the gateway may have (ulimit -n, soft and hard), as a shell on a Pi gives. */
  nofile?: number;
  /**
   * CPUs the gateway runs on (taskset list, e.g. "1"): with the campaign itself on the others
   * (`taskset -c 0 npm run campaign:siege -- --gateway-cpus 1`), the attacker is another
   * machine as on a LAN, not a process taking the gateway's cores. Unset: shared.
   */
  gatewayCpus?: string;
  /**
   * How long taps go on while a revocation's request is unanswered, and how long the gateway
   * has to be whole again after an attack (bounds a phase on a gateway that fails), ms.
   */
  waitMs?: number;
  log?: (line: string) => void;
}

const summary = (xs: TapAnswer[]): Taps => {
  const ok = xs.filter((x) => x.ok).map((x) => x.ms);
  const sorted = Float64Array.from(ok).sort();
  return {
    n: xs.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    failed: xs.length - ok.length,
  };
};

/** Closed-loop taps of one badge at both doors for ms. */
async function tapLatency(site: Site, uid: string, ms: number, timeoutMs: number) {
  const until = performance.now() + ms;
  const entrance: TapAnswer[] = [];
  const room: TapAnswer[] = [];
  await Promise.all([
    (async () => {
      while (performance.now() < until && entrance.length < 5000) {
        entrance.push(await site.entranceTap(uid, timeoutMs));
        await sleep(10);
      }
    })(),
    (async () => {
      while (performance.now() < until && room.length < 2000) {
        const r = await site.roomTap('nfc', uid);
        room.push(r);
        // A tap without an unlock in time: its unlock may still come; let it pass unmatched,
        // so that it is not taken for the next tap's.
        await sleep(r.ok ? 10 : 1000);
      }
    })(),
  ]);
  return { entrance: summary(entrance), room: summary(room) };
}

/**
 * Taps at a steady rate (open loop, bounded in flight) at both doors while `revoke` runs;
 * resolves with the request's time (Date.now(), the journal's clock) and the window's end.
 */
async function underTaps(
  site: Site,
  o: { uid: string; room: (i: number) => ['nfc' | 'pin', string]; windowMs: number; waitMs: number },
  revoke: () => Promise<{ status: number }>,
): Promise<Window> {
  let on = true;
  // What the doors' users see, besides the journal (which a stuck disk or pool holds back).
  const answers: Window['answers'] = [];
  const unlocks: number[] = [];
  const controller = site.controller;
  const onCommand = (cmd: { action: string }) => {
    if (cmd.action === 'unlock') unlocks.push(Date.now());
  };
  controller?.on('command', onCommand);
  const inflight = new Set<Promise<unknown>>();
  const pace = async (periodMs: number, fire: (i: number) => Promise<unknown>) => {
    for (let i = 0; on && i < 2000; i++) {
      if (inflight.size < 200) {
        const p = fire(i).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(periodMs);
    }
  };
  // Every 10 ms at the entrance and 20 ms at the room: the first refusal is seen within that.
  const entrance = pace(10, async () => {
    const sentAt = Date.now();
    const a = await site.entranceTap(o.uid, o.waitMs + 5000);
    if (a.ok) answers.push({ sentAt, granted: a.granted === true });
  });
  const room = pace(20, async (i) => {
    const [kind, credential] = o.room(i);
    site.controller?.tap(kind, credential);
  });
  await sleep(400); // granted taps before the request: the badge worked
  const t0 = Date.now();
  let answeredAt = Number.POSITIVE_INFINITY;
  const answered = revoke().then((r) => {
    // Answered as done: a failed request (no answer, 5xx) revoked nothing.
    if (r.status === 200) answeredAt = Date.now();
  });
  // At least windowMs; while the request is unanswered, on up to waitMs (the
  // taps meanwhile are the figure: granted or not); then a little more to see refusals.
  await Promise.race([answered, sleep(o.waitMs)]);
  await sleep(Math.max(500, t0 + o.windowMs - Date.now()));
  const end = Date.now();
  on = false;
  await Promise.all([entrance, room]);
  await Promise.race([Promise.all(inflight), sleep(o.waitMs + 5000)]);
  controller?.off('command', onCommand);
  return { t0, end, answeredAt, answers, unlocks };
}

/** One revocation's window of taps. */
interface Window {
  /** The request sent (Date.now(): the journal's clock, the same machine). */
  t0: number;
  /** The taps stopped. */
  end: number;
  /** The request answered as done (Infinity: never, or failed). */
  answeredAt: number;
  /** Entrance taps answered: when each was sent, and the answer. */
  answers: Array<{ sentAt: number; granted: boolean }>;
  /** Unlock commands the room controller received (only the revoked credential is tapped there). */
  unlocks: number[];
}

/**
 * Request -> first refused decision, and grants later than the goal, from the journal; the
 * grants also from what the door's user saw, when the journal does not have them (held back
 * by the disk or the pool): an entrance tap sent more than 100 ms after the request and
 * answered granted; an unlock command received more than 100 ms + `roomSlackMs` (the room
 * path's own idle p99) after the request.
 */
function revocationOf(
  journal: Entry[],
  w: Window,
  o: {
    what: string;
    visitId: string;
    reader: string;
    kind?: string;
    /** Decisions after this are not counted (the lockdown's release). */
    until?: number;
    /** Count the room controller's unlocks (the door's own view) with this slack. */
    roomSlackMs?: number;
  },
): Revocation {
  const { t0, end, answeredAt } = w;
  const mine = journal.filter(
    (e) =>
      e.type.startsWith('access.') &&
      // A lockdown refusal names no visit: the reader and the window say whose tap it was.
      (e.payload.visitId === o.visitId || e.payload.reason === 'lockdown') &&
      e.payload.readerId === o.reader &&
      (o.kind === undefined || e.payload.kind === o.kind) &&
      e.at >= t0 &&
      e.at <= (o.until ?? end + 60_000),
  );
  const refused = mine.find((e) => e.type === 'access.denied');
  const until = o.until ?? Number.POSITIVE_INFINITY;
  const journaled = mine.filter((e) => e.type === 'access.granted' && e.at > t0 + GOALS.revocationMs).length;
  const seen =
    o.reader === ENTRANCE.in
      ? w.answers.filter((a) => a.granted && a.sentAt > t0 + GOALS.revocationMs && a.sentAt < until).length
      : o.roomSlackMs !== undefined
        ? w.unlocks.filter((at) => at > t0 + GOALS.revocationMs + o.roomSlackMs! && at < until).length
        : 0;
  const afterAnswer = Math.max(
    mine.filter((e) => e.type === 'access.granted' && e.at > answeredAt).length,
    o.reader === ENTRANCE.in
      ? w.answers.filter((a) => a.granted && a.sentAt > answeredAt && a.sentAt < until).length
      : 0,
  );
  return {
    what: o.what,
    ms: refused ? refused.at - t0 : undefined,
    late: Math.max(journaled, seen),
    afterAnswer,
    decisions: mine.length,
    windowMs: end - t0,
  };
}

export async function siege(options: SiegeOptions): Promise<SiegeResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = rng(seed);
  const log = options.log ?? (() => {});
  const seconds = options.seconds;
  const scale = options.scale ?? 1;
  const nofile = options.nofile ?? 1024;
  const cpus = options.gatewayCpus;
  const waitMs = options.waitMs ?? 10_000;
  const chosen = options.attacks?.length ? ATTACKS.filter((a) => options.attacks!.includes(a.name)) : ATTACKS;
  const unknown = (options.attacks ?? []).filter((n) => !ATTACKS.some((a) => a.name === n));
  if (unknown.length)
    throw new Error(`unknown attack ${unknown.join(', ')}; known: ${ATTACKS.map((a) => a.name).join(', ')}`);
  // The attacks in a seeded order within each mode (one gateway per mode).
  const order = (xs: Attack[]) =>
    xs
      .map((a) => ({ a, k: rand() }))
      .sort((x, y) => x.k - y.k)
      .map((x) => x.a);
  const phases: PhaseResult[] = [];
  log(
    `siege campaign: ${chosen.length} attacks, ${seconds} s each, seed ${seed}, gateway open files ${nofile}` +
      (cpus ? `, gateway on CPU ${cpus}` : ''),
  );

  for (const mode of ['embedded', 'external'] as const) {
    const attacks = order(chosen.filter((a) => a.mode === mode));
    if (attacks.length === 0) continue;
    let site = await Site.start(mode, { nofile, log, ...(cpus ? { cpus } : {}) });
    try {
      let badge = 0;
      const nextBadge = () => BADGES[badge++]!.label;
      let resident = await site.badgedVisit(nextBadge());

      /** One phase: idle (no attack) or under `attack`. */
      const phase = async (attack: Attack | undefined, idle?: PhaseResult): Promise<PhaseResult> => {
        const name = attack?.name ?? `idle (${mode})`;
        const leaving = await site.badgedVisit(nextBadge());
        const problems: string[] = [];
        const notes: string[] = [];
        const base = await site.resources();
        const phaseFrom = Date.now();
        const journalFrom = await site.journalBytes();
        let rssMax = base.rss;
        let fdsMax = base.fds;
        let sampling = true;
        const sampler = (async () => {
          while (sampling && site.alive) {
            const r = await site.resources();
            if (r.rss > rssMax) rssMax = r.rss;
            if (r.fds > fdsMax) fdsMax = r.fds;
            await sleep(200);
          }
        })();
        const ms = seconds * 1000;
        let running: Running | undefined;
        try {
          await attack?.prepare?.(site);
          const attackFrom = performance.now();
          running = attack ? await launch(attack, site, { maxMs: ms + 60_000, scale }) : undefined;
          await sleep(Math.min(1500, ms * 0.1)); // the attack at full strength
          const taps = await tapLatency(site, resident.uid, ms * 0.35, waitMs);
          for (const line of (await running?.probe?.()) ?? []) {
            notes.push(line);
            if (line.includes('FAILED')) problems.push(line);
          }
          const windowMs = Math.max(1500, ms * 0.2);
          const checkout = await underTaps(
            site,
            { uid: leaving.uid, room: () => ['nfc', leaving.uid], windowMs, waitMs },
            () =>
              site.api(
                'POST',
                `/visits/${leaving.visitId}/checkout`,
                { badgeReturned: true, documentReturned: true },
                60_000,
              ),
          );
          const lockdown = await underTaps(
            site,
            {
              uid: resident.uid,
              room: (i) => (i % 2 ? ['pin', resident.code] : ['nfc', resident.uid]),
              windowMs,
              waitMs,
            },
            () => site.api('POST', '/doors/*/lockdown', { active: true }, 60_000),
          );
          const releasedAt = Date.now();
          const released = await site.api('POST', '/doors/*/lockdown', { active: false }, waitMs);
          if (released.status !== 200) problems.push(`lockdown release answered ${released.status}`);
          const stopped = running;
          await running?.stop();
          const attackMs = performance.now() - attackFrom;
          running = undefined;
          if (stopped) notes.push(...stopped.notes());
          for (const line of (await attack?.tally?.(site)) ?? []) {
            notes.push(line);
            if (line.includes('FAILED')) problems.push(line);
          }

          // Afterwards: whole again without a restart.
          const deadline = performance.now() + waitMs;
          const checks = async () => {
            const out: string[] = [];
            if (!site.alive) return ['the gateway process is gone'];
            const h = await site.health();
            if (!h.ok) out.push(`/healthz ${h.status ?? 'no answer'}`);
            const e = await site.entranceTap(resident.uid, 5000);
            if (!e.granted) out.push('entrance tap not granted');
            const r = await site.roomTap('nfc', resident.uid);
            if (!r.ok) out.push('room tap without unlock');
            return out;
          };
          let after = await checks();
          while (after.length && performance.now() < deadline && site.alive) {
            await sleep(500);
            after = await checks();
          }
          if (site.alive) after.push(...((await stopped?.recovered?.()) ?? []));
          const recovered = after.length === 0;
          if (!recovered)
            problems.push(`not recovered ${waitMs / 1000} s after the attack: ${after.join('; ')}`);
          sampling = false;
          await sampler;
          const end = await site.resources();

          const journal = site.alive ? await site.journal() : [];
          // The room path's own time (tap -> unlock), idle: an unlock later than the goal by more is a late grant.
          const roomSlackMs = Number.isFinite(idle?.room.p99) ? idle!.room.p99 : taps.room.p99;
          const revocations = [
            revocationOf(journal, checkout, {
              what: 'checkout@entrance',
              visitId: leaving.visitId,
              reader: ENTRANCE.in,
            }),
            revocationOf(journal, checkout, {
              what: 'checkout@room',
              visitId: leaving.visitId,
              reader: ROOM.reader,
              roomSlackMs,
            }),
            revocationOf(journal, lockdown, {
              what: 'lockdown@entrance',
              visitId: resident.visitId,
              reader: ENTRANCE.in,
              until: releasedAt,
            }),
            revocationOf(journal, lockdown, {
              what: 'lockdown@room',
              visitId: resident.visitId,
              reader: ROOM.reader,
              kind: 'nfc',
              until: releasedAt,
              // The unlocks of both kinds of room taps count here (a command names no tap).
              roomSlackMs,
            }),
            revocationOf(journal, lockdown, {
              what: 'lockdown@keypad',
              visitId: resident.visitId,
              reader: ROOM.reader,
              kind: 'pin',
              until: releasedAt,
            }),
          ];
          const result: PhaseResult = {
            name,
            description: attack?.description ?? 'no attack',
            mode,
            entrance: taps.entrance,
            room: taps.room,
            entranceRatio: idle ? taps.entrance.p99 / idle.entrance.p99 : 1,
            roomRatio: idle ? taps.room.p99 / idle.room.p99 : 1,
            revocations,
            rssIdle: idle ? idle.rssAfter : base.rss,
            rssStart: base.rss,
            attackMs,
            journalGrowth: site.alive ? (await site.journalBytes()) - journalFrom : Number.NaN,
            commandsJournaled: journal.filter((e) => e.at >= phaseFrom && e.actor?.id.startsWith('mqtt:'))
              .length,
            rssMax,
            rssAfter: end.rss,
            fdsMax,
            fdsAfter: end.fds,
            recovered,
            problems,
            notes,
            missed: [],
          };
          result.missed = goalsMissed(result);
          return result;
        } finally {
          sampling = false;
          if (running) {
            await running.stop().catch(() => undefined);
            notes.push(...running.notes());
          }
          await sampler;
        }
      };

      const idle = await phase(undefined);
      phases.push(idle);
      log(describe(idle));
      for (const attack of attacks) {
        if (!site.alive) {
          log(`${attack.name}: not run, the gateway is gone`);
          continue;
        }
        const phaseStarted = performance.now();
        let p: PhaseResult;
        // A watchdog besides every bounded loop: a phase that hangs is a harness error of its own.
        const limit = seconds * 1000 + 4 * waitMs + 120_000;
        let watchdog: NodeJS.Timeout | undefined;
        try {
          p = await Promise.race([
            phase(attack, idle),
            new Promise<never>((_, reject) => {
              watchdog = setTimeout(
                () => reject(new Error(`the phase did not end within ${limit / 1000} s (harness)`)),
                limit,
              );
            }),
          ]);
        } catch (err) {
          p = unmeasured(attack, idle, err);
        } finally {
          clearTimeout(watchdog);
        }
        phases.push(p);
        log(`${describe(p)}\n  (phase ${((performance.now() - phaseStarted) / 1000).toFixed(1)} s)`);
        if (!p.recovered) {
          // The next attack is measured on a whole gateway: a new one on a new data folder.
          log(`  (a new gateway for the next attack: ${attack.name} left this one unusable)`);
          await site.close();
          site = await Site.start(mode, { nofile, log, ...(cpus ? { cpus } : {}) });
          badge = 0;
          resident = await site.badgedVisit(nextBadge());
        } else if (!site.controller?.connected) {
          // Back to a tidy start for the next attack: the controller connected.
          await site.stopController();
          site.controller = await site.connectController(15_000).catch(() => undefined);
        }
      }
    } finally {
      await site.close();
    }
  }
  return { seed, seconds, phases };
}

/** An attack after which the harness could not measure (the gateway would not answer). */
function unmeasured(attack: Attack, idle: PhaseResult, err: unknown): PhaseResult {
  const why = `not measured: ${err instanceof Error ? err.message : String(err)}`;
  const none: Taps = { n: 0, p50: Number.NaN, p99: Number.NaN, failed: 0 };
  return {
    name: attack.name,
    description: attack.description,
    mode: attack.mode,
    entrance: none,
    room: none,
    entranceRatio: Number.NaN,
    roomRatio: Number.NaN,
    revocations: [],
    rssIdle: idle.rssIdle,
    rssStart: Number.NaN,
    attackMs: Number.NaN,
    journalGrowth: Number.NaN,
    commandsJournaled: Number.NaN,
    rssMax: Number.NaN,
    rssAfter: Number.NaN,
    fdsMax: Number.NaN,
    fdsAfter: Number.NaN,
    recovered: false,
    problems: [why],
    notes: [],
    missed: [why],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: {
      attack: { type: 'string', multiple: true },
      seconds: { type: 'string', default: '8' },
      seed: { type: 'string' },
      scale: { type: 'string', default: '1' },
      nofile: { type: 'string', default: '1024' },
      'gateway-cpus': { type: 'string' },
    },
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const m = machineInfo(tmpdir());
  out(
    `machine: ${m.cpu}, ${m.cores} cores (parallelism ${m.parallelism}), ${fmt.bytes(m.ramBytes)} RAM, node ${m.node}, ${m.kernel}, ${m.fs}`,
  );
  const started = performance.now();
  siege({
    seconds: Number(values.seconds),
    scale: Number(values.scale),
    nofile: Number(values.nofile),
    ...(values['gateway-cpus'] ? { gatewayCpus: values['gateway-cpus'] } : {}),
    ...(values.attack ? { attacks: values.attack } : {}),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    log: out,
  }).then(
    (r) => {
      out(
        `\nsiege: ${r.phases.length} phases in ${((performance.now() - started) / 1000).toFixed(0)} s (seed ${r.seed}, ${r.seconds} s each)\n`,
      );
      out(markdownTable(r));
      const missed = r.phases.filter((p) => p.missed.length).length;
      out(
        `\n${missed ? `${missed} of ${r.phases.length} phases missed a goal (see above)` : 'every goal met'}`,
      );
      // A missed goal is a finding, not a harness error: the table says it.
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
