// Purpose categories (config visits.purposes): the configuration's checks, naming the key, and
// the recap's counts per category: a visit without a category (recorded before categories, or
// pushed without one) and one whose category is no longer configured count under the last
// category (Lainnya / Other); the English names in the JSON and every export of that language.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import type { JournalEntry } from '../../src/domain/events.js';
import { buildMonthlyRecap, MonthlyRecapBuilder, type RecapContext } from '../../src/domain/recap.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { DEFAULT_PURPOSE_CATEGORIES, SYSTEM } from '../../src/domain/types.js';
import { YearlyRecapBuilder } from '../../src/domain/yearly-recap.js';
import { recapToCsv, yearlyRecapToCsv } from '../../src/reports/csv.js';
import { localiseRecap } from '../../src/reports/localise.js';

const dir = mkdtempSync(join(tmpdir(), 'pintu-purposes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(yaml: string): string[] {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    loadConfig({ file, env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('config visits.purposes', () => {
  it('defaults to the Biro Umum categories, Lainnya last', () => {
    const { config } = loadConfig({ env: {} });
    expect(config.visits.purposes.map((p) => p.name)).toEqual([
      'Koordinasi',
      'Rapat',
      'Audiensi',
      'Pengantaran surat/dokumen',
      'Konsultasi',
      'Lainnya',
    ]);
    expect(config.visits.purposes.at(-1)).toEqual({ id: 'lainnya', name: 'Lainnya', nameEn: 'Other' });
  });

  it('refuses a duplicate id, naming the key', () => {
    expect(
      problems(
        'visits:\n  purposes:\n    - { id: rapat, name: Rapat, nameEn: Meeting }\n    - { id: rapat, name: Rapat dinas, nameEn: Official meeting }\n',
      ),
    ).toContainEqual(
      expect.stringContaining(
        'visits.purposes[1].id: duplicate purpose id "rapat" (also visits.purposes[0])',
      ),
    );
  });

  it('refuses an empty list, naming the key', () => {
    const p = problems('visits:\n  purposes: []\n');
    expect(p.join('\n')).toMatch(/visits\.purposes/);
    expect(p.join('\n')).toMatch(/fewer than 1 items/);
  });

  it('refuses a category without its English name, naming the key', () => {
    expect(problems('visits:\n  purposes:\n    - { id: rapat, name: Rapat }\n').join('\n')).toMatch(
      /visits\.purposes\[0\].*nameEn/,
    );
  });
});

describe('the recap per purpose category', () => {
  const TZ = 'Asia/Jakarta';
  let seq = 0;
  const arrived = (visitId: string, day: string, purpose: string, purposeCategory?: string): JournalEntry =>
    ({
      type: 'visit.arrived',
      payload: {
        visitId,
        guestId: `g-${visitId}`,
        institution: 'Dinas Kominfo',
        purpose,
        ...(purposeCategory ? { purposeCategory } : {}),
        hostId: 'h1',
        unit: 'Bagian Umum',
      },
      seq: ++seq,
      at: zonedTimeToEpoch(day, '09:00', TZ),
      actor: SYSTEM,
      prev: '0'.repeat(64),
      hash: '0'.repeat(64),
    }) as JournalEntry;
  const ctx: RecapContext = {
    month: '2026-12',
    timezone: TZ,
    hosts: new Map([['h1', { name: 'Kepala Bagian Umum', unit: 'Bagian Umum' }]]),
    doors: new Map(),
    purposes: DEFAULT_PURPOSE_CATEGORIES,
  };
  const entries = [
    arrived('v1', '2026-12-01', 'Rapat persiapan Hari Jadi', 'rapat'),
    arrived('v2', '2026-12-01', 'rapat evaluasi anggaran triwulan', 'rapat'),
    arrived('v3', '2026-12-02', 'Menyerahkan undangan', 'pengantaran'),
    // Recorded before there were categories, and one whose category was since removed.
    arrived('v4', '2026-12-02', 'Koordinasi acara'),
    arrived('v5', '2026-12-03', 'Studi banding', 'studi-banding'),
  ];
  const recap = buildMonthlyRecap(ctx, entries);

  it('counts per category, not per sentence; visits without a known category as Lainnya', () => {
    expect(recap.byPurpose).toEqual([
      { key: 'lainnya', label: 'Lainnya', labelEn: 'Other', count: 2 },
      { key: 'rapat', label: 'Rapat', labelEn: 'Meeting', count: 2 },
      {
        key: 'pengantaran',
        label: 'Pengantaran surat/dokumen',
        labelEn: 'Letter/document delivery',
        count: 1,
      },
    ]);
  });

  it('names the categories in English in the English JSON and CSV, in Indonesian otherwise', () => {
    expect(localiseRecap(recap, 'en').byPurpose.map((p) => p.label)).toEqual([
      'Other',
      'Meeting',
      'Letter/document delivery',
    ]);
    expect(localiseRecap(recap, 'id').byPurpose.map((p) => p.label)).toEqual([
      'Lainnya',
      'Rapat',
      'Pengantaran surat/dokumen',
    ]);
    const en = recapToCsv(recap, 'en');
    expect(en).toContain('Letter/document delivery,1');
    expect(en).not.toContain('Rapat persiapan');
    expect(recapToCsv(recap, 'id')).toContain('Pengantaran surat/dokumen,1');
  });

  it('keeps the categories through the yearly recap', () => {
    const month = new MonthlyRecapBuilder(ctx);
    for (const e of entries) month.add(e);
    const year = new YearlyRecapBuilder('2026', TZ);
    year.addMonth(month);
    for (const m of ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11'])
      year.addMonth(new MonthlyRecapBuilder({ ...ctx, month: `2026-${m}` }));
    const y = year.result();
    expect(y.byPurpose.find((p) => p.key === 'rapat')).toMatchObject({ count: 2, labelEn: 'Meeting' });
    expect(yearlyRecapToCsv(y, 'en')).toContain('Meeting,2');
  });
});
