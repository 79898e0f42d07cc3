// The desk view: today's visits by SOP stage, each with the running step's timer against the
// SOP standard (turning visible when exceeded) and one button to the next step; or, in the
// compact mode (remembered on this PC), the same visits as table rows with a search and the
// documents held at the desk. Live: any visit event reloads the board. A desk tap reaches this
// screen only when one of its dialogs asked for it on this desk's own reader (chosen here when
// there are several). From the keyboard: Enter on a card runs its next step, arrows move
// between cards, and when a step's dialog closes the focus goes back to the board. A decision a
// host made (in their view or through a link) highlights its card (notices.ts), with a chime
// when the desk turned it on.
import type { Badge, Visit } from '../api.js';
import { take } from '../api.js';
import {
  type Anchor,
  anchorOf,
  arrowMove,
  itemOf,
  openKeysHelp,
  resolveAnchor,
  typing,
} from '../desk-keys.js';
import { deskReaderPicker } from '../desk-reader.js';
import { checkbox, dialogOpen, h, onDialogsClosed, replace } from '../dom.js';
import { duration, longDate, now, time } from '../format.js';
import { openGroup, openGroupArrival } from '../group.js';
import { type Key, recapLabels, t } from '../i18n.js';
import { live } from '../live.js';
import { armChime, chimeOn, DecisionNotices, setChime } from '../notices.js';
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
import { openSurveyOffer } from '../survey.js';
import { holdsDocument, matches, visitTable } from './desk-table.js';
import { expectedToday } from './expected.js';

const MODE_KEY = 'pintu.deskView';
type Mode = 'board' | 'table';

function savedMode(): Mode {
  try {
    return localStorage.getItem(MODE_KEY) === 'table' ? 'table' : 'board';
  } catch {
    return 'board';
  }
}

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
  let mode = savedMode();
  let onlyDocuments = false;
  /** The card (or row) the open dialog came from: the focus goes back there when it closes. */
  let anchor: Anchor | undefined;
  const board = h('div', { class: 'board', 'aria-busy': 'true' });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const arrived = (v: Visit) => {
    anchor = { visit: v.id, group: mode === 'table' ? 'table' : 'arrived', index: Number.MAX_SAFE_INTEGER };
    void refresh();
  };
  const startArrival = () => {
    anchor = undefined;
    openArrival(arrived);
  };
  // Says a host's decision to a screen reader as the highlight shows it to the eye.
  const announce = h('p', { class: 'sr-only', role: 'status' });
  const notices = new DecisionNotices((boot?.noticeSeconds ?? 8) * 1000, () => paintNotices());
  const chimeToggle = can('deskSteps')
    ? checkbox(t('chime'), {
        checked: chimeOn(),
        onChange: (e: Event) => setChime((e.target as HTMLInputElement).checked),
      }).row
    : null;
  const newButton = can('arrive')
    ? h(
        'button',
        {
          type: 'button',
          class: 'primary',
          'aria-keyshortcuts': 'N',
          'data-primary-action': '',
          title: t('newArrivalKey'),
          onClick: startArrival,
        },
        `+ ${t('newArrival')}`,
      )
    : null;
  const groupButton = can('arrive')
    ? h(
        'button',
        {
          type: 'button',
          onClick: () => {
            anchor = undefined;
            openGroupArrival(() => void refresh());
          },
        },
        `+ ${t('newGroup')}`,
      )
    : null;
  /** A group's person's card opens the group's dialog (the steps taken for all at once). */
  const groupOpener = (groupId: string) =>
    h('button', { type: 'button', onClick: () => openGroup(groupId, () => void refresh()) }, t('groupTitle'));
  const modeButton = (m: Mode, label: string) =>
    h(
      'button',
      {
        type: 'button',
        'aria-pressed': String(mode === m),
        'data-mode': m,
        onClick: () => setMode(m),
      },
      label,
    );
  const modes = h(
    'div',
    { class: 'modes', role: 'group', 'aria-label': t('viewMode') },
    modeButton('board', t('viewBoard')),
    modeButton('table', t('viewTable')),
  );
  const search = h('input', {
    type: 'search',
    id: 'desk-search',
    autocomplete: 'off',
    'aria-keyshortcuts': '/',
    'aria-controls': 'desk-board',
  });
  search.addEventListener('input', () => render());
  const documents = h('button', {
    type: 'button',
    class: 'docs',
    'aria-pressed': 'false',
    'aria-controls': 'desk-board',
    onClick: () => {
      onlyDocuments = !onlyDocuments;
      render();
    },
  });
  const tools = h(
    'div',
    { class: 'desk-tools', hidden: mode !== 'table' },
    h('label', { for: search.id }, t('deskSearch')),
    search,
    documents,
  );
  board.id = 'desk-board';
  const expected = expectedToday(() => void refresh());
  replace(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('div', null, h('h1', null, t('deskTitle')), h('p', { class: 'muted' }, longDate(now()))),
      can('deskSteps') ? deskReaderPicker() : null,
      h(
        'div',
        { class: 'desk-view' },
        modes,
        h(
          'button',
          { type: 'button', class: 'link', 'aria-keyshortcuts': '?', onClick: openKeysHelp },
          t('keysButton'),
        ),
      ),
      chimeToggle,
      newButton,
      groupButton,
    ),
    counts,
    announce,
    expected.el,
    tools,
    board,
  );

  function setMode(m: Mode): void {
    mode = m;
    try {
      localStorage.setItem(MODE_KEY, m);
    } catch {}
    for (const b of modes.querySelectorAll<HTMLElement>('button')) {
      b.setAttribute('aria-pressed', String(b.dataset.mode === m));
    }
    tools.hidden = m !== 'table';
    render();
  }

  const badgeLabel = (id?: string) => (id ? (badges.get(id)?.label ?? id) : '');

  const button = (v: Visit, key: string, label: string, onClick: () => void, primary = false) =>
    h(
      'button',
      {
        type: 'button',
        class: primary ? 'primary' : undefined,
        'data-key': `${v.id}:${key}`,
        onClick: (e: Event) => {
          anchor = anchorOf(e.currentTarget as HTMLElement);
          // Acting on the visit is looking at it.
          notices.seen(v.id);
          onClick();
        },
      },
      label,
    );

  /**
   * Marks what the board shows of each visit with a new decision (a card, a finished-list row):
   * one pass over the rendered board, so every way of drawing a visit gets it.
   */
  const paintNotices = () => {
    for (const el of board.querySelectorAll<HTMLElement>('[data-visit]')) {
      const on = notices.has(el.dataset.visit ?? '');
      el.classList.toggle('notice', on);
      const at = el instanceof HTMLTableRowElement ? el.cells[0] : el;
      const pill = at?.querySelector(':scope > .pill.notice');
      if (on && at && !pill) at.prepend(h('span', { class: 'pill notice' }, t('newDecision')));
      if (!on) pill?.remove();
    }
    // A host's refusal or reschedule is in the finished list: open it while that is new.
    const finished = board.querySelector<HTMLDetailsElement>('details.done');
    if (finished?.querySelector('.notice')) finished.open = true;
  };

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
        if (desk) {
          out.push(button(v, 'document', t('actDocument'), () => openDocument(v, refresh), true));
          out.push(button(v, 'survey', t('actSurvey'), () => openSurveyOffer(v)));
        }
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
      { class: `card s-${v.state}`, 'aria-labelledby': id, 'data-visit': v.id, tabindex: 0 },
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
      h('div', { class: 'actions' }, ...nextActions(v), ...(v.group ? [groupOpener(v.group.id)] : [])),
    );
  };

  /** The compact mode: every visit of today as a row, open ones first, in order of arrival. */
  const renderTable = (open: Visit[], done: Visit[]) => {
    const held = visits.filter(holdsDocument);
    documents.textContent = `${t('docsAtDesk')}: ${held.length}`;
    documents.setAttribute('aria-pressed', String(onlyDocuments));
    const byArrival = (a: Visit, b: Visit) => a.createdAt - b.createdAt;
    const rows = [...open.sort(byArrival), ...done.sort(byArrival)]
      .filter((v) => !onlyDocuments || holdsDocument(v))
      .filter((v) => matches(v, search.value, badgeLabel));
    board.className = 'compact';
    replace(
      board,
      visitTable(rows, {
        badgeLabel,
        timer,
        next: (v) => nextActions(v).find((b) => b.classList.contains('primary')),
      }),
    );
  };

  const render = () => {
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active?.dataset?.key;
    // A card or row that had the focus keeps it when the board is drawn again (a live update).
    const focusItem = board.contains(active) && active === itemOf(active) ? active?.dataset.visit : undefined;
    const open = visits.filter((v) => !DONE.includes(v.state));
    const done = visits.filter((v) => DONE.includes(v.state));
    counts.textContent = `${t('inProgress')}: ${open.length} · ${t('colDone')}: ${done.length}`;
    if (mode === 'table') renderTable(open, done);
    else renderBoard(open, done);
    paintNotices();
    board.setAttribute('aria-busy', 'false');
    // The desk is usable from here on (measured by bench/panel.ts).
    if (performance.getEntriesByName('pintu:desk-ready').length === 0) performance.mark('pintu:desk-ready');
    if (focusKey) board.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
    else if (focusItem)
      board.querySelector<HTMLElement>(`[data-visit="${CSS.escape(focusItem)}"][tabindex]`)?.focus();
  };

  const renderBoard = (open: Visit[], done: Visit[]) => {
    board.className = 'board';
    replace(
      board,
      ...COLUMNS.map((c) => {
        const list = open.filter((v) => v.state === c.state).sort((a, b) => a.createdAt - b.createdAt);
        const hid = `col-${c.state}`;
        return h(
          'section',
          { class: `column c-${c.state}`, 'aria-labelledby': hid, 'data-group': c.state },
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
  // A host's own decision (their view, a link): this desk did not make it, so it is news here.
  const disarm = armChime();
  const offDecisions = live.on(['visit.decided'], (e) => {
    const visitId = e.payload.visitId;
    if (e.actor.role !== 'host' || typeof visitId !== 'string') return;
    notices.add(visitId);
    void refresh().then(() => {
      const v = visits.find((x) => x.id === visitId);
      const outcome = e.payload.outcome;
      const said = outcome === 'accepted' ? 'accepted' : outcome === 'refused' ? 'refused' : 'hostAbsent';
      announce.textContent = `${t('decisionArrived')}: ${v?.guestName || '—'} · ${t(said)}`;
    });
  });
  const tick = setInterval(() => {
    for (const el of board.querySelectorAll<HTMLElement>('.timer[data-since]')) paintTimer(el);
  }, 1000);
  /** Resolves once no refresh is running or queued: the board shows the latest visits. */
  const settled = async () => {
    while (pending) await pending;
  };
  const offClosed = onDialogsClosed(() => {
    const a = anchor;
    anchor = undefined;
    if (!a) return;
    void settled().then(() => {
      if (dialogOpen()) return;
      const to = resolveAnchor(board, a) ?? newButton;
      to?.focus();
    });
  });
  board.addEventListener('keydown', (e) => {
    const item = e.target instanceof HTMLElement && itemOf(e.target) === e.target ? e.target : undefined;
    if (!item || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Enter') {
      const next = item.querySelector<HTMLButtonElement>('button.primary');
      if (next) {
        e.preventDefault();
        next.click();
      }
    } else if (arrowMove(board, item, e.key)) e.preventDefault();
  });
  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || dialogOpen() || typing(e)) return;
    if ((e.key === 'n' || e.key === 'N') && can('arrive')) {
      e.preventDefault();
      startArrival();
    } else if (e.key === '?') {
      e.preventDefault();
      openKeysHelp();
    } else if (e.key === '/' && mode === 'table') {
      e.preventDefault();
      search.focus();
    }
  };
  document.addEventListener('keydown', onKey);
  void refresh();
  return () => {
    expected.stop();
    offVisits();
    offClosed();
    offDecisions();
    notices.stop();
    disarm();
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
