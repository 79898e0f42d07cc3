// The command line of the durability campaigns (kill.ts, power.ts): the same flags, the result
// as text on stdout, and an exit code a CI job or a shell loop can test.
import { parseArgs } from 'node:util';

/** What a durability campaign takes: rounds of load, each ended by a kill. */
export interface RoundsCampaignOptions {
  rounds: number;
  seed?: number;
  /** The campaign's folder (kept); a temporary one (removed) when absent. */
  dir?: string;
  /** Time under load before the kill, drawn between these (ms). */
  minMs?: number;
  maxMs?: number;
  log?: (line: string) => void;
}

/** What `--rounds N --seed N --dir DIR` give a campaign, and its progress log. */
export interface RoundsCliOptions {
  rounds: number;
  seed?: number;
  dir?: string;
  log: (line: string) => void;
}

/**
 * Run `campaign` with the process's flags (rounds 200 unless given), print `report(result,
 * seconds)` and exit 0 when it found no problems, 1 when it did, 2 when it could not run.
 */
export function roundsCampaignMain<R extends { problems: string[] }>(
  campaign: (options: RoundsCliOptions) => Promise<R>,
  report: (result: R, seconds: number) => string,
): void {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '200' },
      seed: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const started = performance.now();
  campaign({
    rounds: Number(values.rounds),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  }).then(
    (r) => {
      process.stdout.write(`\n${report(r, (performance.now() - started) / 1000)}\n`);
      process.exit(r.problems.length ? 1 : 0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
