// Fault campaign (issue 6): the gateway, a real process, killed with SIGKILL at a random
// moment under a stream of badge taps and visit steps through the API, round after round on
// one data folder. After every kill, before the restart: the journal's chain is intact (a torn
// last line, which the next start cuts, is the only break allowed), every tap the API
// acknowledged is in it under the seq the answer named, and state.json parses. After every
// restart: every acknowledged visit step is there (the visit is at that step or a later one).
//
//   npm run campaign:kill -- [--rounds 200] [--seed N] [--dir DIR]
//   (test/system/fault-kill.test.ts runs a few rounds of it in CI)
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from '../bench/lib/fixtures.js';
import { Journal } from '../src/store/journal.js';
import { freePort, startGatewayProcess, stopProcess } from '../test/support/process.js';
import { decisionsMissing, journalDecisions, verifyAfterKill } from './lib/journal-check.js';
import { type RoundsCampaignOptions, roundsCampaignMain } from './lib/rounds-main.js';
import { Api, loadUntilKilled, missingSteps, newAcked, type Step, tidy } from './lib/sop-load.js';

export interface KillCampaignOptions extends RoundsCampaignOptions {
  /** Data folder (kept); a temporary one (removed) when absent. */
  dir?: string;
}

export interface KillCampaignResult {
  seed: number;
  rounds: number;
  /** Acknowledged by the API and checked after the kill and restart. */
  ackedSteps: number;
  ackedTaps: number;
  /** Rounds whose kill left a torn last journal line (cut at the next start). */
  tornTails: number;
  journalEntries: number;
  /** What was wrong; empty when the campaign passed. */
  problems: string[];
}

export async function killCampaign(options: KillCampaignOptions): Promise<KillCampaignResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = rng(seed); // seeded, so that a failing campaign can be run again
  const log = options.log ?? (() => {});
  const minMs = options.minMs ?? 150;
  const maxMs = options.maxMs ?? 1500;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'pintu-kill-campaign-')));
  const problems: string[] = [];
  const acked = newAcked();
  const ackedVisits = acked.visits;
  const ackedTaps = acked.taps;
  let tornTails = 0;
  let journalEntries = 0;
  let child: ChildProcess | undefined;
  const problem = (round: number, text: string) => {
    problems.push(`round ${round}: ${text}`);
    log(`  PROBLEM round ${round}: ${text}`);
  };

  const start = async (): Promise<Api> => {
    const port = await freePort();
    child = await startGatewayProcess({ PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port) });
    return new Api(port, (await readFile(join(dir, 'cli.token'), 'utf8')).trim());
  };

  /** Visit id -> the step last found there (a visit is not asked again until acknowledged further). */
  const seen = new Map<string, Step>();
  /** After a restart: every acknowledged step is there (or a later one). */
  const checkVisits = async (api: Api, round: number) => {
    for (const lost of await missingSteps(api, acked, seen)) problem(round, lost);
  };

  /** After a kill, the gateway down: the journal, the acknowledged taps, state.json. */
  const checkOffline = async (round: number) => {
    const journalDir = join(dir, 'journal');
    const chain = await verifyAfterKill(journalDir);
    if (chain.tornTail) tornTails++;
    if (chain.broken) {
      const b = chain.broken;
      problem(round, `journal broken at ${b.file}:${b.line}: ${b.reason}`);
    }
    journalEntries = chain.entries;
    const journal = await journalDecisions(journalDir);
    for (const m of decisionsMissing(ackedTaps, journal))
      problem(round, `tap seq ${m.seq} acknowledged as ${m.type}, journal has ${m.found}`);
    try {
      const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { visits?: unknown };
      if (typeof state !== 'object' || state === null || !('visits' in state))
        problem(round, 'state.json is not a state');
    } catch (err) {
      problem(round, `state.json: ${(err as Error).message}`);
    }
  };

  try {
    log(`kill campaign: ${options.rounds} rounds, seed ${seed}, data in ${dir}`);
    for (let round = 1; round <= options.rounds; round++) {
      const t0 = performance.now();
      const api = await start();
      const startMs = performance.now() - t0;
      await checkVisits(api, round);
      await tidy(api, acked);
      const after = await loadUntilKilled(api, acked, rand, { minMs, maxMs }, () =>
        stopProcess(child!, 'SIGKILL'),
      );
      await checkOffline(round);
      log(
        `round ${round}: up in ${startMs.toFixed(0)} ms, killed after ${after} ms, round ${(performance.now() - t0).toFixed(0)} ms; acknowledged so far ${ackedVisits.size} visits, ${ackedTaps.size} taps; journal ${journalEntries} entries`,
      );
    }
    // The last restart: everything there, and the journal whole once the start cut its tail.
    const api = await start();
    await checkVisits(api, options.rounds + 1);
    await stopProcess(child!, 'SIGTERM');
    const final = await Journal.verify(join(dir, 'journal'));
    if (!final.ok)
      problem(options.rounds + 1, `journal broken after a clean stop: ${final.firstBreak?.reason}`);
  } finally {
    if (child) await stopProcess(child, 'SIGKILL');
    if (!options.dir) await rm(dir, { recursive: true, force: true });
  }
  return {
    seed,
    rounds: options.rounds,
    ackedSteps: ackedVisits.size,
    ackedTaps: ackedTaps.size,
    tornTails,
    journalEntries,
    problems,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  roundsCampaignMain(
    killCampaign,
    (r, seconds) =>
      `${r.rounds} kills in ${seconds.toFixed(0)} s (seed ${r.seed}): ${r.ackedSteps} visits and ${r.ackedTaps} taps acknowledged, ${r.tornTails} torn tails cut, journal ${r.journalEntries} entries; ${r.problems.length} problems`,
  );
}
