// The satisfaction survey's report as CSV, in the shape of the IKM report of PermenPAN-RB
// No. 14 Tahun 2017: the nine elements (U1..U9) with the sum of ratings, the mean (NRR) and the
// weighted mean (NRR x 1/9), then their sum, the IKM converted x25, the quality category and the
// number of respondents; then the suggestions (saran), one a row.
import { SURVEY_ELEMENTS, type SurveyRecap } from '../domain/survey.js';
import { type Cell, type CsvDialect, csvText } from './csv.js';

export type SurveyLang = 'id' | 'en';

const LABELS = {
  id: {
    title: 'Survei Kepuasan Masyarakat (PermenPAN-RB No. 14 Tahun 2017)',
    period: 'Periode',
    head: ['No', 'Unsur pelayanan', 'Jumlah nilai', 'NRR per unsur', 'NRR tertimbang (x 1/9)'],
    sum: 'Jumlah NRR tertimbang',
    ikm: 'IKM (konversi x 25)',
    grade: 'Mutu pelayanan',
    respondents: 'Jumlah responden',
    none: 'Belum ada responden',
    saran: 'Saran',
  },
  en: {
    title: 'Public satisfaction survey (PermenPAN-RB No. 14 of 2017)',
    period: 'Period',
    head: ['No', 'Service element', 'Sum of ratings', 'Mean (NRR)', 'Weighted mean (x 1/9)'],
    sum: 'Sum of weighted means',
    ikm: 'IKM (converted x 25)',
    grade: 'Quality of service',
    respondents: 'Respondents',
    none: 'No respondents yet',
    saran: 'Suggestions',
  },
} as const;

export function surveyToCsv(
  recap: SurveyRecap,
  lang: SurveyLang = 'id',
  dialect: CsvDialect = 'rfc4180',
): string {
  const L = LABELS[lang];
  const rows: Cell[][] = [[L.title], [L.period, recap.period], []];
  const r = recap.result;
  if (!r) {
    rows.push([L.none]);
  } else {
    rows.push([...L.head]);
    for (const [i, e] of r.elements.entries()) {
      const el = SURVEY_ELEMENTS[i]!;
      // Weighted means to three places, as the regulation's worked table prints them.
      rows.push([
        `U${i + 1}`,
        lang === 'id' ? el.name : el.nameEn,
        e.total,
        e.mean,
        Math.round((e.total / (9 * r.respondents)) * 1000) / 1000,
      ]);
    }
    rows.push([L.sum, null, null, null, r.index]);
    rows.push([L.ikm, null, null, null, r.ikm]);
    rows.push([
      L.grade,
      null,
      null,
      null,
      `${r.category.grade} (${lang === 'id' ? r.category.name : r.category.nameEn})`,
    ]);
  }
  rows.push([L.respondents, null, null, null, recap.respondents]);
  if (recap.saran.length > 0) {
    rows.push([], [L.saran]);
    for (const [i, s] of recap.saran.entries()) rows.push([i + 1, s]);
  }
  return csvText(rows, dialect);
}
