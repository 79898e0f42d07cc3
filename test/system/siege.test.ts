// The siege campaign (campaigns/siege.ts), short, in CI: every attack of issue 11 against
// the built gateway as its own process, the door path measured while it runs, and the goals
// asserted as far as a test on a busy machine can without a stopwatch: no grant once the
// revocation's request was answered, the revocation in force within the phase's window (an
// attack that delays it by seconds fails here), every tap answered, memory bounded, what must
// keep working during the attack working, and the gateway whole afterwards without a restart.
// How fast (the 100 ms revocation goal, tap p99 within 2x the idle one) is the campaign's
// figures, in BENCHMARKS.md (`npm run campaign:siege`), never asserted here: on a machine busy
// with other work a wall-clock bound fails without a defect. Each failure names the attack and
// the goal it broke.
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTACKS } from '../../campaigns/lib/attacks.js';
import { GOALS, type PhaseResult, type SiegeResult } from '../../campaigns/lib/report.js';
import { siege } from '../../campaigns/siege.js';
import { requireLab } from '../support/lab.js';
import { missing } from '../support/lab-tools.js';

const SECONDS = 2;

const hasMosquitto = requireLab(
  'mosquitto (the external-broker attack)',
  missing(['mosquitto']).length === 0,
);
const attacks = ATTACKS.filter((a) => a.mode === 'embedded' || hasMosquitto);

describe('siege: the door path under each attack of issue 11', () => {
  let result: SiegeResult;
  let idle: Record<string, PhaseResult>;
  beforeAll(async () => {
    result = await siege({
      seconds: SECONDS,
      seed: 11,
      // A gateway that fails is given 3 s to answer a revocation and to be whole again.
      waitMs: 3000,
      attacks: attacks.map((a) => a.name),
      log: (line) => {
        if (process.env.PINTU_TEST_LOG) process.stderr.write(`${line}\n`);
      },
    });
    idle = Object.fromEntries(result.phases.filter((p) => p.name.startsWith('idle')).map((p) => [p.mode, p]));
  }, 300_000);

  it('measures the idle door path first: revocations in force, taps decided', () => {
    for (const p of Object.values(idle)) {
      for (const r of p.revocations)
        expect(r.ms, `${p.name}: ${r.what} never refused a tap (no attack running)`).toBeDefined();
      expect(p.entrance.failed + p.room.failed, `${p.name}: taps without a decision`).toBe(0);
    }
  });

  it.each(attacks.map((a) => a.name))('%s: revocation, taps, memory, recovery', (name) => {
    const p = result.phases.find((x) => x.name === name);
    expect(p, `${name}: not run (the gateway was gone before it)`).toBeDefined();
    const phase = p!;
    const problems: string[] = [];
    for (const r of phase.revocations) {
      if (r.ms === undefined)
        problems.push(
          `${r.what}: ${r.decisions ? 'no tap refused' : 'no decision at all'} within ${r.windowMs} ms of the request`,
        );
      if (r.afterAnswer > 0)
        problems.push(`${r.what}: ${r.afterAnswer} grants decided after the request was answered`);
    }
    if (phase.entrance.failed)
      problems.push(`${phase.entrance.failed} of ${phase.entrance.n} entrance taps unanswered`);
    if (phase.room.failed) problems.push(`${phase.room.failed} of ${phase.room.n} room taps got no unlock`);
    const grew = phase.rssMax - phase.rssStart;
    if (!(grew < GOALS.rssDeltaBytes))
      problems.push(
        `resident memory grew ${(grew / 2 ** 20).toFixed(0)} MiB during the attack (bound 64 MiB)`,
      );
    const allowed = Math.ceil((GOALS.commandsPerSecond * phase.attackMs) / 1000);
    if (phase.commandsJournaled > allowed)
      problems.push(
        `${phase.commandsJournaled} facilities commands journaled in ${(phase.attackMs / 1000).toFixed(1)} s (bound ${allowed}: no rate limit)`,
      );
    problems.push(...phase.problems);
    expect(problems, `under ${name}: ${problems.join('; ')}\n(${phase.notes.join('; ')})`).toEqual([]);
  });
});
