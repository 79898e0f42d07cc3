// The monthly recap (SOP step 8), computed from the journal: what took a day by hand takes
// one pass over a month's journal file.
import { DomainError } from '../domain/errors.js';
import { buildMonthlyRecapAsync, type MonthlyRecap } from '../domain/recap.js';
import { isValidMonth } from '../domain/time.js';
import { recapToCsv } from '../reports/csv.js';
import type { Core } from './core.js';

export type RecapFormat = 'json' | 'csv';

export class ReportService {
  constructor(private readonly core: Core) {}

  async monthly(month: string): Promise<MonthlyRecap> {
    if (!isValidMonth(month)) throw new DomainError('invalid', 'month must be YYYY-MM', 'month');
    const s = this.core.state;
    return buildMonthlyRecapAsync(
      { month, timezone: s.policy.timezone, hosts: s.hosts, doors: s.doors },
      this.core.journal.read({ month }),
    );
  }

  async render(month: string, format: RecapFormat, lang: 'id' | 'en' = 'id'): Promise<string | MonthlyRecap> {
    const recap = await this.monthly(month);
    return format === 'csv' ? recapToCsv(recap, lang) : recap;
  }
}
