// The power-cut campaign (campaigns/power.ts), short: the built gateway on the LazyFS mount,
// killed and its disk cut at random moments under taps and visit steps, restarted each time on
// what survived. Nothing acknowledged lost, no file unreadable, the journal's chain whole.
// `npm run campaign:power` runs the long version (200 cuts by default). Needs dist/ (npm run
// build) and python3-fusepy, fuse3, /dev/fuse.
import { describe, expect, it } from 'vitest';
import { powerCampaign } from '../../campaigns/power.js';
import { labSuite } from '../support/lab.js';
import { LAZYFS_NEEDS } from '../support/lazyfs.js';

const ROUNDS = Number(process.env.PINTU_POWER_ROUNDS ?? 5);

labSuite('power campaign', LAZYFS_NEEDS, () => {
  describe('power cuts under load', () => {
    it(`loses nothing acknowledged over ${ROUNDS} cuts`, async () => {
      const lines: string[] = [];
      const r = await powerCampaign({ rounds: ROUNDS, seed: 16, log: (l) => lines.push(l) });
      expect(r.problems, lines.join('\n')).toEqual([]);
      expect(r.losses).toBe(0);
      expect(r.unreadable).toBe(0);
      // The load was real: steps and taps acknowledged, and the cuts threw something away.
      expect(r.ackedSteps).toBeGreaterThan(ROUNDS);
      expect(r.ackedTaps).toBeGreaterThan(ROUNDS * 5);
      expect(r.mqttEvents).toBeGreaterThan(ROUNDS * 5);
      expect(r.journalEntries).toBeGreaterThan(r.ackedTaps);
    }, 120_000);
  });
});
