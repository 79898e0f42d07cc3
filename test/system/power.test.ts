// The power-cut campaign (campaigns/power.ts), short: the built gateway on the LazyFS mount,
// killed and its disk cut at random moments under taps and visit steps, restarted each time on
// what survived. Nothing acknowledged lost, no file unreadable, the journal's chain whole.
// `npm run campaign:power` runs the long version (200 cuts by default). Needs dist/ (npm run
// build) and python3-fusepy, fuse3, /dev/fuse.
import { describe, expect, it } from 'vitest';
import { MIN_ROUND_LOAD } from '../../campaigns/lib/sop-load.js';
import { powerCampaign } from '../../campaigns/power.js';
import { labSuite } from '../support/lab.js';
import { LAZYFS_NEEDS } from '../support/lazyfs.js';
import { limit } from '../support/limits.js';

const ROUNDS = Number(process.env.PINTU_POWER_ROUNDS ?? 5);

labSuite('power campaign', LAZYFS_NEEDS, () => {
  describe('power cuts under load', () => {
    it(
      `loses nothing acknowledged over ${ROUNDS} cuts`,
      async () => {
        const lines: string[] = [];
        const r = await powerCampaign({ rounds: ROUNDS, seed: 16, log: (l) => lines.push(l) });
        expect(r.problems, lines.join('\n')).toEqual([]);
        expect(r.losses).toBe(0);
        expect(r.unreadable).toBe(0);
        // The load was real: each round acknowledged its minimum before the cut (a slow machine
        // waits for it), and tap decisions reached pintu/events.
        expect(r.ackedSteps).toBeGreaterThanOrEqual(ROUNDS * MIN_ROUND_LOAD.visits);
        expect(r.ackedTaps).toBeGreaterThanOrEqual(ROUNDS * MIN_ROUND_LOAD.taps);
        expect(r.mqttEvents).toBeGreaterThan(ROUNDS);
        expect(r.journalEntries).toBeGreaterThan(r.ackedTaps);
      },
      limit(300_000),
    );
  });
});
