// The host's view (SOP step 4 and 6): the visits waiting for them, accept (granting their
// rooms, with the access code shown once) or refuse or "not in" (reschedule); today's accepted
// visits, with more rooms to grant. Live from the host's own feed.
import type { Visit } from '../api.js';
import { api } from '../api.js';
import { openAppointment } from '../appointment-form.js';
import { busy, h, replace, toast } from '../dom.js';
import { dateTime, longDate, now, time } from '../format.js';
import { type Key, t } from '../i18n.js';
import { live } from '../live.js';
import { fail, openDecision, openGrant, openWithdraw, rescheduleText } from '../sop.js';
import { boot, host, hostName, purposeText } from '../state.js';

/**
 * The host names their delegates (a secretary, an aide: other host logins, by user name), who
 * then see these visits and may decide them; the decision is recorded as theirs.
 */
function delegatesForm(hostId: string, current: readonly string[]): HTMLElement {
  const input = h('input', { type: 'text', id: 'host-delegates', autocomplete: 'off', spellcheck: 'false' });
  input.value = current.join(', ');
  const save = h('button', { type: 'submit' }, t('save'));
  const form = h(
    'form',
    { class: 'row delegates' },
    h('label', { for: input.id }, t('delegatesLabel')),
    input,
    save,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const delegates = input.value
      .split(/[\s,]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    void busy(save, async () => {
      try {
        await api('PUT', `/hosts/${encodeURIComponent(hostId)}/delegates`, { delegates });
        toast(t('delegatesSaved'), 'ok');
      } catch (err) {
        fail(err);
      }
    });
  });
  return h(
    'section',
    { 'aria-labelledby': 'h-delegates' },
    h('h2', { id: 'h-delegates' }, t('delegatesTitle')),
    h('p', { class: 'muted' }, t('delegatesHelp')),
    form,
  );
}

export function hostView(root: HTMLElement): () => void {
  const me = boot?.me;
  const mine = me?.hostId ? host(me.hostId) : undefined;
  const waiting = h('div', { class: 'cards', 'aria-live': 'polite' });
  const accepted = h('div', { class: 'cards' });
  const others = h('ul', { class: 'plain' });
  replace(
    root,
    h(
      'div',
      { class: 'view-head' },
      h(
        'div',
        null,
        h('h1', null, t('hostTitle')),
        h('p', { class: 'muted' }, `${mine ? `${mine.name} · ${mine.unit} · ` : ''}${longDate(now())}`),
      ),
      // A host books their own expected guests (pre-approved); a link session books nothing
      // (a delegate's link acts as a user, so the session says it is a link).
      me?.actor.kind === 'user' && !me.link
        ? h(
            'button',
            { type: 'button', onClick: () => openAppointment(() => undefined) },
            `+ ${t('apptNew')}`,
          )
        : null,
    ),
    h('section', { 'aria-labelledby': 'h-wait' }, h('h2', { id: 'h-wait' }, t('waitingYou')), waiting),
    h('section', { 'aria-labelledby': 'h-acc' }, h('h2', { id: 'h-acc' }, t('acceptedToday')), accepted),
    h('section', { 'aria-labelledby': 'h-other' }, h('h2', { id: 'h-other' }, t('colDone')), others),
    mine && me?.actor.kind === 'user' && !me.link ? delegatesForm(mine.id, mine.delegateNames ?? []) : null,
  );

  const card = (v: Visit, buttons: HTMLElement[]) =>
    h(
      'article',
      { class: `card s-${v.state}`, 'aria-labelledby': `hv-${v.id}`, 'data-visit': v.id },
      h(
        'header',
        null,
        h('h3', { id: `hv-${v.id}` }, v.guestName || '—'),
        h('span', { class: 'time' }, time(v.createdAt)),
      ),
      h('p', { class: 'inst' }, v.institution),
      // A delegate sees the visits of the hosts who named them: say whose this one is.
      v.hostId !== me?.hostId
        ? h('p', { class: 'meta behalf' }, `${t('onBehalfOf')}: ${hostName(v.hostId)}`)
        : null,
      h('p', { class: 'meta purpose' }, `${t('purpose')}: ${purposeText(v)}`),
      v.rooms.length
        ? h(
            'p',
            { class: 'meta' },
            `${t('rooms')}: ${v.rooms.map((r) => boot?.doors.find((d) => d.id === r)?.name ?? r).join(', ')}`,
          )
        : null,
      h('div', { class: 'actions' }, ...buttons),
    );

  const render = (visits: Visit[]) => {
    const w = visits.filter((v) => v.state === 'awaiting_host');
    const a = visits.filter((v) => v.state === 'accepted' || v.state === 'badged');
    const o = visits.filter((v) => !['awaiting_host', 'accepted', 'badged'].includes(v.state));
    replace(
      waiting,
      w.length
        ? w.map((v) =>
            card(v, [
              h(
                'button',
                {
                  type: 'button',
                  class: 'primary',
                  'data-key': `${v.id}:accept`,
                  onClick: () => openDecision(v, refresh, 'accepted'),
                },
                t('accept'),
              ),
              h(
                'button',
                { type: 'button', class: 'danger', onClick: () => openDecision(v, refresh, 'refused') },
                t('refuseVisit'),
              ),
              h(
                'button',
                { type: 'button', onClick: () => openDecision(v, refresh, 'host_absent') },
                t('absent'),
              ),
            ]),
          )
        : h('p', { class: 'empty' }, t('noneWaiting')),
    );
    replace(
      accepted,
      a.length
        ? a.map((v) => {
            const missing = (host(v.hostId)?.rooms ?? []).some((r) => !v.rooms.includes(r));
            return card(v, [
              ...(missing
                ? [h('button', { type: 'button', onClick: () => openGrant(v, refresh) }, t('grantRooms'))]
                : []),
              ...(v.rooms.length
                ? [
                    h(
                      'button',
                      { type: 'button', onClick: () => openWithdraw(v, refresh) },
                      t('withdrawRooms'),
                    ),
                  ]
                : []),
            ]);
          })
        : h('p', { class: 'empty' }, t('empty')),
    );
    replace(
      others,
      o.length ? null : h('li', { class: 'empty' }, t('empty')),
      o.map((v) =>
        h(
          'li',
          null,
          h('span', { class: 'time' }, dateTime(v.createdAt)),
          ' ',
          h('strong', null, v.guestName || '—'),
          ` · ${v.institution} · `,
          h('span', { class: `pill s-${v.state}` }, t(`st_${v.state}` as Key)),
          v.state === 'rescheduled' ? ` ${rescheduleText(v) ?? ''}` : '',
        ),
      ),
    );
  };

  async function refresh(): Promise<void> {
    try {
      render(await api<Visit[]>('GET', '/visits?date=today'));
    } catch (e) {
      fail(e);
    }
  }
  const off = live.on(['visit.'], () => void refresh());
  void refresh();
  return off;
}
