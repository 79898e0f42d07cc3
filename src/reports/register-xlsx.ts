// The guest-book register as an Excel workbook: one sheet under the Biro Umum letterhead, the
// printed register's columns, a frozen header row with a filter, and the date and times as real
// date cells (so the Biro can sort and filter by them). Excel has no time zones: a cell holds the
// local wall-clock time of the register's zone (Asia/Jakarta unless configured).
import ExcelJS from 'exceljs';
import type { GuestRegister, RegisterRow } from '../domain/register.js';
import { localParts } from '../domain/time.js';
import { RECAP_LABELS, type RecapLang } from './labels.js';
import {
  appointmentText,
  escortText,
  groupText,
  localDateTime,
  outcomeText,
  purposeText,
  registerHeads,
  registerLabels,
  registerPeriodTitle,
  summaryLines,
} from './register-labels.js';
import { NUM_FMT, SheetWriter, wallClock } from './xlsx.js';

export interface RegisterXlsxOptions {
  /** Epoch ms shown as the print time (defaults to the register's generatedAt). */
  generatedAt?: number;
}

const WIDTHS = [6, 12, 10, 16, 28, 26, 32, 28, 12, 20, 30, 24, 36, 24];
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  bottom: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  left: { style: 'thin', color: { argb: 'FFBFBFBF' } },
  right: { style: 'thin', color: { argb: 'FFBFBFBF' } },
};

/** Text typed by guests that a spreadsheet would run as a formula gets an apostrophe. */
function safeText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export async function registerToXlsx(
  register: GuestRegister,
  lang: RecapLang = 'id',
  opts: RegisterXlsxOptions = {},
): Promise<Buffer> {
  const L = registerLabels(lang);
  const tz = register.timezone;
  const printed = opts.generatedAt ?? register.generatedAt;
  const period = registerPeriodTitle(register.period, lang);

  const wb = new ExcelJS.Workbook();
  wb.creator = 'Pintu, Biro Umum';
  wb.title = `${L.title} - ${period}`;
  wb.created = new Date(printed);
  wb.modified = new Date(printed);
  const ws = wb.addWorksheet(L.sheet, { views: [{ showGridLines: false }] });
  ws.pageSetup = {
    paperSize: 9, // A4
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  };
  ws.headerFooter = { oddFooter: `&L${L.title} - ${period}&R&P / &N` };
  ws.columns = WIDTHS.map((width) => ({ width }));

  const w = new SheetWriter(ws, WIDTHS.length);
  const subtitle = [period, `${L.printedAt}: ${localDateTime(printed, tz)} (${tz})`];
  if (register.withheld > 0) subtitle.push(L.withheld(register.retentionDays));
  w.letterhead(L.title.toUpperCase(), subtitle);
  const headRow = w.row;
  w.header(registerHeads(lang));
  // The header row repeats on every printed page, and stays in sight while scrolling.
  ws.pageSetup.printTitlesRow = `${headRow}:${headRow}`;
  ws.views = [{ state: 'frozen', ySplit: headRow, showGridLines: false }];
  ws.autoFilter = { from: { row: headRow, column: 1 }, to: { row: headRow, column: WIDTHS.length } };

  for (const row of register.rows) writeRow(ws.getRow(w.row++), row, register, lang);
  if (register.rows.length === 0) ws.getRow(w.row++).getCell(1).value = L.none;
  w.gap();
  const total = ws.getRow(w.row);
  total.getCell(1).value = `${L.visits}: ${register.rows.length}`;
  total.getCell(1).font = { bold: true };
  for (const line of summaryLines(register, lang)) ws.getRow(++w.row).getCell(1).value = line;

  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

function writeRow(r: ExcelJS.Row, row: RegisterRow, register: GuestRegister, lang: RecapLang): void {
  const L = registerLabels(lang);
  const tz = register.timezone;
  const date = wallClock(row.timeIn, tz);
  date.setUTCHours(0, 0, 0, 0);
  const sameDay = row.timeOut !== null && localParts(row.timeOut, tz).date === row.date;
  const cells: Array<[ExcelJS.CellValue, string?]> = [
    [row.no, NUM_FMT.count],
    [date, NUM_FMT.date],
    [wallClock(row.timeIn, tz), NUM_FMT.time],
    row.timeOut === null ? [null] : [wallClock(row.timeOut, tz), sameDay ? NUM_FMT.time : NUM_FMT.dateTime],
    [safeText(row.guest ?? `${L.guestAlias} ${row.guestAlias ?? ''}`.trim())],
    [safeText(row.institution)],
    [safeText(purposeText(row, lang))],
    [safeText(row.hostName)],
    [row.badge ?? null],
    [row.documentType === null ? null : RECAP_LABELS[lang].documentTypes[row.documentType]],
    [outcomeText(row, lang)],
    [appointmentText(row, lang)],
    [safeText(groupText(row, lang))],
    [safeText(escortText(row, lang))],
  ];
  cells.forEach(([value, numFmt], i) => {
    const cell = r.getCell(i + 1);
    cell.value = value;
    cell.border = THIN;
    cell.alignment = { vertical: 'top', wrapText: true };
    if (numFmt) cell.numFmt = numFmt;
  });
}
