// The desk's compact mode: today's visits as table rows (a busy desk sees more than two cards a
// column), filtered by a search and by "documents at the desk". Each row is one keyboard item,
// like a card: Enter runs its next step.
import type { Visit } from '../api.js';
import { h } from '../dom.js';
import { time } from '../format.js';
import { type Key, t } from '../i18n.js';
import { hostName } from '../state.js';

export interface TableCells {
  badgeLabel(id?: string): string;
  /** The running step's timer, as on the card. */
  timer(v: Visit): HTMLElement | null;
  /** The next step's button (the card's primary one), if the visit has one for this desk. */
  next(v: Visit): HTMLElement | undefined;
}

/** An identity document held at the desk now: the badge is out, or it came back without it. */
export function holdsDocument(v: Visit): boolean {
  return (
    v.collateral !== undefined && !v.documentReturned && (v.state === 'badged' || v.state === 'checked_out')
  );
}

/** The search: guest name, institution or the badge's printed label, case and accents aside. */
export function matches(v: Visit, query: string, badgeLabel: (id?: string) => string): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const q = fold(query.trim());
  if (!q) return true;
  return [v.guestName, v.institution, badgeLabel(v.badgeId)].some((s) => fold(s).includes(q));
}

export function visitTable(list: Visit[], cells: TableCells): HTMLElement {
  const row = (v: Visit) => {
    const label = v.badgeId ? cells.badgeLabel(v.badgeId) : '';
    return h(
      'tr',
      { tabindex: 0, 'data-visit': v.id, class: `s-${v.state}` },
      h(
        'td',
        null,
        h('strong', null, v.guestName || '—'),
        h('small', { class: 'muted' }, ` ${time(v.createdAt)}`),
        label ? h('small', { class: 'badge-label' }, ` · ${label}`) : null,
      ),
      h('td', null, v.institution),
      h('td', null, hostName(v.hostId)),
      h('td', null, h('span', { class: `pill s-${v.state}` }, t(`st_${v.state}` as Key))),
      h('td', null, cells.timer(v)),
      h('td', { class: 'next' }, cells.next(v)),
    );
  };
  return h(
    'div',
    { class: 'desk-table-wrap' },
    h(
      'table',
      { class: 'desk-table', 'aria-label': t('deskTitle') },
      h(
        'colgroup',
        null,
        ['c-guest', 'c-inst', 'c-host', 'c-stage', 'c-timer', 'c-next'].map((c) => h('col', { class: c })),
      ),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('thGuest')),
          h('th', { scope: 'col' }, t('institution')),
          h('th', { scope: 'col' }, t('host')),
          h('th', { scope: 'col' }, t('thStage')),
          h('th', { scope: 'col' }, t('thTimer')),
          h('th', { scope: 'col' }, t('thNext')),
        ),
      ),
      h(
        'tbody',
        { 'data-group': 'table' },
        list.length ? list.map(row) : h('tr', null, h('td', { colspan: 6, class: 'empty' }, t('noMatch'))),
      ),
    ),
  );
}
