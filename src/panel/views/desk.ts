// The desk view: today's visits by SOP stage, each with the running step's timer against the
// SOP standard (turning visible when exceeded) and one button to the next step. Live: any
// visit event reloads the board. A desk tap reaches this screen only when one of its dialogs
// asked for it on this desk's own reader (chosen here when there are several).
import type { Badge, Visit } from '../api.js';
import { take } from '../api.js';
import { deskReaderPicker } from '../desk-reader.js';
import { dialogOpen, h, replace } from '../dom.js';
import { duration, longDate, now, time } from '../format.js';
import { type Key, recapLabels, t } from '../i18n.js';
import { live } from '../live.js';
import {
  fail,
  openArrival,
  openBadge,
  openCancel,
  openCheckout,
  openDecision,
  openDocument,
  openGuestbook,
  openHostLink,
  openScreening,
  rescheduleText,
} from '../sop.js';
import { boot, can, hostName, purposeText, syncClock } from '../state.js';

const DONE = ['closed', 'screening_refused', 'host_refused', 'rescheduled', 'cancelled'];
const COLUMNS: Array<{ state: string; title: Key }> = [
  { state: 'arrived', title: 'colArrived' },
  { state: 'screened', title: 'colScreened' },
  { state: 'awaiting_host', title: 'colAwaiting' },
  { state: 'accepted', title: 'colAccepted' },
  { state: 'badged', title: 'colBadged' },
  { state: 'checked_out', title: 'colCheckedOut' },
];

/** The SOP step a visit in this state is in, and the history action that started it. */
function runningStep(v: Visit): { step: string; since: number } | undefined {
  const at = (action: string) => v.history.findLast((x) => x.action === action)?.at;
  switch (v.state) {
    case 'arrived':
      return { step: 'screening', since: v.createdAt };
    case 'screened':
      return { step: 'guestbook', since: at('screen') ?? v.createdAt };
    case 'awaiting_host':
      return { step: 'confirmation', since: at('guestbook') ?? v.createdAt };
    case 'accepted':
      return { step: 'badge', since: at('decide') ?? v.createdAt };
    case 'badged':
      return v.firstEntryAt === undefined
        ? { step: 'escort', since: at('issue_badge') ?? v.createdAt }
        : undefined;
    default:
      return undefined;
  }
}

export function deskView(root: HTMLElement): () => void {
  let visits: Visit[] = [];
  let badges = new Map<string, Badge>();
  const board = h('div', { class: 'board', 'aria-busy': 'true' });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const newButton = can('arrive')
    ? h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'aria-keyshortcuts': 'N',
          title: t('newArrivalKey'),
          onClick: () => openArrival(refresh),
        },
        `+ ${t('newArrival')}`,
      )
    : null;
  replace(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('div', null, h('h1', null, t('deskTitle')), h('p', { class: 'muted' }, longDate(now()))),
      can('deskSteps') ? deskReaderPicker() : null,
      newButton,
    ),
    counts,
    board,
  );

  const badgeLabel = (id?: string) => (id ? (badges.get(id)?.label ?? id) : '');

  const button = (v: Visit, key: string, label: string, onClick: () => void, primary = false) =>
    h(
      'button',
      { type: 'button', class: primary ? 'primary' : undefined, 'data-key': `${v.id}:${key}`, onClick },
      label,
    );

  const nextActions = (v: Visit): HTMLElement[] => {
    const out: HTMLElement[] = [];
    const desk = can('deskSteps');
    switch (v.state) {
      case 'arrived':
        if (can('screen'))
          out.push(button(v, 'screen', t('actScreen'), () => openScreening(v, refresh), true));
        if (desk) out.push(button(v, 'cancel', t('actCancel'), () => openCancel(v, refresh)));
        break;
      case 'screened':
        if (desk) out.push(button(v, 'guestbook', t('actGuestbook'), () => openGuestbook(v, refresh), true));
        if (desk) out.push(button(v, 'cancel', t('actCancel'), () => openCancel(v, refresh)));
        break;
      case 'awaiting_host':
        if (desk) {
          out.push(button(v, 'decision', t('actDecision'), () => openDecision(v, refresh), true));
          out.push(button(v, 'link', t('actHostLink'), () => openHostLink(v)));
          out.push(button(v, 'cancel', t('actCancel'), () => openCancel(v, refresh)));
        }
        break;
      case 'accepted':
        if (desk) {
          out.push(button(v, 'badge', t('actBadge'), () => openBadge(v, refresh), true));
          out.push(button(v, 'cancel', t('actCancel'), () => openCancel(v, refresh)));
        }
        break;
      case 'badged':
        if (desk)
          out.push(
            button(
              v,
              'checkout',
              t('actCheckout'),
              () => openCheckout(v, refresh, { badgeLabel: badgeLabel(v.badgeId) }),
              true,
            ),
          );
        break;
      case 'checked_out':
        if (desk) out.push(button(v, 'document', t('actDocument'), () => openDocument(v, refresh), true));
        break;
    }
    return out;
  };

  const timer = (v: Visit): HTMLElement | null => {
    const run = runningStep(v);
    if (!run) {
      if (v.state === 'badged' && v.firstEntryAt) {
        return h('p', { class: 'timer calm' }, `${t('insideSince')} ${time(v.firstEntryAt)}`);
      }
      return null;
    }
    const standard = boot?.sopStandards[run.step] ?? 2;
    const el = h('p', {
      class: 'timer',
      'data-since': run.since,
      'data-standard': standard,
      'data-step':
        recapLabels().stepNames[run.step as keyof ReturnType<typeof recapLabels>['stepNames']] ?? run.step,
    });
    paintTimer(el);
    return el;
  };

  const card = (v: Visit): HTMLElement => {
    const id = `v-${v.id}`;
    const extra: Array<HTMLElement | null> = [];
    if (v.badgeId && (v.state === 'badged' || v.state === 'checked_out')) {
      extra.push(h('p', { class: 'meta' }, `${t('badge')}: `, h('strong', null, badgeLabel(v.badgeId))));
    }
    if (v.state === 'checked_out' && v.collateral) {
      const L = recapLabels();
      extra.push(
        h(
          'p',
          { class: 'meta warn' },
          `${L.documentTypes[v.collateral.type as keyof typeof L.documentTypes] ?? v.collateral.type} `,
          h('span', { class: 'mono' }, v.collateral.masked),
        ),
      );
    }
    return h(
      'article',
      { class: `card s-${v.state}`, 'aria-labelledby': id, 'data-visit': v.id },
      h(
        'header',
        null,
        h('h3', { id }, v.guestName || '—'),
        h('span', { class: 'time', title: t('arrivedAt') }, time(v.createdAt)),
      ),
      h('p', { class: 'inst' }, v.institution),
      h('p', { class: 'meta' }, `→ ${hostName(v.hostId)}`),
      h('p', { class: 'meta purpose' }, purposeText(v)),
      ...extra,
      timer(v),
      h('div', { class: 'actions' }, ...nextActions(v)),
    );
  };

  const render = () => {
    const focusKey = (document.activeElement as HTMLElement | null)?.dataset?.key;
    const open = visits.filter((v) => !DONE.includes(v.state));
    const done = visits.filter((v) => DONE.includes(v.state));
    counts.textContent = `${t('inProgress')}: ${open.length} · ${t('colDone')}: ${done.length}`;
    replace(
      board,
      ...COLUMNS.map((c) => {
        const list = open.filter((v) => v.state === c.state).sort((a, b) => a.createdAt - b.createdAt);
        const hid = `col-${c.state}`;
        return h(
          'section',
          { class: `column c-${c.state}`, 'aria-labelledby': hid },
          h(
            'h2',
            { id: hid },
            t(c.title),
            h('span', { class: 'count', 'aria-label': `(${list.length})` }, String(list.length)),
          ),
          list.length ? list.map(card) : h('p', { class: 'empty' }, t('empty')),
        );
      }),
      h(
        'details',
        { class: 'done', open: done.length > 0 && done.length <= 8 },
        h('summary', null, `${t('colDone')} (${done.length})`),
        h(
          'ul',
          null,
          done.map((v) =>
            h(
              'li',
              { 'data-visit': v.id },
              h('span', { class: 'time' }, time(v.createdAt)),
              h('strong', null, v.guestName || '—'),
              h('span', null, v.institution),
              h('span', { class: `pill s-${v.state}` }, t(`st_${v.state}` as Key)),
              v.state === 'rescheduled' ? h('span', { class: 'muted' }, rescheduleText(v) ?? '') : null,
            ),
          ),
        ),
      ),
    );
    board.setAttribute('aria-busy', 'false');
    // The desk is usable from here on (measured by bench/panel.ts).
    if (performance.getEntriesByName('pintu:desk-ready').length === 0) performance.mark('pintu:desk-ready');
    if (focusKey) board.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
  };

  let pending: Promise<void> | undefined;
  let again = false;
  async function refresh(): Promise<void> {
    if (pending) {
      again = true;
      return pending;
    }
    pending = (async () => {
      try {
        void syncClock().catch(() => undefined);
        const [list, pool] = await Promise.all([
          take<Visit[]>('/visits?date=today'),
          can('badges') ? take<Badge[]>('/badges') : Promise.resolve([] as Badge[]),
        ]);
        visits = list;
        badges = new Map(pool.map((b) => [b.id, b]));
        render();
      } catch (e) {
        fail(e);
      }
    })();
    await pending;
    pending = undefined;
    if (again) {
      again = false;
      await refresh();
    }
  }

  const offVisits = live.on(['visit.', 'badge.', 'access.granted'], () => void refresh());
  const tick = setInterval(() => {
    for (const el of board.querySelectorAll<HTMLElement>('.timer[data-since]')) paintTimer(el);
  }, 1000);
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'n' && e.key !== 'N') return;
    const target = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey || dialogOpen() || /INPUT|TEXTAREA|SELECT/.test(target.tagName))
      return;
    if (can('arrive')) {
      e.preventDefault();
      openArrival(refresh);
    }
  };
  document.addEventListener('keydown', onKey);
  void refresh();
  return () => {
    offVisits();
    clearInterval(tick);
    document.removeEventListener('keydown', onKey);
  };
}

/** "Konfirmasi pejabat 2:41 / 2 mnt" and, past the standard, a visible warning. */
function paintTimer(el: HTMLElement): void {
  const since = Number(el.dataset.since);
  const standard = Number(el.dataset.standard);
  const elapsed = now() - since;
  const over = elapsed > standard * 60_000;
  el.classList.toggle('over', over);
  el.textContent = `${el.dataset.step} ${duration(elapsed)} / ${standard} ${t('minutes')}${over ? ` ⚠ ${t('stepOver')}` : ''}`;
}
