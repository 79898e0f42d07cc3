// Identity document numbers (issue 13, item 5): each document type is checked against its
// format before the number is masked and kept; a refusal names the field and the rule broken.
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkDocumentNumber, NIK_PROVINCES } from '../../src/domain/documents.js';
import { DomainError } from '../../src/domain/errors.js';

/** The rule a number breaks, or 'ok'. */
function rule(type: Parameters<typeof checkDocumentNumber>[0], number: string): string {
  try {
    checkDocumentNumber(type, number);
    return 'ok';
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    expect(e.code).toBe('invalid');
    expect(e.field).toBe('collateral.number');
    return e.detail.rule ?? 'none';
  }
}

describe('NIK (KTP / e-KTP)', () => {
  it.each([
    ['3578014107900001', 'a woman born 1 July 1990, Kota Surabaya'],
    ['3171011708450001', 'a man born 17 August 1945, Jakarta Pusat'],
    ['3515140508680001', 'Kabupaten Sidoarjo'],
    ['3171012902001234', '29 February 2000 (1900 was no leap year, 2000 was)'],
    ['9601014107900001', 'Papua Barat Daya (96, since 2022)'],
    ['3578 0141 0790 0001', 'with spaces'],
    ['35.78.01.410790.0001', 'with dots'],
  ])('accepts %s (%s)', (nik) => {
    expect(rule('ktp', nik)).toBe('ok');
  });

  it.each([
    ['abcd', 'nik_format'],
    ['357801410790000', 'nik_format'], // 15 digits
    ['35780141079000011', 'nik_format'], // 17 digits
    ['357801410790000A', 'nik_format'],
    ['9978014107900001', 'nik_province'], // no province 99
    ['2078014107900001', 'nik_province'], // 20 is none
    ['5478014107900001', 'nik_province'], // Timor Timur's old code, not in use
    ['3500014107900001', 'nik_regency'],
    ['3585014107900001', 'nik_regency'],
    ['3578004107900001', 'nik_district'],
    ['3578013207900001', 'nik_birth_date'], // day 32
    ['3578010007900001', 'nik_birth_date'], // day 0
    ['3578017207900001', 'nik_birth_date'], // 72 - 40 = 32
    ['3578014013900001', 'nik_birth_date'], // month 13
    ['3578013102900001', 'nik_birth_date'], // 31 February
    ['3578012902010001', 'nik_birth_date'], // 29 February 1901 / 2001
    ['3578014107900000', 'nik_serial'],
  ])('refuses %s: %s', (nik, expected) => {
    expect(rule('ktp', nik)).toBe(expected);
  });

  it('knows the 38 provinces of 2024 and nothing else', () => {
    expect(NIK_PROVINCES.size).toBe(38);
    for (let p = 0; p < 100; p++) {
      const code = String(p).padStart(2, '0');
      expect(rule('ktp', `${code}78014107900001`) !== 'nik_province', code).toBe(NIK_PROVINCES.has(code));
    }
  });

  const nik = fc
    .record({
      province: fc.constantFrom(...NIK_PROVINCES.keys()),
      regency: fc.integer({ min: 1, max: 79 }),
      district: fc.integer({ min: 1, max: 99 }),
      birth: fc.date({
        min: new Date('1920-01-01T00:00:00Z'),
        max: new Date('2025-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      woman: fc.boolean(),
      serial: fc.integer({ min: 1, max: 9999 }),
    })
    .map(({ province, regency, district, birth, woman, serial }) => {
      const p2 = (n: number) => String(n).padStart(2, '0');
      const day = birth.getUTCDate() + (woman ? 40 : 0);
      return `${province}${p2(regency)}${p2(district)}${p2(day)}${p2(birth.getUTCMonth() + 1)}${p2(birth.getUTCFullYear() % 100)}${String(serial).padStart(4, '0')}`;
    });

  fcTest.prop([nik])('every well-formed NIK is accepted', (n) => {
    expect(rule('ktp', n)).toBe('ok');
  });

  fcTest.prop([nik, fc.integer({ min: 0, max: 15 }), fc.constantFrom('x', 'A', ' ', '')])(
    'a NIK with a character replaced by a non-digit, or one left out, is refused as nik_format',
    (n, at, ch) => {
      const broken = n.slice(0, at) + ch + n.slice(at + 1);
      // A space is a separator people type: it is dropped, and the number is one digit short.
      expect(rule('ktp', broken)).toBe('nik_format');
    },
  );

  fcTest.prop([fc.string({ maxLength: 30 })])('any text: accepted only when it is a NIK', (s) => {
    const r = rule('ktp', s);
    if (r === 'ok') expect(s.replace(/[\s.-]/g, '')).toMatch(/^\d{16}$/);
  });
});

describe('the other documents', () => {
  it.each([
    ['sim', '123456789012', 'ok'],
    ['sim', '1234-5678-9012', 'ok'],
    ['sim', '12345678901234', 'ok'], // the newer card's 14 digits
    ['sim', '1234567890', 'sim_format'],
    ['sim', '1234567890123', 'sim_format'],
    ['sim', 'abcdefghijkl', 'sim_format'],
    ['passport', 'B1234567', 'ok'], // Indonesian
    ['passport', 'X1234567', 'ok'], // Indonesian e-passport
    ['passport', 'C 1234567', 'ok'],
    ['passport', '123456789', 'ok'], // foreign, 9 characters
    ['passport', 'AB12345', 'ok'],
    ['passport', 'A12345', 'ok'], // 6 characters
    ['passport', 'A1234', 'passport_format'],
    ['passport', 'A123456789', 'passport_format'],
    ['passport', 'ABCDEFGH', 'passport_format'], // no digit
    ['passport', 'B123/567', 'passport_format'],
    ['student_card', '1234', 'ok'],
    ['student_card', '081911633001', 'ok'],
    ['student_card', 'H1A019001', 'ok'],
    ['student_card', 'abcd', 'student_card_format'], // no digit
    ['student_card', '12', 'student_card_format'],
    ['student_card', '1'.repeat(21), 'student_card_format'],
    ['surat_tugas', '800/1234/013/2024', 'ok'],
    ['surat_tugas', '094/55/101.3/2024', 'ok'],
    ['surat_tugas', 'ST-12/KOM/2024', 'ok'],
    ['surat_tugas', 'abcd', 'surat_tugas_format'],
    ['surat_tugas', '12', 'surat_tugas_format'],
    ['surat_tugas', '800/12;drop', 'surat_tugas_format'],
  ] as const)('%s %j: %s', (type, number, expected) => {
    expect(rule(type, number)).toBe(expected);
  });
});
