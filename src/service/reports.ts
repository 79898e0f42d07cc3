// The monthly recap (SOP step 8), computed from the journal: what took a day by hand takes
// one pass over a month's journal file.
import { DomainError } from '../domain/errors.js';
import {
  type MonthlyRecap,
  MonthlyRecapBuilder,
  RECAP_EVENT_TYPES,
  type RecapContext,
} from '../domain/recap.js';
import { isValidMonth } from '../domain/time.js';
import { recapToCsv } from '../reports/csv.js';
import type { Journal } from '../store/journal.js';
import type { Core } from './core.js';

export type RecapFormat = 'json' | 'csv';

/** One pass over the month's journal file, reading only the entry types the recap counts. */
export async function recapFromJournal(journal: Journal, ctx: RecapContext): Promise<MonthlyRecap> {
  const builder = new MonthlyRecapBuilder(ctx);
  for await (const batch of journal.readBatches({ month: ctx.month, types: RECAP_EVENT_TYPES })) {
    for (const e of batch) builder.add(e);
  }
  return builder.result();
}

export class ReportService {
  constructor(private readonly core: Core) {}

  async monthly(month: string): Promise<MonthlyRecap> {
    if (!isValidMonth(month)) throw new DomainError('invalid', 'month must be YYYY-MM', 'month');
    const s = this.core.state;
    return recapFromJournal(this.core.journal, {
      month,
      timezone: s.policy.timezone,
      hosts: s.hosts,
      doors: s.doors,
    });
  }

  async render(month: string, format: RecapFormat, lang: 'id' | 'en' = 'id'): Promise<string | MonthlyRecap> {
    const recap = await this.monthly(month);
    return format === 'csv' ? recapToCsv(recap, lang) : recap;
  }
}
