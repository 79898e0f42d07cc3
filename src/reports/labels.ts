// The recap's words in Bahasa Indonesia and English: section titles, column heads, month names
// and the names of reasons, documents and SOP steps. One table per language, read by every recap
// writer (CSV, XLSX, PDF, the guest register) and by the panel's recap view, so a label changed
// here changes in each of them alike.

import type { RecapBadgeNotReturned, SopStep } from '../domain/recap.js';
import type { DenyReason, DocumentType, ScreeningReason } from '../domain/types.js';

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
