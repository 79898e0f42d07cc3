// Doors: live lock state, door contact, alarms and lockdown; unlock and lockdown for
// facilities and security; the recent door events; a simulator for simulated readers.

import type { Badge, Door, JournalEntry, TapResult } from '../api.js';
import { api } from '../api.js';
import { busy, field, h, replace, toast } from '../dom.js';
import { time } from '../format.js';
import { type Key, recapLabels, t } from '../i18n.js';
import { lockIcon } from '../icons.js';
import { live } from '../live.js';
import { fail } from '../sop.js';
import { boot, can, doorName } from '../state.js';

const ALARM_KEYS: Record<string, Key> = {
  held_open: 'alarm_held_open',
  forced_open: 'alarm_forced_open',
  offline: 'alarm_offline',
  no_ack: 'alarm_no_ack',
  reader_offline: 'alarm_reader_offline',
  command_refused: 'alarm_command_refused',
};

/** An alarm by name; a reader's alarm names the reader (the entry's actor). */
function alarmText(e: JournalEntry, alarm: string | undefined): string {
  if (!alarm) return '';
  const key = ALARM_KEYS[alarm];
  const text = key ? t(key) : alarm;
  return alarm === 'reader_offline' && e.actor.kind === 'device' ? `${text} (${e.actor.id})` : text;
}

function eventText(e: JournalEntry): string {
  const p = e.payload as {
    doorId?: string;
    reason?: string;
    direction?: string;
    alarm?: string;
    global?: boolean;
    badgeLabel?: string;
    /** The guest as display.guestName shapes the name (absent: none, or erased). */
    guest?: string;
    escort?: string;
    command?: string;
  };
  const door = p.doorId ? doorName(p.doorId) : p.global ? '*' : '';
  // The badge by its printed label (the API shows UIDs to admin only), then its guest.
  const badge = `${p.badgeLabel ? ` · ${p.badgeLabel}` : ''}${p.guest ? ` · ${p.guest}` : ''}${p.escort ? ` · ${t('escortShort')}: ${p.escort}` : ''}`;
  const L = recapLabels();
  switch (e.type) {
    case 'access.granted':
      return `${t('ev_granted')} · ${door}${p.direction ? ` (${p.direction === 'in' ? t('dirIn') : t('dirOut')})` : ''}${badge}`;
    case 'access.denied':
      return `${t('ev_denied')} · ${door} · ${L.denyReasons[p.reason as keyof typeof L.denyReasons] ?? p.reason ?? ''}${badge}`;
    case 'door.unlocked':
      return `${t('ev_unlocked')} · ${door}`;
    case 'door.lockdown':
      return `${t('ev_lockdown')} · ${door}`;
    case 'door.released':
      return `${t('ev_released')} · ${door}`;
    case 'door.alarm':
      return `${t('ev_alarm')} · ${door} · ${alarmText(e, p.alarm)}`;
    case 'door.alarm_cleared':
      return `${t('ev_alarmCleared')} · ${door} · ${alarmText(e, p.alarm)}`;
    case 'door.opened':
      return `${t('ev_opened')} · ${door}`;
    case 'door.closed':
      return `${t('ev_closed')} · ${door}`;
    case 'door.exit_request':
      return `${t('ev_exit')} · ${door}`;
    case 'door.command_refused':
      return `${t('ev_commandRefused')} · ${door} · ${p.command ?? ''}`;
    case 'desk.tap':
      return t('ev_desk');
    default:
      return `${t('ev_other')} · ${e.type} ${door}`;
  }
}

/** Who set a lockdown: a person's role, or the client (`mqtt:<login>`) for a machine. */
function setter(by: NonNullable<Door['lockdownBy']>): string {
  return by.kind === 'user' && by.role ? t(`role_${by.role}` as Key) : by.id;
}

export function doorsView(root: HTMLElement): () => void {
  const grid = h('div', { class: 'doors', 'aria-live': 'polite' });
  const events = h('ol', { class: 'events' });
  const control = can('controlDoors');
  const globalBar = control
    ? h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onClick: (e: Event) => {
              if (!confirm(t('confirmLockdownAll'))) return;
              void busy(e.currentTarget as HTMLButtonElement, () =>
                api('POST', '/doors/*/lockdown', { active: true }).then(refresh, fail),
              );
            },
          },
          t('lockdownAll'),
        ),
        boot?.mayReleaseLockdown
          ? h(
              'button',
              {
                type: 'button',
                onClick: (e: Event) =>
                  void busy(e.currentTarget as HTMLButtonElement, () =>
                    api('POST', '/doors/*/lockdown', { active: false }).then(refresh, fail),
                  ),
              },
              t('releaseAll'),
            )
          : null,
      )
    : null;
  const sim = simulator();
  replace(
    root,
    h('div', { class: 'view-head' }, h('h1', null, t('doorsTitle')), globalBar),
    grid,
    h(
      'div',
      { class: 'split' },
      h('section', { 'aria-labelledby': 'd-ev' }, h('h2', { id: 'd-ev' }, t('recentEvents')), events),
      sim,
    ),
  );

  const doorCard = (d: Door) => {
    const alarm = d.fault || d.alarm || d.readersOffline?.length;
    return h(
      'article',
      {
        class: `door ${d.locked ? 'locked' : 'unlocked'}${d.lockdown ? ' lockdown' : ''}${alarm ? ' alarm' : ''}`,
        'aria-labelledby': `door-${d.id}`,
        'data-door': d.id,
      },
      h('h3', { id: `door-${d.id}` }, d.name),
      h('p', { class: 'muted' }, d.kind === 'entrance' ? t('entrance') : t('room')),
      d.escort ? h('p', { 'data-escort': '' }, t('escortRequired')) : null,
      d.credential === 'secure'
        ? null
        : h(
            'p',
            { class: 'warn', 'data-credential': d.credential },
            `⚠ ${t(d.credential === 'uid' ? 'credentialWeak' : 'credentialMigrating')}`,
          ),
      h('p', { class: 'state' }, lockIcon(d.locked), d.locked ? t('locked') : t('unlocked')),
      d.open !== undefined ? h('p', null, d.open ? t('doorOpen') : t('doorClosed')) : null,
      d.lockdown
        ? h(
            'p',
            { class: 'badge-lockdown' },
            `⚠ ${t('lockdown')}${d.lockdownBy ? ` · ${setter(d.lockdownBy)} ${time(d.lockdownBy.at)}` : ''}`,
          )
        : null,
      d.alarm ? h('p', { class: 'warn' }, `⚠ ${t(ALARM_KEYS[d.alarm]!)}`) : null,
      d.readersOffline?.length
        ? h('p', { class: 'warn' }, `⚠ ${t('alarm_reader_offline')}: ${d.readersOffline.join(', ')}`)
        : null,
      d.fault ? h('p', { class: 'warn' }, `${t('fault')}: ${d.fault}`) : null,
      control
        ? h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                disabled: d.lockdown,
                onClick: (e: Event) =>
                  void busy(e.currentTarget as HTMLButtonElement, () =>
                    api('POST', `/doors/${d.id}/unlock`, {}).then(refresh, fail),
                  ),
              },
              t('unlock'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: d.lockdown ? undefined : 'danger',
                // Life safety: whoever may set a lockdown may not necessarily end it.
                disabled: d.lockdown && !boot?.mayReleaseLockdown,
                title: d.lockdown && !boot?.mayReleaseLockdown ? t('releaseNotAllowed') : undefined,
                onClick: (e: Event) =>
                  void busy(e.currentTarget as HTMLButtonElement, () =>
                    api('POST', `/doors/${d.id}/lockdown`, { active: !d.lockdown }).then(refresh, fail),
                  ),
              },
              d.lockdown ? t('lockdownOff') : t('lockdownOn'),
            ),
          )
        : null,
    );
  };

  async function refresh(): Promise<void> {
    try {
      const doors = await api<Door[]>('GET', '/doors');
      replace(grid, doors.map(doorCard));
    } catch (e) {
      fail(e);
    }
  }
  async function loadEvents(): Promise<void> {
    if (!can('doors') || !boot) return;
    try {
      const page = await api<{ events: JournalEntry[] }>(
        'GET',
        '/events?type=door.,access.,desk.tap&limit=15',
      );
      replace(events, page.events.map(eventRow));
    } catch (e) {
      fail(e);
    }
  }
  const eventRow = (e: JournalEntry) =>
    h(
      'li',
      {
        class:
          e.type === 'access.denied' || e.type === 'door.alarm' || e.type === 'door.lockdown'
            ? 'bad'
            : undefined,
      },
      h('span', { class: 'time' }, time(e.at)),
      ' ',
      eventText(e),
    );

  const off = live.on(['door.', 'access.', 'desk.tap'], (e) => {
    if (e.at) {
      events.prepend(eventRow(e));
      while (events.children.length > 15) events.lastElementChild?.remove();
    }
    void refresh();
  });
  // Lock pulses end without a journal entry: poll while the page is shown.
  const poll = setInterval(() => void refresh(), 2000);
  void refresh();
  void loadEvents();
  return () => {
    off();
    clearInterval(poll);
  };
}

/** Taps on simulated readers, for a laptop or a trial without hardware. */
function simulator(): HTMLElement | null {
  const readers = (boot?.readers ?? []).filter((r) => r.simulated);
  if (!readers.length || !can('simulate')) return null;
  const reader = h(
    'select',
    null,
    readers.map((r) =>
      h(
        'option',
        { value: r.id },
        `${r.id}${r.doorId ? ` · ${doorName(r.doorId)}` : ''}${r.direction ? ` (${r.direction === 'in' ? t('dirIn') : t('dirOut')})` : ''}${r.role === 'desk' ? ` (${t('desk')})` : ''}`,
      ),
    ),
  );
  const badge = h('select', null);
  const pin = h('input', { type: 'text', inputmode: 'numeric', pattern: '[0-9]{4,10}', autocomplete: 'off' });
  const result = h('p', { role: 'status', 'aria-live': 'polite' });
  void api<Badge[]>('GET', '/badges').then((list) =>
    replace(
      badge,
      list.map((b) => h('option', { value: b.uid }, `${b.label} (${t(`bs_${b.status}`)})`)),
    ),
  );
  const go = h('button', { type: 'submit', class: 'primary' }, t('tap'));
  return h(
    'section',
    { 'aria-labelledby': 'd-sim', class: 'panel' },
    h('h2', { id: 'd-sim' }, t('simulator')),
    h('p', { class: 'hint' }, t('simHint')),
    h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          const body = pin.value.trim()
            ? { reader: reader.value, pin: pin.value.trim() }
            : { reader: reader.value, uid: badge.value };
          void busy(go, async () => {
            try {
              const r = await api<TapResult>('POST', '/taps', body);
              const L = recapLabels();
              result.textContent =
                r.kind === 'desk'
                  ? `${t('deskRead')}: ${r.uid ?? ''}`
                  : r.granted
                    ? `✓ ${t('granted_')}`
                    : `✗ ${t('denied')}: ${L.denyReasons[r.reason as keyof typeof L.denyReasons] ?? r.reason ?? r.kind}`;
              result.className = r.granted || r.kind === 'desk' ? 'ok' : 'bad';
              pin.value = '';
            } catch (err) {
              toast(String((err as Error).message), 'error');
            }
          });
        },
      },
      field(t('reader'), reader),
      field(t('badgeOrUid'), badge),
      field(`${t('pin')} (${t('optional')})`, pin),
      go,
      result,
    ),
  );
}
