// Identity document numbers held as collateral at the desk: each type checked against its
// format before the number is masked and kept (a masked typo can never be corrected, and a
// document that cannot be one should not be taken). Pure.
//
// Sources for the formats:
// - NIK (Nomor Induk Kependudukan, on the KTP / e-KTP; UU 23/2006 as amended by UU 24/2013):
//   16 digits PPRRSSDDMMYYXXXX: PP province, RR regency (kabupaten 01..) or city (kota 71..),
//   SS district (kecamatan), DDMMYY the birth date with 40 added to the day for women, XXXX a
//   serial from 0001 (id.wikipedia.org "Nomor Induk Kependudukan"; python-stdnum's `id.nik`
//   reads it the same way). Province codes: Kemendagri's region codes (Kepmendagri
//   100.1.1-6117/2022), 38 provinces since the four Papua provinces of 2022 (93 Papua
//   Selatan, 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya).
// - SIM (driving licence): 12 digits on the older cards, 14 on the newer ones; both are taken.
// - Passport: Indonesian ones are one letter and 7 digits (A, B, C, X for the e-passport...);
//   foreign ones 6 to 9 letters and digits (ICAO 9303 allows up to 9).
// - Student card (NIS / NIM) and Surat Tugas (a letter number like 800/1234/013/2024) have no
//   national format: a plausible length, digits in them, and the characters such numbers use.
import { DomainError } from './errors.js';
import type { DocumentType } from './types.js';

/** The rules a document number can break: stable codes the panel translates. */
export type DocumentRule =
  | 'nik_format'
  | 'nik_province'
  | 'nik_regency'
  | 'nik_district'
  | 'nik_birth_date'
  | 'nik_serial'
  | 'sim_format'
  | 'passport_format'
  | 'student_card_format'
  | 'surat_tugas_format';

/** The province codes of a NIK (the two first digits), as of 2024. */
export const NIK_PROVINCES: ReadonlyMap<string, string> = new Map([
  ['11', 'Aceh'],
  ['12', 'Sumatera Utara'],
  ['13', 'Sumatera Barat'],
  ['14', 'Riau'],
  ['15', 'Jambi'],
  ['16', 'Sumatera Selatan'],
  ['17', 'Bengkulu'],
  ['18', 'Lampung'],
  ['19', 'Kepulauan Bangka Belitung'],
  ['21', 'Kepulauan Riau'],
  ['31', 'DKI Jakarta'],
  ['32', 'Jawa Barat'],
  ['33', 'Jawa Tengah'],
  ['34', 'DI Yogyakarta'],
  ['35', 'Jawa Timur'],
  ['36', 'Banten'],
  ['51', 'Bali'],
  ['52', 'Nusa Tenggara Barat'],
  ['53', 'Nusa Tenggara Timur'],
  ['61', 'Kalimantan Barat'],
  ['62', 'Kalimantan Tengah'],
  ['63', 'Kalimantan Selatan'],
  ['64', 'Kalimantan Timur'],
  ['65', 'Kalimantan Utara'],
  ['71', 'Sulawesi Utara'],
  ['72', 'Sulawesi Tengah'],
  ['73', 'Sulawesi Selatan'],
  ['74', 'Sulawesi Tenggara'],
  ['75', 'Gorontalo'],
  ['76', 'Sulawesi Barat'],
  ['81', 'Maluku'],
  ['82', 'Maluku Utara'],
  ['91', 'Papua'],
  ['92', 'Papua Barat'],
  ['93', 'Papua Selatan'],
  ['94', 'Papua Tengah'],
  ['95', 'Papua Pegunungan'],
  ['96', 'Papua Barat Daya'],
]);

/** What people type between groups of a number: dropped before the check, as the mask does. */
export function compactDocumentNumber(raw: string): string {
  return raw.replace(/[\s.-]/g, '').toUpperCase();
}

function refuse(rule: DocumentRule, message: string): never {
  throw new DomainError('invalid', message, 'collateral.number', { rule });
}

/** A real date: day 1..31 of month 1..12 in year 19YY or 20YY (the NIK does not say which). */
function isBirthDate(day: number, month: number, yy: number): boolean {
  for (const year of [1900 + yy, 2000 + yy]) {
    const d = new Date(Date.UTC(year, month - 1, day));
    if (d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day) return true;
  }
  return false;
}

function checkNik(n: string): void {
  if (!/^\d{16}$/.test(n)) refuse('nik_format', `a NIK is 16 digits; this has ${n.length} characters`);
  const province = n.slice(0, 2);
  if (!NIK_PROVINCES.has(province)) {
    refuse('nik_province', `a NIK starts with a province code (11..96); ${province} is none`);
  }
  const regency = Number(n.slice(2, 4));
  // Kabupaten are numbered from 01, kota from 71; no province has more than 79 of either.
  if (regency < 1 || regency > 79) {
    refuse(
      'nik_regency',
      `digits 3-4 of a NIK are a regency (01..) or city (71..79) code; ${n.slice(2, 4)} is none`,
    );
  }
  if (n.slice(4, 6) === '00') refuse('nik_district', 'digits 5-6 of a NIK are a district code, never 00');
  const dd = Number(n.slice(6, 8));
  const day = dd > 40 ? dd - 40 : dd;
  if (!isBirthDate(day, Number(n.slice(8, 10)), Number(n.slice(10, 12)))) {
    refuse(
      'nik_birth_date',
      `digits 7-12 of a NIK are the birth date DDMMYY (40 added to the day for women); ${n.slice(6, 12)} is no date`,
    );
  }
  if (n.slice(12) === '0000') refuse('nik_serial', 'the last 4 digits of a NIK are a serial from 0001');
}

/**
 * Throws DomainError 'invalid' (field collateral.number, detail.rule) when `raw` cannot be a
 * number of a document of that type. Spaces, dots and dashes between groups are allowed.
 */
export function checkDocumentNumber(type: DocumentType, raw: string): void {
  const n = compactDocumentNumber(raw);
  switch (type) {
    case 'ktp':
      checkNik(n);
      return;
    case 'sim':
      if (!/^(\d{12}|\d{14})$/.test(n))
        refuse('sim_format', 'a SIM number is 12 digits (14 on the newer cards)');
      return;
    case 'passport':
      if (!/^[A-Z0-9]{6,9}$/.test(n) || !/\d/.test(n)) {
        refuse(
          'passport_format',
          'a passport number is 6 to 9 letters and digits (Indonesian: one letter and 7 digits)',
        );
      }
      return;
    case 'student_card':
      if (!/^[A-Z0-9]{4,20}$/.test(n) || !/\d/.test(n)) {
        refuse('student_card_format', 'a student number is 4 to 20 letters and digits, with digits in it');
      }
      return;
    case 'surat_tugas':
      if (!/^[A-Z0-9/]{4,40}$/.test(n) || !/\d/.test(n)) {
        refuse(
          'surat_tugas_format',
          'a letter number is 4 to 40 letters, digits and slashes (e.g. 800/1234/013/2024), with digits in it',
        );
      }
      return;
  }
}
