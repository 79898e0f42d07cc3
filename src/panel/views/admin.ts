// Administration: users and roles, hosts and their rooms, doors and readers (from the
// configuration, shown), the badge pool (enrol a badge by tapping it on the desk reader),
// retention of guest data, and the approval webhook.
import { ROLES } from '../../domain/types.js';
import { ApiError, api, type Badge, type EscortCard, type Host, type TapResult } from '../api.js';
import { deskReader, deskReaderPicker, nextTapPath } from '../desk-reader.js';
import { busy, checkbox, field, h, replace, toast } from '../dom.js';
import { dateTime } from '../format.js';
import { type Key, t } from '../i18n.js';
import { readerIcon } from '../icons.js';
import { live } from '../live.js';
import { fail } from '../sop.js';
import { boot, doorName, reloadHosts } from '../state.js';

interface User {
  id: string;
  username: string;
  displayName: string;
  role: string;
  hostId?: string;
  createdAt: number;
}
interface Settings {
  publicUrl?: string;
  webhook: {
    url?: string;
    hasSecret: boolean;
    sent: number;
    failed: number;
    lastAt?: number;
    lastStatus?: number;
    lastError?: string;
  };
  retentionGuestDays: number;
  retentionFromConfig: number;
  retentionOverridden: boolean;
  sweepHour: number;
  timezone: string;
}

function section(id: string, title: string, ...children: Array<HTMLElement | null>): HTMLElement {
  return h(
    'section',
    { id, class: 'panel', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title),
    ...children,
  );
}

function table(
  head: string[],
  rows: Array<Array<string | HTMLElement | null>>,
  caption: string,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      h('caption', { class: 'sr-only' }, caption),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', { scope: 'col' }, c)),
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
    ),
  );
}

const roleName = (r: string) => t(`role_${r}` as Key);

/** Why the desk did not personalise or recycle a badge (the server's `state`, service/enrolment.ts). */
const ENROL_REFUSALS = [
  'no_card',
  'not_factory',
  'not_ntag424',
  'wrong_reader',
  'not_in_pool',
  'lost',
  'personalised',
  'old_key',
  'uid_only',
  'key_missing',
  'busy',
] as const;

export function adminView(root: HTMLElement): () => void {
  const users = h('div');
  const hosts = h('div');
  const badges = h('div');
  const escorts = h('div');
  const settings = h('div');
  replace(
    root,
    h('div', { class: 'view-head' }, h('h1', null, t('adminTitle'))),
    h(
      'nav',
      { class: 'subnav', 'aria-label': t('adminTitle') },
      [
        ['a-users', t('users')],
        ['a-hosts', t('hosts')],
        ['a-doors', t('doorsReaders')],
        ['a-badges', t('badges')],
        ['a-escorts', t('escorts')],
        ['a-settings', t('settings')],
      ].map(([id, label]) =>
        h(
          'a',
          {
            href: `#/admin`,
            'data-target': id,
            onClick: (e: Event) => {
              e.preventDefault();
              document.getElementById(id!)?.scrollIntoView();
              document.getElementById(`${id}-h`)?.focus();
            },
          },
          label,
        ),
      ),
    ),
    section('a-users', t('users'), users),
    section('a-hosts', t('hosts'), hosts),
    section('a-doors', t('doorsReaders'), doorsAndReaders()),
    section('a-badges', t('badges'), badges),
    section('a-escorts', t('escorts'), escorts),
    section('a-settings', t('settings'), settings),
  );
  for (const el of root.querySelectorAll<HTMLElement>('section h2')) el.tabIndex = -1;

  // ------------------------------------------------------------ users
  async function loadUsers(): Promise<void> {
    const list = await api<User[]>('GET', '/users');
    const username = h('input', {
      type: 'text',
      required: true,
      pattern: '[a-z0-9][a-z0-9._\\-]{1,31}',
      autocomplete: 'off',
    });
    const display = h('input', { type: 'text', maxlength: 120 });
    const role = h(
      'select',
      null,
      ROLES.map((r) => h('option', { value: r, selected: r === 'receptionist' }, roleName(r))),
    );
    const hostSel = h(
      'select',
      null,
      (boot?.hosts ?? []).map((x) => h('option', { value: x.id }, x.name)),
    );
    const hostField = field(t('host'), hostSel);
    const password = h('input', {
      type: 'password',
      required: true,
      minlength: 10,
      autocomplete: 'new-password',
    });
    const syncRole = () => (hostField.hidden = role.value !== 'host');
    role.addEventListener('change', syncRole);
    syncRole();
    const add = h('button', { type: 'submit', class: 'primary' }, t('add'));
    replace(
      users,
      table(
        [t('username'), t('displayName'), t('role'), t('host'), ''],
        list.map((u) => [
          h('strong', null, u.username),
          u.displayName,
          roleName(u.role),
          u.hostId ? (boot?.hosts.find((x) => x.id === u.hostId)?.name ?? u.hostId) : '',
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'small',
                onClick: () => {
                  const pw = prompt(`${t('resetPassword')}: ${u.username} (${t('newPassword')})`);
                  if (!pw) return;
                  void api('POST', `/users/${u.username}/password`, { password: pw, temporary: true }).then(
                    () => toast(t('saved'), 'ok'),
                    fail,
                  );
                },
              },
              t('resetPassword'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'small danger',
                onClick: () => {
                  if (!confirm(`${t('confirmRemove')} ${u.username}`)) return;
                  void api('DELETE', `/users/${u.username}`).then(loadUsers, fail);
                },
              },
              t('remove'),
            ),
          ),
        ]),
        t('users'),
      ),
      h(
        'form',
        {
          class: 'inline-form',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(add, async () => {
              try {
                await api('POST', '/users', {
                  username: username.value.trim(),
                  ...(display.value.trim() ? { displayName: display.value.trim() } : {}),
                  role: role.value,
                  password: password.value,
                  ...(role.value === 'host' ? { hostId: hostSel.value } : {}),
                });
                toast(t('saved'), 'ok');
                await loadUsers();
              } catch (err) {
                fail(err);
              }
            });
          },
        },
        field(t('username'), username),
        field(t('displayName'), display),
        field(t('role'), role),
        hostField,
        field(t('password'), password, t('passwordOneTime')),
        add,
      ),
    );
  }

  // ------------------------------------------------------------ hosts
  async function loadHosts(): Promise<void> {
    await reloadHosts();
    const list = boot?.hosts ?? [];
    const rooms = (boot?.doors ?? []).filter((d) => d.kind === 'room');
    const id = h('input', {
      type: 'text',
      required: true,
      pattern: '[a-z0-9][a-z0-9\\-]*',
      maxlength: 60,
      autocomplete: 'off',
    });
    const name = h('input', { type: 'text', required: true, maxlength: 120 });
    const unit = h('input', { type: 'text', required: true, maxlength: 120 });
    const contact = h('input', { type: 'text', maxlength: 120 });
    const absent = checkbox(t('absentNow'));
    const roomBoxes = rooms.map((r) => ({ id: r.id, ...checkbox(r.name) }));
    const edit = (x: Host) => {
      id.value = x.id;
      name.value = x.name;
      unit.value = x.unit;
      contact.value = x.contact ?? '';
      absent.input.checked = Boolean(x.absent);
      for (const b of roomBoxes) b.input.checked = x.rooms.includes(b.id);
      name.focus();
    };
    const save = h('button', { type: 'submit', class: 'primary' }, t('save'));
    replace(
      hosts,
      table(
        ['ID', t('name'), t('unit'), t('rooms'), t('contact'), ''],
        list.map((x) => [
          x.id,
          h('strong', null, x.name),
          x.unit,
          x.rooms.map(doorName).join(', '),
          x.contact ?? '',
          h(
            'div',
            { class: 'actions' },
            x.absent ? h('span', { class: 'pill warn' }, t('hostAbsentMark')) : null,
            h('button', { type: 'button', class: 'small', onClick: () => edit(x) }, t('edit')),
          ),
        ]),
        t('hosts'),
      ),
      h(
        'form',
        {
          class: 'inline-form',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(save, async () => {
              try {
                await api('PUT', `/hosts/${encodeURIComponent(id.value.trim())}`, {
                  name: name.value.trim(),
                  unit: unit.value.trim(),
                  rooms: roomBoxes.filter((b) => b.input.checked).map((b) => b.id),
                  ...(contact.value.trim() ? { contact: contact.value.trim() } : {}),
                  absent: absent.input.checked,
                });
                toast(t('saved'), 'ok');
                await loadHosts();
              } catch (err) {
                fail(err);
              }
            });
          },
        },
        field(t('hostId'), id),
        field(t('name'), name),
        field(t('unit'), unit),
        field(t('contact'), contact),
        h(
          'fieldset',
          { class: 'checks' },
          h('legend', null, t('rooms')),
          roomBoxes.map((b) => b.row),
        ),
        absent.row,
        save,
      ),
    );
  }

  // ------------------------------------------------------------ badges
  let enrolAbort: AbortController | undefined;
  async function loadBadges(): Promise<void> {
    const list = await api<Badge[]>('GET', '/badges');
    const label = h('input', { type: 'text', required: true, maxlength: 40, autocomplete: 'off' });
    const uid = h('input', {
      type: 'text',
      required: true,
      pattern: '[0-9A-Fa-f:\\- ]{8,40}',
      class: 'mono',
      autocomplete: 'off',
    });
    const status = h('p', { role: 'status', 'aria-live': 'polite' });
    const tap = h('button', { type: 'button' }, readerIcon(), t('enrolTap'));
    // The wait for the tap can be given up (it also ends when the view changes).
    const stop = h(
      'button',
      { type: 'button', hidden: true, onClick: () => enrolAbort?.abort() },
      t('cancel'),
    );
    tap.addEventListener('click', () => {
      const reader = deskReader();
      if (!reader) {
        status.textContent = t('deskReaderNeeded');
        return;
      }
      void busy(tap, async () => {
        enrolAbort?.abort();
        enrolAbort = new AbortController();
        status.textContent = t('waitingTap');
        stop.hidden = false;
        try {
          const r = await api<TapResult>('GET', nextTapPath(60, reader), undefined, {
            signal: enrolAbort.signal,
          });
          uid.value = r.uid ?? '';
          status.textContent = r.badgeId ? `${t('knownBadge')}: ${r.uid}` : `UID ${r.uid}`;
          if (!r.badgeId) label.focus();
        } catch (err) {
          status.textContent = err instanceof ApiError && err.status === 408 ? t('noTap') : '';
          if (!(err instanceof DOMException)) fail(err);
        } finally {
          stop.hidden = true;
        }
      });
    });
    const add = h('button', { type: 'submit', class: 'primary' }, t('add'));
    /** Personalise or recycle the badge on this desk's reader; the outcome in words. */
    const enrolAt = (action: 'personalise' | 'recycle', button: HTMLButtonElement) => {
      const reader = deskReader();
      if (!reader) {
        status.textContent = t('deskReaderNeeded');
        return;
      }
      void busy(button, async () => {
        try {
          const b = await api<Badge>('POST', `/badges/${action}`, { readerId: reader });
          toast(`${t(action === 'personalise' ? 'personalised' : 'recycled')}: ${b.label}`, 'ok');
          await loadBadges();
        } catch (err) {
          const state = err instanceof ApiError ? err.state : undefined;
          const known = ENROL_REFUSALS.find((s) => s === state);
          if (known) {
            status.textContent = t(`enrol_${known}`);
            toast(t(`enrol_${known}`), 'error');
          } else fail(err);
        }
      });
    };
    const enrolButton = (action: 'personalise' | 'recycle') => {
      const button = h(
        'button',
        { type: 'button', class: 'small', title: t('personaliseHint') },
        t(action),
      ) as HTMLButtonElement;
      button.addEventListener('click', () => enrolAt(action, button));
      return button;
    };
    replace(
      badges,
      table(
        [t('label'), t('uid'), t('status'), t('credentialType'), ''],
        list.map((b) => [
          h('strong', null, b.label),
          h('span', { class: 'mono' }, b.uid),
          h('span', { class: `pill b-${b.status}` }, t(`bs_${b.status}`)),
          h(
            'span',
            { class: 'credential' },
            t(b.credential === 'secure' ? 'cred_secure' : 'cred_uid'),
            b.credential === 'secure'
              ? ` · ${t(b.oldKey ? 'oldKeyNote' : 'keyGenNote')} ${b.keyGen ?? 1}`
              : '',
          ),
          h(
            'div',
            { class: 'actions' },
            b.status !== 'lost' && b.credential !== 'secure' ? enrolButton('personalise') : null,
            b.status !== 'lost' && b.oldKey ? enrolButton('recycle') : null,
            b.status !== 'issued'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    onClick: () =>
                      void api('POST', `/badges/${b.id}/lost`, { lost: b.status !== 'lost' }).then(
                        loadBadges,
                        fail,
                      ),
                  },
                  b.status === 'lost' ? t('markFound') : t('markLost'),
                )
              : null,
            b.status !== 'issued'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'small danger',
                    onClick: () => {
                      if (confirm(`${t('confirmRemove')} ${b.label}`))
                        void api('DELETE', `/badges/${b.id}`).then(loadBadges, fail);
                    },
                  },
                  t('remove'),
                )
              : null,
          ),
        ]),
        t('badges'),
      ),
      h('h3', null, t('enrol')),
      h(
        'form',
        {
          class: 'inline-form',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(add, async () => {
              try {
                await api('POST', '/badges', { label: label.value.trim(), uid: uid.value.trim() });
                toast(`${t('enrolled')}: ${label.value.trim()}`, 'ok');
                await loadBadges();
              } catch (err) {
                fail(err);
              }
            });
          },
        },
        deskReaderPicker(),
        tap,
        stop,
        status,
        field(t('uid'), uid),
        field(t('label'), label),
        add,
      ),
    );
  }

  // ------------------------------------------------------------ escort cards
  async function loadEscorts(): Promise<void> {
    const list = await api<EscortCard[]>('GET', '/escorts');
    const name = h('input', { type: 'text', required: true, maxlength: 80, autocomplete: 'off' });
    const uid = h('input', {
      type: 'text',
      required: true,
      pattern: '[0-9A-Fa-f:\\- ]{8,40}',
      autocomplete: 'off',
      class: 'mono',
    }) as HTMLInputElement;
    const alone = checkbox(t('opensAlone'));
    const add = h('button', { type: 'submit' }, t('enrolEscort')) as HTMLButtonElement;
    replace(
      escorts,
      h('p', { class: 'hint' }, t('escortsHint')),
      table(
        [t('escortName'), t('uid'), t('opensAlone'), ''],
        list.map((e) => [
          h('strong', null, e.name),
          h('span', { class: 'mono' }, e.uid),
          t(e.opensAlone ? 'opensAlone' : 'opensAloneNo'),
          h(
            'button',
            {
              type: 'button',
              class: 'small danger',
              onClick: () => {
                if (confirm(`${t('revoke')} ${e.name}?`))
                  void api('DELETE', `/escorts/${e.id}`).then(loadEscorts, fail);
              },
            },
            t('revoke'),
          ),
        ]),
        t('escorts'),
      ),
      h(
        'form',
        {
          class: 'inline-form',
          onSubmit: (ev: Event) => {
            ev.preventDefault();
            void busy(add, async () => {
              try {
                await api('POST', '/escorts', {
                  name: name.value.trim(),
                  uid: uid.value.trim(),
                  opensAlone: alone.input.checked,
                });
                toast(`${t('escortEnrolled')}: ${name.value.trim()}`, 'ok');
                await loadEscorts();
              } catch (err) {
                fail(err);
              }
            });
          },
        },
        field(t('escortName'), name),
        field(t('escortUid'), uid),
        alone.row,
        add,
      ),
    );
  }

  // ------------------------------------------------------------ settings
  async function loadSettings(): Promise<void> {
    const s = await api<Settings>('GET', '/admin/settings');
    const days = h('input', {
      type: 'number',
      min: 0,
      max: 3650,
      required: true,
      value: String(s.retentionGuestDays),
      disabled: !s.retentionOverridden,
    });
    // Unticked: this panel's period overrides the file's; ticked: the file's, whatever it says.
    const follow = checkbox(`${t('retentionFollowConfig')} (${s.retentionFromConfig})`, {
      checked: !s.retentionOverridden,
    });
    follow.input.addEventListener('change', () => {
      days.disabled = follow.input.checked;
      if (follow.input.checked) days.value = String(s.retentionFromConfig);
    });
    const publicUrl = h('input', {
      type: 'url',
      value: s.publicUrl ?? '',
      placeholder: 'http://192.168.1.10:8080',
    });
    const hookUrl = h('input', { type: 'url', value: s.webhook.url ?? '', placeholder: 'https://…' });
    const secret = h('input', { type: 'password', minlength: 8, autocomplete: 'new-password' });
    const save = h('button', { type: 'submit', class: 'primary' }, t('save'));
    const test = h('button', { type: 'button', disabled: !s.webhook.url }, t('testWebhook'));
    test.addEventListener('click', () =>
      busy(test, async () => {
        try {
          const r = await api<{ ok: boolean; status?: number; error?: string }>(
            'POST',
            '/admin/webhook/test',
          );
          toast(
            r.ok ? `${t('saved')}: HTTP ${r.status}` : `${t('failed')}: ${r.error}`,
            r.ok ? 'ok' : 'error',
          );
          await loadSettings();
        } catch (err) {
          fail(err);
        }
      }),
    );
    const sweep = h('button', { type: 'button' }, t('sweepNow'));
    sweep.addEventListener('click', () =>
      busy(sweep, async () => {
        try {
          const r = await api<{ erased: number }>('POST', '/admin/retention/sweep');
          toast(`${t('erased')}: ${r.erased}`, 'ok');
        } catch (err) {
          fail(err);
        }
      }),
    );
    replace(
      settings,
      h(
        'form',
        {
          class: 'stack',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(save, async () => {
              try {
                await api('PUT', '/admin/settings', {
                  retentionGuestDays: follow.input.checked ? null : Number(days.value),
                  publicUrl: publicUrl.value.trim() || null,
                  webhookUrl: hookUrl.value.trim() || null,
                  ...(secret.value ? { webhookSecret: secret.value } : {}),
                });
                toast(t('saved'), 'ok');
                await loadSettings();
              } catch (err) {
                fail(err);
              }
            });
          },
        },
        field(
          t('retentionDays'),
          days,
          `${t('retentionHint')} (${s.timezone}, ${String(s.sweepHour).padStart(2, '0')}:00)`,
        ),
        follow.row,
        field(t('publicUrl'), publicUrl),
        field(t('webhookUrl'), hookUrl),
        field(t('webhookSecret'), secret, s.webhook.hasSecret ? t('webhookSecretSet') : undefined),
        h(
          'p',
          { class: 'hint' },
          `${t('webhookStatus')}: ${s.webhook.sent} / ${s.webhook.failed}`,
          s.webhook.lastAt ? ` · ${dateTime(s.webhook.lastAt)}` : '',
          s.webhook.lastError ? ` · ${s.webhook.lastError}` : '',
        ),
        h('div', { class: 'row' }, save, test, sweep),
      ),
    );
  }

  const all = () =>
    Promise.all([loadUsers(), loadHosts(), loadBadges(), loadEscorts(), loadSettings()]).catch(fail);
  const off = live.on(['badge.'], () => void loadBadges().catch(fail));
  const offEscorts = live.on(['escort.'], () => void loadEscorts().catch(fail));
  void all();
  return () => {
    off();
    offEscorts();
    enrolAbort?.abort();
  };
}

function doorsAndReaders(): HTMLElement {
  const doors = boot?.doors ?? [];
  const readers = boot?.readers ?? [];
  return h(
    'div',
    null,
    h('p', { class: 'hint' }, t('configured')),
    table(
      ['ID', t('name'), t('kind')],
      doors.map((d) => [d.id, d.name, d.kind === 'entrance' ? t('entrance') : t('room')]),
      t('doorsTitle'),
    ),
    table(
      ['ID', t('kind'), t('doorsTitle'), t('direction'), ''],
      readers.map((r) => [
        r.id,
        r.role === 'desk' ? t('desk') : t('reader'),
        r.doorId ? doorName(r.doorId) : '',
        r.direction ? (r.direction === 'in' ? t('dirIn') : t('dirOut')) : '',
        [r.keypad ? 'keypad' : '', r.simulated ? t('simulated') : ''].filter(Boolean).join(', '),
      ]),
      t('reader'),
    ),
  );
}
