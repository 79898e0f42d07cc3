// The JSON recap in the language asked for: the domain counts denials and screening refusals
// by code; a reader of the JSON (the desk app, a spreadsheet import) gets the same words as
// the CSV, XLSX and PDF of that language, with the code kept as `key`; purpose categories by
// their configured name in that language.
import { inLanguage, type RecapItem } from '../domain/recap.js';
import type { DenyReason, ScreeningReason } from '../domain/types.js';
import { RECAP_LABELS, type RecapLang } from './labels.js';

interface Labelled {
  screeningReasons: RecapItem[];
  denials: RecapItem[];
  byPurpose: RecapItem[];
}

export function localiseRecap<T extends Labelled>(recap: T, lang: RecapLang): T {
  const L = RECAP_LABELS[lang];
  return {
    ...recap,
    screeningReasons: recap.screeningReasons.map((it) => ({
      ...it,
      label: L.screeningReasons[it.key as ScreeningReason] ?? it.label,
    })),
    denials: recap.denials.map((it) => ({ ...it, label: L.denyReasons[it.key as DenyReason] ?? it.label })),
    byPurpose: inLanguage(recap.byPurpose, lang),
  };
}
