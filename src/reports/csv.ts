// The monthly and yearly recaps as CSV for spreadsheets (SOP step 8), in two dialects:
// - 'rfc4180', for machines: comma separated, fields quoted when they hold a comma, quote or line
//   break, CRLF line ends, dot decimals, ISO dates, UTF-8 with a byte order mark;
// - 'excel-id', for Excel set to Indonesian (list separator ';', decimal comma, dates d/m/y): the
//   same records with ';' between fields, '12,5' and '30/11/2026 08:05', so each cell lands in its
//   column and numbers and dates are numbers and dates (with ',' every row was one column, and
//   '0.01' was text). The byte order mark tells Excel the text is UTF-8.
// Sections in Bahasa Indonesia by default, English on request, in the words of labels.ts.

import type { MonthlyRecap, RecapItem, RecapStepStats, RecapSynced } from '../domain/recap.js';
import { inLanguage } from '../domain/recap.js';
import type { SurveyRecap } from '../domain/survey.js';
import { localParts } from '../domain/time.js';
import type { DenyReason } from '../domain/types.js';
import { SCREENING_REASONS } from '../domain/types.js';
import type { YearlyRecap } from '../domain/yearly-recap.js';
import { RECAP_LABELS, type RecapLabels, type RecapLang, recapMonthTitle } from './labels.js';
import { SURVEY_LABELS, surveyRows } from './survey-table.js';

// ---------------------------------------------------------------- RFC 4180 and Excel (id-ID)

/** How the CSV is written: for machines (RFC 4180), or for Excel set to Indonesian. */
export type CsvDialect = 'rfc4180' | 'excel-id';

/** A local calendar date ('YYYY-MM-DD'), with a wall-clock time ('HH:MM') when it is an instant. */
export interface CsvDate {
  date: string;
  time?: string;
}

export type Cell = string | number | CsvDate | null;

const BOM = '\uFEFF';
const CRLF = '\r\n';
const SEPARATOR: Readonly<Record<CsvDialect, string>> = { rfc4180: ',', 'excel-id': ';' };

/** '2026-11-30' as Indonesian Excel reads a date: '30/11/2026'. */
function dayMonthYear(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * One field. Numbers as written (a decimal comma for Excel); dates ISO, or d/m/y for Excel; null
 * empty; text quoted when it holds a separator (either), quote, CR or LF. Text that a spreadsheet
 * would run as a formula (= + - @ tab CR first) gets a leading apostrophe: institution and
 * purpose are typed in by guests' hands.
 */
export function csvField(value: Cell, dialect: CsvDialect = 'rfc4180'): string {
  if (value === null) return '';
  const excel = dialect === 'excel-id';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return excel ? String(value).replace('.', ',') : String(value);
  }
  if (typeof value === 'object') {
    const date = excel ? dayMonthYear(value.date) : value.date;
    return value.time === undefined ? date : `${date} ${value.time}`;
  }
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Records as CSV text: the byte order mark, then every record ended by CRLF. */
export function csvText(rows: readonly (readonly Cell[])[], dialect: CsvDialect = 'rfc4180'): string {
  const sep = SEPARATOR[dialect];
  return BOM + rows.map((cells) => cells.map((c) => csvField(c, dialect)).join(sep) + CRLF).join('');
}

/** The sections the monthly and the yearly recap share, written to `rows`. */
class Sheet {
  readonly rows: Cell[][] = [];
  constructor(readonly L: RecapLabels) {}
  blank(): void {
    this.rows.push([]);
  }
  row(...cells: Cell[]): void {
    this.rows.push(cells);
  }
  name(label: string): string {
    return label === '' ? this.L.unknown : label;
  }
  summary(recap: MonthlyRecap | YearlyRecap): void {
    const L = this.L;
    this.blank();
    this.row(L.summary);
    this.row(L.visits, recap.totals.visits);
    this.row(L.screeningRefused, recap.totals.screeningRefused);
    for (const r of SCREENING_REASONS) {
      const count = recap.screeningReasons.find((it) => it.key === r)?.count ?? 0;
      this.row(`${L.reason}: ${L.screeningReasons[r]}`, count);
    }
    this.row(L.hostRefused, recap.totals.hostRefused);
    this.row(L.rescheduled, recap.totals.rescheduled);
    this.row(L.cancelled, recap.totals.cancelled);
    this.row(L.accepted, recap.totals.accepted);
    this.row(L.badgesIssued, recap.totals.badgesIssued);
    this.row(L.checkedOut, recap.totals.checkedOut);
    this.row(L.expected, recap.totals.expected);
    this.row(L.walkIn, recap.totals.walkIn);
    this.row(L.noShows, recap.totals.noShows);
    this.row(L.groups, recap.totals.groups);
    this.row(L.groupPersons, recap.totals.groupPersons);
    this.row(L.averageVisitMinutes, recap.averageVisitMinutes);
  }
  breakdown(title: string, column: string, list: readonly RecapItem[]): void {
    this.blank();
    this.row(title);
    this.row(column, this.L.count);
    for (const it of list) this.row(this.name(it.label), it.count);
  }
  breakdowns(recap: MonthlyRecap | YearlyRecap, lang: RecapLang): void {
    const L = this.L;
    this.breakdown(L.byHost, L.host, recap.byHost);
    this.breakdown(L.byUnit, L.unit, recap.byUnit);
    this.breakdown(L.byInstitution, L.institution, recap.byInstitution);
    this.breakdown(L.byPurpose, L.purpose, inLanguage(recap.byPurpose, lang));
  }
  hours(list: readonly RecapItem[]): void {
    this.blank();
    this.row(this.L.byHour);
    this.row(this.L.hour, this.L.count);
    for (const h of list) this.row(`${h.key}:00-${h.key}:59`, h.count);
  }
  doorsAndDenials(recap: MonthlyRecap | YearlyRecap): void {
    const L = this.L;
    this.blank();
    this.row(L.doors);
    this.row(L.door, L.entries, L.exits);
    for (const d of recap.doors) this.row(this.name(d.label), d.entries, d.exits);
    this.blank();
    this.row(L.denials);
    this.row(L.reason, L.count);
    for (const d of recap.denials) this.row(L.denyReasons[d.key as DenyReason] ?? d.label, d.count);
  }
  steps(list: readonly RecapStepStats[], synced: RecapSynced): void {
    const L = this.L;
    this.blank();
    this.row(L.steps);
    this.row(L.step, L.standardMinutes, L.count, L.mean, L.median, L.p90, L.overStandard);
    for (const s of list) {
      this.row(
        L.stepNames[s.step],
        s.standardMinutes,
        s.count,
        s.meanMinutes,
        s.medianMinutes,
        s.p90Minutes,
        s.overStandard,
      );
    }
    if (synced.visits > 0) this.row(L.synced, synced.visits);
  }
  /** The period's satisfaction survey, last (reports/survey-csv.ts). */
  survey(survey: SurveyRecap | undefined, lang: RecapLang): void {
    if (!survey) return;
    this.blank();
    this.row(SURVEY_LABELS[lang].title);
    this.rows.push(...surveyRows(survey, lang));
  }
  text(dialect: CsvDialect): string {
    return csvText(this.rows, dialect);
  }
}

function labelsOf(lang: RecapLang): RecapLabels {
  const L = RECAP_LABELS[lang];
  if (L === undefined) throw new RangeError(`unsupported language: ${String(lang)}`);
  return L;
}

/** The recap as CSV text (UTF-8 BOM first, CRLF after every record). */
export function recapToCsv(
  recap: MonthlyRecap,
  lang: RecapLang = 'id',
  dialect: CsvDialect = 'rfc4180',
  survey?: SurveyRecap,
): string {
  const L = labelsOf(lang);
  const sheet = new Sheet(L);
  const localTime = (at: number): CsvDate => {
    const p = localParts(at, recap.timezone);
    return { date: p.date, time: `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}` };
  };

  sheet.row(`${L.title} - ${recapMonthTitle(recap.month, lang)}`);
  sheet.row(L.month, recapMonthTitle(recap.month, lang));
  sheet.row(L.timezone, recap.timezone);
  sheet.summary(recap);
  sheet.breakdowns(recap, lang);

  sheet.blank();
  sheet.row(L.byDay);
  sheet.row(L.date, L.count);
  for (const d of recap.byDay) sheet.row({ date: d.key }, d.count);

  sheet.hours(recap.byHour);
  sheet.doorsAndDenials(recap);

  sheet.blank();
  sheet.row(L.badgesNotReturned, recap.badgesNotReturned.length);
  sheet.row(L.visitId, L.badge, L.host, L.issuedAt, L.note);
  for (const b of recap.badgesNotReturned) {
    sheet.row(
      b.visitId,
      b.badgeLabel,
      sheet.name(b.hostName),
      localTime(b.issuedAt),
      L.badgeReasons[b.reason],
    );
  }

  sheet.blank();
  sheet.row(L.documentsNotReturned, recap.documentsNotReturned.length);
  sheet.row(L.visitId, L.documentType, L.host, L.checkedOutAt);
  for (const d of recap.documentsNotReturned) {
    sheet.row(
      d.visitId,
      d.documentType === null ? L.unknown : L.documentTypes[d.documentType],
      sheet.name(d.hostName),
      localTime(d.checkedOutAt),
    );
  }

  sheet.steps(recap.steps, recap.synced);
  sheet.survey(survey, lang);
  return sheet.text(dialect);
}

/** The yearly recap as CSV text: the year's sums, then one row per month. */
export function yearlyRecapToCsv(
  recap: YearlyRecap,
  lang: RecapLang = 'id',
  dialect: CsvDialect = 'rfc4180',
  survey?: SurveyRecap,
): string {
  const L = labelsOf(lang);
  const sheet = new Sheet(L);
  sheet.row(`${L.yearTitle} ${recap.year}`);
  sheet.row(L.year, recap.year);
  sheet.row(L.timezone, recap.timezone);
  sheet.summary(recap);
  sheet.row(L.badgesNotReturned, recap.badgesNotReturned);
  sheet.row(L.documentsNotReturned, recap.documentsNotReturned);

  sheet.blank();
  sheet.row(L.byMonth);
  sheet.row(
    L.month,
    L.visits,
    L.screeningRefused,
    L.hostRefused,
    L.accepted,
    L.badgesIssued,
    L.checkedOut,
    L.expected,
    L.walkIn,
    L.noShows,
    L.groups,
    L.groupPersons,
    L.averageVisitMinutes,
    L.entries,
    L.exits,
    L.denials,
    L.badgesNotReturned,
    L.documentsNotReturned,
  );
  for (const m of recap.byMonth) {
    sheet.row(
      recapMonthTitle(m.month, lang),
      m.totals.visits,
      m.totals.screeningRefused,
      m.totals.hostRefused,
      m.totals.accepted,
      m.totals.badgesIssued,
      m.totals.checkedOut,
      m.totals.expected,
      m.totals.walkIn,
      m.totals.noShows,
      m.totals.groups,
      m.totals.groupPersons,
      m.averageVisitMinutes,
      m.entries,
      m.exits,
      m.denied,
      m.badgesNotReturned,
      m.documentsNotReturned,
    );
  }

  sheet.breakdowns(recap, lang);
  sheet.hours(recap.byHour);
  sheet.doorsAndDenials(recap);
  sheet.steps(recap.steps, recap.synced);
  sheet.survey(survey, lang);
  return sheet.text(dialect);
}
