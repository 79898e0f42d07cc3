// Survei Kepuasan Masyarakat (issue 14, item 7): the IKM by PermenPAN-RB No. 14 Tahun 2017 on a
// worked example computed by hand, the category table at its edges, the form's checks, and
// properties over random responses (the IKM stays within 25-100 and follows the ratings).
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import {
  checkSurveyAnswers,
  computeIkm,
  ikmCategory,
  SURVEY_ELEMENT_IDS,
  type SurveyAnswers,
  type SurveyRating,
} from '../../src/domain/survey.js';

const answers = (values: readonly SurveyRating[], saran?: string): SurveyAnswers => ({
  ratings: Object.fromEntries(
    SURVEY_ELEMENT_IDS.map((id, i) => [id, values[i]!]),
  ) as SurveyAnswers['ratings'],
  ...(saran ? { saran } : {}),
});

describe('computeIkm', () => {
  it('computes the worked example', () => {
    // Four respondents, elements in the regulation's order (U1 persyaratan ... U9 sarana):
    //        U1 U2 U3 U4 U5 U6 U7 U8 U9   sum
    //   R1    4  4  4  4  4  4  4  4  4    36
    //   R2    3  3  3  4  3  3  4  3  3    29
    //   R3    3  2  3  4  3  3  3  2  3    26
    //   R4    4  3  2  4  3  4  4  3  3    30
    // totals 14 12 12 16 13 14 15 12 13   121
    // NRR    3.50 3.00 3.00 4.00 3.25 3.50 3.75 3.00 3.25 (total / 4)
    // sum of NRR x 1/9 = 30.25 / 9 = 3.3611... -> 3.36
    // IKM = 3.3611... x 25 = 84.0277... -> 84.03, in 76.61-88.30: B, Baik.
    const result = computeIkm([
      answers([4, 4, 4, 4, 4, 4, 4, 4, 4]),
      answers([3, 3, 3, 4, 3, 3, 4, 3, 3]),
      answers([3, 2, 3, 4, 3, 3, 3, 2, 3]),
      answers([4, 3, 2, 4, 3, 4, 4, 3, 3]),
    ]);
    expect(result).toBeDefined();
    expect(result?.respondents).toBe(4);
    expect(result?.elements.map((e) => e.total)).toEqual([14, 12, 12, 16, 13, 14, 15, 12, 13]);
    expect(result?.elements.map((e) => e.mean)).toEqual([3.5, 3, 3, 4, 3.25, 3.5, 3.75, 3, 3.25]);
    expect(result?.index).toBe(3.36);
    expect(result?.ikm).toBe(84.03);
    expect(result?.category).toEqual({ grade: 'B', name: 'Baik', nameEn: 'Good' });
  });

  it('has no index without respondents', () => {
    expect(computeIkm([])).toBeUndefined();
  });

  it('maps all-4 to 100 (A) and all-1 to 25 (D)', () => {
    expect(computeIkm([answers(Array(9).fill(4))])?.ikm).toBe(100);
    expect(computeIkm([answers(Array(9).fill(4))])?.category.grade).toBe('A');
    expect(computeIkm([answers(Array(9).fill(1))])?.ikm).toBe(25);
    expect(computeIkm([answers(Array(9).fill(1))])?.category.grade).toBe('D');
  });

  it('rounds half up from exact sums: 3 respondents, total 95 -> 87.96', () => {
    // 25 x 95 / 27 = 87.962..., one division on integers; a 0.111 weight would give 87.88.
    const r = computeIkm([
      answers([4, 4, 4, 4, 4, 4, 4, 4, 3]), // 35
      answers([4, 4, 4, 4, 3, 3, 3, 3, 3]), // 31
      answers([4, 4, 3, 3, 3, 3, 3, 3, 3]), // 29
    ]);
    expect(r?.ikm).toBe(87.96);
  });
});

describe('ikmCategory', () => {
  it.each([
    [100, 'A', 'Sangat Baik'],
    [88.31, 'A', 'Sangat Baik'],
    [88.3, 'B', 'Baik'],
    [76.61, 'B', 'Baik'],
    [76.6, 'C', 'Kurang Baik'],
    [65, 'C', 'Kurang Baik'],
    [64.99, 'D', 'Tidak Baik'],
    [25, 'D', 'Tidak Baik'],
  ])('%d is %s (%s)', (ikm, grade, name) => {
    expect(ikmCategory(ikm).grade).toBe(grade);
    expect(ikmCategory(ikm).name).toBe(name);
  });
});

describe('checkSurveyAnswers', () => {
  const all = (v: number) => Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, v]));
  const rule = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      if (e instanceof DomainError) return `${e.field}:${e.detail.rule}`;
      throw e;
    }
    return undefined;
  };

  it('takes nine ratings and a trimmed saran', () => {
    expect(checkSurveyAnswers({ ratings: all(3), saran: '  Antrean lebih cepat ' }, 500)).toEqual(
      answers(Array(9).fill(3), 'Antrean lebih cepat'),
    );
    expect(checkSurveyAnswers({ ratings: all(2), saran: '   ' }, 500)).toEqual(answers(Array(9).fill(2)));
  });

  it('refuses a missing, out-of-range, fractional or unknown rating', () => {
    const { sarana: _, ...eight } = all(3);
    expect(rule(() => checkSurveyAnswers({ ratings: eight }, 500))).toBe('ratings.sarana:survey_rating');
    expect(rule(() => checkSurveyAnswers({ ratings: { ...all(3), waktu: 5 } }, 500))).toBe(
      'ratings.waktu:survey_rating',
    );
    expect(rule(() => checkSurveyAnswers({ ratings: { ...all(3), biaya: 0 } }, 500))).toBe(
      'ratings.biaya:survey_rating',
    );
    expect(rule(() => checkSurveyAnswers({ ratings: { ...all(3), biaya: 2.5 } }, 500))).toBe(
      'ratings.biaya:survey_rating',
    );
    expect(rule(() => checkSurveyAnswers({ ratings: { ...all(3), parkir: 4 } }, 500))).toBe(
      'ratings.parkir:survey_element',
    );
  });

  it('refuses a saran over the limit, counted in characters', () => {
    expect(rule(() => checkSurveyAnswers({ ratings: all(4), saran: 'x'.repeat(11) }, 10))).toBe(
      'saran:survey_saran_length',
    );
    // Ten emoji are ten characters, though twenty UTF-16 units.
    expect(checkSurveyAnswers({ ratings: all(4), saran: '👍'.repeat(10) }, 10).saran).toBe('👍'.repeat(10));
  });
});

const rating = fc.constantFrom<SurveyRating>(1, 2, 3, 4);
const response = fc.array(rating, { minLength: 9, maxLength: 9 }).map((v) => answers(v));

describe('IKM properties', () => {
  test.prop([fc.array(response, { minLength: 1, maxLength: 200 })])(
    'IKM stays within 25-100, each mean within 1-4, and the category matches the table',
    (responses) => {
      const r = computeIkm(responses);
      expect(r).toBeDefined();
      if (!r) return;
      expect(r.ikm).toBeGreaterThanOrEqual(25);
      expect(r.ikm).toBeLessThanOrEqual(100);
      for (const e of r.elements) {
        expect(e.mean).toBeGreaterThanOrEqual(1);
        expect(e.mean).toBeLessThanOrEqual(4);
      }
      expect(r.respondents).toBe(responses.length);
      expect(r.category).toEqual(ikmCategory(r.ikm));
      // Same figure as the regulation's path (sum of means x 1/9 x 25), to rounding.
      const viaMeans = (r.elements.reduce((s, e) => s + e.total / responses.length, 0) / 9) * 25;
      expect(Math.abs(r.ikm - viaMeans)).toBeLessThanOrEqual(0.005 + 1e-9);
    },
  );

  test.prop([fc.array(response, { minLength: 1, maxLength: 50 }), fc.nat(8)])(
    'raising one rating never lowers the IKM; the order of responses does not matter',
    (responses, element) => {
      const before = computeIkm(responses)?.ikm ?? 0;
      const id = SURVEY_ELEMENT_IDS[element]!;
      const first = responses[0]!;
      const raised: SurveyAnswers = {
        ratings: { ...first.ratings, [id]: Math.min(4, first.ratings[id] + 1) as SurveyRating },
      };
      expect(computeIkm([raised, ...responses.slice(1)])?.ikm ?? 0).toBeGreaterThanOrEqual(before);
      expect(computeIkm([...responses].reverse())?.ikm).toBe(before);
    },
  );
});
