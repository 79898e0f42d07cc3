// The watchlist (daftar perhatian) for security and admin: the live alerts (a guest matched an
// entry: at the desk, in a group, a visit synced in, or the document handed in for the badge)
// and the entries, each added, changed or removed in a dialog. Entries are personal data: the
// server journals every read (this view's list too) and change, and gives a document number
// back never, only whether an entry has one.
import { zonedTimeToEpoch } from '../../domain/time.js';
import { api, type JournalEntry, type Visit, type WatchlistEntry } from '../api.js';
import { dateField } from '../date-field.js';
import { busy, checkbox, dialog, field, h, replace } from '../dom.js';
import { addDays, dateTime, localDate, now, timezone } from '../format.js';
import { type Key, t } from '../i18n.js';
import { live } from '../live.js';
import { actions, errorBox, fail } from '../sop.js';

/** Alerts shown: the newest; older ones are in the journal (GET /events). */
const ALERTS_SHOWN = 20;
const DEFAULT_DAYS = 90;

interface MatchedPayload {
  visitId: string;
  entryIds: string[];
  by: string[];
  source?: string;
  desk?: string;
}

export function watchlistView(root: HTMLElement): () => void {
  let entries: WatchlistEntry[] = [];
  let alerts: JournalEntry[] = [];
  /** The guest of each alerted visit, looked up once ('' when the visit cannot be read). */
  const guests = new Map<string, string>();
  const alertList = h('ol', { class: 'events watchlist-alerts', 'aria-live': 'polite' });
  const list = h('div');
  const add = h(
    'button',
    { type: 'button', class: 'primary', onClick: () => openEntry(undefined, () => void loadEntries()) },
    `+ ${t('wlAdd')}`,
  );
  replace(
    root,
    h('h1', null, t('wlTitle')),
    h('p', { class: 'hint' }, t('wlHint')),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'wl-alerts-h' },
      h('h2', { id: 'wl-alerts-h' }, t('wlAlerts')),
      alertList,
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'wl-entries-h' },
      h('h2', { id: 'wl-entries-h' }, t('wlEntries')),
      h('div', { class: 'row' }, add),
      list,
    ),
  );

  const entryName = (id: string) => entries.find((e) => e.id === id)?.name ?? t('wlEntryGone');

  const paintAlerts = () => {
    if (alerts.length === 0) {
      replace(alertList, h('li', { class: 'empty' }, t('wlNoAlerts')));
      return;
    }
    replace(
      alertList,
      alerts.map((e) => {
        const p = e.payload as unknown as MatchedPayload;
        const matched = p.entryIds
          .map((id, i) => `${entryName(id)} (${t(p.by[i] === 'document' ? 'wlByDocument' : 'wlByName')})`)
          .join(', ');
        const guest = guests.get(p.visitId);
        return h(
          'li',
          { class: 'watchlist-alert', 'data-visit': p.visitId },
          h('time', null, dateTime(e.at)),
          ' ',
          h('strong', null, guest || p.visitId),
          ` · ${t(`wlSource_${p.source ?? 'arrival'}` as Key)}`,
          p.desk ? ` · ${t('wlDesk')}: ${p.desk}` : '',
          h('br'),
          `${t('wlMatched')}: ${matched}`,
        );
      }),
    );
  };

  /** Looks up the guests of alerts not seen yet, then paints again. */
  const lookUpGuests = async () => {
    const missing = [...new Set(alerts.map((e) => (e.payload as unknown as MatchedPayload).visitId))].filter(
      (id) => !guests.has(id),
    );
    await Promise.all(
      missing.map(async (id) => {
        try {
          const v = await api<Visit>('GET', `/visits/${encodeURIComponent(id)}`, undefined, { quiet: true });
          guests.set(id, v.institution ? `${v.guestName} · ${v.institution}` : v.guestName);
        } catch {
          // Closed long ago (archived) or erased: the visit id stands for it.
          guests.set(id, '');
        }
      }),
    );
    paintAlerts();
  };

  const loadAlerts = async () => {
    const r = await api<{ events: JournalEntry[] }>(
      'GET',
      `/events?type=watchlist.matched&limit=${ALERTS_SHOWN}`,
    );
    alerts = r.events;
    paintAlerts();
    await lookUpGuests();
  };

  const loadEntries = async () => {
    entries = await api<WatchlistEntry[]>('GET', '/watchlist');
    const at = now();
    replace(
      list,
      entries.length === 0
        ? h('p', { class: 'empty' }, t('wlEmpty'))
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              null,
              h('caption', { class: 'sr-only' }, t('wlEntries')),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  (
                    ['wlName', 'institution', 'wlDocument', 'wlReason', 'wlValidUntil', 'wlActions'] as Key[]
                  ).map((k) => h('th', { scope: 'col' }, t(k))),
                ),
              ),
              h(
                'tbody',
                null,
                entries.map((e) =>
                  h(
                    'tr',
                    { 'data-entry': e.id },
                    h('td', null, h('strong', null, e.name)),
                    h('td', null, e.institution || '—'),
                    h('td', null, t(e.hasDocument ? 'wlHasDocument' : 'wlNoDocument')),
                    h('td', null, e.reason),
                    h(
                      'td',
                      null,
                      dateTime(e.validUntil),
                      e.validUntil <= at ? h('span', { class: 'pill warn' }, ` ${t('wlExpired')}`) : null,
                    ),
                    h(
                      'td',
                      null,
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'small',
                          'aria-label': `${t('wlEdit')}: ${e.name}`,
                          onClick: () => openEntry(e, () => void loadEntries()),
                        },
                        t('wlEdit'),
                      ),
                      ' ',
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'small danger',
                          'aria-label': `${t('wlRemove')}: ${e.name}`,
                          onClick: (ev: Event) => {
                            if (!confirm(`${t('wlRemoveConfirm')} ${e.name}?`)) return;
                            void busy(ev.currentTarget as HTMLButtonElement, () =>
                              api('DELETE', `/watchlist/${encodeURIComponent(e.id)}`).then(loadEntries, fail),
                            );
                          },
                        },
                        t('wlRemove'),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
    paintAlerts();
  };

  // An alert comes first; its guest is looked up after. Changes (by anyone) reload the list,
  // which the server journals as a read: watchlist.read itself is not followed, or a read
  // would cause the next.
  const offAlerts = live.on(['watchlist.matched'], (e) => {
    if (alerts.some((a) => a.seq === e.seq)) return;
    alerts = [e, ...alerts].slice(0, ALERTS_SHOWN);
    paintAlerts();
    void lookUpGuests();
  });
  const offChanges = live.on(['watchlist.added', 'watchlist.changed', 'watchlist.removed'], () => {
    void loadEntries().catch(fail);
  });
  void Promise.all([loadEntries(), loadAlerts()]).catch(fail);
  return () => {
    offAlerts();
    offChanges();
  };
}

/** The dialog that adds an entry (`entry` undefined) or changes one. */
function openEntry(entry: WatchlistEntry | undefined, done: () => void): void {
  dialog(entry ? t('wlEditTitle') : t('wlAddTitle'), (d) => {
    const name = h('input', {
      type: 'text',
      required: true,
      maxlength: 120,
      autocomplete: 'off',
      value: entry?.name ?? '',
    });
    const institution = h('input', {
      type: 'text',
      maxlength: 200,
      autocomplete: 'off',
      value: entry?.institution ?? '',
    });
    const documentNumber = h('input', {
      type: 'text',
      maxlength: 40,
      autocomplete: 'off',
      spellcheck: 'false',
      class: 'mono',
    });
    const dropDocument = entry?.hasDocument ? checkbox(t('wlDropDocument')) : undefined;
    const reason = h('textarea', { required: true, maxlength: 500, rows: 3 }, entry?.reason ?? '');
    const today = localDate(now()).date;
    const until = dateField({
      label: t('wlValidUntil'),
      value: entry ? localDate(entry.validUntil).date : addDays(today, DEFAULT_DAYS),
      years: [Number(today.slice(0, 4)), Number(today.slice(0, 4)) + 10],
      min: today,
    });
    const err = errorBox();
    const submit = h('button', { type: 'submit', class: 'primary' }, t('save')) as HTMLButtonElement;
    return h(
      'form',
      {
        onSubmit: (ev: Event) => {
          ev.preventDefault();
          err.clear();
          const number = documentNumber.value.trim();
          const body = {
            name: name.value.trim(),
            institution: institution.value.trim(),
            reason: reason.value.trim(),
            // To the end of the chosen day in the gateway's time zone.
            validUntil: zonedTimeToEpoch(until.value, '24:00', timezone()),
            // Left out on a change: the entry keeps its document; empty takes it off.
            ...(number
              ? { documentNumber: number }
              : dropDocument?.input.checked
                ? { documentNumber: '' }
                : {}),
          };
          void busy(submit, async () => {
            try {
              if (entry) await api('PUT', `/watchlist/${encodeURIComponent(entry.id)}`, body);
              else await api('POST', '/watchlist', body);
              d.close();
              done();
            } catch (e) {
              err.show(e);
            }
          });
        },
      },
      field(t('wlName'), name),
      field(t('institution'), institution),
      field(
        t('wlDocumentNumber'),
        documentNumber,
        entry?.hasDocument ? t('wlDocumentKeep') : t('wlDocumentHint'),
      ),
      dropDocument?.row ?? null,
      field(t('wlReason'), reason),
      until.el,
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), submit),
    );
  });
}
