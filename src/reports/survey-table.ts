// The satisfaction survey's figures as every recap file prints them (CSV, XLSX, PDF), in the
// order of the IKM report of PermenPAN-RB No. 14 Tahun 2017: the nine elements (U1..U9) with the
// sum of ratings, the mean (NRR per unsur) and the weighted mean (NRR x 1/9); then their sum
// (the index, 1-4), the IKM converted x25 (25-100), the quality of service (mutu pelayanan, A-D)
// and the performance of the service unit (kinerja unit pelayanan, Sangat Baik .. Tidak Baik),
// the number of respondents, and the suggestions (saran). One table, so no format drifts.
import { SURVEY_ELEMENTS, type SurveyRecap } from '../domain/survey.js';
import type { Cell } from './csv.js';

export type SurveyLang = 'id' | 'en';

export const SURVEY_LABELS = {
  id: {
    title: 'Survei Kepuasan Masyarakat (PermenPAN-RB No. 14 Tahun 2017)',
    sheet: 'Survei kepuasan',
    period: 'Periode',
    head: ['No', 'Unsur pelayanan', 'Jumlah nilai', 'NRR per unsur', 'NRR tertimbang (x 1/9)'],
    result: 'Hasil',
    sum: 'Jumlah NRR tertimbang',
    ikm: 'IKM (konversi x 25)',
    grade: 'Mutu pelayanan',
    performance: 'Kinerja unit pelayanan',
    respondents: 'Jumlah responden',
    none: 'Belum ada responden',
    saran: 'Saran',
    noSaran: 'Tidak ada saran',
  },
  en: {
    title: 'Public satisfaction survey (PermenPAN-RB No. 14 of 2017)',
    sheet: 'Satisfaction survey',
    period: 'Period',
    head: ['No', 'Service element', 'Sum of ratings', 'Mean (NRR)', 'Weighted mean (x 1/9)'],
    result: 'Result',
    sum: 'Sum of weighted means',
    ikm: 'IKM (converted x 25)',
    grade: 'Quality of service',
    performance: 'Performance of the service unit',
    respondents: 'Respondents',
    none: 'No respondents yet',
    saran: 'Suggestions',
    noSaran: 'No suggestions',
  },
} as const;

export interface SurveyTable {
  /** One per element, as SURVEY_LABELS.head: code, name, sum, NRR, weighted NRR. */
  elements: [code: string, name: string, total: number, mean: number, weighted: number][];
  /** Label and value: the sum of weighted means, IKM, mutu, kinerja (empty without respondents). */
  result: [label: string, value: number | string][];
  respondents: number;
  saran: readonly string[];
}

export function surveyTable(recap: SurveyRecap, lang: SurveyLang): SurveyTable {
  const L = SURVEY_LABELS[lang];
  const r = recap.result;
  if (!r) return { elements: [], result: [], respondents: recap.respondents, saran: recap.saran };
  return {
    elements: r.elements.map((e, i) => {
      const el = SURVEY_ELEMENTS[i]!;
      return [
        `U${i + 1}`,
        lang === 'id' ? el.name : el.nameEn,
        e.total,
        e.mean,
        // To three places, as the regulation's worked table prints the weighted means.
        Math.round((e.total / (9 * r.respondents)) * 1000) / 1000,
      ];
    }),
    result: [
      [L.sum, r.index],
      [L.ikm, r.ikm],
      [L.grade, r.category.grade],
      [L.performance, lang === 'id' ? r.category.name : r.category.nameEn],
    ],
    respondents: recap.respondents,
    saran: recap.saran,
  };
}

/** The element table, the result, the respondents and the saran, one a row. */
export function surveyRows(recap: SurveyRecap, lang: SurveyLang): Cell[][] {
  const L = SURVEY_LABELS[lang];
  const t = surveyTable(recap, lang);
  const rows: Cell[][] = [];
  if (t.elements.length === 0) rows.push([L.none]);
  else {
    rows.push([...L.head]);
    for (const e of t.elements) rows.push([...e]);
    // The value in the weighted column, where the regulation's table puts the sum and the IKM.
    for (const [label, value] of t.result) rows.push([label, null, null, null, value]);
  }
  rows.push([L.respondents, null, null, null, t.respondents]);
  if (t.saran.length > 0) {
    rows.push([], [L.saran]);
    for (const [i, s] of t.saran.entries()) rows.push([i + 1, s]);
  }
  return rows;
}
