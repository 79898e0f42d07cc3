// The letterhead of every printed or exported recap (SOP step 8): the recap goes to the
// Kasubbag, so the institution's heading is always in Bahasa Indonesia, whatever the language
// of the figures below it.
import type { RecapLang } from './labels.js';

export const RECAP_HEADING: readonly string[] = [
  'PEMERINTAH PROVINSI JAWA TIMUR',
  'SEKRETARIAT DAERAH',
  'BIRO UMUM',
];

/** Words the exporters need beyond the recap's own labels (RECAP_LABELS). */
export const EXPORT_WORDS: Readonly<
  Record<
    RecapLang,
    {
      generatedAt: string;
      page: (n: number, of: number) => string;
      total: string;
      weekday: string;
      weekdays: readonly string[];
      notReturnedNone: string;
      preparedBy: string;
      receptionist: string;
      acknowledged: string;
      kasubbag: string;
      place: string;
      chartByDay: string;
      value: string;
      details: string;
      returns: string;
    }
  >
> = Object.freeze({
  id: {
    generatedAt: 'Dibuat',
    page: (n, of) => `Halaman ${n} dari ${of}`,
    total: 'Jumlah',
    weekday: 'Hari',
    weekdays: ['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu'],
    notReturnedNone: 'Tidak ada',
    preparedBy: 'Dibuat oleh,',
    receptionist: 'Penerima Tamu',
    acknowledged: 'Mengetahui,',
    kasubbag: 'Kepala Subbagian',
    place: 'Surabaya',
    chartByDay: 'Kunjungan per hari',
    value: 'Nilai',
    details: 'Rincian',
    returns: 'Belum kembali',
  },
  en: {
    generatedAt: 'Generated',
    page: (n, of) => `Page ${n} of ${of}`,
    total: 'Total',
    weekday: 'Day',
    weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    notReturnedNone: 'None',
    preparedBy: 'Prepared by,',
    receptionist: 'Receptionist',
    acknowledged: 'Acknowledged,',
    kasubbag: 'Head of Subdivision',
    place: 'Surabaya',
    chartByDay: 'Visits per day',
    value: 'Value',
    details: 'Details',
    returns: 'Not returned',
  },
});
