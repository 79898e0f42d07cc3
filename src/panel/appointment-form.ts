// Registering an expected guest (tamu terjadwal) from the panel: the desk for any host, a host for
// themselves. Once saved, the dialog shows the appointment's code and its QR code, for the guest
// to keep (the invitation also goes out through the approval webhook when one is set).
import { type Appointment, api } from './api.js';
import { dateField } from './date-field.js';
import { busy, dialog, field, h, replace, toast } from './dom.js';
import { addDays, calendarDate, localDate, now } from './format.js';
import { getLang, t } from './i18n.js';
import { qrSvg } from './qr.js';
import { boot, can, hostName } from './state.js';

const HHMM = '([01][0-9]|2[0-3]):[0-5][0-9]';

export function openAppointment(done: () => void): void {
  dialog(t('apptNew'), (d) => {
    const err = h('p', { class: 'error', role: 'alert', hidden: true });
    const name = h('input', { type: 'text', required: true, maxlength: 120, autocomplete: 'off' });
    const inst = h('input', { type: 'text', required: true, maxlength: 200, autocomplete: 'organization' });
    const phone = h('input', { type: 'tel', pattern: '\\+?[0-9 ()\\-]{6,20}', autocomplete: 'tel' });
    const today = localDate(now()).date;
    const year = Number(today.slice(0, 4));
    const date = dateField({
      label: t('apptDate'),
      value: addDays(today, 1),
      years: [year, year + 1],
      min: today,
    });
    const from = h('input', {
      type: 'text',
      required: true,
      pattern: HHMM,
      inputmode: 'numeric',
      value: '09:00',
    });
    const until = h('input', {
      type: 'text',
      required: true,
      pattern: HHMM,
      inputmode: 'numeric',
      value: '10:00',
    });
    const category = h(
      'select',
      { required: true },
      h('option', { value: '' }, t('choosePurpose')),
      (boot?.purposes ?? []).map((p) => h('option', { value: p.id }, getLang() === 'en' ? p.nameEn : p.name)),
    );
    const purpose = h('textarea', { maxlength: 500, rows: 2 });
    // The desk books for any host; a host for themselves (the server also lets a delegate name theirs).
    const hostSelect = can('deskSteps')
      ? h(
          'select',
          { required: true },
          h('option', { value: '' }, '—'),
          (boot?.hosts ?? []).map((x) => h('option', { value: x.id }, `${x.name} · ${x.unit}`)),
        )
      : null;
    const submit = h('button', { type: 'submit', class: 'primary' }, t('apptSave'));
    const form = h(
      'form',
      { novalidate: true },
      field(t('guestName'), name),
      field(t('institution'), inst),
      field(t('phone'), phone),
      hostSelect ? field(t('chooseHost'), hostSelect) : null,
      date.el,
      field(t('apptFrom'), from, 'HH:MM'),
      field(t('apptUntil'), until, 'HH:MM'),
      field(t('purposeCategory'), category),
      field(t('apptPurpose'), purpose),
      err,
      h('div', { class: 'actions' }, submit),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      err.hidden = true;
      void busy(submit, async () => {
        try {
          const a = await api<Appointment>('POST', '/appointments', {
            guest: {
              name: name.value.trim(),
              institution: inst.value.trim(),
              ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
            },
            ...(hostSelect ? { hostId: hostSelect.value } : {}),
            date: date.value,
            from: from.value.trim(),
            until: until.value.trim(),
            purposeCategory: category.value,
            ...(purpose.value.trim() ? { purpose: purpose.value.trim() } : {}),
          });
          toast(t('apptSaved'), 'ok');
          done();
          replace(
            d.body,
            saved(a, () => d.close()),
          );
        } catch (e2) {
          err.textContent = e2 instanceof Error ? e2.message : String(e2);
          err.hidden = false;
        }
      });
    });
    return form;
  });
}

/** What the guest keeps: the code and its QR, with the day and the window. */
function saved(a: Appointment, close: () => void): HTMLElement {
  const ok = h(
    'button',
    { type: 'button', class: 'primary', autofocus: true, onClick: close },
    t('closeDialog'),
  );
  return h(
    'div',
    { class: 'appt-saved' },
    h('p', null, `${a.guestName} · ${hostName(a.hostId)}`),
    h('p', null, `${calendarDate(a.date)}, ${a.from}–${a.until}`),
    qrSvg(a.id, `${t('apptCode')} ${a.id}`),
    h('p', null, `${t('apptCode')}: `, h('strong', { class: 'mono', 'data-appointment-code': '' }, a.id)),
    h('div', { class: 'actions' }, ok),
  );
}
