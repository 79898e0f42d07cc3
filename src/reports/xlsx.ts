// The monthly recap as an Excel workbook (SOP step 8), written with exceljs: the Biro Umum
// letterhead on every sheet, labels shared with the CSV (RECAP_LABELS), real numbers in
// number cells with their formats (counts whole, minutes with two decimals) and real date cells
// (days, times of issue and checkout), so the Kasubbag can sum, sort and chart them.
//
// Sheets: the summary with the SOP step times, doors and refusals; visits per day; the
// breakdowns (host, unit, institution, purpose, hour); badges and documents not returned; the
// month's satisfaction survey (IKM per element, the result, respondents, saran) when given.
import ExcelJS from 'exceljs';
import { inLanguage, type MonthlyRecap, type RecapItem } from '../domain/recap.js';
import type { SurveyRecap } from '../domain/survey.js';
import { localParts, zoneOffsetMs } from '../domain/time.js';
import type { DenyReason } from '../domain/types.js';
import { SCREENING_REASONS } from '../domain/types.js';
import { EXPORT_WORDS, RECAP_HEADING } from './heading.js';
import { RECAP_LABELS, type RecapLang, recapMonthTitle } from './labels.js';
import { SURVEY_LABELS, surveyTable } from './survey-table.js';

/** A Date is a wall-clock time already (see wallClock): Excel has no time zones. */
type Cell = string | number | Date | null;

/** Number formats of the cells: Excel shows, sorts and filters by them. */
export const NUM_FMT = {
  date: 'yyyy-mm-dd',
  dateTime: 'yyyy-mm-dd hh:mm',
  time: 'hh:mm',
  minutes: '0.00',
  count: '0',
  /** The survey's weighted means, to three places as the regulation prints them. */
  weighted: '0.000',
} as const;

export interface XlsxOptions {
  /** Epoch ms shown as the generation time (defaults to now). */
  generatedAt?: number;
  /** The month's satisfaction survey: a sheet of its own. */
  survey?: SurveyRecap;
}

const HEAD_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F4E79' } };
const TITLE_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  bottom: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  left: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  right: { style: 'thin', color: { argb: 'FFBFBFBF' } },
};

/** "2026-11-30 09:05" in the recap's time zone. */
function localTime(at: number, tz: string): string {
  const p = localParts(at, tz);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** The instant as a Date whose UTC fields are the local wall clock (what Excel will show). */
export function wallClock(at: number, tz: string): Date {
  return new Date(at + zoneOffsetMs(at, tz));
}

/** 'YYYY-MM-DD' as a date cell's value (midnight, UTC fields). */
function dayCell(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** Cells that a spreadsheet would run as a formula get an apostrophe (text typed by guests). */
function safeText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export class SheetWriter {
  row = 1;
  constructor(
    readonly ws: ExcelJS.Worksheet,
    private readonly width: number,
  ) {}

  letterhead(title: string, subtitle: string[]): void {
    for (const line of RECAP_HEADING) {
      const r = this.ws.getRow(this.row);
      r.getCell(1).value = line;
      r.getCell(1).font = { bold: true, size: line === 'BIRO UMUM' ? 14 : 12 };
      r.getCell(1).alignment = { horizontal: 'center' };
      this.ws.mergeCells(this.row, 1, this.row, this.width);
      this.row++;
    }
    const rule = this.ws.getRow(this.row);
    for (let c = 1; c <= this.width; c++) rule.getCell(c).border = { bottom: { style: 'medium' } };
    this.row += 2;
    const t = this.ws.getRow(this.row);
    t.getCell(1).value = title;
    t.getCell(1).font = { bold: true, size: 13 };
    t.getCell(1).alignment = { horizontal: 'center' };
    this.ws.mergeCells(this.row, 1, this.row, this.width);
    this.row++;
    for (const line of subtitle) {
      const r = this.ws.getRow(this.row);
      r.getCell(1).value = line;
      r.getCell(1).alignment = { horizontal: 'center' };
      this.ws.mergeCells(this.row, 1, this.row, this.width);
      this.row++;
    }
    this.row++;
  }

  section(title: string): void {
    const r = this.ws.getRow(this.row);
    r.getCell(1).value = title;
    r.getCell(1).font = { bold: true, size: 12, color: { argb: 'FF1F4E79' } };
    this.row++;
  }

  header(cells: string[]): void {
    const r = this.ws.getRow(this.row);
    cells.forEach((c, i) => {
      const cell = r.getCell(i + 1);
      cell.value = c;
      cell.font = { bold: true, color: { argb: 'FFFFFFFF' } };
      cell.fill = HEAD_FILL;
      cell.border = THIN;
      cell.alignment = { vertical: 'middle', wrapText: true, horizontal: i === 0 ? 'left' : 'center' };
    });
    this.row++;
  }

  /** `numFmt`: one format for every number, or one per column (dates default to date-time). */
  line(
    cells: Cell[],
    opts: { bold?: boolean; numFmt?: string | readonly (string | undefined)[] } = {},
  ): ExcelJS.Row {
    const r = this.ws.getRow(this.row);
    cells.forEach((c, i) => {
      const cell = r.getCell(i + 1);
      cell.value = typeof c === 'string' ? safeText(c) : c;
      cell.border = THIN;
      const fmt = typeof opts.numFmt === 'string' ? opts.numFmt : opts.numFmt?.[i];
      if (c instanceof Date) cell.numFmt = fmt ?? NUM_FMT.dateTime;
      else if (typeof c === 'number' && fmt) cell.numFmt = fmt;
      if (opts.bold) {
        cell.font = { bold: true };
        cell.fill = TITLE_FILL;
      }
    });
    this.row++;
    return r;
  }

  /** A total row summing column `col` over the `n` rows just written, with its value cached. */
  total(label: string, n: number, values: number[], cols: number[]): void {
    const r = this.ws.getRow(this.row);
    r.getCell(1).value = label;
    for (let i = 0; i < cols.length; i++) {
      const col = cols[i]!;
      const letter = this.ws.getColumn(col).letter;
      const from = this.row - n;
      r.getCell(col).value =
        n > 0
          ? { formula: `SUM(${letter}${from}:${letter}${this.row - 1})`, result: values[i] ?? 0 }
          : (values[i] ?? 0);
    }
    for (let c = 1; c <= Math.max(...cols); c++) {
      r.getCell(c).font = { bold: true };
      r.getCell(c).fill = TITLE_FILL;
      r.getCell(c).border = THIN;
    }
    this.row++;
  }

  gap(): void {
    this.row++;
  }
}

/** The recap as an .xlsx file. */
export async function recapToXlsx(
  recap: MonthlyRecap,
  lang: RecapLang = 'id',
  opts: XlsxOptions = {},
): Promise<Buffer> {
  const L = RECAP_LABELS[lang];
  const W = EXPORT_WORDS[lang];
  if (L === undefined || W === undefined) throw new RangeError(`unsupported language: ${String(lang)}`);
  const generatedAt = opts.generatedAt ?? Date.now();
  const monthTitle = recapMonthTitle(recap.month, lang);
  const title = L.title;
  const subtitle = [
    `${L.month}: ${monthTitle}`,
    `${W.generatedAt}: ${localTime(generatedAt, recap.timezone)} (${recap.timezone})`,
  ];
  const name = (label: string) => (label === '' ? L.unknown : label);

  const wb = new ExcelJS.Workbook();
  wb.creator = 'Pintu, Biro Umum';
  wb.title = `${title} - ${monthTitle}`;
  wb.created = new Date(generatedAt);
  wb.modified = new Date(generatedAt);

  const page = (ws: ExcelJS.Worksheet) => {
    ws.pageSetup = {
      paperSize: 9, // A4
      orientation: 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: { left: 0.6, right: 0.6, top: 0.7, bottom: 0.7, header: 0.3, footer: 0.3 },
    };
    ws.headerFooter = { oddFooter: `&L${title} - ${monthTitle}&R&P / &N` };
  };

  // ------------------------------------------------------------ summary
  {
    const ws = wb.addWorksheet(L.summary, { views: [{ showGridLines: false }] });
    page(ws);
    ws.columns = [
      { width: 44 },
      { width: 16 },
      { width: 12 },
      { width: 16 },
      { width: 16 },
      { width: 18 },
      { width: 16 },
    ];
    const w = new SheetWriter(ws, 7);
    w.letterhead(title, subtitle);
    w.section(L.summary);
    w.header([L.summary, L.count]);
    const t = recap.totals;
    w.line([L.visits, t.visits], { bold: true });
    w.line([L.accepted, t.accepted]);
    w.line([L.screeningRefused, t.screeningRefused]);
    for (const r of SCREENING_REASONS) {
      const count = recap.screeningReasons.find((it) => it.key === r)?.count ?? 0;
      w.line([`    ${L.reason}: ${L.screeningReasons[r]}`, count]);
    }
    w.line([L.hostRefused, t.hostRefused]);
    w.line([L.rescheduled, t.rescheduled]);
    w.line([L.cancelled, t.cancelled]);
    w.line([L.badgesIssued, t.badgesIssued]);
    w.line([L.checkedOut, t.checkedOut]);
    w.line([L.expected, t.expected]);
    w.line([L.walkIn, t.walkIn]);
    w.line([L.noShows, t.noShows]);
    w.line([L.groups, t.groups]);
    w.line([L.groupPersons, t.groupPersons]);
    w.line([L.averageVisitMinutes, recap.averageVisitMinutes], { numFmt: NUM_FMT.minutes });
    w.line([L.badgesNotReturned, recap.badgesNotReturned.length]);
    w.line([L.documentsNotReturned, recap.documentsNotReturned.length]);
    w.gap();

    w.section(L.steps);
    w.header([L.step, L.standardMinutes, L.count, L.mean, L.median, L.p90, L.overStandard]);
    const M = NUM_FMT.minutes;
    for (const s of recap.steps) {
      w.line(
        [
          L.stepNames[s.step],
          s.standardMinutes,
          s.count,
          s.meanMinutes,
          s.medianMinutes,
          s.p90Minutes,
          s.overStandard,
        ],
        // standard, mean, median, p90 in minutes; the count and those over standard whole
        { numFmt: [undefined, M, NUM_FMT.count, M, M, M, NUM_FMT.count] },
      );
    }
    if (recap.synced.visits > 0) w.line([L.synced, recap.synced.visits]);
    w.gap();

    w.section(L.doors);
    w.header([L.door, L.entries, L.exits]);
    for (const d of recap.doors) w.line([name(d.label), d.entries, d.exits]);
    w.total(
      W.total,
      recap.doors.length,
      [recap.doors.reduce((a, d) => a + d.entries, 0), recap.doors.reduce((a, d) => a + d.exits, 0)],
      [2, 3],
    );
    w.gap();

    w.section(L.denials);
    w.header([L.reason, L.count]);
    for (const d of recap.denials) w.line([L.denyReasons[d.key as DenyReason] ?? d.label, d.count]);
    w.total(W.total, recap.denials.length, [recap.denials.reduce((a, d) => a + d.count, 0)], [2]);
  }

  // ------------------------------------------------------------ per day
  {
    const ws = wb.addWorksheet(L.byDay, { views: [{ showGridLines: false }] });
    page(ws);
    ws.columns = [{ width: 16 }, { width: 14 }, { width: 12 }];
    const w = new SheetWriter(ws, 3);
    w.letterhead(title, subtitle);
    w.section(L.byDay);
    w.header([L.date, W.weekday, L.count]);
    for (const d of recap.byDay) {
      const [y, m, day] = d.key.split('-').map(Number);
      const weekday = (new Date(Date.UTC(y!, m! - 1, day!)).getUTCDay() + 6) % 7;
      w.line([dayCell(d.key), W.weekdays[weekday] ?? '', d.count], { numFmt: [NUM_FMT.date] });
    }
    w.total(W.total, recap.byDay.length, [recap.byDay.reduce((a, d) => a + d.count, 0)], [3]);
    w.gap();
    w.section(L.byHour);
    w.header([L.hour, '', L.count]);
    for (const h of recap.byHour) w.line([`${h.key}:00-${h.key}:59`, '', h.count]);
    w.total(W.total, recap.byHour.length, [recap.byHour.reduce((a, d) => a + d.count, 0)], [3]);
  }

  // ------------------------------------------------------------ breakdowns
  {
    const ws = wb.addWorksheet(W.details, { views: [{ showGridLines: false }] });
    page(ws);
    ws.columns = [{ width: 56 }, { width: 12 }];
    const w = new SheetWriter(ws, 2);
    w.letterhead(title, subtitle);
    const breakdown = (heading: string, column: string, list: readonly RecapItem[]) => {
      w.section(heading);
      w.header([column, L.count]);
      for (const it of list) w.line([name(it.label), it.count]);
      w.total(W.total, list.length, [list.reduce((a, it) => a + it.count, 0)], [2]);
      w.gap();
    };
    breakdown(L.byHost, L.host, recap.byHost);
    breakdown(L.byUnit, L.unit, recap.byUnit);
    breakdown(L.byInstitution, L.institution, recap.byInstitution);
    breakdown(L.byPurpose, L.purpose, inLanguage(recap.byPurpose, lang));
  }

  // ------------------------------------------------------------ not returned
  {
    const ws = wb.addWorksheet(W.returns, { views: [{ showGridLines: false }] });
    page(ws);
    ws.columns = [{ width: 40 }, { width: 22 }, { width: 32 }, { width: 20 }, { width: 30 }];
    const w = new SheetWriter(ws, 5);
    w.letterhead(title, subtitle);
    w.section(`${L.badgesNotReturned}: ${recap.badgesNotReturned.length}`);
    w.header([L.visitId, L.badge, L.host, L.issuedAt, L.note]);
    for (const b of recap.badgesNotReturned) {
      w.line([
        b.visitId,
        b.badgeLabel,
        name(b.hostName),
        wallClock(b.issuedAt, recap.timezone),
        L.badgeReasons[b.reason],
      ]);
    }
    if (recap.badgesNotReturned.length === 0) w.line([W.notReturnedNone]);
    w.gap();
    w.section(`${L.documentsNotReturned}: ${recap.documentsNotReturned.length}`);
    w.header([L.visitId, L.documentType, L.host, L.checkedOutAt]);
    for (const d of recap.documentsNotReturned) {
      w.line([
        d.visitId,
        d.documentType === null ? L.unknown : L.documentTypes[d.documentType],
        name(d.hostName),
        wallClock(d.checkedOutAt, recap.timezone),
      ]);
    }
    if (recap.documentsNotReturned.length === 0) w.line([W.notReturnedNone]);
  }

  // ------------------------------------------------------------ satisfaction survey
  if (opts.survey) {
    const S = SURVEY_LABELS[lang];
    const st = surveyTable(opts.survey, lang);
    const ws = wb.addWorksheet(S.sheet, { views: [{ showGridLines: false }] });
    page(ws);
    ws.columns = [{ width: 8 }, { width: 44 }, { width: 14 }, { width: 14 }, { width: 22 }];
    const w = new SheetWriter(ws, 5);
    w.letterhead(title, subtitle);
    w.section(S.title);
    if (st.elements.length > 0) {
      w.header([...S.head]);
      for (const e of st.elements) {
        w.line([...e], { numFmt: [undefined, undefined, NUM_FMT.count, NUM_FMT.minutes, NUM_FMT.weighted] });
      }
      for (const [label, value] of st.result) {
        w.line([label, null, null, null, value], { bold: true, numFmt: NUM_FMT.minutes });
      }
    } else {
      w.line([S.none]);
    }
    w.line([S.respondents, null, null, null, st.respondents], { bold: true });
    w.gap();
    w.section(`${S.saran}: ${st.saran.length}`);
    w.header([S.head[0], S.saran]);
    for (const [i, text] of st.saran.entries()) {
      w.line([i + 1, text]).getCell(2).alignment = { wrapText: true, vertical: 'top' };
    }
    if (st.saran.length === 0) w.line(['', S.noSaran]);
  }

  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}
