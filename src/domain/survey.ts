// Survei Kepuasan Masyarakat (SKM), as PermenPAN-RB No. 14 Tahun 2017 sets it: nine elements
// (unsur) each rated 1-4; the service value per element (nilai rata-rata, NRR) is the mean of
// its ratings; the index (IKM) is the sum of the nine means, each weighted 1/9, converted to
// 25-100 by x25; the quality of service (mutu pelayanan) is read from the regulation's table
// of conversion intervals. Pure: the survey service stores responses and asks these functions.
//
// The intervals (on the 25-100 scale): A 88.31-100.00 Sangat Baik, B 76.61-88.30 Baik,
// C 65.00-76.60 Kurang Baik, D 25.00-64.99 Tidak Baik; checked against published IKM reports
// that quote the regulation's table (e.g. the Nganjuk regency's open-data page for the IKM of
// RSD Nganjuk 2024: https://dashboard.nganjukkab.go.id/menudataset/detail?data=MDBlYjkwMzMtMWYzNi00Y2EyLWE0NGQtOGYyOWYxMTM3NmE2).
//
// Arithmetic is done on integer sums, and rounded once to hundredths (half up) at the end: the
// weight 1/9 is exact here (many spreadsheets use 0.111, which shifts the last digit), and a
// value on a category's edge lands in the category the printed table gives it.
import { DomainError } from './errors.js';

/** The nine elements in the regulation's order, with their names as the form and report print. */
export const SURVEY_ELEMENTS = [
  { id: 'persyaratan', name: 'Persyaratan', nameEn: 'Requirements' },
  {
    id: 'prosedur',
    name: 'Sistem, mekanisme dan prosedur',
    nameEn: 'Systems, mechanisms and procedures',
  },
  { id: 'waktu', name: 'Waktu penyelesaian', nameEn: 'Completion time' },
  { id: 'biaya', name: 'Biaya/tarif', nameEn: 'Cost/tariff' },
  {
    id: 'produk',
    name: 'Produk spesifikasi jenis pelayanan',
    nameEn: 'Product specification of the service',
  },
  { id: 'kompetensi', name: 'Kompetensi pelaksana', nameEn: 'Competence of the staff' },
  { id: 'perilaku', name: 'Perilaku pelaksana', nameEn: 'Conduct of the staff' },
  {
    id: 'pengaduan',
    name: 'Penanganan pengaduan, saran dan masukan',
    nameEn: 'Handling of complaints, suggestions and feedback',
  },
  { id: 'sarana', name: 'Sarana dan prasarana', nameEn: 'Facilities and infrastructure' },
] as const;

export type SurveyElementId = (typeof SURVEY_ELEMENTS)[number]['id'];
export const SURVEY_ELEMENT_IDS: readonly SurveyElementId[] = SURVEY_ELEMENTS.map((e) => e.id);

/** 1 tidak sesuai / tidak baik ... 4 sangat sesuai / sangat baik. */
export type SurveyRating = 1 | 2 | 3 | 4;

/** One respondent's answers: a rating for every element, and an optional suggestion (saran). */
export interface SurveyAnswers {
  ratings: Record<SurveyElementId, SurveyRating>;
  saran?: string;
}

export type IkmGrade = 'A' | 'B' | 'C' | 'D';

export interface IkmCategory {
  grade: IkmGrade;
  /** Mutu pelayanan as the regulation names it. */
  name: string;
  nameEn: string;
}

/** Lower bounds in hundredths of the 25-100 scale, best first (the regulation's table). */
const CATEGORIES: readonly (IkmCategory & { from: number })[] = [
  { grade: 'A', name: 'Sangat Baik', nameEn: 'Very good', from: 8831 },
  { grade: 'B', name: 'Baik', nameEn: 'Good', from: 7661 },
  { grade: 'C', name: 'Kurang Baik', nameEn: 'Fair', from: 6500 },
  { grade: 'D', name: 'Tidak Baik', nameEn: 'Poor', from: 2500 },
];

export interface IkmElementResult {
  id: SurveyElementId;
  /** Sum of the element's ratings. */
  total: number;
  /** NRR: the mean rating, 1-4, rounded to hundredths. */
  mean: number;
}

export interface IkmResult {
  respondents: number;
  elements: IkmElementResult[];
  /** Sum of the weighted means (each x 1/9), 1-4, rounded to hundredths. */
  index: number;
  /** IKM on the 25-100 scale, rounded to hundredths. */
  ikm: number;
  category: IkmCategory;
}

/** p / q rounded half up to hundredths, from integers so no float error decides a tie. */
function hundredths(p: number, q: number): number {
  return Math.floor((200 * p + q) / (2 * q)) / 100;
}

/** The quality category of an IKM value on the 25-100 scale (read at hundredths). */
export function ikmCategory(ikm: number): IkmCategory {
  const h = Math.round(ikm * 100);
  const found = CATEGORIES.find((c) => h >= c.from) ?? CATEGORIES[CATEGORIES.length - 1]!;
  return { grade: found.grade, name: found.name, nameEn: found.nameEn };
}

/** The IKM of a set of responses; undefined when there is none (no index without respondents). */
export function computeIkm(responses: readonly SurveyAnswers[]): IkmResult | undefined {
  const tally = new SurveyTally();
  for (const r of responses) tally.add(r);
  return tally.ikm();
}

/**
 * Sums of ratings per element and the suggestions, answer by answer: a month's or a year's
 * recap reads the journal once and holds totals, not every answer.
 */
export class SurveyTally {
  private readonly totals = new Map<SurveyElementId, number>(SURVEY_ELEMENT_IDS.map((id) => [id, 0]));
  private n = 0;
  readonly saran: string[] = [];

  add(answers: SurveyAnswers): void {
    for (const id of SURVEY_ELEMENT_IDS)
      this.totals.set(id, (this.totals.get(id) ?? 0) + answers.ratings[id]);
    if (answers.saran) this.saran.push(answers.saran);
    this.n++;
  }

  /** A suggestion kept apart from its answer's ratings (the saran file), in answer order. */
  addSaran(text: string): void {
    this.saran.push(text);
  }

  get respondents(): number {
    return this.n;
  }

  /** The IKM so far; undefined before the first answer. */
  ikm(): IkmResult | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const elements = SURVEY_ELEMENT_IDS.map((id) => {
      const total = this.totals.get(id) ?? 0;
      return { id, total, mean: hundredths(total, n) };
    });
    const total = elements.reduce((s, e) => s + e.total, 0);
    const nine = SURVEY_ELEMENT_IDS.length;
    // IKM = (sum of means / 9) x 25 = 25 x total / (9 n): one division, so 9n..36n maps onto
    // exactly 25..100.
    const ikm = hundredths(25 * total, nine * n);
    return { respondents: n, elements, index: hundredths(total, nine * n), ikm, category: ikmCategory(ikm) };
  }
}

/** A period's survey as the recaps carry it. */
export interface SurveyRecap {
  /** YYYY-MM or YYYY. */
  period: string;
  respondents: number;
  /** Absent without respondents. */
  result?: IkmResult;
  /** The suggestions, in the order they came. */
  saran: string[];
}

export function surveyRecap(period: string, tally: SurveyTally): SurveyRecap {
  const result = tally.ikm();
  return { period, respondents: tally.respondents, ...(result ? { result } : {}), saran: [...tally.saran] };
}

/**
 * Checks one respondent's answers as they come from the form: every element rated with an
 * integer 1-4, no unknown element, and a suggestion of at most `saranMaxChars` characters
 * (trimmed; an empty one is dropped). Throws DomainError('invalid') naming the field.
 */
export function checkSurveyAnswers(
  input: { ratings: Readonly<Record<string, number>>; saran?: string | undefined },
  saranMaxChars: number,
): SurveyAnswers {
  for (const key of Object.keys(input.ratings)) {
    if (!(SURVEY_ELEMENT_IDS as readonly string[]).includes(key)) {
      throw new DomainError('invalid', `unknown survey element ${key}`, `ratings.${key}`, {
        rule: 'survey_element',
      });
    }
  }
  const ratings = {} as Record<SurveyElementId, SurveyRating>;
  for (const id of SURVEY_ELEMENT_IDS) {
    const v = input.ratings[id];
    if (v !== 1 && v !== 2 && v !== 3 && v !== 4) {
      throw new DomainError('invalid', `rate ${id} from 1 to 4`, `ratings.${id}`, {
        rule: 'survey_rating',
      });
    }
    ratings[id] = v;
  }
  const saran = input.saran?.trim();
  if (saran !== undefined && [...saran].length > saranMaxChars) {
    throw new DomainError('invalid', `saran is longer than ${saranMaxChars} characters`, 'saran', {
      rule: 'survey_saran_length',
    });
  }
  return saran ? { ratings, saran } : { ratings };
}
