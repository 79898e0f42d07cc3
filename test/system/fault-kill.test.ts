// The SIGKILL fault campaign (campaigns/kill.ts), short: the gateway killed at random moments
// under taps and visit steps, restarted each time on the same data folder. Every acknowledged
// tap and step survives, the journal's chain holds, state.json parses. `npm run campaign:kill`
// runs the long version (200 kills by default).
import { describe, expect, it } from 'vitest';
import { killCampaign } from '../../campaigns/kill.js';

const ROUNDS = Number(process.env.PINTU_KILL_ROUNDS ?? 6);

describe('fault campaign: SIGKILL under load', () => {
  it(`loses nothing acknowledged over ${ROUNDS} kills`, async () => {
    const lines: string[] = [];
    const r = await killCampaign({ rounds: ROUNDS, log: (l) => lines.push(l) });
    expect(r.problems, lines.join('\n')).toEqual([]);
    // The load was real: steps and taps acknowledged in every round.
    expect(r.ackedSteps).toBeGreaterThan(ROUNDS);
    expect(r.ackedTaps).toBeGreaterThan(ROUNDS * 5);
    expect(r.journalEntries).toBeGreaterThan(r.ackedTaps);
  }, 180_000);
});
