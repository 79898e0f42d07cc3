// The guest-book register as a printable PDF: A4 landscape, the Biro Umum letterhead, the
// period and when it was printed, one table row per visit with the header row repeated on every
// page, "Halaman 1 dari N" at the foot of each page. Cells are the CSV's (registerCells).
import type { GuestRegister } from '../domain/register.js';
import { FONT } from './fonts.js';
import { EXPORT_WORDS } from './heading.js';
import type { RecapLang } from './labels.js';
import { drawFooters, drawLetterhead, reportDocument } from './pdf.js';
import {
  cameWithText,
  localDateTime,
  registerCells,
  registerHeads,
  registerLabels,
  registerPeriodTitle,
  summaryLines,
} from './register-labels.js';

export interface RegisterPdfOptions {
  /** Epoch ms shown as the print time (defaults to the register's generatedAt). */
  generatedAt?: number;
}

/** Points per column; they add up to the landscape page's width inside the margins (742). */
const WIDTHS = [22, 58, 40, 44, 76, 66, 66, 97, 44, 54, 62, 113];
const RIGHT = new Set([0]);
/** The columns printed as the other exports have them; the last three go into one. */
const PRINTED = 11;

export function registerToPdf(
  register: GuestRegister,
  lang: RecapLang = 'id',
  opts: RegisterPdfOptions = {},
): Promise<Buffer> {
  let L: ReturnType<typeof registerLabels>;
  try {
    L = registerLabels(lang);
  } catch (err) {
    return Promise.reject(err);
  }
  const W = EXPORT_WORDS[lang];
  const printed = opts.generatedAt ?? register.generatedAt;
  const tz = register.timezone;
  const period = registerPeriodTitle(register.period, lang);

  const { doc, w, bytes } = reportDocument({
    title: `${L.title} - ${period}`,
    createdAt: printed,
    lang,
    landscape: true,
  });

  drawLetterhead(doc, w, {
    title: L.title,
    period,
    notes: [
      `${L.printedAt}: ${localDateTime(printed, tz)} (${tz})`,
      ...(register.withheld > 0 ? [L.withheld(register.retentionDays)] : []),
    ],
    gapAfterRule: 14,
  });
  doc.moveDown(0.8);

  // ------------------------------------------------------------ the rows
  // The appointment, group and escort share one column: fourteen do not fit the page.
  const heads = [...registerHeads(lang).slice(0, PRINTED), L.columns.cameWith];
  w.table(
    heads.map((header, i) => ({
      header,
      width: WIDTHS[i] ?? 50,
      ...(RIGHT.has(i) ? { align: 'right' } : {}),
    })),
    register.rows.length
      ? register.rows.map((row) => [
          ...registerCells(row, register, lang).slice(0, PRINTED),
          cameWithText(row, lang),
        ])
      : [['', '', '', '', L.none, ...heads.slice(5).map(() => '')]],
    { size: 8 },
  );
  doc.font(FONT.bold).fontSize(9).text(`${L.visits}: ${register.rows.length}`, w.left, doc.y, {
    width: w.width,
  });
  // The counts on one line, the satisfaction index (the last) on its own.
  const summary = summaryLines(register, lang);
  for (const line of [summary.slice(0, -1).join('   ·   '), summary.at(-1) ?? '']) {
    doc.font(FONT.regular).fontSize(9).text(line, w.left, doc.y, { width: w.width });
  }

  drawFooters(doc, w, `${L.title} - ${period}`, W.page);
  doc.end();
  return bytes;
}
