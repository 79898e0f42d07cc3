// The guest book of a day or a month on screen (issue 14): per guest the times, the host and the
// outcome, and how they came (appointment or walk-in, group, escort), then the period's summary
// (expected, walk-in, no-shows, groups, escorted visits, the IKM). The cells and the summary are
// the exporters' own (reports/register-labels.ts), so the screen and the paper agree.
import type { GuestRegister } from '../../domain/register.js';
import {
  registerCells,
  registerHeads,
  registerLabels,
  registerPeriodTitle,
  summaryLines,
} from '../../reports/register-labels.js';
import { h } from '../dom.js';
import { getLang, t } from '../i18n.js';

/**
 * The columns shown, by their index in registerCells: the date (the period says it), the purpose,
 * the badge and the document stay on paper, to keep the table readable at the desk.
 */
const SHOWN = [0, 2, 3, 4, 5, 7, 10, 11, 12, 13];

export function registerTable(register: GuestRegister): HTMLElement {
  const lang = getLang();
  const L = registerLabels(lang);
  const heads = registerHeads(lang);
  const title = `${t('registerTitle')}: ${registerPeriodTitle(register.period, lang)}`;
  const summary = h(
    'ul',
    { class: 'register-summary', 'aria-label': t('registerSummary') },
    h('li', null, `${L.visits}: ${register.rows.length}`),
    ...summaryLines(register, lang).map((line) => h('li', null, line)),
  );
  if (register.rows.length === 0) {
    return h(
      'section',
      { class: 'register-view', 'aria-label': title },
      h('h3', null, title),
      h('p', { class: 'empty' }, L.none),
      summary,
    );
  }
  return h(
    'section',
    { class: 'register-view', 'aria-label': title },
    h('h3', null, title),
    register.withheld > 0 ? h('p', { class: 'hint' }, L.withheld(register.retentionDays)) : null,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        null,
        h('caption', { class: 'sr-only' }, title),
        h('thead', null, h('tr', null, ...SHOWN.map((i) => h('th', { scope: 'col' }, heads[i] ?? '')))),
        h(
          'tbody',
          null,
          ...register.rows.map((row) => {
            const cells = registerCells(row, register, lang);
            return h(
              'tr',
              { 'data-visit': row.visitId },
              ...SHOWN.map((i) => h('td', { 'data-col': String(i) }, cells[i] ?? '')),
            );
          }),
        ),
      ),
    ),
    summary,
  );
}
