// The guest-book register, from the records that hold the guests' names (the journal never does):
// the monthly archive of closed visits for the period's month, then the visits still open or
// waiting to be archived. The rows are built by domain/register.ts; the exporters render them.
import {
  buildRegister,
  type GuestRegister,
  periodMonth,
  type RegisterContext,
  type RegisterPeriod,
  registerPeriod,
} from '../domain/register.js';
import type { PurposeCategory, Visit } from '../domain/types.js';
import type { RecapLang } from '../reports/csv.js';
import { registerToCsv } from '../reports/register-csv.js';
import type { Archive } from '../store/archive.js';
import type { Core } from './core.js';

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
  ) {}

  /** From exactly one of `day` ('YYYY-MM-DD') or `month` ('YYYY-MM'). */
  register(input: { day?: string | undefined; month?: string | undefined }): Promise<GuestRegister> {
    let period: RegisterPeriod;
    try {
      period = registerPeriod(input);
    } catch (err) {
      return Promise.reject(err);
    }
    const s = this.core.state;
    return registerFromRecords(this.core.archive, [...s.closed, ...s.visits.values()], {
      period,
      timezone: s.policy.timezone,
      now: this.core.now(),
      retentionDays: this.retentionDays(),
      hosts: s.hosts,
      badges: s.badges,
      purposes: this.purposes,
    });
  }
}
