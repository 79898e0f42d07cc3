// The guest-book register's words and cell texts, shared by its exporters (CSV, XLSX, PDF) so the
// three agree: column heads, SOP outcomes, the period's title, and how a withheld name, a time
// out on another day and a visit from the desk application read. Document types are the recap's
// (RECAP_LABELS), so one document is named the same on every paper.
import type { GuestRegister, RegisterOutcome, RegisterPeriod, RegisterRow } from '../domain/register.js';
import { localParts } from '../domain/time.js';
import { RECAP_LABELS, type RecapLang, recapMonthTitle } from './labels.js';

export interface RegisterLabels {
  title: string;
  /** Sheet name in the workbook (at most 31 characters). */
  sheet: string;
  printedAt: string;
  timezone: string;
  columns: {
    no: string;
    date: string;
    timeIn: string;
    timeOut: string;
    guest: string;
    institution: string;
    purpose: string;
    host: string;
    badge: string;
    documentType: string;
    outcome: string;
    appointment: string;
    group: string;
    escort: string;
    /** The PDF's one column for the three above (a page is too narrow for three). */
    cameWith: string;
  };
  outcomes: Record<RegisterOutcome, string>;
  /** After the outcome of a visit pushed by the desk application. */
  synced: string;
  /** A withheld name: `${guestAlias} 3`. */
  guestAlias: string;
  /** "Tanggal 1 Desember 2026" / "Bulan Desember 2026". */
  day: string;
  month: string;
  /** Under the title when names are withheld. */
  withheld: (days: number) => string;
  none: string;
  visits: string;
  /** A row without an appointment. */
  walkIn: string;
  /** "ketua" / "leader", and "orang" / "persons" after a group's size. */
  leader: string;
  persons: string;
  minutes: string;
  /** The summary's lines, in order. */
  summary: {
    expected: string;
    walkIn: string;
    noShows: string;
    groups: string;
    groupPersons: string;
    escorted: string;
    ikm: string;
    respondents: string;
    noSurvey: string;
  };
}

const ID: RegisterLabels = {
  title: 'Buku Tamu Biro Umum',
  sheet: 'Buku tamu',
  printedAt: 'Dicetak',
  timezone: 'Zona waktu',
  columns: {
    no: 'No',
    date: 'Tanggal',
    timeIn: 'Jam masuk',
    timeOut: 'Jam keluar',
    guest: 'Nama tamu',
    institution: 'Instansi',
    purpose: 'Keperluan',
    host: 'Pihak yang ditemui',
    badge: 'Kartu tamu',
    documentType: 'Dokumen identitas',
    outcome: 'Keterangan',
    appointment: 'Kedatangan',
    group: 'Rombongan',
    escort: 'Pendamping',
    cameWith: 'Kedatangan / Rombongan / Pendamping',
  },
  outcomes: {
    checked_out: 'Selesai bertamu',
    screening_refused: 'Ditolak saat pemeriksaan',
    host_refused: 'Ditolak pihak yang ditemui',
    rescheduled: 'Dijadwalkan ulang',
    cancelled: 'Dibatalkan',
    inside: 'Masih di dalam',
    expired: 'Habis masa berlaku tanpa selesai bertamu',
    in_progress: 'Masih dalam proses',
  },
  synced: 'dari aplikasi meja tamu',
  guestAlias: 'Tamu',
  day: 'Tanggal',
  month: 'Bulan',
  withheld: (days) =>
    `Nama tamu yang berkunjung lebih dari ${days} hari lalu atau yang datanya telah dihapus disamarkan (UU 27/2022).`,
  none: 'Tidak ada kunjungan',
  visits: 'Jumlah kunjungan',
  walkIn: 'Tanpa janji',
  leader: 'ketua',
  persons: 'orang',
  minutes: 'menit',
  summary: {
    expected: 'Tamu terjadwal',
    walkIn: 'Tamu tanpa janji',
    noShows: 'Tidak datang',
    groups: 'Rombongan',
    groupPersons: 'Orang dalam rombongan',
    escorted: 'Kunjungan didampingi',
    ikm: 'IKM',
    respondents: 'responden',
    noSurvey: 'belum ada responden',
  },
};

const EN: RegisterLabels = {
  title: 'Guest Book, Biro Umum',
  sheet: 'Guest book',
  printedAt: 'Printed',
  timezone: 'Time zone',
  columns: {
    no: 'No',
    date: 'Date',
    timeIn: 'Time in',
    timeOut: 'Time out',
    guest: 'Guest',
    institution: 'Institution',
    purpose: 'Purpose',
    host: 'Person visited',
    badge: 'Badge',
    documentType: 'Identity document',
    outcome: 'Outcome',
    appointment: 'Came',
    group: 'Group',
    escort: 'Escort',
    cameWith: 'Came / Group / Escort',
  },
  outcomes: {
    checked_out: 'Checked out',
    screening_refused: 'Refused at screening',
    host_refused: 'Refused by the person visited',
    rescheduled: 'Rescheduled',
    cancelled: 'Cancelled',
    inside: 'Still inside',
    expired: 'Expired without checkout',
    in_progress: 'In progress',
  },
  synced: 'from the desk application',
  guestAlias: 'Guest',
  day: 'Date',
  month: 'Month',
  withheld: (days) =>
    `Names of guests who visited more than ${days} days ago, or whose data was erased, are withheld (UU 27/2022).`,
  none: 'No visits',
  visits: 'Visits',
  walkIn: 'Walk-in',
  leader: 'leader',
  persons: 'persons',
  minutes: 'min',
  summary: {
    expected: 'Expected guests',
    walkIn: 'Walk-in guests',
    noShows: 'No-shows',
    groups: 'Groups',
    groupPersons: 'Persons in groups',
    escorted: 'Escorted visits',
    ikm: 'IKM',
    respondents: 'respondents',
    noSurvey: 'no respondents yet',
  },
};

export const REGISTER_LABELS: Readonly<Record<RecapLang, RegisterLabels>> = Object.freeze({ id: ID, en: EN });

export function registerLabels(lang: RecapLang): RegisterLabels {
  const L = REGISTER_LABELS[lang];
  if (L === undefined) throw new RangeError(`unsupported language: ${String(lang)}`);
  return L;
}

/** "Tanggal 1 Desember 2026" or "Bulan Desember 2026". */
export function registerPeriodTitle(period: RegisterPeriod, lang: RecapLang): string {
  const L = registerLabels(lang);
  if (period.kind === 'month') return `${L.month} ${recapMonthTitle(period.month, lang)}`;
  const [y, m, d] = period.day.split('-');
  return `${L.day} ${Number(d)} ${recapMonthTitle(`${y}-${m}`, lang)}`;
}

/** The file name of an export: `buku-tamu-2026-12-01.pdf`; both CSV dialects end in `.csv`. */
export function registerFileName(period: RegisterPeriod, format: string): string {
  const ext = format === 'csv-excel' ? 'csv' : format;
  return `buku-tamu-${period.kind === 'day' ? period.day : period.month}.${ext}`;
}

function hhmm(at: number, tz: string): string {
  const p = localParts(at, tz);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** "YYYY-MM-DD HH:MM" local. */
export function localDateTime(at: number, tz: string): string {
  return `${localParts(at, tz).date} ${hhmm(at, tz)}`;
}

/** One row as the texts of its cells, in column order. */
export function registerCells(row: RegisterRow, register: GuestRegister, lang: RecapLang): string[] {
  const L = registerLabels(lang);
  const tz = register.timezone;
  const out =
    row.timeOut === null
      ? ''
      : // A visit that ends on another day says which.
        localParts(row.timeOut, tz).date === row.date
        ? hhmm(row.timeOut, tz)
        : localDateTime(row.timeOut, tz);
  return [
    String(row.no),
    row.date,
    hhmm(row.timeIn, tz),
    out,
    row.guest ?? `${L.guestAlias} ${row.guestAlias ?? ''}`.trim(),
    row.institution,
    purposeText(row, lang),
    row.hostName,
    row.badge ?? '',
    row.documentType === null ? '' : RECAP_LABELS[lang].documentTypes[row.documentType],
    outcomeText(row, lang),
    appointmentText(row, lang),
    groupText(row, lang),
    escortText(row, lang),
  ];
}

/** The appointment (or walk-in), the group and the escort, one per line, for the PDF's one column. */
export function cameWithText(row: RegisterRow, lang: RecapLang): string {
  return [appointmentText(row, lang), groupText(row, lang), escortText(row, lang)].filter(Boolean).join('\n');
}

/** The appointment's code, or "Tanpa janji" (walk-in). */
export function appointmentText(row: RegisterRow, lang: RecapLang): string {
  return row.appointment ?? registerLabels(lang).walkIn;
}

/** "Dinas Kominfo, ketua: Budi (5 orang)"; the leader's own row says "ketua" first. */
export function groupText(row: RegisterRow, lang: RecapLang): string {
  const g = row.group;
  if (!g) return '';
  const L = registerLabels(lang);
  const leader = g.leaderName ?? (g.leaderAlias === null ? '' : `${L.guestAlias} ${g.leaderAlias}`);
  return `${g.leader ? `(${L.leader}) ` : ''}${g.name}, ${L.leader}: ${leader} (${g.persons} ${L.persons})`;
}

/** "Pak Joko, 3 menit": the escort and SOP step 6's time. */
export function escortText(row: RegisterRow, lang: RecapLang): string {
  const e = row.escort;
  if (!e) return '';
  const L = registerLabels(lang);
  const minutes = e.minutes === null ? '' : `${formatMinutes(e.minutes, lang)} ${L.minutes}`;
  return [e.name ?? '', minutes].filter(Boolean).join(', ');
}

function formatMinutes(m: number, lang: RecapLang): string {
  const text = String(Math.round(m * 10) / 10);
  return lang === 'id' ? text.replace('.', ',') : text;
}

/** The summary's lines ("Tamu terjadwal: 3"), as the PDF and the workbook print them under the rows. */
export function summaryLines(register: GuestRegister, lang: RecapLang): string[] {
  const L = registerLabels(lang).summary;
  const s = register.summary;
  const ikm =
    s.survey.ikm === null || s.survey.category === null
      ? `${L.ikm}: ${L.noSurvey}`
      : `${L.ikm}: ${lang === 'id' ? s.survey.ikm.toFixed(2).replace('.', ',') : s.survey.ikm.toFixed(2)} (${s.survey.category.grade}, ${lang === 'id' ? s.survey.category.name : s.survey.category.nameEn}), ${s.survey.respondents} ${L.respondents}`;
  return [
    `${L.expected}: ${s.expected}`,
    `${L.walkIn}: ${s.walkIn}`,
    `${L.noShows}: ${s.noShows}`,
    `${L.groups}: ${s.groups} (${L.groupPersons}: ${s.groupPersons})`,
    `${L.escorted}: ${s.escorted}`,
    ikm,
  ];
}

/** The purpose as the register writes it: its category's name first ("Rapat: ..."), when it has one. */
export function purposeText(row: RegisterRow, lang: RecapLang): string {
  const c = row.purposeCategory;
  if (!c) return row.purpose;
  return `${lang === 'en' ? c.nameEn : c.name}: ${row.purpose}`;
}

export function outcomeText(row: RegisterRow, lang: RecapLang): string {
  const L = registerLabels(lang);
  return row.synced ? `${L.outcomes[row.outcome]} (${L.synced})` : L.outcomes[row.outcome];
}

/** Column heads in order (the cells' order). */
export function registerHeads(lang: RecapLang): string[] {
  const c = registerLabels(lang).columns;
  return [
    c.no,
    c.date,
    c.timeIn,
    c.timeOut,
    c.guest,
    c.institution,
    c.purpose,
    c.host,
    c.badge,
    c.documentType,
    c.outcome,
    c.appointment,
    c.group,
    c.escort,
  ];
}
