// The monthly and yearly recaps as CSV for spreadsheets (SOP step 8), in two dialects:
// - 'rfc4180', for machines: comma separated, fields quoted when they hold a comma, quote or line
//   break, CRLF line ends, dot decimals, ISO dates, UTF-8 with a byte order mark;
// - 'excel-id', for Excel set to Indonesian (list separator ';', decimal comma, dates d/m/y): the
//   same records with ';' between fields, '12,5' and '30/11/2026 08:05', so each cell lands in its
//   column and numbers and dates are numbers and dates (with ',' every row was one column, and
//   '0.01' was text). The byte order mark tells Excel the text is UTF-8.
// Sections in Bahasa Indonesia by default, English on request; the label tables (RECAP_LABELS)
// are shared with the other recap exporters.

import type {
  MonthlyRecap,
  RecapBadgeNotReturned,
  RecapItem,
  RecapStepStats,
  RecapSynced,
  SopStep,
} from '../domain/recap.js';
import { inLanguage } from '../domain/recap.js';
import type { SurveyRecap } from '../domain/survey.js';
import { localParts } from '../domain/time.js';
import type { DenyReason, DocumentType, ScreeningReason } from '../domain/types.js';
import { SCREENING_REASONS } from '../domain/types.js';
import type { YearlyRecap } from '../domain/yearly-recap.js';
import { SURVEY_LABELS, surveyRows } from './survey-table.js';

export type RecapLang = 'id' | 'en';

export interface RecapLabels {
  title: string;
  /** The yearly recap's title, before the year. */
  yearTitle: string;
  year: string;
  byMonth: string;
  /** January .. December. */
  months: readonly string[];
  month: string;
  timezone: string;
  summary: string;
  visits: string;
  screeningRefused: string;
  /** "Alasan: alas kaki" = `${reason}: ${screeningReasons.shoes}` */
  reason: string;
  screeningReasons: Record<ScreeningReason, string>;
  hostRefused: string;
  rescheduled: string;
  cancelled: string;
  accepted: string;
  badgesIssued: string;
  checkedOut: string;
  /** Arrivals with an appointment (tamu terjadwal), without one, and appointments missed. */
  expected: string;
  walkIn: string;
  noShows: string;
  /** Group visits (rombongan) and the persons who came in them. */
  groups: string;
  groupPersons: string;
  averageVisitMinutes: string;
  byHost: string;
  byUnit: string;
  byInstitution: string;
  byPurpose: string;
  byDay: string;
  byHour: string;
  host: string;
  unit: string;
  institution: string;
  purpose: string;
  date: string;
  hour: string;
  count: string;
  doors: string;
  door: string;
  entries: string;
  exits: string;
  denials: string;
  denyReasons: Record<DenyReason, string>;
  badgesNotReturned: string;
  documentsNotReturned: string;
  visitId: string;
  badge: string;
  issuedAt: string;
  checkedOutAt: string;
  note: string;
  badgeReasons: Record<RecapBadgeNotReturned['reason'], string>;
  documentType: string;
  documentTypes: Record<DocumentType, string>;
  steps: string;
  step: string;
  standardMinutes: string;
  mean: string;
  median: string;
  p90: string;
  overStandard: string;
  stepNames: Record<SopStep, string>;
  /** Under the step times, when some visits' steps were done in the desk application. */
  synced: string;
  /** Shown for an empty name (e.g. no institution given). */
  unknown: string;
}

const ID: RecapLabels = {
  title: 'Rekapitulasi Kunjungan Tamu Biro Umum',
  yearTitle: 'Rekapitulasi Tahunan Kunjungan Tamu Biro Umum',
  year: 'Tahun',
  byMonth: 'Per bulan',
  months: [
    'Januari',
    'Februari',
    'Maret',
    'April',
    'Mei',
    'Juni',
    'Juli',
    'Agustus',
    'September',
    'Oktober',
    'November',
    'Desember',
  ],
  month: 'Bulan',
  timezone: 'Zona waktu',
  summary: 'Ringkasan',
  visits: 'Jumlah kunjungan',
  screeningRefused: 'Ditolak saat pemeriksaan',
  reason: 'Alasan',
  screeningReasons: { shoes: 'alas kaki', attire: 'pakaian', belongings: 'barang bawaan', other: 'lainnya' },
  hostRefused: 'Ditolak pihak yang ditemui',
  rescheduled: 'Dijadwalkan ulang',
  cancelled: 'Dibatalkan',
  accepted: 'Diterima pihak yang ditemui',
  badgesIssued: 'Kartu tamu diterbitkan',
  checkedOut: 'Selesai bertamu (kartu kembali)',
  expected: 'Tamu terjadwal yang datang',
  walkIn: 'Tamu tanpa janji',
  noShows: 'Tamu terjadwal yang tidak datang',
  groups: 'Rombongan',
  groupPersons: 'Tamu dalam rombongan (orang)',
  averageVisitMinutes: 'Rata-rata lama kunjungan (menit)',
  byHost: 'Per pihak yang ditemui',
  byUnit: 'Per unit',
  byInstitution: 'Per instansi',
  byPurpose: 'Per keperluan',
  byDay: 'Per hari',
  byHour: 'Per jam',
  host: 'Pihak yang ditemui',
  unit: 'Unit',
  institution: 'Instansi',
  purpose: 'Keperluan',
  date: 'Tanggal',
  hour: 'Jam',
  count: 'Jumlah',
  doors: 'Masuk / keluar per pintu',
  door: 'Pintu',
  entries: 'Masuk',
  exits: 'Keluar',
  denials: 'Akses ditolak per alasan',
  denyReasons: {
    unknown_reader: 'Pembaca kartu tidak dikenal',
    unknown_badge: 'Kartu tidak dikenal',
    badge_lost: 'Kartu dilaporkan hilang',
    badge_not_assigned: 'Kartu belum dipasangkan ke kunjungan',
    visit_not_approved: 'Kunjungan belum disetujui',
    visit_expired: 'Masa kunjungan berakhir',
    checked_out: 'Kunjungan sudah selesai',
    door_not_allowed: 'Pintu tidak diizinkan',
    outside_hours: 'Di luar jam layanan',
    lockdown: 'Penguncian darurat',
    anti_passback: 'Anti-passback',
    unknown_code: 'Kode akses tidak dikenal',
    no_keypad: 'Pembaca tanpa keypad',
    keypad_locked: 'Keypad terkunci',
    credential_invalid: 'Kartu gagal autentikasi (salinan atau kunci salah)',
    awaiting_escort: 'Menunggu kartu pendamping',
    awaiting_guest: 'Kartu pendamping menunggu tamu',
    escort_required: 'Kartu pendamping saja tidak membuka pintu',
    syncing: 'Gerbang sedang menyelaraskan dengan meja tamu',
  },
  badgesNotReturned: 'Kartu belum kembali',
  documentsNotReturned: 'Dokumen identitas belum dikembalikan',
  visitId: 'ID kunjungan',
  badge: 'Kartu',
  issuedAt: 'Waktu diterbitkan',
  checkedOutAt: 'Waktu selesai bertamu',
  note: 'Keterangan',
  badgeReasons: { checkout: 'Tidak dikembalikan saat selesai bertamu', open: 'Belum selesai bertamu' },
  documentType: 'Jenis dokumen',
  documentTypes: {
    ktp: 'KTP',
    sim: 'SIM',
    passport: 'Paspor',
    student_card: 'Kartu pelajar/mahasiswa',
    surat_tugas: 'Surat tugas',
  },
  steps: 'Waktu langkah SOP vs standar',
  step: 'Langkah',
  standardMinutes: 'Standar (menit)',
  mean: 'Rata-rata (menit)',
  median: 'Median (menit)',
  p90: 'Persentil 90 (menit)',
  overStandard: 'Melebihi standar',
  synced: 'Kunjungan dari aplikasi meja tamu (langkah yang dikerjakan di sana tidak diukur)',
  stepNames: {
    screening: 'Keperluan dan pemeriksaan',
    guestbook: 'Salam dan buku tamu',
    confirmation: 'Konfirmasi pihak yang ditemui',
    badge: 'Penyerahan kartu tamu',
    escort: 'Pengantaran tamu',
  },
  unknown: '(tidak diisi)',
};

const EN: RecapLabels = {
  title: 'Guest Visit Recap, Biro Umum',
  yearTitle: 'Yearly Guest Visit Recap, Biro Umum',
  year: 'Year',
  byMonth: 'By month',
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  month: 'Month',
  timezone: 'Time zone',
  summary: 'Summary',
  visits: 'Visits',
  screeningRefused: 'Refused at screening',
  reason: 'Reason',
  screeningReasons: { shoes: 'footwear', attire: 'attire', belongings: 'belongings', other: 'other' },
  hostRefused: 'Refused by host',
  rescheduled: 'Rescheduled (host absent)',
  cancelled: 'Cancelled',
  accepted: 'Accepted by host',
  badgesIssued: 'Visitor badges issued',
  checkedOut: 'Visits completed (checkout)',
  expected: 'Expected guests who came',
  walkIn: 'Walk-in guests',
  noShows: 'Expected guests who did not come (no-shows)',
  groups: 'Group visits',
  groupPersons: 'Guests in groups (persons)',
  averageVisitMinutes: 'Average visit duration (minutes)',
  byHost: 'By host',
  byUnit: 'By unit',
  byInstitution: 'By institution',
  byPurpose: 'By purpose',
  byDay: 'By day',
  byHour: 'By hour',
  host: 'Host',
  unit: 'Unit',
  institution: 'Institution',
  purpose: 'Purpose',
  date: 'Date',
  hour: 'Hour',
  count: 'Count',
  doors: 'Entries / exits per door',
  door: 'Door',
  entries: 'Entries',
  exits: 'Exits',
  denials: 'Access denied by reason',
  denyReasons: {
    unknown_reader: 'Unknown reader',
    unknown_badge: 'Unknown badge',
    badge_lost: 'Badge reported lost',
    badge_not_assigned: 'Badge not assigned to a visit',
    visit_not_approved: 'Visit not approved',
    visit_expired: 'Visit expired',
    checked_out: 'Visit already checked out',
    door_not_allowed: 'Door not allowed',
    outside_hours: 'Outside opening hours',
    lockdown: 'Lockdown',
    anti_passback: 'Anti-passback',
    unknown_code: 'Unknown access code',
    no_keypad: 'Reader has no keypad',
    keypad_locked: 'Keypad locked',
    credential_invalid: 'Badge failed authentication (clone or wrong key)',
    awaiting_escort: 'Waiting for an escort card',
    awaiting_guest: 'Escort card waiting for a guest',
    escort_required: 'An escort card alone opens nothing',
    syncing: 'Gateway catching up with the desk',
  },
  badgesNotReturned: 'Badges not returned',
  documentsNotReturned: 'Identity documents not returned',
  visitId: 'Visit ID',
  badge: 'Badge',
  issuedAt: 'Issued at',
  checkedOutAt: 'Checked out at',
  note: 'Note',
  badgeReasons: { checkout: 'Not returned at checkout', open: 'Not checked out' },
  documentType: 'Document type',
  documentTypes: {
    ktp: 'KTP (identity card)',
    sim: 'SIM (driving licence)',
    passport: 'Passport',
    student_card: 'Student card',
    surat_tugas: 'Letter of assignment',
  },
  steps: 'SOP step times vs standard',
  step: 'Step',
  standardMinutes: 'Standard (minutes)',
  mean: 'Mean (minutes)',
  median: 'Median (minutes)',
  p90: '90th percentile (minutes)',
  overStandard: 'Over standard',
  synced: 'Visits from the desk application (steps done there are not timed)',
  stepNames: {
    screening: 'Purpose and screening',
    guestbook: 'Greeting and guest book',
    confirmation: 'Host confirmation',
    badge: 'Badge handover',
    escort: 'Escort',
  },
  unknown: '(not given)',
};

/** The recap's labels per language, for every recap exporter (CSV, XLSX, PDF). */
export const RECAP_LABELS: Readonly<Record<RecapLang, RecapLabels>> = Object.freeze({ id: ID, en: EN });

/** "Desember 2026" for '2026-12'. */
export function recapMonthTitle(month: string, lang: RecapLang = 'id'): string {
  const [y, m] = month.split('-');
  const name = RECAP_LABELS[lang].months[Number(m) - 1];
  return name === undefined ? month : `${name} ${y}`;
}

// ---------------------------------------------------------------- RFC 4180 and Excel (id-ID)

/** How the CSV is written: for machines (RFC 4180), or for Excel set to Indonesian. */
export type CsvDialect = 'rfc4180' | 'excel-id';

/** A local calendar date ('YYYY-MM-DD'), with a wall-clock time ('HH:MM') when it is an instant. */
export interface CsvDate {
  date: string;
  time?: string;
}

export type Cell = string | number | CsvDate | null;

const BOM = '\uFEFF';
const CRLF = '\r\n';
const SEPARATOR: Readonly<Record<CsvDialect, string>> = { rfc4180: ',', 'excel-id': ';' };

/** '2026-11-30' as Indonesian Excel reads a date: '30/11/2026'. */
function dayMonthYear(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/**
 * One field. Numbers as written (a decimal comma for Excel); dates ISO, or d/m/y for Excel; null
 * empty; text quoted when it holds a separator (either), quote, CR or LF. Text that a spreadsheet
 * would run as a formula (= + - @ tab CR first) gets a leading apostrophe: institution and
 * purpose are typed in by guests' hands.
 */
export function csvField(value: Cell, dialect: CsvDialect = 'rfc4180'): string {
  if (value === null) return '';
  const excel = dialect === 'excel-id';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    return excel ? String(value).replace('.', ',') : String(value);
  }
  if (typeof value === 'object') {
    const date = excel ? dayMonthYear(value.date) : value.date;
    return value.time === undefined ? date : `${date} ${value.time}`;
  }
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Records as CSV text: the byte order mark, then every record ended by CRLF. */
export function csvText(rows: readonly (readonly Cell[])[], dialect: CsvDialect = 'rfc4180'): string {
  const sep = SEPARATOR[dialect];
  return BOM + rows.map((cells) => cells.map((c) => csvField(c, dialect)).join(sep) + CRLF).join('');
}

/** The sections the monthly and the yearly recap share, written to `rows`. */
class Sheet {
  readonly rows: Cell[][] = [];
  constructor(readonly L: RecapLabels) {}
  blank(): void {
    this.rows.push([]);
  }
  row(...cells: Cell[]): void {
    this.rows.push(cells);
  }
  name(label: string): string {
    return label === '' ? this.L.unknown : label;
  }
  summary(recap: MonthlyRecap | YearlyRecap): void {
    const L = this.L;
    this.blank();
    this.row(L.summary);
    this.row(L.visits, recap.totals.visits);
    this.row(L.screeningRefused, recap.totals.screeningRefused);
    for (const r of SCREENING_REASONS) {
      const count = recap.screeningReasons.find((it) => it.key === r)?.count ?? 0;
      this.row(`${L.reason}: ${L.screeningReasons[r]}`, count);
    }
    this.row(L.hostRefused, recap.totals.hostRefused);
    this.row(L.rescheduled, recap.totals.rescheduled);
    this.row(L.cancelled, recap.totals.cancelled);
    this.row(L.accepted, recap.totals.accepted);
    this.row(L.badgesIssued, recap.totals.badgesIssued);
    this.row(L.checkedOut, recap.totals.checkedOut);
    this.row(L.expected, recap.totals.expected);
    this.row(L.walkIn, recap.totals.walkIn);
    this.row(L.noShows, recap.totals.noShows);
    this.row(L.groups, recap.totals.groups);
    this.row(L.groupPersons, recap.totals.groupPersons);
    this.row(L.averageVisitMinutes, recap.averageVisitMinutes);
  }
  breakdown(title: string, column: string, list: readonly RecapItem[]): void {
    this.blank();
    this.row(title);
    this.row(column, this.L.count);
    for (const it of list) this.row(this.name(it.label), it.count);
  }
  breakdowns(recap: MonthlyRecap | YearlyRecap, lang: RecapLang): void {
    const L = this.L;
    this.breakdown(L.byHost, L.host, recap.byHost);
    this.breakdown(L.byUnit, L.unit, recap.byUnit);
    this.breakdown(L.byInstitution, L.institution, recap.byInstitution);
    this.breakdown(L.byPurpose, L.purpose, inLanguage(recap.byPurpose, lang));
  }
  hours(list: readonly RecapItem[]): void {
    this.blank();
    this.row(this.L.byHour);
    this.row(this.L.hour, this.L.count);
    for (const h of list) this.row(`${h.key}:00-${h.key}:59`, h.count);
  }
  doorsAndDenials(recap: MonthlyRecap | YearlyRecap): void {
    const L = this.L;
    this.blank();
    this.row(L.doors);
    this.row(L.door, L.entries, L.exits);
    for (const d of recap.doors) this.row(this.name(d.label), d.entries, d.exits);
    this.blank();
    this.row(L.denials);
    this.row(L.reason, L.count);
    for (const d of recap.denials) this.row(L.denyReasons[d.key as DenyReason] ?? d.label, d.count);
  }
  steps(list: readonly RecapStepStats[], synced: RecapSynced): void {
    const L = this.L;
    this.blank();
    this.row(L.steps);
    this.row(L.step, L.standardMinutes, L.count, L.mean, L.median, L.p90, L.overStandard);
    for (const s of list) {
      this.row(
        L.stepNames[s.step],
        s.standardMinutes,
        s.count,
        s.meanMinutes,
        s.medianMinutes,
        s.p90Minutes,
        s.overStandard,
      );
    }
    if (synced.visits > 0) this.row(L.synced, synced.visits);
  }
  /** The period's satisfaction survey, last (reports/survey-csv.ts). */
  survey(survey: SurveyRecap | undefined, lang: RecapLang): void {
    if (!survey) return;
    this.blank();
    this.row(SURVEY_LABELS[lang].title);
    this.rows.push(...surveyRows(survey, lang));
  }
  text(dialect: CsvDialect): string {
    return csvText(this.rows, dialect);
  }
}

function labelsOf(lang: RecapLang): RecapLabels {
  const L = RECAP_LABELS[lang];
  if (L === undefined) throw new RangeError(`unsupported language: ${String(lang)}`);
  return L;
}

/** The recap as CSV text (UTF-8 BOM first, CRLF after every record). */
export function recapToCsv(
  recap: MonthlyRecap,
  lang: RecapLang = 'id',
  dialect: CsvDialect = 'rfc4180',
  survey?: SurveyRecap,
): string {
  const L = labelsOf(lang);
  const sheet = new Sheet(L);
  const localTime = (at: number): CsvDate => {
    const p = localParts(at, recap.timezone);
    return { date: p.date, time: `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}` };
  };

  sheet.row(`${L.title} - ${recapMonthTitle(recap.month, lang)}`);
  sheet.row(L.month, recapMonthTitle(recap.month, lang));
  sheet.row(L.timezone, recap.timezone);
  sheet.summary(recap);
  sheet.breakdowns(recap, lang);

  sheet.blank();
  sheet.row(L.byDay);
  sheet.row(L.date, L.count);
  for (const d of recap.byDay) sheet.row({ date: d.key }, d.count);

  sheet.hours(recap.byHour);
  sheet.doorsAndDenials(recap);

  sheet.blank();
  sheet.row(L.badgesNotReturned, recap.badgesNotReturned.length);
  sheet.row(L.visitId, L.badge, L.host, L.issuedAt, L.note);
  for (const b of recap.badgesNotReturned) {
    sheet.row(
      b.visitId,
      b.badgeLabel,
      sheet.name(b.hostName),
      localTime(b.issuedAt),
      L.badgeReasons[b.reason],
    );
  }

  sheet.blank();
  sheet.row(L.documentsNotReturned, recap.documentsNotReturned.length);
  sheet.row(L.visitId, L.documentType, L.host, L.checkedOutAt);
  for (const d of recap.documentsNotReturned) {
    sheet.row(
      d.visitId,
      d.documentType === null ? L.unknown : L.documentTypes[d.documentType],
      sheet.name(d.hostName),
      localTime(d.checkedOutAt),
    );
  }

  sheet.steps(recap.steps, recap.synced);
  sheet.survey(survey, lang);
  return sheet.text(dialect);
}

/** The yearly recap as CSV text: the year's sums, then one row per month. */
export function yearlyRecapToCsv(
  recap: YearlyRecap,
  lang: RecapLang = 'id',
  dialect: CsvDialect = 'rfc4180',
  survey?: SurveyRecap,
): string {
  const L = labelsOf(lang);
  const sheet = new Sheet(L);
  sheet.row(`${L.yearTitle} ${recap.year}`);
  sheet.row(L.year, recap.year);
  sheet.row(L.timezone, recap.timezone);
  sheet.summary(recap);
  sheet.row(L.badgesNotReturned, recap.badgesNotReturned);
  sheet.row(L.documentsNotReturned, recap.documentsNotReturned);

  sheet.blank();
  sheet.row(L.byMonth);
  sheet.row(
    L.month,
    L.visits,
    L.screeningRefused,
    L.hostRefused,
    L.accepted,
    L.badgesIssued,
    L.checkedOut,
    L.expected,
    L.walkIn,
    L.noShows,
    L.groups,
    L.groupPersons,
    L.averageVisitMinutes,
    L.entries,
    L.exits,
    L.denials,
    L.badgesNotReturned,
    L.documentsNotReturned,
  );
  for (const m of recap.byMonth) {
    sheet.row(
      recapMonthTitle(m.month, lang),
      m.totals.visits,
      m.totals.screeningRefused,
      m.totals.hostRefused,
      m.totals.accepted,
      m.totals.badgesIssued,
      m.totals.checkedOut,
      m.totals.expected,
      m.totals.walkIn,
      m.totals.noShows,
      m.totals.groups,
      m.totals.groupPersons,
      m.averageVisitMinutes,
      m.entries,
      m.exits,
      m.denied,
      m.badgesNotReturned,
      m.documentsNotReturned,
    );
  }

  sheet.breakdowns(recap, lang);
  sheet.hours(recap.byHour);
  sheet.doorsAndDenials(recap);
  sheet.steps(recap.steps, recap.synced);
  sheet.survey(survey, lang);
  return sheet.text(dialect);
}
