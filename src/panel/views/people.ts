// Who is inside now and in which area (from door events), printable as an evacuation roll
// call, and the end of the day: badges and identity documents not returned, lost badges.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime, time } from '../format.js';
import type { Key } from '../i18n.js';
import { recapLabels, t } from '../i18n.js';
import { printerIcon } from '../icons.js';
import { live } from '../live.js';
import { fail } from '../sop.js';
import { can } from '../state.js';

interface Row {
  visitId: string;
  guestName: string;
  institution: string;
  hostName: string;
  badgeLabel?: string;
  /** The area the guest is in, and the areas from the perimeter inward to it (inside only). */
  area?: Area;
  path?: Area[];
  /** On a fleet's desk: the door gateway that last let the guest in (absent: this one). */
  gateway?: string;
  issuedAt?: number;
  firstEntryAt?: number;
}
interface Area {
  id: string;
  name: string;
}
interface Presence {
  at: number;
  inside: Row[];
  badgedNotInside: Row[];
}
interface Outstanding {
  at: number;
  badgesOut: Array<{
    visitId: string;
    guestName: string;
    institution: string;
    hostName: string;
    badgeLabel: string;
    issuedAt?: number;
  }>;
  documentsHeld: Array<{
    visitId: string;
    guestName: string;
    institution: string;
    hostName: string;
    documentType?: string;
    masked?: string;
    checkedOutAt?: number;
  }>;
  lostBadges: Array<{ id: string; label: string }>;
}

/** The building's built-in name follows the panel's language; names from the configuration are shown as written. */
function areaName(a: Area): string {
  return a.id === 'building' && a.name === 'Gedung' ? t('areaBuilding') : a.name;
}

function table(head: Key[], rows: Array<Array<string | HTMLElement>>, caption: string): HTMLElement {
  return h(
    'table',
    null,
    h('caption', { class: 'sr-only' }, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        head.map((k) => h('th', { scope: 'col' }, t(k))),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) =>
        h(
          'tr',
          null,
          r.map((c) => h('td', null, c)),
        ),
      ),
    ),
  );
}

export function peopleView(root: HTMLElement): () => void {
  const inside = h('div', { 'aria-live': 'polite' });
  const stamp = h('p', { class: 'print-only' });
  const eod = h('div');
  replace(
    root,
    h(
      'div',
      { class: 'view-head' },
      h(
        'div',
        null,
        h('h1', null, t('peopleTitle')),
        h('p', { class: 'print-only' }, `${t('rollCall')} · Biro Umum`),
      ),
      h(
        'button',
        { type: 'button', class: 'primary no-print', onClick: () => window.print() },
        printerIcon(),
        `${t('print')} ${t('rollCall').toLowerCase()}`,
      ),
    ),
    stamp,
    inside,
    can('outstanding')
      ? h(
          'section',
          // not part of the roll call: left out of the print
          { class: 'no-print', 'aria-labelledby': 'p-eod' },
          h('h2', { id: 'p-eod' }, t('endOfDay')),
          eod,
        )
      : null,
  );

  const renderPresence = (p: Presence) => {
    stamp.textContent = `${t('printedAt')}: ${dateTime(p.at)}`;
    const rows = (list: Row[], withDoors: boolean) =>
      list.map((r, i) => [
        String(i + 1),
        h('strong', null, r.guestName || '—'),
        r.institution,
        r.hostName,
        r.badgeLabel ?? '',
        withDoors ? [...(r.gateway ? [r.gateway] : []), ...(r.path ?? []).map(areaName)].join(' › ') : '',
        r.firstEntryAt ? time(r.firstEntryAt) : r.issuedAt ? time(r.issuedAt) : '',
      ]);
    const head: Key[] = ['no', 'guestName', 'institution', 'host', 'badge', 'where', 'since'];
    replace(
      inside,
      h('h2', null, `${t('insideNow')}: ${p.inside.length}`),
      p.inside.length
        ? table(head, rows(p.inside, true), t('insideNow'))
        : h('p', { class: 'empty' }, t('nobody')),
      h('h2', null, `${t('notSeenInside')}: ${p.badgedNotInside.length}`),
      p.badgedNotInside.length
        ? table(head, rows(p.badgedNotInside, false), t('notSeenInside'))
        : h('p', { class: 'empty' }, t('empty')),
    );
  };

  const renderOutstanding = (o: Outstanding) => {
    const L = recapLabels();
    replace(
      eod,
      h('h3', null, `${t('badgesOut')}: ${o.badgesOut.length}`),
      o.badgesOut.length
        ? table(
            ['badge', 'guestName', 'institution', 'host', 'since'],
            o.badgesOut.map((b) => [
              h('strong', null, b.badgeLabel),
              b.guestName || '—',
              b.institution,
              b.hostName,
              b.issuedAt ? time(b.issuedAt) : '',
            ]),
            t('badgesOut'),
          )
        : h('p', { class: 'empty' }, t('allReturned')),
      h('h3', null, `${t('documentsHeld')}: ${o.documentsHeld.length}`),
      o.documentsHeld.length
        ? table(
            ['docType', 'docNumber', 'guestName', 'institution', 'host'],
            o.documentsHeld.map((d) => [
              L.documentTypes[d.documentType as keyof typeof L.documentTypes] ?? d.documentType ?? '',
              h('span', { class: 'mono' }, d.masked ?? ''),
              d.guestName || '—',
              d.institution,
              d.hostName,
            ]),
            t('documentsHeld'),
          )
        : h('p', { class: 'empty' }, t('allReturned')),
      o.lostBadges.length
        ? h('p', null, `${t('lostBadges')}: ${o.lostBadges.map((b) => b.label).join(', ')}`)
        : null,
    );
  };

  async function refresh(): Promise<void> {
    try {
      renderPresence(await api<Presence>('GET', '/presence'));
      if (can('outstanding')) renderOutstanding(await api<Outstanding>('GET', '/desk/outstanding'));
    } catch (e) {
      fail(e);
    }
  }
  const off = live.on(['visit.', 'access.granted'], () => void refresh());
  void refresh();
  return off;
}
