// The SOP steps as dialogs (SOP.md steps 1-7): arrival, screening, guest book, the host's
// decision, the badge against an identity document, checkout and the document's return.
// Each dialog does one step through the API and tells the caller when the visit changed.
import { checkDocumentNumber } from '../domain/documents.js';
import { DomainError } from '../domain/errors.js';
import { maskDocumentNumber } from '../domain/privacy.js';
import { DOCUMENT_TYPES } from '../domain/types.js';
import { ApiError, api, type Badge, type TapResult, type Visit } from './api.js';
import { dateField } from './date-field.js';
import { deskReader, nextTapPath } from './desk-reader.js';
import { busy, checkbox, type DialogHandle, dialog, field, h, nextId, replace, toast } from './dom.js';
import { addDays, calendarDate, dateTime, localDate, now, time } from './format.js';
import { errorText as apiErrorText, getLang, recapLabels, t, tIn } from './i18n.js';
import { qrSvg } from './qr.js';
import { waPhone, whatsAppUrl } from './share.js';
import { openSlip } from './slip.js';
import { boot, can, host, hostName, purposeText } from './state.js';

type Done = () => void;

function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${t('failed')}: ${err.message}`;
  return `${t('failed')}: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * The badge form's own check of a document number: the server's rules (domain/documents.ts),
 * worded as the server's refusal would be, so a typo is caught before the guest's card is
 * handed back.
 */
function documentProblem(type: string, number: string): string | undefined {
  const known = DOCUMENT_TYPES.find((d) => d === type);
  if (!known) return undefined;
  try {
    checkDocumentNumber(known, number);
    return undefined;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return apiErrorText(400, e.code, e.message, e.field, e.detail.rule);
  }
}

export function fail(err: unknown): void {
  toast(errorText(err), 'error');
}

/**
 * A dialog form's submit: the button busy while `work` runs; on success its message, the
 * dialog closed and `done`; a failure shown in the dialog, which stays open.
 */
function submitting(
  submit: HTMLButtonElement,
  err: ReturnType<typeof errorBox>,
  d: { close(): void },
  done: Done,
  work: () => Promise<string>,
): void {
  err.clear();
  void busy(submit, async () => {
    try {
      toast(await work(), 'ok');
      d.close();
      done();
    } catch (e2) {
      err.show(e2);
    }
  });
}

export function errorBox(): { el: HTMLElement; show(err: unknown): void; clear(): void } {
  const el = h('p', { class: 'error', role: 'alert', hidden: true });
  return {
    el,
    show(err) {
      el.textContent = typeof err === 'string' ? err : errorText(err);
      el.hidden = false;
    },
    clear() {
      el.hidden = true;
      el.textContent = '';
    },
  };
}

function visitSummary(v: Visit): HTMLElement {
  return h(
    'div',
    { class: 'summary' },
    h('strong', null, v.guestName || '—'),
    h('span', null, v.institution),
    h('span', { class: 'muted' }, `${t('host')}: ${hostName(v.hostId)} · ${t('purpose')}: ${purposeText(v)}`),
  );
}

export function actions(...buttons: Array<HTMLElement | null | false>): HTMLElement {
  return h('div', { class: 'dialog-actions' }, ...buttons);
}

// ---------------------------------------------------------------- step 1: arrival

interface GuestSuggestion {
  id: string;
  name: string;
  institution: string;
  phone?: string;
  lastSeenAt: number;
}

/** The arrival dialog; `done` gets the visit it recorded (the desk focuses its card). */
export function openArrival(done: (created: Visit) => void): void {
  dialog(t('newArrival'), (d) => {
    const err = errorBox();
    let created: Visit | undefined;
    const recorded = () => {
      if (created) done(created);
    };
    const listId = nextId('sg');
    let guestId: string | undefined;
    const name = h('input', {
      id: nextId('name'),
      type: 'text',
      name: 'name',
      required: true,
      maxlength: 120,
      autocomplete: 'off',
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': listId,
    });
    const list = h('ul', {
      id: listId,
      role: 'listbox',
      class: 'suggest',
      'aria-label': t('returning'),
      hidden: true,
    });
    const inst = h('input', {
      type: 'text',
      name: 'institution',
      required: true,
      maxlength: 200,
      autocomplete: 'organization',
    });
    const phone = h('input', {
      type: 'tel',
      name: 'phone',
      pattern: '\\+?[0-9 ()\\-]{6,20}',
      autocomplete: 'tel',
    });
    const purpose = h('textarea', { name: 'purpose', required: true, maxlength: 500, rows: 2 });
    // The category the recap counts by (config visits.purposes), then the purpose in words.
    const category = h(
      'select',
      { name: 'purposeCategory', required: true },
      h('option', { value: '' }, t('choosePurpose')),
      (boot?.purposes ?? []).map((p) => h('option', { value: p.id }, getLang() === 'en' ? p.nameEn : p.name)),
    );
    const select = h('select', { name: 'host', id: nextId('host'), required: true, size: 4 });
    const search = h('input', { type: 'search', autocomplete: 'off', 'aria-controls': select.id });

    let suggestions: GuestSuggestion[] = [];
    let active = -1;
    const closeList = () => {
      list.hidden = true;
      name.setAttribute('aria-expanded', 'false');
      name.removeAttribute('aria-activedescendant');
      active = -1;
    };
    const pick = (g: GuestSuggestion) => {
      name.value = g.name;
      inst.value = g.institution;
      phone.value = g.phone ?? '';
      guestId = g.id;
      closeList();
      category.focus();
    };
    const highlight = (i: number) => {
      active = i;
      for (const [j, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(j === i));
      const li = list.children[i] as HTMLElement | undefined;
      if (li) name.setAttribute('aria-activedescendant', li.id);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    name.addEventListener('input', () => {
      guestId = undefined;
      clearTimeout(timer);
      const q = name.value.trim();
      if (q.length < 2) return closeList();
      timer = setTimeout(async () => {
        try {
          suggestions = await api<GuestSuggestion[]>('GET', `/guests?q=${encodeURIComponent(q)}`);
        } catch {
          suggestions = [];
        }
        if (name.value.trim() !== q) return;
        replace(
          list,
          suggestions.map((g, i) =>
            h(
              'li',
              {
                id: `${listId}-${i}`,
                role: 'option',
                'aria-selected': 'false',
                onMousedown: (e: Event) => {
                  e.preventDefault();
                  pick(g);
                },
              },
              h('strong', null, g.name),
              ` · ${g.institution}`,
              h('small', null, ` (${t('lastSeen')} ${dateTime(g.lastSeenAt)})`),
            ),
          ),
        );
        list.hidden = suggestions.length === 0;
        name.setAttribute('aria-expanded', String(suggestions.length > 0));
        active = -1;
      }, 180);
    });
    name.addEventListener('keydown', (e) => {
      if (list.hidden) return;
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        highlight(Math.min(suggestions.length - 1, active + 1));
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        highlight(Math.max(0, active - 1));
      } else if (e.key === 'Enter' && active >= 0) {
        e.preventDefault();
        pick(suggestions[active]!);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        closeList();
      }
    });
    name.addEventListener('blur', () => setTimeout(closeList, 150));

    const hosts = boot?.hosts ?? [];
    const fillHosts = () => {
      const q = search.value.trim().toLowerCase();
      const keep = select.value;
      replace(
        select,
        hosts
          .filter((x) => !q || `${x.name} ${x.unit} ${x.id}`.toLowerCase().includes(q))
          .map((x) =>
            h(
              'option',
              { value: x.id, selected: x.id === keep },
              `${x.name} — ${x.unit}${x.absent ? ` (${t('hostAbsentMark')})` : ''}`,
            ),
          ),
      );
      if (!select.value && select.options.length === 1) select.selectedIndex = 0;
    };
    search.addEventListener('input', fillHosts);
    search.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        select.focus();
        if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;
      }
    });
    fillHosts();
    if (hosts.length === 1) select.selectedIndex = 0;

    const submit = h('button', { type: 'submit', class: 'primary' }, t('saveArrival'));
    const form = h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          submitting(submit, err, d, recorded, async () => {
            created = await api<Visit>('POST', '/visits', {
              guest: {
                name: name.value.trim(),
                institution: inst.value.trim(),
                ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
                ...(guestId ? { guestId } : {}),
              },
              purpose: purpose.value.trim(),
              ...(category.value ? { purposeCategory: category.value } : {}),
              hostId: select.value,
            });
            // The desk sees the flag only; security has the entry (their feed, the watchlist).
            if (created.watchlist) toast(t('watchlistFlag'), 'error');
            return `${t('arrivalSaved')}: ${name.value.trim()}`;
          });
        },
      },
      h(
        'div',
        { class: 'field combo' },
        h('label', { for: name.id }, t('guestName')),
        name,
        list,
        h('small', { class: 'hint' }, t('returningHint')),
      ),
      field(t('institution'), inst),
      field(`${t('phone')} (${t('optional')})`, phone),
      field(t('purposeCategory'), category),
      field(t('purposeDetail'), purpose),
      field(t('searchHost'), search),
      field(t('chooseHost'), select),
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), submit),
    );
    return form;
  });
}

// ---------------------------------------------------------------- step 2: screening

export function openScreening(v: Visit, done: Done): void {
  dialog(t('screeningTitle'), (d) => {
    const err = errorBox();
    const shoes = checkbox(t('screenShoes'));
    const attire = checkbox(t('screenAttire'));
    const belongings = checkbox(t('screenBelongings'));
    const note = h('textarea', { maxlength: 500, rows: 2 });
    const pass = h('button', { type: 'submit', disabled: true }, t('pass'));
    // The usual case in one keystroke: focused first, it ticks every check and passes, so the
    // record is the same three checks as ticking them one by one.
    const allOk = h(
      'button',
      { type: 'button', class: 'primary', autofocus: true, title: t('screenAllOkHint') },
      t('screenAllOk'),
    );
    const refuse = can('refuseScreening')
      ? h('button', { type: 'button', class: 'danger' }, t('refuse'))
      : null;
    const all = [shoes.input, attire.input, belongings.input];
    const sync = () => {
      pass.disabled = !all.every((c) => c.checked);
    };
    for (const c of all) c.addEventListener('change', sync);
    const send = (passed: boolean, button: HTMLButtonElement) => {
      err.clear();
      const reasons = passed
        ? []
        : (
            [
              ['shoes', shoes.input],
              ['attire', attire.input],
              ['belongings', belongings.input],
            ] as const
          )
            .filter(([, c]) => !c.checked)
            .map(([r]) => r);
      if (!passed && reasons.length === 0) {
        if (!note.value.trim()) return err.show(t('refuseNeedsReason'));
        (reasons as string[]).push('other');
      }
      void busy(button, async () => {
        try {
          await api('POST', `/visits/${v.id}/screening`, {
            passed,
            ...(passed ? {} : { reasons }),
            ...(note.value.trim() ? { note: note.value.trim() } : {}),
          });
          toast(passed ? t('screenedOk') : t('screenedRefused'), passed ? 'ok' : 'info');
          d.close();
          done();
        } catch (e) {
          err.show(e);
        }
      });
    };
    refuse?.addEventListener('click', () => send(false, refuse));
    allOk.addEventListener('click', () => {
      for (const c of all) c.checked = true;
      sync();
      send(true, allOk);
    });
    return h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          if (pass.disabled) return err.show(t('passNeedsAll'));
          send(true, pass);
        },
      },
      visitSummary(v),
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', null, t('screeningTitle')),
        shoes.row,
        attire.row,
        belongings.row,
      ),
      field(`${t('note')} (${t('optional')})`, note),
      refuse ? null : h('p', { class: 'hint' }, t('refuseHint')),
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), refuse, pass, allOk),
    );
  });
}

// ---------------------------------------------------------------- step 3: guest book

export function openGuestbook(v: Visit, done: Done): void {
  dialog(t('guestbookTitle'), (d) => {
    const err = errorBox();
    const note = h('textarea', { maxlength: 500, rows: 2 });
    // Focused first: the entry is recorded with Enter; the note stays one Tab away.
    const submit = h('button', { type: 'submit', class: 'primary', autofocus: true }, t('guestbookSave'));
    const hst = host(v.hostId);
    return h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          submitting(submit, err, d, done, async () => {
            await api(
              'POST',
              `/visits/${v.id}/guestbook`,
              note.value.trim() ? { note: note.value.trim() } : {},
            );
            return t('guestbookSaved');
          });
        },
      },
      visitSummary(v),
      h('p', { class: 'callout' }, t('greeting')),
      field(`${t('note')} (${t('optional')})`, note),
      hst?.contact ? h('p', null, `${t('contactHost')}: `, h('strong', null, hst.contact)) : null,
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), submit),
    );
  });
}

// ---------------------------------------------------------------- step 4: the host's decision

/** The office hours as a desk reads them: "Sen, Sel, Rab, Kam, Jum 07:30-16:00". */
function openingHours(): string {
  const h = boot?.officeHours;
  if (!h) return '';
  const names = t('weekdaysShort').split(',');
  return `${h.days.map((d) => names[d - 1] ?? String(d)).join(', ')} ${h.open}-${h.close}`;
}

/** The next office day after today (for a proposed reschedule date). */
function nextOfficeDay(): string {
  const today = localDate(now()).date;
  const days = boot?.officeHours.days ?? [1, 2, 3, 4, 5];
  for (let i = 1; i <= 7; i++) {
    const d = addDays(today, i);
    const [y, m, dd] = d.split('-').map(Number);
    const wd = ((new Date(Date.UTC(y!, m! - 1, dd!)).getUTCDay() + 6) % 7) + 1;
    if (days.includes(wd)) return d;
  }
  return addDays(today, 1);
}

export function showAccessCode(code: string, v: Visit): void {
  dialog(t('accessCode'), (d) =>
    h(
      'div',
      null,
      visitSummary(v),
      h('p', { class: 'code', 'aria-label': `${t('accessCode')}: ${code.split('').join(' ')}` }, code),
      h('p', { class: 'callout' }, t('accessCodeOnce')),
      actions(
        h(
          'button',
          { type: 'button', class: 'primary', autofocus: true, onClick: () => d.close() },
          t('done'),
        ),
      ),
    ),
  );
}

export function openDecision(v: Visit, done: Done, preset?: 'accepted' | 'refused' | 'host_absent'): void {
  dialog(t('decisionTitle'), (d) => {
    const err = errorBox();
    const group = nextId('outcome');
    const hst = host(v.hostId);
    const radio = (value: string, label: string) => {
      const input = h('input', {
        type: 'radio',
        name: group,
        value,
        id: nextId('r'),
        checked: value === (preset ?? 'accepted'),
      });
      return { input, row: h('label', { class: 'check', for: input.id }, input, h('span', null, label)) };
    };
    const acc = radio('accepted', t('accepted'));
    const ref = radio('refused', t('refused'));
    const abs = radio('host_absent', t('hostAbsent'));
    const roomBoxes = (hst?.rooms ?? []).map((r) => ({
      id: r,
      ...checkbox(boot?.doors.find((x) => x.id === r)?.name ?? r, { checked: true, value: r }),
    }));
    const roomsBox = h(
      'fieldset',
      { class: 'checks' },
      h('legend', null, t('rooms')),
      roomBoxes.length ? roomBoxes.map((r) => r.row) : h('p', { class: 'hint' }, t('noRooms')),
    );
    const reason = h('input', { type: 'text', maxlength: 500 });
    const reasonField = field(`${t('reason')} (${t('optional')})`, reason);
    // The panel's own date field: the desk reads the date in its language, never the browser's.
    const thisYear = Number(localDate(now()).date.slice(0, 4));
    const date = dateField({
      label: t('proposedDate'),
      value: nextOfficeDay(),
      years: [thisYear, thisYear + 2],
      min: localDate(now()).date,
    });
    const dateBox = date.el;
    const outcome = () => [acc, ref, abs].find((r) => r.input.checked)?.input.value ?? 'accepted';
    const sync = () => {
      const o = outcome();
      roomsBox.hidden = o !== 'accepted';
      reasonField.hidden = o === 'accepted';
      dateBox.hidden = o !== 'host_absent';
    };
    for (const r of [acc, ref, abs]) r.input.addEventListener('change', sync);
    sync();
    const submit = h('button', { type: 'submit', class: 'primary' }, t('decide'));
    return h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          const o = outcome();
          const body =
            o === 'accepted'
              ? { outcome: o, rooms: roomBoxes.filter((r) => r.input.checked).map((r) => r.id) }
              : o === 'refused'
                ? { outcome: o, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) }
                : {
                    outcome: o,
                    proposedDate: date.value,
                    ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
                  };
          void busy(submit, async () => {
            try {
              const r = await api<{ visit: Visit; accessCode?: string }>(
                'POST',
                `/visits/${v.id}/decision`,
                body,
              );
              toast(
                o === 'accepted'
                  ? t('decidedAccepted')
                  : o === 'refused'
                    ? t('decidedRefused')
                    : t('decidedAbsent'),
                'ok',
              );
              d.close();
              done();
              if (r.accessCode) showAccessCode(r.accessCode, r.visit);
            } catch (e2) {
              err.show(e2);
            }
          });
        },
      },
      visitSummary(v),
      h('fieldset', { class: 'checks' }, h('legend', null, t('decisionTitle')), acc.row, ref.row, abs.row),
      roomsBox,
      reasonField,
      dateBox,
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), submit),
    );
  });
}

export function openGrant(v: Visit, done: Done): void {
  const missing = (host(v.hostId)?.rooms ?? []).filter((r) => !v.rooms.includes(r));
  roomsDialog(v, done, { title: t('grantRooms'), rooms: missing, path: 'grant', ok: t('granted') });
}

/** The host takes rooms back: those doors refuse the guest at once. */
export function openWithdraw(v: Visit, done: Done): void {
  roomsDialog(v, done, { title: t('withdrawRooms'), rooms: v.rooms, path: 'withdraw', ok: t('withdrawn') });
}

function roomsDialog(
  v: Visit,
  done: Done,
  o: { title: string; rooms: string[]; path: 'grant' | 'withdraw'; ok: string },
): void {
  dialog(o.title, (d) => {
    const err = errorBox();
    const boxes = o.rooms.map((r) => ({
      id: r,
      ...checkbox(boot?.doors.find((x) => x.id === r)?.name ?? r, { checked: o.path === 'grant' }),
    }));
    const submit = h('button', { type: 'submit', class: 'primary', disabled: boxes.length === 0 }, o.title);
    return h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          const rooms = boxes.filter((b) => b.input.checked).map((b) => b.id);
          if (!rooms.length) return;
          void busy(submit, async () => {
            try {
              const r = await api<{ visit: Visit; accessCode?: string }>(
                'POST',
                `/visits/${v.id}/${o.path}`,
                {
                  rooms,
                },
              );
              toast(o.ok, 'ok');
              d.close();
              done();
              if (r.accessCode) showAccessCode(r.accessCode, r.visit);
            } catch (e2) {
              err.show(e2);
            }
          });
        },
      },
      visitSummary(v),
      h(
        'fieldset',
        { class: 'checks' },
        h('legend', null, t('rooms')),
        boxes.length ? boxes.map((b) => b.row) : h('p', { class: 'hint' }, t('noRooms')),
      ),
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), submit),
    );
  });
}

export function openHostLink(v: Visit): void {
  dialog(t('hostLinkTitle'), (d) => {
    const out = h('div', { 'aria-live': 'polite' }, t('loading'));
    void api<{ path: string; url?: string; expiresAt: number }>('POST', `/visits/${v.id}/host-link`, {}).then(
      (r) => {
        const url = r.url ?? `${location.origin}${r.path}`;
        const input = h('input', {
          type: 'text',
          readonly: true,
          value: url,
          class: 'mono',
          'aria-label': t('hostLinkTitle'),
        });
        const copy = h('button', { type: 'button' }, t('copy'));
        copy.addEventListener('click', async () => {
          input.select();
          try {
            await navigator.clipboard.writeText(url);
          } catch {
            document.execCommand('copy');
          }
          toast(t('copied'), 'ok');
        });
        const hst = host(v.hostId);
        // The message is in Indonesian whatever the desk's language: the host reads it.
        const message = tIn('id', 'waMessage')
          .replace('{host}', hst?.name ?? '')
          .replace('{guest}', v.guestName || '—')
          .replace('{institution}', v.institution)
          .replace('{purpose}', v.purpose)
          .replace('{until}', time(r.expiresAt))
          .replace('{url}', url);
        const phone = waPhone(hst?.contact);
        const share = h(
          'a',
          {
            class: 'button wa',
            href: whatsAppUrl(message, hst?.contact),
            target: '_blank',
            rel: 'noopener noreferrer',
          },
          phone ? `${t('shareWhatsAppTo')} ${hst?.contact ?? ''}` : t('shareWhatsApp'),
        );
        replace(
          out,
          h('p', null, `${t('hostLinkText')} ${time(r.expiresAt)}.`),
          h('div', { class: 'row' }, input, copy),
          h(
            'div',
            { class: 'share' },
            h('figure', { class: 'qr' }, qrSvg(url, t('hostLinkQr')), h('figcaption', null, t('hostLinkQr'))),
            h(
              'div',
              null,
              share,
              hst?.contact ? h('p', null, `${t('contactHost')}: `, h('strong', null, hst.contact)) : null,
            ),
          ),
        );
        input.focus();
        input.select();
      },
      (err) => replace(out, h('p', { class: 'error', role: 'alert' }, errorText(err))),
    );
    return h(
      'div',
      null,
      visitSummary(v),
      out,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('close'))),
    );
  });
}

// ---------------------------------------------------------------- simulated desk reader

/** A tap on this desk's reader when it is simulated (laptop, trials); none with real readers. */
function deskSimulator(badges: () => Badge[]): HTMLElement | null {
  const id = deskReader();
  const reader = boot?.readers.find((r) => r.id === id && r.simulated);
  if (!reader || !can('simulate')) return null;
  const select = h('select', { 'aria-label': t('badgeOrUid') });
  const fill = () =>
    replace(
      select,
      badges().map((b) => h('option', { value: b.uid }, b.label)),
    );
  fill();
  const go = h('button', { type: 'button', class: 'small' }, t('tap'));
  go.addEventListener('click', () => {
    fill();
    void api<TapResult>('POST', '/taps', { reader: reader.id, uid: select.value }).catch(fail);
  });
  return h(
    'div',
    { class: 'sim' },
    h('small', null, `${t('simulator')} (${t('reader')}: ${reader.id}):`),
    select,
    go,
  );
}

// ---------------------------------------------------------------- step 5: badge and document

export function openBadge(v: Visit, done: Done): void {
  dialog(t('badgeTitle'), (d) => {
    const err = errorBox();
    const L = recapLabels();
    // A group's member gives no document: the leader's visit holds the group's letter.
    const member = v.group !== undefined && !v.group.leader;
    const type = h(
      'select',
      { required: !member },
      DOCUMENT_TYPES.map((k) => h('option', { value: k }, L.documentTypes[k])),
    );
    const number = h('input', {
      type: 'text',
      required: !member,
      minlength: 4,
      maxlength: 40,
      autocomplete: 'off',
      spellcheck: false,
      class: 'mono',
    });
    const preview = h('small', { class: 'hint', 'aria-live': 'polite' });
    number.addEventListener('input', () => {
      const m = maskDocumentNumber(number.value);
      preview.textContent = m ? `${t('masked')}: ${m}` : '';
    });
    const manual = h('select', null, h('option', { value: '' }, t('tapOnReader')));
    let available: Badge[] = [];
    void api<Badge[]>('GET', '/badges').then((list) => {
      available = list.filter((b) => b.status === 'available');
      for (const b of available) manual.appendChild(h('option', { value: b.id }, b.label));
    }, fail);
    const status = h('div', { class: 'tapwait', role: 'status', 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('giveBadge'));
    const cancel = h('button', { type: 'button', onClick: () => d.close() }, t('cancel'));
    let abort: AbortController | undefined;
    d.onClose(() => abort?.abort());
    const form: HTMLFormElement = h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          err.clear();
          const problem = member ? undefined : documentProblem(type.value, number.value);
          if (problem) {
            err.show(problem);
            number.focus();
            return;
          }
          const collateral = member ? undefined : { type: type.value, number: number.value.trim() };
          const byTap = manual.value === '';
          const reader = deskReader();
          if (byTap && !reader) {
            err.show(t('deskReaderNeeded'));
            return;
          }
          abort = new AbortController();
          if (byTap) {
            const sim = deskSimulator(() => available);
            replace(
              status,
              h('span', { class: 'spinner', 'aria-hidden': 'true' }),
              h('p', null, t('waitingTap')),
              sim,
            );
          }
          void busy(submit, async () => {
            try {
              const visit = await api<Visit>(
                'POST',
                `/visits/${v.id}/badge`,
                {
                  ...(byTap ? { nextTap: true, reader, waitSeconds: 60 } : { badge: manual.value }),
                  ...(collateral ? { collateral } : {}),
                },
                { signal: abort!.signal },
              );
              const label = available.find((b) => b.id === visit.badgeId)?.label ?? visit.badgeId ?? '';
              done();
              replace(
                d.body,
                h(
                  'div',
                  { class: 'success', role: 'status' },
                  h('p', { class: 'big' }, `✓ ${t('badgeBound')}: ${label}`),
                  visitSummary(visit),
                  visit.collateral
                    ? h(
                        'p',
                        null,
                        `${L.documentTypes[visit.collateral.type as keyof typeof L.documentTypes] ?? visit.collateral.type}: `,
                        h('span', { class: 'mono' }, visit.collateral.masked),
                      )
                    : null,
                  // The document handed in matched the watchlist: the desk sees the flag only.
                  visit.watchlist
                    ? h('p', { class: 'callout strong', role: 'alert' }, t('watchlistFlag'))
                    : null,
                  visit.closedNow
                    ? h(
                        'p',
                        { class: 'callout strong', role: 'alert' },
                        visit.closedNow.reason === 'outside_hours'
                          ? `${t('closedOutsideHours')} (${openingHours()}).`
                          : `${t('closedExpired')}.`,
                      )
                    : null,
                  h('p', { class: 'callout' }, t('escortHint')),
                  actions(
                    h('button', { type: 'button', onClick: () => openSlip(visit) }, t('slipPrint')),
                    h(
                      'button',
                      { type: 'button', class: 'primary', autofocus: true, onClick: () => d.close() },
                      t('done'),
                    ),
                  ),
                ),
              );
              d.body.querySelector<HTMLButtonElement>('button.primary')?.focus();
            } catch (e2) {
              replace(status);
              if (e2 instanceof DOMException && e2.name === 'AbortError') return;
              err.show(e2 instanceof ApiError && e2.status === 408 ? t('noTap') : e2);
            }
          });
        },
      },
      visitSummary(v),
      member ? h('p', { class: 'callout' }, t('groupMemberNoDocument')) : null,
      member ? null : field(t('docType'), type),
      member ? null : field(t('docNumber'), number, t('docNumberHint')),
      member ? null : preview,
      field(`${t('manualBadge')} (${t('optional')})`, manual),
      status,
      err.el,
      actions(cancel, submit),
    );
    return form;
  });
}

// ---------------------------------------------------------------- step 7: checkout

function documentStep(d: DialogHandle, v: Visit, done: Done, intro: HTMLElement | null): void {
  const L = recapLabels();
  const err = errorBox();
  const doc = v.collateral;
  const returned = h('button', { type: 'button', class: 'primary', autofocus: true }, t('documentReturned'));
  returned.addEventListener('click', () =>
    busy(returned, async () => {
      try {
        await api('POST', `/visits/${v.id}/document-returned`);
        done();
        replace(
          d.body,
          h(
            'div',
            { class: 'success', role: 'status' },
            h('p', { class: 'big' }, `✓ ${t('closedVisit')}`),
            h('p', { class: 'callout' }, t('thanks')),
            actions(h('button', { type: 'button', class: 'primary', onClick: () => d.close() }, t('close'))),
          ),
        );
        d.body.querySelector<HTMLButtonElement>('button.primary')?.focus();
      } catch (e) {
        err.show(e);
      }
    }),
  );
  replace(
    d.body,
    intro,
    visitSummary(v),
    h(
      'div',
      { class: 'callout strong' },
      h('p', null, t('returnDocument')),
      doc
        ? h(
            'p',
            { class: 'big' },
            `${L.documentTypes[doc.type as keyof typeof L.documentTypes] ?? doc.type} `,
            h('span', { class: 'mono' }, doc.masked),
          )
        : null,
    ),
    err.el,
    actions(h('button', { type: 'button', onClick: () => d.close() }, t('documentLater')), returned),
  );
  returned.focus();
}

/**
 * Checkout: the badge tapped back on this desk's reader ends its access at once; then the
 * document. The dialog asks for the tap itself; nothing opens it but the desk's own button.
 */
export function openCheckout(v: Visit, done: Done, opts: { badgeLabel?: string } = {}): void {
  dialog(t('checkoutTitle'), (d) => {
    const err = errorBox();
    const abort = new AbortController();
    d.onClose(() => abort.abort());
    const checkout = async (badgeReturned: boolean) => {
      abort.abort();
      try {
        const after = await api<Visit>('POST', `/visits/${v.id}/checkout`, {
          badgeReturned,
          documentReturned: false,
        });
        done();
        documentStep(
          d,
          after,
          done,
          h(
            'p',
            { class: badgeReturned ? 'success big' : 'warn big', role: 'status' },
            badgeReturned
              ? `✓ ${t('badgeBack')}${opts.badgeLabel ? `: ${opts.badgeLabel}` : ''}. `
              : `${t('badgeNotReturned')}. `,
            t('accessEnded'),
          ),
        );
      } catch (e) {
        err.show(e);
      }
    };
    const reader = deskReader();
    // Shown while this dialog waits for the tap; hidden once it no longer does.
    const tapwait = h('div', { class: 'tapwait', role: 'status', 'aria-live': 'polite', hidden: !reader });
    const wait = async (id: string) => {
      while (!abort.signal.aborted) {
        try {
          const read = await api<TapResult>('GET', nextTapPath(30, id), undefined, { signal: abort.signal });
          if (read.visitId === v.id) return checkout(true);
          toast(t('wrongBadge'), 'error');
        } catch (e) {
          if (abort.signal.aborted) return;
          if (e instanceof ApiError && e.status === 408) continue;
          tapwait.hidden = true;
          err.show(e);
          return;
        }
      }
    };
    if (reader) void wait(reader);
    else err.show(t('deskReaderNeeded'));
    const manualBack = h('button', { type: 'button' }, t('badgeBackManual'));
    manualBack.addEventListener('click', () => busy(manualBack, () => checkout(true)));
    const notBack = h('button', { type: 'button', class: 'danger' }, t('badgeNotReturned'));
    notBack.addEventListener('click', () => busy(notBack, () => checkout(false)));
    const badges: Badge[] = v.badgeId
      ? [{ id: v.badgeId, label: opts.badgeLabel ?? v.badgeId, uid: '', status: 'issued' }]
      : [];
    const sim = deskSimulator(() => badges);
    replace(
      tapwait,
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('p', null, t('tapBack'), opts.badgeLabel ? h('strong', null, ` (${opts.badgeLabel})`) : null),
      sim,
    );
    if (sim && v.badgeId) {
      void api<Badge[]>('GET', '/badges').then((list) => {
        const b = list.find((x) => x.id === v.badgeId);
        if (b) badges.splice(0, 1, b);
        sim
          .querySelector('select')
          ?.replaceChildren(...badges.map((x) => h('option', { value: x.uid }, x.label)));
      });
    }
    return h(
      'div',
      null,
      visitSummary(v),
      tapwait,
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('cancel')), notBack, manualBack),
    );
  });
}

export function openDocument(v: Visit, done: Done): void {
  dialog(t('actDocument'), (d) => {
    queueMicrotask(() => documentStep(d, v, done, null));
    return h('p', null, t('loading'));
  });
}

export function openCancel(v: Visit, done: Done): void {
  dialog(t('cancelTitle'), (d) => {
    const err = errorBox();
    const reason = h('input', { type: 'text', maxlength: 500 });
    const submit = h('button', { type: 'submit', class: 'danger' }, t('confirm'));
    return h(
      'form',
      {
        onSubmit: (e: Event) => {
          e.preventDefault();
          submitting(submit, err, d, done, async () => {
            await api(
              'POST',
              `/visits/${v.id}/cancel`,
              reason.value.trim() ? { reason: reason.value.trim() } : {},
            );
            return t('cancelled');
          });
        },
      },
      visitSummary(v),
      field(`${t('reason')} (${t('optional')})`, reason),
      err.el,
      actions(h('button', { type: 'button', onClick: () => d.close() }, t('close')), submit),
    );
  });
}

/** "Dijadwalkan ulang ke Selasa, 1 Desember 2026" */
export function rescheduleText(v: Visit): string | undefined {
  return v.decision?.proposedDate
    ? `${t('rescheduledTo')} ${calendarDate(v.decision.proposedDate)}`
    : undefined;
}
