// The SIGKILL fault campaign (campaigns/kill.ts), short: the gateway killed at random moments
// under taps and visit steps, restarted each time on the same data folder. Every acknowledged
// tap and step survives, the journal's chain holds, state.json parses. `npm run campaign:kill`
// runs the long version (200 kills by default).
import { describe, expect, it } from 'vitest';
import { killCampaign } from '../../campaigns/kill.js';
import { MIN_ROUND_LOAD } from '../../campaigns/lib/sop-load.js';
import { limit } from '../support/limits.js';

const ROUNDS = Number(process.env.PINTU_KILL_ROUNDS ?? 6);

describe('fault campaign: SIGKILL under load', () => {
  it(
    `loses nothing acknowledged over ${ROUNDS} kills`,
    async () => {
      const lines: string[] = [];
      const r = await killCampaign({ rounds: ROUNDS, log: (l) => lines.push(l) });
      expect(r.problems, lines.join('\n')).toEqual([]);
      // The load was real: each round acknowledged its minimum before the kill (a slow machine
      // waits for it).
      expect(r.ackedSteps).toBeGreaterThanOrEqual(ROUNDS * MIN_ROUND_LOAD.visits);
      expect(r.ackedTaps).toBeGreaterThanOrEqual(ROUNDS * MIN_ROUND_LOAD.taps);
      expect(r.journalEntries).toBeGreaterThan(r.ackedTaps);
    },
    limit(300_000),
  );
});
