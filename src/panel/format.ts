// Dates and times in the gateway's time zone (Asia/Jakarta by default), whatever the browser's.
import { getLang, locale } from './i18n.js';

let zone = 'Asia/Jakarta';
/** Server clock minus browser clock, so timers run on the gateway's time. */
let offset = 0;

export function setClock(timezone: string, serverNow: number): void {
  zone = timezone;
  offset = serverNow - Date.now();
}

export function now(): number {
  return Date.now() + offset;
}

export function timezone(): string {
  return zone;
}

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${getLang()}|${zone}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), { timeZone: zone, ...opts });
    cache.set(key, f);
  }
  return f;
}

/** "09.05" (id) / "09:05" (en) */
export function time(at: number): string {
  return fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** "Senin, 30 November 2026" */
export function longDate(at: number): string {
  return fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at);
}

/** "30 Nov 2026 09.05" */
export function dateTime(at: number): string {
  return fmt({
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

/** A calendar date 'YYYY-MM-DD' as "Selasa, 1 Desember 2026" (no zone shift). */
export function calendarDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(Date.UTC(y!, m! - 1, d!));
}

/** Local wall-clock parts of `at` in the gateway's zone. */
export function localDate(at: number): { date: string; month: string; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const wd = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(get('weekday')) + 1;
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    month: `${get('year')}-${get('month')}`,
    weekday: wd,
  };
}

/** 'YYYY-MM-DD' plus n days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}

/** "1:05" for 65 s; "1:02:05" past an hour. */
export function duration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function number(n: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(
    n,
  );
}
