// The monthly recap (SOP step 8), computed from the journal: what took a day by hand takes
// one pass over a month's journal file. The yearly recap is the twelve months, one at a time.
import { DomainError } from '../domain/errors.js';
import {
  type MonthlyRecap,
  MonthlyRecapBuilder,
  RECAP_APPOINTMENT_TYPES,
  RECAP_EVENT_TYPES,
  type RecapContext,
} from '../domain/recap.js';
import type { SurveyAnswers, SurveyRecap } from '../domain/survey.js';
import { isValidMonth } from '../domain/time.js';
import type { PurposeCategory } from '../domain/types.js';
import { isValidYear, monthsOf, type YearlyRecap, YearlyRecapBuilder } from '../domain/yearly-recap.js';
import { recapToCsv, yearlyRecapToCsv } from '../reports/csv.js';
import { localiseRecap } from '../reports/localise.js';
import { surveyToCsv } from '../reports/survey-csv.js';
import type { Journal } from '../store/journal.js';
import type { Core } from './core.js';
import type { SurveyService } from './survey.js';

/** csv: RFC 4180 for machines; csv-excel: for Excel set to Indonesian (reports/csv.ts). */
export type RecapFormat = 'json' | 'csv' | 'csv-excel';

const DIALECT = { csv: 'rfc4180', 'csv-excel': 'excel-id' } as const;

/**
 * How many months before a recap's month may hold appointments for it: an appointment is made
 * at most `aheadDays` ahead (the larger of visits.appointmentMaxDays, access.rescheduleMaxDays).
 */
export function appointmentLookback(aheadDays: number): number {
  return Math.ceil(aheadDays / 28);
}

/** The `n` months before `month`, oldest first. */
function monthsBefore(month: string, n: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (n - i), 1));
    return d.toISOString().slice(0, 7);
  });
}

/**
 * One pass over the month's journal file, reading only the entry types the recap counts, after
 * the appointments of the `lookback` months before (an appointment is made up to that far ahead).
 */
async function readMonth(journal: Journal, ctx: RecapContext, lookback = 0): Promise<MonthlyRecapBuilder> {
  const builder = new MonthlyRecapBuilder(ctx);
  for (const month of monthsBefore(ctx.month, lookback)) {
    for await (const batch of journal.readBatches({ month, types: RECAP_APPOINTMENT_TYPES })) {
      for (const e of batch) builder.add(e);
    }
  }
  for await (const batch of journal.readBatches({ month: ctx.month, types: RECAP_EVENT_TYPES })) {
    for (const e of batch) builder.add(e);
  }
  return builder;
}

export async function recapFromJournal(
  journal: Journal,
  ctx: RecapContext,
  lookback = 0,
): Promise<MonthlyRecap> {
  return (await readMonth(journal, ctx, lookback)).result();
}

/** The twelve months read one after the other: one month's builder in memory at a time. */
export async function yearlyRecapFromJournal(
  journal: Journal,
  ctx: Omit<RecapContext, 'month'> & { year: string },
  lookback = 0,
): Promise<YearlyRecap> {
  const { year, ...rest } = ctx;
  const builder = new YearlyRecapBuilder(year, ctx.timezone);
  for (const month of monthsOf(year))
    builder.addMonth(await readMonth(journal, { ...rest, month }, lookback));
  return builder.result();
}

export class ReportService {
  constructor(
    private readonly core: Core,
    /** config visits.purposes: the categories the recap counts purposes by. */
    private readonly purposes: readonly PurposeCategory[],
    /**
     * How many days ahead an appointment may be made (the larger of visits.appointmentMaxDays and
     * access.rescheduleMaxDays): the months whose appointments may fall in a recap's month.
     */
    private readonly appointmentAheadDays: number,
    /** The survey's answers and their saran (kept apart, by retention). */
    private readonly surveys: SurveyService,
  ) {}

  private get lookback(): number {
    return appointmentLookback(this.appointmentAheadDays);
  }

  /** What a recap, monthly or yearly, takes from the live state besides its period. */
  private recapContext(): Omit<RecapContext, 'month'> {
    const s = this.core.state;
    return {
      timezone: s.policy.timezone,
      hosts: s.hosts,
      doors: s.doors,
      badges: s.badges,
      purposes: this.purposes,
      now: this.core.now(),
    };
  }

  async monthly(month: string): Promise<MonthlyRecap> {
    if (!isValidMonth(month)) throw new DomainError('invalid', 'month must be YYYY-MM', 'month');
    return recapFromJournal(this.core.journal, { month, ...this.recapContext() }, this.lookback);
  }

  async yearly(year: string): Promise<YearlyRecap> {
    if (!isValidYear(year)) throw new DomainError('invalid', 'year must be YYYY', 'year');
    return yearlyRecapFromJournal(this.core.journal, { year, ...this.recapContext() }, this.lookback);
  }

  async renderYear(
    year: string,
    format: RecapFormat,
    lang: 'id' | 'en' = 'id',
  ): Promise<string | (YearlyRecap & { survey: SurveyRecap })> {
    const recap = await this.yearly(year);
    // Every format carries the year's satisfaction survey (IKM, respondents, saran).
    const survey = await this.survey(year);
    if (format !== 'json') return yearlyRecapToCsv(recap, lang, DIALECT[format], survey);
    return { ...localiseRecap(recap, lang), survey };
  }

  /** The satisfaction survey of a month (YYYY-MM) or a year (YYYY), from the journal's answers. */
  survey(period: string): Promise<SurveyRecap> {
    return this.surveys.recap(period);
  }

  /** The answers one by one, for the regulation's tabulation (reports/survey-xlsx.ts). */
  surveyTabulation(period: string): Promise<{ recap: SurveyRecap; answers: SurveyAnswers[] }> {
    return this.surveys.tabulation(period);
  }

  async renderSurvey(
    period: string,
    format: RecapFormat,
    lang: 'id' | 'en' = 'id',
  ): Promise<string | SurveyRecap> {
    const recap = await this.survey(period);
    return format === 'json' ? recap : surveyToCsv(recap, lang, DIALECT[format]);
  }

  async render(
    month: string,
    format: RecapFormat,
    lang: 'id' | 'en' = 'id',
  ): Promise<string | (MonthlyRecap & { survey: SurveyRecap })> {
    const recap = await this.monthly(month);
    // Every format carries the month's satisfaction survey (IKM, respondents, saran).
    const survey = await this.survey(month);
    if (format !== 'json') return recapToCsv(recap, lang, DIALECT[format], survey);
    return { ...localiseRecap(recap, lang), survey };
  }
}
