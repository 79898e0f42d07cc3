// The lateness rule of room controllers (SimController's GatewayTime, the same as the reference
// firmware's lambda): the gateway's time learned from the commands' `at` and the controller's
// own elapsed time, on numbers.
import { describe, expect, it } from 'vitest';
import { GatewayTime, LATE_SLACK_MS } from '../../src/mqtt/sim-controller.js';

describe('GatewayTime', () => {
  const GW = 1_800_000_000_000;
  const make = () => {
    // The controller's clock: its own origin (uptime), nothing to do with the gateway's.
    const local = { now: 42 };
    return { local, t: new GatewayTime(() => local.now) };
  };

  it('the first copy of a connection is on time; later ones are judged by the elapsed time since the fastest', () => {
    const { local, t } = make();
    expect(t.late(GW, GW + 450)).toBe(false);
    // 10 s later on both clocks, a copy delivered in 30 ms.
    local.now += 10_030;
    expect(t.late(GW + 10_000, GW + 10_450)).toBe(false);
    // A copy sent at GW + 10 s arriving 3 s later: past exp + slack.
    local.now += 3_000;
    expect(t.late(GW + 10_000, GW + 10_450)).toBe(true);
  });

  it('within the slack it passes (delivery jitter)', () => {
    const { local, t } = make();
    t.late(GW, GW + 450);
    local.now += 450 + LATE_SLACK_MS;
    expect(t.late(GW, GW + 450)).toBe(false);
  });

  it("a backward step of the gateway's clock costs one copy: the retry passes", () => {
    const { local, t } = make();
    t.late(GW, GW + 450);
    local.now += 60_000;
    // The gateway's clock stepped 10 s back: its copy looks 10 s late, once.
    expect(t.late(GW + 50_000, GW + 50_450)).toBe(true);
    local.now += 150;
    expect(t.late(GW + 50_150, GW + 50_450)).toBe(false);
  });

  it('a new connection forgets the reference', () => {
    const { local, t } = make();
    t.late(GW, GW + 450);
    local.now += 60_000;
    t.reset();
    expect(t.late(GW + 40_000, GW + 40_450)).toBe(false);
  });
});
