// The panel's own date field: a native <input type=date|month> is drawn in the browser's language
// and locale ("December 2026", 12/07/2026) whatever the panel's, so the desk would read two
// languages. Here: day, month and year as selects (keyboard-friendly: Tab between them, arrows
// or typing pick), the month names in the panel's language, and the whole date written out
// beside them as the panel writes dates ("Senin, 7 Desember 2026"). Values are calendar dates
// of the gateway's time zone ('YYYY-MM-DD', or 'YYYY-MM' without the day).
import { h, nextId, replace } from './dom.js';
import { calendarDate } from './format.js';
import { locale, t } from './i18n.js';

export interface DateField {
  /** The fieldset: put it in a form as a field. */
  el: HTMLElement;
  /** 'YYYY-MM-DD' (or 'YYYY-MM' for a month field). */
  readonly value: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function monthName(month: number): string {
  return new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' }).format(
    Date.UTC(2000, month - 1, 1),
  );
}

export function dateField(opts: {
  label: string;
  /** 'YYYY-MM-DD', or 'YYYY-MM' when withDay is false. */
  value: string;
  /** The years offered, first to last. */
  years: [number, number];
  withDay?: boolean;
  /** 'YYYY-MM-DD': the days and months before it are offered disabled (a reschedule is not in the past). */
  min?: string;
  onChange?: () => void;
}): DateField {
  const withDay = opts.withDay !== false;
  const [y0, m0, d0] = opts.value.split('-').map(Number);
  const sel = (label: string, cls: string) =>
    h('select', { id: nextId('date'), class: cls, 'aria-label': label }) as HTMLSelectElement;
  const day = sel(t('dateDay'), 'date-day');
  const month = sel(t('dateMonth'), 'date-month');
  const year = sel(t('dateYear'), 'date-year');
  const [from, to] = opts.years;
  for (let y = Math.min(from, y0 ?? from); y <= Math.max(to, y0 ?? to); y++)
    year.append(h('option', { value: String(y) }, String(y)));
  for (let m = 1; m <= 12; m++) month.append(h('option', { value: String(m) }, monthName(m)));
  year.value = String(y0);
  month.value = String(m0);
  const shown = h('output', { class: 'date-shown', 'aria-live': 'polite' });
  const [minY, minM, minD] = (opts.min ?? '').split('-').map(Number);
  /** In the min's year, the months before it; in its month, the days before it. */
  const before = (y: number, m: number, d = 31) =>
    minY !== undefined && minM !== undefined && y === minY && (m < minM || (m === minM && d < (minD ?? 1)));
  const fillDays = () => {
    const y = Number(year.value);
    const m = Number(month.value);
    for (const o of month.options) o.disabled = before(y, Number(o.value));
    let keep = Number(day.value) || d0 || 1;
    const n = daysIn(y, m);
    replace(
      day,
      Array.from({ length: n }, (_, i) =>
        h('option', { value: String(i + 1), disabled: before(y, m, i + 1) }, String(i + 1)),
      ),
    );
    if (before(y, m, keep) && minD !== undefined && m === minM) keep = minD;
    day.value = String(Math.min(keep, n));
  };
  const current = () =>
    withDay
      ? `${year.value}-${pad2(Number(month.value))}-${pad2(Number(day.value))}`
      : `${year.value}-${pad2(Number(month.value))}`;
  const show = () => {
    shown.textContent = withDay ? calendarDate(current()) : `${monthName(Number(month.value))} ${year.value}`;
  };
  if (withDay) fillDays();
  show();
  const changed = () => {
    if (withDay) fillDays();
    show();
    opts.onChange?.();
  };
  for (const s of [day, month, year]) s.addEventListener('change', changed);
  const legendId = nextId('legend');
  const el = h(
    'fieldset',
    { class: 'field date-field', 'aria-labelledby': legendId },
    h('legend', { id: legendId }, opts.label),
    h('div', { class: 'date-parts' }, withDay ? day : null, month, year),
    shown,
  );
  return {
    el,
    get value() {
      return current();
    },
  };
}
