// The guest-book register, from the records that hold the guests' names (the journal never does):
// the monthly archive of closed visits for the period's month, then the visits still open or
// waiting to be archived. The rows are built by domain/register.ts; the exporters render them.
// The summary's no-shows and satisfaction index come from the journal: the appointments that may
// be dated in the period (registered up to `appointmentAheadDays` ahead) and the period's survey
// answers (anonymous, so tied to no row).
import {
  buildRegister,
  type GuestRegister,
  periodMonth,
  periodRange,
  type RegisterAppointment,
  type RegisterContext,
  type RegisterPeriod,
  registerPeriod,
} from '../domain/register.js';
import { SurveyTally } from '../domain/survey.js';
import type { PurposeCategory, Visit } from '../domain/types.js';
import type { RecapLang } from '../reports/labels.js';
import { registerToCsv } from '../reports/register-csv.js';
import type { Archive } from '../store/archive.js';
import type { Journal } from '../store/journal.js';
import type { Core } from './core.js';
import { appointmentLookback } from './reports.js';

/** csv: RFC 4180 for machines; csv-excel: for Excel set to Indonesian (reports/csv.ts). */
export type RegisterFormat = 'json' | 'csv' | 'csv-excel' | 'xlsx' | 'pdf';

export function isRegisterFormat(format: string): format is RegisterFormat {
  return Object.hasOwn(REGISTER_CONTENT_TYPES, format);
}

export const REGISTER_CONTENT_TYPES: Readonly<Record<RegisterFormat, string>> = Object.freeze({
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  'csv-excel': 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
});

/** The archive's month of the period first, then `open` (its records win: they are newer). */
export async function registerFromRecords(
  archive: Archive<Visit>,
  open: Iterable<Visit>,
  ctx: RegisterContext,
): Promise<GuestRegister> {
  const archived = await archive.readMonth(periodMonth(ctx.period));
  return buildRegister(ctx, [...archived, ...open]);
}

/** `month` and the `n` months before it, oldest first. */
function monthsUpTo(month: string, n: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: n + 1 }, (_, i) =>
    new Date(Date.UTC(y, m - 1 - (n - i), 1)).toISOString().slice(0, 7),
  );
}

/** What the summary reads from the journal: appointments that may be dated in the period, and its survey. */
export async function registerJournalFigures(
  journal: Journal,
  period: RegisterPeriod,
  timezone: string,
  lookbackMonths: number,
): Promise<Pick<RegisterContext, 'appointments' | 'survey'>> {
  const appointments = new Map<string, RegisterAppointment>();
  const cancelled = new Set<string>();
  const month = periodMonth(period);
  for (const m of monthsUpTo(month, lookbackMonths)) {
    for await (const batch of journal.readBatches({
      month: m,
      types: ['appointment.registered', 'appointment.cancelled'],
    })) {
      for (const e of batch) {
        if (e.type === 'appointment.registered') {
          const p = e.payload;
          appointments.set(p.appointmentId, {
            id: p.appointmentId,
            date: p.date,
            until: p.until,
            cancelled: false,
          });
        } else if (e.type === 'appointment.cancelled') cancelled.add(e.payload.appointmentId);
      }
    }
  }
  for (const id of cancelled) {
    const a = appointments.get(id);
    if (a) appointments.set(id, { ...a, cancelled: true });
  }
  // The survey's answers of the period: the month's file, then by time for a day.
  const range = periodRange(period, timezone);
  const tally = new SurveyTally();
  for await (const batch of journal.readBatches({ month, types: ['survey.answered'] })) {
    for (const e of batch) {
      if (e.type === 'survey.answered' && e.at >= range.start && e.at < range.end) tally.add(e.payload);
    }
  }
  const result = tally.ikm();
  return {
    appointments: appointments.values(),
    survey: { respondents: tally.respondents, ...(result ? { result } : {}) },
  };
}

/** The register as a file; exceljs and pdfkit load on the first such export, not at start. */
export async function exportRegister(
  register: GuestRegister,
  format: RegisterFormat,
  lang: RecapLang,
): Promise<string | Buffer> {
  switch (format) {
    case 'csv':
      return registerToCsv(register, lang, 'rfc4180');
    case 'csv-excel':
      return registerToCsv(register, lang, 'excel-id');
    case 'xlsx':
      return (await import('../reports/register-xlsx.js')).registerToXlsx(register, lang);
    case 'pdf':
      return (await import('../reports/register-pdf.js')).registerToPdf(register, lang);
    case 'json':
      return `${JSON.stringify(register, null, 2)}\n`;
  }
}

export class RegisterService {
  constructor(
    private readonly core: Core,
    /** The retention in force (the admin may change it at run time). */
    private readonly retentionDays: () => number,
    /** config visits.purposes: the names of the visits' purpose categories. */
    private readonly purposes: readonly PurposeCategory[],
    /** How far ahead an appointment may be made (as the recap's): where its no-shows are registered. */
    private readonly appointmentAheadDays = 0,
  ) {}

  /** From exactly one of `day` ('YYYY-MM-DD') or `month` ('YYYY-MM'). */
  async register(input: { day?: string | undefined; month?: string | undefined }): Promise<GuestRegister> {
    const period: RegisterPeriod = registerPeriod(input);
    const s = this.core.state;
    const timezone = s.policy.timezone;
    const figures = await registerJournalFigures(
      this.core.journal,
      period,
      timezone,
      appointmentLookback(this.appointmentAheadDays),
    );
    return registerFromRecords(this.core.archive, [...s.closed, ...s.visits.values()], {
      ...figures,
      period,
      timezone,
      now: this.core.now(),
      retentionDays: this.retentionDays(),
      hosts: s.hosts,
      badges: s.badges,
      purposes: this.purposes,
    });
  }
}
