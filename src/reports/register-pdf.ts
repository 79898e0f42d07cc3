// The guest-book register as a printable PDF: A4 landscape, the Biro Umum letterhead, the
// period and when it was printed, one table row per visit with the header row repeated on every
// page, "Halaman 1 dari N" at the foot of each page. Cells are the CSV's (registerCells).
import PDFDocument from 'pdfkit';
import type { GuestRegister } from '../domain/register.js';
import type { RecapLang } from './csv.js';
import { FONT, useEmbeddedFonts } from './fonts.js';
import { EXPORT_WORDS, RECAP_HEADING } from './heading.js';
import { Writer } from './pdf.js';
import {
  localDateTime,
  registerCells,
  registerHeads,
  registerLabels,
  registerPeriodTitle,
} from './register-labels.js';

export interface RegisterPdfOptions {
  /** Epoch ms shown as the print time (defaults to the register's generatedAt). */
  generatedAt?: number;
}

const MARGIN = 50;
const GREY = '#555555';
/** Points per column; they add up to the landscape page's width inside the margins (742). */
const WIDTHS = [22, 60, 44, 64, 100, 82, 89, 97, 48, 56, 80];
const RIGHT = new Set([0]);

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

  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `${L.title} - ${period}`,
      Author: 'Biro Umum, Sekretariat Daerah Provinsi Jawa Timur',
      Creator: 'Pintu',
      Producer: 'Pintu (pdfkit)',
      CreationDate: new Date(printed),
    },
    lang: lang === 'id' ? 'id-ID' : 'en-GB',
    // PDF/A-2b (archival): pdfkit writes the XMP identification and an sRGB output intent;
    // the fonts are embedded (useEmbeddedFonts). Checked with poppler, not veraPDF (README).
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    displayTitle: true,
  });
  useEmbeddedFonts(doc);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const w = new Writer(doc);

  // ------------------------------------------------------------ letterhead (as the recap's)
  doc.font(FONT.bold);
  RECAP_HEADING.forEach((line, i) => {
    doc
      .fontSize(i === RECAP_HEADING.length - 1 ? 15 : 12.5)
      .text(line, w.left, doc.y, { width: w.width, align: 'center' });
  });
  const ruleY = doc.y + 4;
  doc
    .moveTo(w.left, ruleY)
    .lineTo(w.left + w.width, ruleY)
    .lineWidth(2)
    .strokeColor('black')
    .stroke();
  doc
    .moveTo(w.left, ruleY + 3)
    .lineTo(w.left + w.width, ruleY + 3)
    .lineWidth(0.6)
    .stroke();
  doc.y = ruleY + 14;
  doc
    .font(FONT.bold)
    .fontSize(13)
    .text(L.title.toUpperCase(), w.left, doc.y, { width: w.width, align: 'center' });
  doc.font(FONT.regular).fontSize(10.5).text(period, { width: w.width, align: 'center' });
  doc
    .fontSize(8.5)
    .fillColor(GREY)
    .text(`${L.printedAt}: ${localDateTime(printed, tz)} (${tz})`, { width: w.width, align: 'center' });
  if (register.withheld > 0) {
    doc.text(L.withheld(register.retentionDays), { width: w.width, align: 'center' });
  }
  doc.fillColor('black').moveDown(0.8);

  // ------------------------------------------------------------ the rows
  const heads = registerHeads(lang);
  w.table(
    heads.map((header, i) => ({
      header,
      width: WIDTHS[i] ?? 50,
      ...(RIGHT.has(i) ? { align: 'right' } : {}),
    })),
    register.rows.length
      ? register.rows.map((row) => registerCells(row, register, lang))
      : [['', '', '', '', L.none, '', '', '', '', '', '']],
    { size: 8 },
  );
  doc.font(FONT.bold).fontSize(9).text(`${L.visits}: ${register.rows.length}`, w.left, doc.y, {
    width: w.width,
  });

  // ------------------------------------------------------------ footers
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN + 10;
    doc.font(FONT.regular).fontSize(7.5).fillColor(GREY);
    doc.text(`${L.title} - ${period}`, w.left, y, { width: w.width / 2, lineBreak: false });
    doc.text(W.page(i - range.start + 1, range.count), w.left + w.width / 2, y, {
      width: w.width / 2,
      align: 'right',
      lineBreak: false,
    });
    doc.fillColor('black');
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
