// The satisfaction survey as the regulation's report table, an Excel workbook: "Pengolahan data
// survei kepuasan masyarakat per responden dan per unsur pelayanan" of PermenPAN-RB No. 14
// Tahun 2017 (the text of the regulation: https://puskaandriana.blogspot.com/2023/03/permenpan-no-14-th-2017-tentang-survey.html;
// the table as units publish it, e.g. https://sekadaukab.go.id/index.php/artikel/baca/923/NILAI-HASIL-SURVEY-KEPUASAN-MASYARAKAT-SEMESTER-I-2019.html
// and https://e-smile.tubaba.go.id/main/skm/laporan/online): one row per respondent (No. Resp,
// U1..U9), then per element the sum of its values (Σ nilai/unsur), its mean (NRR/unsur) and the
// weighted mean (NRR tertimbang/unsur), the sum of those (*), the IKM of the unit (**, x 25),
// mutu pelayanan and kinerja unit pelayanan, with the table's key and the interval table.
//
// The sums, means and the IKM are formulas over the respondents' cells, with their results
// cached, so an auditor sees how each figure is made and a reader without a formula engine
// still reads the figures. The weight is 1/9 exactly (the regulation writes 0,111, which puts
// a perfect score at 99,9): the same figures as the recaps (domain/survey.ts).
// The suggestions (saran) are on a second sheet.
import ExcelJS from 'exceljs';
import { SURVEY_ELEMENTS, type SurveyAnswers, type SurveyRecap } from '../domain/survey.js';
import { NUM_FMT, SheetWriter } from './xlsx.js';

export type SurveyXlsxLang = 'id' | 'en';

const WORDS = {
  id: {
    title: 'PENGOLAHAN DATA SURVEI KEPUASAN MASYARAKAT PER RESPONDEN DAN PER UNSUR PELAYANAN',
    sheet: 'Pengolahan data SKM',
    saranSheet: 'Saran',
    period: 'Periode',
    basis: 'Berdasarkan PermenPAN-RB No. 14 Tahun 2017',
    resp: 'No. Resp',
    values: 'Nilai unsur pelayanan',
    sum: 'Σ Nilai / unsur',
    nrr: 'NRR / unsur',
    weighted: 'NRR tertimbang / unsur',
    total: '*) Jumlah NRR IKM tertimbang',
    ikm: '**) IKM unit pelayanan',
    value: 'Nilai IKM (konversi x 25)',
    grade: 'Mutu pelayanan',
    performance: 'Kinerja unit pelayanan',
    respondents: 'Jumlah responden',
    none: 'Belum ada responden',
    key: 'Keterangan',
    keyLines: [
      'U1 s.d. U9 = unsur-unsur pelayanan',
      'NRR = nilai rata-rata',
      'IKM = indeks kepuasan masyarakat',
      '*) = jumlah NRR IKM tertimbang',
      '**) = jumlah NRR tertimbang x 25',
      'NRR per unsur = jumlah nilai per unsur dibagi jumlah responden',
      'NRR tertimbang per unsur = NRR per unsur x 1/9 (0,111)',
    ],
    element: 'Unsur pelayanan',
    intervals:
      'Nilai persepsi, interval IKM, interval konversi IKM, mutu pelayanan dan kinerja unit pelayanan',
    intervalHead: [
      'Nilai persepsi',
      'Nilai interval (NI)',
      'Nilai interval konversi (NIK)',
      'Mutu pelayanan',
      'Kinerja unit pelayanan',
    ],
    saran: 'Saran',
    noSaran: 'Tidak ada saran',
  },
  en: {
    title: 'SATISFACTION SURVEY DATA PER RESPONDENT AND PER SERVICE ELEMENT',
    sheet: 'Survey data',
    saranSheet: 'Suggestions',
    period: 'Period',
    basis: 'By PermenPAN-RB No. 14 of 2017',
    resp: 'Resp. no.',
    values: 'Values of the service elements',
    sum: 'Σ values / element',
    nrr: 'Mean (NRR) / element',
    weighted: 'Weighted mean / element',
    total: '*) Sum of weighted means',
    ikm: '**) IKM of the service unit',
    value: 'IKM (converted x 25)',
    grade: 'Quality of service',
    performance: 'Performance of the service unit',
    respondents: 'Respondents',
    none: 'No respondents yet',
    key: 'Key',
    keyLines: [
      'U1 to U9 = the service elements',
      'NRR = mean value',
      'IKM = public satisfaction index',
      '*) = sum of the weighted means',
      '**) = sum of the weighted means x 25',
      'NRR per element = sum of its values divided by the respondents',
      'Weighted NRR per element = NRR per element x 1/9 (0.111)',
    ],
    element: 'Service element',
    intervals: 'Perception value, IKM interval, converted interval, quality and performance',
    intervalHead: ['Perception value', 'Interval (NI)', 'Converted interval (NIK)', 'Quality', 'Performance'],
    saran: 'Suggestions',
    noSaran: 'No suggestions',
  },
} as const;

/** The regulation's interval table (domain/survey.ts holds the edges the category is read by). */
const INTERVALS = [
  ['1', '1,00 - 2,5996', '25,00 - 64,99', 'D', 'Tidak Baik', 'Poor'],
  ['2', '2,60 - 3,064', '65,00 - 76,60', 'C', 'Kurang Baik', 'Fair'],
  ['3', '3,0644 - 3,532', '76,61 - 88,30', 'B', 'Baik', 'Good'],
  ['4', '3,5324 - 4,00', '88,31 - 100,00', 'A', 'Sangat Baik', 'Very good'],
] as const;

export interface SurveyXlsxOptions {
  /** Epoch ms the file is made (its metadata). */
  generatedAt: number;
}

export async function surveyToXlsx(
  tab: { recap: SurveyRecap; answers: readonly SurveyAnswers[] },
  lang: SurveyXlsxLang,
  opts: SurveyXlsxOptions,
): Promise<Buffer> {
  const W = WORDS[lang];
  const { recap, answers } = tab;
  const r = recap.result;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Pintu, Biro Umum';
  wb.title = `${W.title} - ${recap.period}`;
  wb.created = new Date(opts.generatedAt);
  wb.modified = new Date(opts.generatedAt);
  const page = (ws: ExcelJS.Worksheet, landscape: boolean) => {
    ws.pageSetup = {
      paperSize: 9, // A4
      orientation: landscape ? 'landscape' : 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
    };
    ws.headerFooter = { oddFooter: `&L${W.title} - ${recap.period}&R&P / &N` };
  };
  const subtitle = [`${W.period}: ${recap.period}`, W.basis];

  const ws = wb.addWorksheet(W.sheet, { views: [{ showGridLines: false }] });
  page(ws, true);
  // No. Resp, U1..U9, and a last column for the sum (*) and the IKM (**).
  ws.columns = [{ width: 26 }, ...SURVEY_ELEMENTS.map(() => ({ width: 9 })), { width: 12 }];
  const w = new SheetWriter(ws, 11);
  w.letterhead(W.title, subtitle);
  w.header([W.resp, ...SURVEY_ELEMENTS.map((_, i) => `U${i + 1}`)]);
  const first = w.row;
  for (const [i, a] of answers.entries()) {
    w.line([i + 1, ...SURVEY_ELEMENTS.map((e) => a.ratings[e.id])], { numFmt: NUM_FMT.count });
  }
  const last = w.row - 1;
  if (!r) {
    w.line([W.none]);
  } else {
    const col = (i: number) => ws.getColumn(i + 2).letter;
    const n = r.respondents;
    const sumRow = w.row;
    formulaRow(
      w,
      W.sum,
      (i) => ({ formula: `SUM(${col(i)}${first}:${col(i)}${last})`, result: r.elements[i]!.total }),
      NUM_FMT.count,
    );
    const nrrRow = w.row;
    formulaRow(
      w,
      W.nrr,
      (i) => ({ formula: `${col(i)}${sumRow}/${n}`, result: r.elements[i]!.mean }),
      NUM_FMT.minutes,
    );
    const weightedRow = w.row;
    formulaRow(
      w,
      W.weighted,
      (i) => ({
        formula: `${col(i)}${nrrRow}/9`,
        result: Math.round((r.elements[i]!.total / (9 * n)) * 1000) / 1000,
      }),
      NUM_FMT.weighted,
    );
    // The sum (*) at the end of the weighted row, as the regulation's table puts it.
    const total = ws.getRow(weightedRow).getCell(11);
    total.value = { formula: `SUM(${col(0)}${weightedRow}:${col(8)}${weightedRow})`, result: r.index };
    total.numFmt = NUM_FMT.minutes;
    const ikm = w.line([W.ikm, null, null, null, null, null, null, null, null, null, null], { bold: true });
    // 25 x the exact sum of ratings / 9n: the same figure as domain/survey.ts, not the rounded cells'.
    ikm.getCell(11).value = {
      formula: `SUM(${col(0)}${sumRow}:${col(8)}${sumRow})*25/(9*${n})`,
      result: r.ikm,
    };
    ikm.getCell(11).numFmt = NUM_FMT.minutes;
    w.gap();
    w.line([W.value, r.ikm], { bold: true, numFmt: NUM_FMT.minutes });
    w.line([W.grade, r.category.grade], { bold: true });
    w.line([W.performance, lang === 'id' ? r.category.name : r.category.nameEn], { bold: true });
  }
  w.line([W.respondents, recap.respondents], { bold: true, numFmt: NUM_FMT.count });
  w.gap();

  w.section(W.key);
  for (const line of W.keyLines) w.line([line]).getCell(1).border = {};
  w.gap();
  w.header(['No', W.element]);
  for (const [i, e] of SURVEY_ELEMENTS.entries()) {
    const row = w.line([`U${i + 1}`, lang === 'id' ? e.name : e.nameEn]);
    ws.mergeCells(row.number, 2, row.number, 8);
  }
  w.gap();
  w.section(W.intervals);
  w.header([...W.intervalHead]);
  for (const [value, ni, nik, grade, name, nameEn] of INTERVALS) {
    w.line([value, ni, nik, grade, lang === 'id' ? name : nameEn]);
  }

  const sheet = wb.addWorksheet(W.saranSheet, { views: [{ showGridLines: false }] });
  page(sheet, false);
  sheet.columns = [{ width: 8 }, { width: 90 }];
  const s = new SheetWriter(sheet, 2);
  s.letterhead(W.saran, subtitle);
  s.header(['No', W.saran]);
  for (const [i, text] of recap.saran.entries()) {
    s.line([i + 1, text]).getCell(2).alignment = { wrapText: true, vertical: 'top' };
  }
  if (recap.saran.length === 0) s.line(['', W.noSaran]);

  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

/** A label, then one formula per element (U1..U9) with its cached result, bold. */
function formulaRow(
  w: SheetWriter,
  label: string,
  cell: (i: number) => { formula: string; result: number },
  numFmt: string,
): void {
  const row = w.line([label, ...SURVEY_ELEMENTS.map(() => null), null], { bold: true });
  for (let i = 0; i < SURVEY_ELEMENTS.length; i++) {
    const c = row.getCell(i + 2);
    c.value = cell(i);
    c.numFmt = numFmt;
  }
}
