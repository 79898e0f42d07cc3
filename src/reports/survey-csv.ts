// The satisfaction survey's report on its own as CSV (GET /reports/survey): a title, the period,
// then the rows the monthly and yearly recaps' CSV end with (reports/survey-table.ts).
import type { SurveyRecap } from '../domain/survey.js';
import { type CsvDialect, csvText } from './csv.js';
import { SURVEY_LABELS, type SurveyLang, surveyRows } from './survey-table.js';

export function surveyToCsv(
  recap: SurveyRecap,
  lang: SurveyLang = 'id',
  dialect: CsvDialect = 'rfc4180',
): string {
  const L = SURVEY_LABELS[lang];
  return csvText([[L.title], [L.period, recap.period], [], ...surveyRows(recap, lang)], dialect);
}
