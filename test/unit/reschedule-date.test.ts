// A reschedule (host_absent) proposes a day to come back (issue 13, item 5): today at the
// earliest, in the site's time zone, and at most access.rescheduleMaxDays ahead; the config key
// refuses a bad value by name.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { DomainError } from '../../src/domain/errors.js';
import { handleVisitCommand } from '../../src/domain/visit.js';
import { jkt, visitContext, visitIn } from './fixtures/domain.js';

function ruleFor(proposedDate: string, now: number, rescheduleMaxDays?: number): string {
  const ctx = visitContext({ now, ...(rescheduleMaxDays !== undefined ? { rescheduleMaxDays } : {}) });
  const waiting = visitIn('awaiting_host', visitContext());
  try {
    handleVisitCommand(waiting, { action: 'decide', outcome: 'host_absent', proposedDate }, ctx);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    expect([e.code, e.field]).toEqual(['invalid', 'proposedDate']);
    return e.detail.rule ?? 'none';
  }
}

describe('host_absent proposedDate', () => {
  it('today in Jakarta is fine, yesterday is date_past, whatever the UTC date', () => {
    // 06:00 on 4 March in Jakarta is still 3 March in UTC.
    const early = jkt('2025-03-04', '06:00');
    expect(ruleFor('2025-03-04', early)).toBe('ok');
    expect(ruleFor('2025-03-03', early)).toBe('date_past');
    expect(ruleFor('2020-01-01', early)).toBe('date_past');
    // 23:30 on 4 March in Jakarta: 5 March is still ahead.
    expect(ruleFor('2025-03-05', jkt('2025-03-04', '23:30'))).toBe('ok');
  });

  it('at most rescheduleMaxDays ahead (date_too_far); no bound without it', () => {
    const now = jkt('2025-12-31', '10:00');
    expect(ruleFor('2026-01-30', now, 30)).toBe('ok');
    expect(ruleFor('2026-01-31', now, 30)).toBe('date_too_far');
    expect(ruleFor('2028-02-29', now, 3650)).toBe('ok');
    expect(ruleFor('2999-01-01', now)).toBe('ok');
  });

  it('a day that does not exist is date_format', () => {
    expect(ruleFor('2025-02-30', jkt('2025-01-01', '09:00'))).toBe('date_format');
  });
});

describe('access.rescheduleMaxDays', () => {
  it('defaults to 90 and refuses 0 by name', () => {
    expect(loadConfig({ env: {} }).config.access.rescheduleMaxDays).toBe(90);
    let err: unknown;
    try {
      loadConfig({ env: { PINTU_CONFIG_ACCESS__RESCHEDULE_MAX_DAYS: '0' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatch(/^access\.rescheduleMaxDays: must be >= 1/);
  });
});
