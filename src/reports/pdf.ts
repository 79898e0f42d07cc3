// The monthly recap as a printable PDF (SOP step 8), written with pdfkit: A4, the Biro Umum
// letterhead in Bahasa Indonesia, the summary, a bar chart of visits per day, the SOP step times
// against their standards, the breakdowns, doors, refusals, what was not returned, and a
// signature block for the Kasubbag; with the month's satisfaction survey (IKM per element, the
// result, respondents, saran) before the signatures. Labels are the CSV's (RECAP_LABELS).
import PDFDocument from 'pdfkit';
import { inLanguage, type MonthlyRecap, type RecapItem } from '../domain/recap.js';
import type { SurveyRecap } from '../domain/survey.js';
import { localParts } from '../domain/time.js';
import type { DenyReason } from '../domain/types.js';
import { SCREENING_REASONS } from '../domain/types.js';
import { FONT, useEmbeddedFonts } from './fonts.js';
import { EXPORT_WORDS, RECAP_HEADING } from './heading.js';
import { RECAP_LABELS, type RecapLang, recapMonthTitle } from './labels.js';
import { SURVEY_LABELS, surveyTable } from './survey-table.js';

export interface PdfOptions {
  /** Epoch ms shown as the generation time and the signature date (defaults to now). */
  generatedAt?: number;
  /** The month's satisfaction survey, printed before the signatures. */
  survey?: SurveyRecap;
}

type Doc = PDFKit.PDFDocument;
type Align = 'left' | 'right' | 'center';
interface Column {
  header: string;
  width: number;
  align?: Align;
}

const BLUE = '#1f4e79';
const LIGHT = '#ddebf7';
const ZEBRA = '#f4f7fb';
const GREY = '#555555';
const RED = '#b42318';

const MARGIN = 50;

function localTime(at: number, tz: string): string {
  const p = localParts(at, tz);
  return `${p.date} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

function fmtNumber(n: number | null, lang: RecapLang): string {
  if (n === null) return '-';
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace('.', lang === 'id' ? ',' : '.');
}

export class Writer {
  readonly left = MARGIN;
  readonly width: number;
  constructor(readonly doc: Doc) {
    this.width = doc.page.width - 2 * MARGIN;
  }

  get bottom(): number {
    return this.doc.page.height - MARGIN - 20;
  }

  /** Start a new page when fewer than `h` points are left. */
  need(h: number): void {
    if (this.doc.y + h > this.bottom) {
      this.doc.addPage();
      this.doc.y = MARGIN;
    }
  }

  section(title: string): void {
    this.need(60);
    this.doc.moveDown(0.6);
    this.doc.font(FONT.bold).fontSize(11.5).fillColor(BLUE).text(title, this.left, this.doc.y, {
      width: this.width,
    });
    this.doc.fillColor('black').moveDown(0.25);
  }

  /** `size`: points (9); a wide table takes 8, which in DejaVu Sans is about Helvetica's 9. */
  table(columns: Column[], rows: string[][], opts: { boldLast?: boolean; size?: number } = {}): void {
    const doc = this.doc;
    const pad = 4;
    const size = opts.size ?? 9;
    const rowHeight = (cells: string[], bold: boolean) => {
      doc.font(bold ? FONT.bold : FONT.regular).fontSize(size);
      let h = 0;
      cells.forEach((c, i) => {
        h = Math.max(h, doc.heightOfString(c, { width: (columns[i]?.width ?? 50) - 2 * pad }));
      });
      return h + 2 * pad;
    };
    const drawRow = (
      cells: string[],
      y: number,
      h: number,
      kind: 'head' | 'body' | 'total',
      zebra: boolean,
    ) => {
      let x = this.left;
      const total = columns.reduce((a, c) => a + c.width, 0);
      if (kind === 'head') doc.rect(x, y, total, h).fill(BLUE);
      else if (kind === 'total') doc.rect(x, y, total, h).fill(LIGHT);
      else if (zebra) doc.rect(x, y, total, h).fill(ZEBRA);
      doc
        .font(kind === 'body' ? FONT.regular : FONT.bold)
        .fontSize(size)
        .fillColor(kind === 'head' ? 'white' : 'black');
      cells.forEach((c, i) => {
        const col = columns[i]!;
        doc.text(c, x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? 'left' });
        x += col.width;
      });
      doc
        .moveTo(this.left, y + h)
        .lineTo(this.left + total, y + h)
        .lineWidth(0.5)
        .strokeColor('#bfbfbf')
        .stroke();
      doc.fillColor('black');
    };
    const head = columns.map((c) => c.header);
    const headH = rowHeight(head, true);
    this.need(headH + 18);
    let y = this.doc.y;
    drawRow(head, y, headH, 'head', false);
    y += headH;
    rows.forEach((cells, i) => {
      const last = opts.boldLast && i === rows.length - 1;
      const h = rowHeight(cells, Boolean(last));
      if (y + h > this.bottom) {
        doc.addPage();
        y = MARGIN;
        drawRow(head, y, headH, 'head', false);
        y += headH;
      }
      drawRow(cells, y, h, last ? 'total' : 'body', i % 2 === 1);
      y += h;
    });
    doc.x = this.left;
    doc.y = y + 4;
  }

  /** Vertical bars, one per item, labelled under the axis. */
  barChart(items: readonly RecapItem[], caption: string): void {
    const doc = this.doc;
    const h = 150;
    this.need(h + 40);
    const top = doc.y + 6;
    const axisLeft = this.left + 26;
    const axisWidth = this.width - 30;
    const max = Math.max(1, ...items.map((i) => i.count));
    const step = niceStep(max);
    const yMax = Math.ceil(max / step) * step;
    const scale = (h - 20) / yMax;
    const base = top + h - 14;
    doc.font(FONT.regular).fontSize(7).fillColor(GREY);
    for (let v = 0; v <= yMax; v += step) {
      const y = base - v * scale;
      doc
        .moveTo(axisLeft, y)
        .lineTo(axisLeft + axisWidth, y)
        .lineWidth(0.3)
        .strokeColor('#d0d0d0')
        .stroke();
      doc.text(String(v), this.left, y - 3, { width: 22, align: 'right', lineBreak: false });
    }
    const slot = axisWidth / Math.max(1, items.length);
    const bar = Math.max(2, slot * 0.7);
    items.forEach((it, i) => {
      const x = axisLeft + i * slot + (slot - bar) / 2;
      const bh = it.count * scale;
      if (bh > 0) doc.rect(x, base - bh, bar, bh).fill(BLUE);
      doc
        .fillColor(GREY)
        .fontSize(6.5)
        .text(it.label, axisLeft + i * slot, base + 3, { width: slot, align: 'center', lineBreak: false });
    });
    doc.fillColor('black');
    doc.font(FONT.regular).fontSize(8).fillColor(GREY);
    doc.text(caption, this.left, base + 14, { width: this.width, align: 'center' });
    doc.fillColor('black');
    doc.x = this.left;
  }
}

function niceStep(max: number): number {
  for (const s of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000]) if (max / s <= 6) return s;
  return 10_000;
}

/** The recap as a PDF file. */
/**
 * An A4 report of the Biro Umum: its metadata, PDF/A-2b (pdfkit writes the XMP identification
 * and an sRGB output intent), the fonts embedded (useEmbeddedFonts; checked with poppler, not
 * veraPDF: README), and its bytes once the caller ends it.
 */
export function reportDocument(o: {
  title: string;
  createdAt: number;
  lang: RecapLang;
  landscape?: boolean;
}): { doc: Doc; w: Writer; bytes: Promise<Buffer> } {
  const doc = new PDFDocument({
    size: 'A4',
    ...(o.landscape ? { layout: 'landscape' as const } : {}),
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: o.title,
      Author: 'Biro Umum, Sekretariat Daerah Provinsi Jawa Timur',
      Creator: 'Pintu',
      Producer: 'Pintu (pdfkit)',
      CreationDate: new Date(o.createdAt),
    },
    lang: o.lang === 'id' ? 'id-ID' : 'en-GB',
    pdfVersion: '1.7',
    subset: 'PDF/A-2b',
    displayTitle: true,
  });
  useEmbeddedFonts(doc);
  const chunks: Buffer[] = [];
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, w: new Writer(doc), bytes };
}

/**
 * The letterhead every report opens with: the Biro Umum's heading over a double rule, the
 * report's title, its period, and grey notes (when it was made, what was withheld).
 */
export function drawLetterhead(
  doc: Doc,
  w: Writer,
  o: { title: string; period: string; notes: string[]; gapAfterRule?: number },
): void {
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
  doc.y = ruleY + (o.gapAfterRule ?? 16);
  doc
    .font(FONT.bold)
    .fontSize(13)
    .text(o.title.toUpperCase(), w.left, doc.y, { width: w.width, align: 'center' });
  doc.font(FONT.regular).fontSize(10.5).text(o.period, { width: w.width, align: 'center' });
  doc.fontSize(8.5).fillColor(GREY);
  for (const note of o.notes) doc.text(note, { width: w.width, align: 'center' });
  doc.fillColor('black');
}

/** Every page's footer, once the pages are drawn: the report's title left, "Halaman i dari n" right. */
export function drawFooters(
  doc: Doc,
  w: Writer,
  title: string,
  page: (i: number, n: number) => string,
): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN + 10;
    doc.font(FONT.regular).fontSize(7.5).fillColor(GREY);
    doc.text(title, w.left, y, { width: w.width / 2, lineBreak: false });
    doc.text(page(i - range.start + 1, range.count), w.left + w.width / 2, y, {
      width: w.width / 2,
      align: 'right',
      lineBreak: false,
    });
    doc.fillColor('black');
    doc.page.margins.bottom = bottom;
  }
}

export function recapToPdf(
  recap: MonthlyRecap,
  lang: RecapLang = 'id',
  opts: PdfOptions = {},
): Promise<Buffer> {
  const L = RECAP_LABELS[lang];
  const W = EXPORT_WORDS[lang];
  if (L === undefined || W === undefined)
    return Promise.reject(new RangeError(`unsupported language: ${String(lang)}`));
  const generatedAt = opts.generatedAt ?? Date.now();
  const monthTitle = recapMonthTitle(recap.month, lang);
  const name = (label: string) => (label === '' ? L.unknown : label);
  const num = (n: number | null) => fmtNumber(n, lang);

  const { doc, w, bytes } = reportDocument({
    title: `${L.title} - ${monthTitle}`,
    createdAt: generatedAt,
    lang,
  });

  drawLetterhead(doc, w, {
    title: L.title,
    period: `${L.month} ${monthTitle}`,
    notes: [`${W.generatedAt}: ${localTime(generatedAt, recap.timezone)} (${recap.timezone})`],
  });

  // ------------------------------------------------------------ summary
  const t = recap.totals;
  w.section(L.summary);
  const summaryRows: string[][] = [
    [L.visits, String(t.visits)],
    [L.accepted, String(t.accepted)],
    [L.screeningRefused, String(t.screeningRefused)],
    ...SCREENING_REASONS.map((r) => [
      `      ${L.reason}: ${L.screeningReasons[r]}`,
      String(recap.screeningReasons.find((it) => it.key === r)?.count ?? 0),
    ]),
    [L.hostRefused, String(t.hostRefused)],
    [L.rescheduled, String(t.rescheduled)],
    [L.cancelled, String(t.cancelled)],
    [L.badgesIssued, String(t.badgesIssued)],
    [L.checkedOut, String(t.checkedOut)],
    [L.expected, String(t.expected)],
    [L.walkIn, String(t.walkIn)],
    [L.noShows, String(t.noShows)],
    [L.groups, String(t.groups)],
    [L.groupPersons, String(t.groupPersons)],
    [L.averageVisitMinutes, num(recap.averageVisitMinutes)],
    [L.badgesNotReturned, String(recap.badgesNotReturned.length)],
    [L.documentsNotReturned, String(recap.documentsNotReturned.length)],
  ];
  w.table(
    [
      { header: L.summary, width: 410 },
      { header: L.count, width: 85, align: 'right' },
    ],
    summaryRows,
  );

  // ------------------------------------------------------------ per day
  w.section(W.chartByDay);
  w.barChart(
    recap.byDay,
    `${L.byDay} (${L.date} 1-${recap.byDay.length} ${monthTitle}), ${W.total}: ${t.visits}`,
  );

  // ------------------------------------------------------------ SOP steps
  w.section(L.steps);
  const stepRows = recap.steps.map((s) => [
    L.stepNames[s.step],
    num(s.standardMinutes),
    String(s.count),
    num(s.meanMinutes),
    num(s.medianMinutes),
    num(s.p90Minutes),
    String(s.overStandard),
  ]);
  w.table(
    [
      // The step's name on one line ("Konfirmasi pihak yang ditemui"), the figures narrower.
      { header: L.step, width: 160 },
      { header: L.standardMinutes, width: 50, align: 'right' },
      { header: L.count, width: 50, align: 'right' },
      { header: L.mean, width: 50, align: 'right' },
      { header: L.median, width: 50, align: 'right' },
      { header: L.p90, width: 60, align: 'right' },
      { header: L.overStandard, width: 75, align: 'right' },
    ],
    stepRows,
  );
  if (recap.synced.visits > 0) {
    doc.font(FONT.regular).fontSize(8).text(`${L.synced}: ${recap.synced.visits}`, { width: w.width });
  }
  const over = recap.steps.filter((s) => s.overStandard > 0);
  if (over.length) {
    doc
      .font(FONT.regular)
      .fontSize(8)
      .fillColor(RED)
      .text(
        over
          .map((s) => `${L.stepNames[s.step]}: ${s.overStandard} ${L.overStandard.toLowerCase()}`)
          .join('; '),
        {
          width: w.width,
        },
      );
    doc.fillColor('black');
  }

  // ------------------------------------------------------------ breakdowns
  const breakdown = (title: string, column: string, list: readonly RecapItem[]) => {
    w.section(title);
    const rows = list.map((it) => [name(it.label), String(it.count)]);
    rows.push([W.total, String(list.reduce((a, it) => a + it.count, 0))]);
    w.table(
      [
        { header: column, width: 410 },
        { header: L.count, width: 85, align: 'right' },
      ],
      rows,
      { boldLast: true },
    );
  };
  breakdown(L.byHost, L.host, recap.byHost);
  breakdown(L.byUnit, L.unit, recap.byUnit);
  breakdown(L.byPurpose, L.purpose, inLanguage(recap.byPurpose, lang));
  breakdown(L.byInstitution, L.institution, recap.byInstitution);

  w.section(L.byHour);
  const hours = recap.byHour.filter((h) => h.count > 0);
  w.table(
    [
      { header: L.hour, width: 410 },
      { header: L.count, width: 85, align: 'right' },
    ],
    hours.length
      ? hours.map((h) => [`${h.key}:00-${h.key}:59`, String(h.count)])
      : [[W.notReturnedNone, '0']],
  );

  // ------------------------------------------------------------ doors and refusals
  w.section(L.doors);
  w.table(
    [
      { header: L.door, width: 315 },
      { header: L.entries, width: 90, align: 'right' },
      { header: L.exits, width: 90, align: 'right' },
    ],
    [
      ...recap.doors.map((d) => [name(d.label), String(d.entries), String(d.exits)]),
      [
        W.total,
        String(recap.doors.reduce((a, d) => a + d.entries, 0)),
        String(recap.doors.reduce((a, d) => a + d.exits, 0)),
      ],
    ],
    { boldLast: true },
  );
  w.section(L.denials);
  w.table(
    [
      { header: L.reason, width: 410 },
      { header: L.count, width: 85, align: 'right' },
    ],
    [
      ...recap.denials.map((d) => [L.denyReasons[d.key as DenyReason] ?? d.label, String(d.count)]),
      [W.total, String(recap.denials.reduce((a, d) => a + d.count, 0))],
    ],
    { boldLast: true },
  );

  // ------------------------------------------------------------ not returned
  w.section(`${L.badgesNotReturned}: ${recap.badgesNotReturned.length}`);
  w.table(
    [
      { header: L.badge, width: 90 },
      { header: L.host, width: 150 },
      { header: L.issuedAt, width: 95 },
      { header: L.note, width: 160 },
    ],
    recap.badgesNotReturned.length
      ? recap.badgesNotReturned.map((b) => [
          b.badgeLabel,
          name(b.hostName),
          localTime(b.issuedAt, recap.timezone),
          L.badgeReasons[b.reason],
        ])
      : [[W.notReturnedNone, '', '', '']],
  );
  w.section(`${L.documentsNotReturned}: ${recap.documentsNotReturned.length}`);
  w.table(
    [
      { header: L.documentType, width: 150 },
      { header: L.host, width: 200 },
      { header: L.checkedOutAt, width: 145 },
    ],
    recap.documentsNotReturned.length
      ? recap.documentsNotReturned.map((d) => [
          d.documentType === null ? L.unknown : L.documentTypes[d.documentType],
          name(d.hostName),
          localTime(d.checkedOutAt, recap.timezone),
        ])
      : [[W.notReturnedNone, '', '']],
  );

  // ------------------------------------------------------------ satisfaction survey
  if (opts.survey) {
    const S = SURVEY_LABELS[lang];
    const st = surveyTable(opts.survey, lang);
    // NRR and IKM to two places, weighted means to three, as the regulation's tables print them.
    const fixed = (n: number, places: number) => n.toFixed(places).replace('.', lang === 'id' ? ',' : '.');
    w.section(S.title);
    if (st.elements.length > 0) {
      w.table(
        [
          { header: S.head[0], width: 35 },
          { header: S.head[1], width: 215 },
          { header: S.head[2], width: 70, align: 'right' },
          { header: S.head[3], width: 75, align: 'right' },
          { header: S.head[4], width: 100, align: 'right' },
        ],
        st.elements.map(([code, label, total, mean, weighted]) => [
          code,
          label,
          String(total),
          fixed(mean, 2),
          fixed(weighted, 3),
        ]),
      );
    }
    w.table(
      [
        { header: S.result, width: 395 },
        { header: '', width: 100, align: 'right' },
      ],
      [
        ...(st.elements.length === 0 ? [[S.none, '']] : []),
        ...st.result.map(([label, value]) => [label, typeof value === 'number' ? fixed(value, 2) : value]),
        [S.respondents, String(st.respondents)],
      ],
    );
    w.section(`${S.saran}: ${st.saran.length}`);
    w.table(
      [
        { header: S.head[0], width: 35 },
        { header: S.saran, width: 460 },
      ],
      st.saran.length ? st.saran.map((text, i) => [String(i + 1), text]) : [['', S.noSaran]],
    );
  }

  // ------------------------------------------------------------ signatures
  w.need(130);
  doc.moveDown(2);
  const sigTop = doc.y;
  const colW = w.width / 2;
  const gen = localParts(generatedAt, recap.timezone);
  const dateText = `${W.place}, ${gen.day} ${L.months[gen.month - 1]} ${gen.year}`;
  doc.font(FONT.regular).fontSize(10);
  doc.text(W.acknowledged, w.left, sigTop + 14, { width: colW, align: 'center' });
  doc.text(`${W.kasubbag}`, w.left, doc.y, { width: colW, align: 'center' });
  doc.text('(................................................)', w.left, sigTop + 100, {
    width: colW,
    align: 'center',
  });
  doc.text(dateText, w.left + colW, sigTop, { width: colW, align: 'center' });
  doc.text(W.preparedBy, w.left + colW, sigTop + 14, { width: colW, align: 'center' });
  doc.text(W.receptionist, w.left + colW, doc.y, { width: colW, align: 'center' });
  doc.text('(................................................)', w.left + colW, sigTop + 100, {
    width: colW,
    align: 'center',
  });

  drawFooters(doc, w, `${L.title} - ${monthTitle}`, W.page);
  doc.end();
  return bytes;
}
