// Group visits (rombongan) at the desk: one arrival for a leader and the members' names, then
// one dialog that walks the group through the SOP: every person passed at screening and entered
// in the guest book (each one recorded on its own visit), the host's one decision, badges bound
// by tapping them on the desk reader one after another (the leader first, against the group's
// letter; each tap goes to the next member without typing), and the whole group's checkout.
import { ApiError, api, type Visit } from './api.js';
import { deskReader } from './desk-reader.js';
import { busy, dialog, field, h, replace, toast } from './dom.js';
import { getLang, type Key, t } from './i18n.js';
import { openSlip } from './slip.js';
import { actions, errorBox } from './sop.js';
import { boot, host, hostName } from './state.js';

interface Group {
  groupId: string;
  visits: Visit[];
}

/** The arrival of a group: the leader, the shared institution, purpose and host, the names. */
export function openGroupArrival(done: () => void): void {
  dialog(
    t('groupArrival'),
    (d) => {
      const err = errorBox();
      const leader = h('input', { type: 'text', required: true, maxlength: 120, autocomplete: 'off' });
      const phone = h('input', { type: 'tel', maxlength: 20, autocomplete: 'off' });
      const institution = h('input', { type: 'text', required: true, maxlength: 200 });
      const category = h(
        'select',
        { required: true },
        (boot?.purposes ?? []).map((p) =>
          h('option', { value: p.id }, getLang() === 'en' ? p.nameEn : p.name),
        ),
      );
      const purpose = h('textarea', { required: true, maxlength: 500, rows: 2 });
      const hostSelect = h(
        'select',
        { required: true },
        h('option', { value: '' }, '—'),
        (boot?.hosts ?? []).map((x) => h('option', { value: x.id }, `${x.name} · ${x.unit}`)),
      );
      const members = h('textarea', { required: true, rows: 8 });
      const submit = h('button', { type: 'submit', class: 'primary' }, t('groupArrive'));
      return h(
        'form',
        {
          onSubmit: (e: Event) => {
            e.preventDefault();
            err.clear();
            void busy(submit, async () => {
              try {
                const names = members.value
                  .split('\n')
                  .map((n) => n.trim())
                  .filter(Boolean);
                const g = await api<Group>('POST', '/groups', {
                  leader: {
                    name: leader.value.trim(),
                    ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
                  },
                  members: names.map((name) => ({ name })),
                  institution: institution.value.trim(),
                  purposeCategory: category.value,
                  purpose: purpose.value.trim(),
                  hostId: hostSelect.value,
                });
                d.close();
                done();
                // A person of the group matched the watchlist: the desk is told who, not why.
                const flagged = g.visits.filter((v) => v.watchlist).map((v) => v.guestName);
                if (flagged.length) toast(`${t('watchlistFlag')} ${flagged.join(', ')}`, 'error');
                openGroup(g.groupId, done);
              } catch (e2) {
                err.show(e2);
              }
            });
          },
        },
        field(t('groupLeader'), leader),
        field(`${t('phone')} (${t('optional')})`, phone),
        field(t('institution'), institution),
        field(t('purposeCategory'), category),
        field(t('purposeDetail'), purpose),
        field(t('host'), hostSelect),
        field(t('groupMembers'), members, t('groupMembersHint')),
        err.el,
        actions(h('button', { type: 'button', onClick: () => d.close() }, t('close')), submit),
      );
    },
    { wide: true },
  );
}

/** The group's dialog: its persons and the next step for all of them. */
export function openGroup(groupId: string, changed: () => void): void {
  dialog(
    t('groupTitle'),
    (d) => {
      const head = h('p', { class: 'muted' });
      const list = h('ol', { class: 'group-list' });
      const status = h('p', { role: 'status', 'aria-live': 'polite' });
      const err = errorBox();
      const controls = h('div', { class: 'dialog-actions' });
      const letter = h('input', { type: 'text', maxlength: 40, autocomplete: 'off' });
      let group: Visit[] = [];
      let binding: AbortController | undefined;
      d.onClose(() => binding?.abort());

      const each = async (state: string, path: string, body: unknown) => {
        for (const v of group.filter((x) => x.state === state))
          await api('POST', `/visits/${v.id}/${path}`, body);
      };
      const step = (label: Key, work: () => Promise<void>, primary = false) => {
        const b = h('button', { type: 'button', class: primary ? 'primary' : undefined }, t(label));
        b.addEventListener('click', () => {
          err.clear();
          void busy(b, async () => {
            try {
              await work();
            } catch (e) {
              err.show(e);
            }
            await load();
          });
        });
        return b;
      };

      /** Each tap on the desk reader binds the next person's badge, until everyone has one. */
      const bindAll = async () => {
        binding = new AbortController();
        const reader = deskReader();
        while (!binding.signal.aborted) {
          const next = group.find((v) => v.state === 'accepted');
          if (!next) break;
          const leader = next.group?.leader === true;
          const badged = group.filter((v) => v.badgeId).length;
          status.textContent = `${t('groupWaiting')}: ${next.guestName} (${badged + 1}/${group.length})`;
          try {
            const v = await api<Visit>(
              'POST',
              `/groups/${groupId}/badge`,
              {
                nextTap: true,
                waitSeconds: 60,
                ...(reader ? { reader } : {}),
                ...(leader ? { collateral: { type: 'surat_tugas', number: letter.value.trim() } } : {}),
              },
              { signal: binding.signal },
            );
            group = group.map((x) => (x.id === v.id ? v : x));
            if (v.watchlist) toast(`${t('watchlistFlag')} ${v.guestName}`, 'error');
            paint();
          } catch (e) {
            if (binding.signal.aborted) break;
            if (e instanceof ApiError && e.status === 408) status.textContent = t('groupTapTimeout');
            else err.show(e);
            break;
          }
        }
        status.textContent = group.every((v) => v.state !== 'accepted') ? t('groupAllBadged') : '';
        binding = undefined;
      };

      const paint = () => {
        const first = group[0];
        head.textContent = first ? `${first.institution} · ${t('host')}: ${hostName(first.hostId)}` : '';
        replace(
          list,
          group.map((v) =>
            h(
              'li',
              { 'data-visit': v.id },
              h('strong', null, v.guestName),
              v.group?.leader ? ` (${t('groupLeaderShort')})` : '',
              ' ',
              h('span', { class: `pill s-${v.state}` }, t(`st_${v.state}` as Key)),
              v.badgeId
                ? h('button', { type: 'button', class: 'link', onClick: () => openSlip(v) }, t('slipPrint'))
                : null,
            ),
          ),
        );
        const has = (s: string) => group.some((v) => v.state === s);
        const before = has('arrived') || has('screened');
        const leaderWaits = group.find((v) => v.group?.leader)?.state === 'accepted';
        const rooms = host(group[0]?.hostId ?? '')?.rooms ?? [];
        replace(
          controls,
          h('button', { type: 'button', onClick: () => d.close() }, t('close')),
          has('arrived')
            ? step('groupScreenAll', () => each('arrived', 'screening', { passed: true }), true)
            : null,
          has('screened') ? step('groupGuestbookAll', () => each('screened', 'guestbook', {}), true) : null,
          has('awaiting_host') && !before
            ? [
                step('groupRefuse', async () => {
                  await api('POST', `/groups/${groupId}/decision`, { outcome: 'refused' });
                }),
                step(
                  'groupAccept',
                  async () => {
                    await api('POST', `/groups/${groupId}/decision`, { outcome: 'accepted', rooms });
                  },
                  true,
                ),
              ]
            : null,
          has('accepted') && !binding
            ? step(
                'groupBindBadges',
                async () => {
                  if (leaderWaits && !letter.value.trim()) throw new Error(t('groupLetterNeeded'));
                  await bindAll();
                },
                true,
              )
            : null,
          has('badged') || group.some((v) => v.group?.leader && v.state === 'checked_out')
            ? step('groupCheckout', async () => {
                await api('POST', `/groups/${groupId}/checkout`, { documentReturned: true });
              })
            : null,
        );
        letterField.hidden = !leaderWaits;
      };
      const letterField = field(t('groupLetter'), letter, t('groupLetterHint'));

      const load = async () => {
        try {
          group = (await api<Group>('GET', `/groups/${groupId}`)).visits;
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) {
            toast(t('groupDone'), 'ok');
            d.close();
            return;
          }
          err.show(e);
        }
        paint();
        changed();
      };
      void load();
      return h('div', null, head, list, letterField, status, err.el, controls);
    },
    { wide: true },
  );
}
