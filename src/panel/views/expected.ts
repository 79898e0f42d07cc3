// "Tamu terjadwal hari ini" on the desk view: today's appointments by window start, each with
// one button that turns it into an arrival (SOP step 1, the guest's fields filled in from the
// appointment). The code field takes what the desk's USB QR scanner types (the code, then
// Enter): it opens that appointment's row and puts the focus on its arrival button.
import { type Appointment, api, take, type Visit } from '../api.js';
import { openAppointment } from '../appointment-form.js';
import { busy, h, replace, toast } from '../dom.js';
import { t } from '../i18n.js';
import { live } from '../live.js';
import { fail } from '../sop.js';
import { can, hostName } from '../state.js';

const CODE_PREFIX = 'TJ-';

export function expectedToday(onArrived: () => void): { el: HTMLElement; stop: () => void } {
  let list: Appointment[] = [];
  const body = h('div', { class: 'expected-list', 'aria-live': 'polite' });
  const code = h('input', {
    type: 'text',
    id: 'appointment-code',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: `${CODE_PREFIX}…`,
  });
  const add = can('deskSteps')
    ? h(
        'button',
        { type: 'button', onClick: () => openAppointment(() => void refresh()) },
        `+ ${t('apptNew')}`,
      )
    : null;
  const el = h(
    'details',
    { class: 'expected', open: true },
    h('summary', null, h('h2', null, t('expectedTitle'))),
    can('deskSteps')
      ? h('p', { class: 'scan' }, h('label', { for: code.id }, t('expectedScan')), ' ', code, ' ', add)
      : null,
    body,
  );

  const arrive = (a: Appointment, button: HTMLButtonElement) =>
    busy(button, async () => {
      try {
        const v = await api<Visit>('POST', `/appointments/${encodeURIComponent(a.id)}/arrival`, {});
        toast(`${t('expectedArrived')}: ${a.guestName}`, 'ok');
        // The desk sees the flag only; security has the entry (their feed, the watchlist).
        if (v.watchlist) toast(t('watchlistFlag'), 'error');
        onArrived();
        await refresh();
      } catch (e) {
        fail(e);
      }
    });

  const row = (a: Appointment): HTMLElement => {
    const open = a.status === 'expected' || a.status === 'no_show';
    const button =
      open && can('deskSteps')
        ? h('button', { type: 'button', class: 'primary', 'data-appointment': a.id }, t('expectedArrive'))
        : null;
    button?.addEventListener('click', () => void arrive(a, button));
    return h(
      'li',
      { 'data-appointment-row': a.id, class: `appt s-${a.status}` },
      h('span', { class: 'mono' }, `${a.from}–${a.until}`),
      ' ',
      h('strong', null, a.guestName || '—'),
      ` · ${a.institution} · ${hostName(a.hostId)} `,
      h('span', { class: `pill ${a.status}` }, t(`appt_${a.status}`)),
      a.preApproved ? h('span', { class: 'pill ok' }, t('expectedPreApproved')) : null,
      ' ',
      button,
    );
  };

  const render = () => {
    replace(
      body,
      list.length === 0
        ? h('p', { class: 'muted' }, t('expectedNone'))
        : h('ul', { class: 'plain' }, ...list.map(row)),
    );
  };

  async function refresh(): Promise<void> {
    try {
      list = await take<Appointment[]>('/appointments?date=today');
      render();
    } catch (e) {
      fail(e);
    }
  }

  /** The scanner typed a code and Enter: show that appointment and get its arrival ready. */
  const open = async (raw: string) => {
    const value = raw.trim().toUpperCase();
    if (!value.startsWith(CODE_PREFIX)) {
      toast(t('expectedBadCode'), 'error');
      return;
    }
    try {
      const a = await api<Appointment>('GET', `/appointments/${encodeURIComponent(value)}`);
      if (!list.some((x) => x.id === a.id)) {
        toast(`${t('expectedNotToday')} (${a.date})`, 'info');
        return;
      }
      el.open = true;
      const r = body.querySelector<HTMLElement>(`[data-appointment-row="${a.id}"]`);
      r?.scrollIntoView({ block: 'nearest' });
      const b = r?.querySelector<HTMLButtonElement>('button.primary');
      if (b) b.focus();
      else toast(`${a.guestName}: ${t(`appt_${a.status}`)}`, 'info');
      code.value = '';
    } catch (e) {
      fail(e);
    }
  };
  code.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    void open(code.value);
  });

  const off = live.on(['appointment.', 'visit.arrived'], () => void refresh());
  void refresh();
  return { el, stop: off };
}
