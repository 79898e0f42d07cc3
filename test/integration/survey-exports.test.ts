// Issue 14: the satisfaction survey in the recap files, read by the tools outside this project
// (Python's csv and zipfile for the spreadsheets, poppler's pdftotext for the PDF): the IKM per
// element (NRR per unsur), the weighted sum, the IKM x25, mutu pelayanan and kinerja unit
// pelayanan, the respondents and the saran, in the monthly CSV, XLSX and PDF and the yearly CSV.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_ELEMENT_IDS } from '../../src/domain/survey.js';
import { zonedTimeToEpoch } from '../../src/domain/time.js';
import { TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';
import { CSV_READER, XLSX_READER, type XlsxCell } from '../support/report-readers.js';

const run = promisify(execFile);
const poppler = requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext'));
const hasPython = requireLab('python3', existsSync('/usr/bin/python3'));
const TZ = 'Asia/Jakarta';
/** A comma: quoted in the CSV. */
const SARAN_1 = 'Antrean panjang, tambah kursi';
/** Text a spreadsheet would run as a formula: kept as text. */
const SARAN_2 = '=1+1 petugas ramah';

let t: TestGateway;
let desk: string;
let dir: string;
/** The data folder of a gateway started again on it (the first one's, which removes its own). */
let restarted: string | undefined;
const { loginAs, api, post } = new TestApi(() => t, '10.14.9');
const all = (v: number) => Object.fromEntries(SURVEY_ELEMENT_IDS.map((id) => [id, v]));

async function answer(ratings: Record<string, number>, saran: string): Promise<void> {
  const arrival = await post(desk, '/visits', {
    guest: { name: 'Rina Marlina', institution: 'Dinas Kominfo' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
  });
  expect(arrival.statusCode, arrival.body).toBe(201);
  const { token } = (await post(desk, `/visits/${arrival.json().id}/survey-token`)).json();
  const res = await api('POST', `/survey/${token}`, undefined, { ratings, saran });
  expect(res.statusCode, res.body).toBe(204);
}

async function save(url: string, name: string): Promise<string> {
  const res = await api('GET', `/reports/${url}`, desk);
  expect(res.statusCode, res.body).toBe(200);
  const file = join(dir, name);
  await writeFile(file, res.rawPayload);
  return file;
}
const python = async (script: string, args: string[]) =>
  JSON.parse((await run('python3', ['-c', script, ...args])).stdout) as unknown;

beforeAll(async () => {
  t = await startTestGateway({ now: zonedTimeToEpoch('2026-11-30', '08:00', TZ) });
  desk = await loginAs('receptionist');
  dir = await mkdtemp(join(tmpdir(), 'pintu-survey-files-'));
  // Worked by hand: U3 (waktu) 3 + 3 = 6, every other element 4 + 3 = 7, two respondents.
  // NRR 3.5 (U3 3.00); weighted 7/18 = 0.389 (U3 6/18 = 0.333); the sum 62/18 = 3.44;
  // IKM 25 x 62 / 18 = 86.11: B, Baik.
  await answer({ ...all(4), waktu: 3 }, SARAN_1);
  await answer(all(3), SARAN_2);
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (restarted) await rm(restarted, { recursive: true, force: true });
});

describe.skipIf(!hasPython)('the recap spreadsheets', () => {
  it('monthly and yearly CSV (both dialects) end with the survey', async () => {
    const month = (await python(CSV_READER, [
      await save('monthly?month=2026-11&format=csv', 'm.csv'),
      ',',
    ])) as string[][];
    const expected = [
      ['Survei Kepuasan Masyarakat (PermenPAN-RB No. 14 Tahun 2017)'],
      ['U1', 'Persyaratan', '7', '3.5', '0.389'],
      ['U3', 'Waktu penyelesaian', '6', '3', '0.333'],
      ['Jumlah NRR tertimbang', '', '', '', '3.44'],
      ['IKM (konversi x 25)', '', '', '', '86.11'],
      ['Mutu pelayanan', '', '', '', 'B'],
      ['Kinerja unit pelayanan', '', '', '', 'Baik'],
      ['Jumlah responden', '', '', '', '2'],
      ['1', SARAN_1],
      ['2', `'${SARAN_2}`],
    ];
    for (const row of expected) expect(month).toContainEqual(row);
    const year = (await python(CSV_READER, [
      await save('yearly?year=2026&format=csv', 'y.csv'),
      ',',
    ])) as string[][];
    for (const row of expected) expect(year).toContainEqual(row);
    const excel = (await python(CSV_READER, [
      await save('monthly?month=2026-11&format=csv-excel', 'm-excel.csv'),
      ';',
    ])) as string[][];
    expect(excel).toContainEqual(['IKM (konversi x 25)', '', '', '', '86,11']);
    expect(excel).toContainEqual(['U1', 'Persyaratan', '7', '3,5', '0,389']);
    const english = (await python(CSV_READER, [
      await save('monthly?month=2026-11&format=csv&lang=en', 'm-en.csv'),
      ',',
    ])) as string[][];
    expect(english).toContainEqual(['Performance of the service unit', '', '', '', 'Good']);
  });

  it('monthly XLSX: a survey sheet with number cells and the saran as text', async () => {
    const cells = (await python(XLSX_READER, [
      await save('monthly?month=2026-11&format=xlsx', 'm.xlsx'),
    ])) as XlsxCell[];
    const sheet = cells.filter((c) => c.sheet === 'Survei kepuasan');
    const at = (value: string) => sheet.find((c) => c.value === value);
    expect(at('86.11')).toMatchObject({ t: null, fmt: '0.00' });
    expect(at('3.5')).toMatchObject({ t: null, fmt: '0.00' });
    expect(sheet.find((c) => c.value.startsWith('0.38'))).toMatchObject({ t: null, fmt: '0.000' });
    for (const text of [
      'Mutu pelayanan',
      'B',
      'Kinerja unit pelayanan',
      'Baik',
      'Jumlah responden',
      SARAN_1,
    ]) {
      expect(at(text)?.t, text).toBe('s');
    }
    // A formula-looking saran stays text, behind an apostrophe.
    expect(at(`'${SARAN_2}`)?.t).toBe('s');
    expect(sheet.some((c) => c.value === `${SARAN_2}`)).toBe(false);
  });
});

/** The formulas of a sheet's cells, by reference, as the file holds them. */
const FORMULAS = `
import json, sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
xml = z.read('xl/worksheets/sheet1.xml').decode()
json.dump(dict(re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>([^<]*)</f>', xml)), sys.stdout)
`;

describe.skipIf(!hasPython)("the regulation's tabulation (XLSX)", () => {
  it('respondents x U1..U9, the sum, NRR and weighted NRR per element, the IKM, mutu, kinerja, saran', async () => {
    const file = await save('survey?period=2026-11&format=xlsx', 'skm.xlsx');
    const cells = (await python(XLSX_READER, [file])) as XlsxCell[];
    const sheet = cells.filter((c) => c.sheet === 'Pengolahan data SKM');
    const rowOf = (label: string) => {
      const head = sheet.find((c) => c.value === label && c.ref.startsWith('A'));
      expect(head, label).toBeDefined();
      const n = head!.ref.slice(1);
      return sheet
        .filter((c) => c.ref.replace(/^[A-Z]+/, '') === n && c.ref !== head!.ref)
        .map((c) => c.value);
    };
    expect(rowOf('No. Resp')).toEqual(['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8', 'U9']);
    // The respondents, in the order they answered.
    expect(rowOf('1')).toEqual(['4', '4', '3', '4', '4', '4', '4', '4', '4']);
    expect(rowOf('2')).toEqual(['3', '3', '3', '3', '3', '3', '3', '3', '3']);
    expect(rowOf('Σ Nilai / unsur')).toEqual(['7', '7', '6', '7', '7', '7', '7', '7', '7']);
    expect(rowOf('NRR / unsur')).toEqual(['3.5', '3.5', '3', '3.5', '3.5', '3.5', '3.5', '3.5', '3.5']);
    expect(rowOf('NRR tertimbang / unsur')).toEqual([
      ...['0.389', '0.389', '0.333', '0.389', '0.389', '0.389', '0.389', '0.389', '0.389'],
      '3.44',
    ]);
    expect(rowOf('**) IKM unit pelayanan')).toEqual(['86.11']);
    expect(rowOf('Nilai IKM (konversi x 25)')).toEqual(['86.11']);
    expect(rowOf('Mutu pelayanan')).toEqual(['B']);
    expect(rowOf('Kinerja unit pelayanan')).toEqual(['Baik']);
    expect(rowOf('Jumlah responden')).toEqual(['2']);
    expect(sheet.find((c) => c.value === '0.389')).toMatchObject({ t: null, fmt: '0.000' });
    // Figures are formulas over the respondents' cells, their results cached.
    const formulas = (await python(FORMULAS, [file])) as Record<string, string>;
    expect(Object.values(formulas)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SUM\(B\d+:B\d+\)$/)]),
    );
    expect(Object.values(formulas).some((f) => f.includes('*25/(9*2)'))).toBe(true);
    const saran = cells.filter((c) => c.sheet === 'Saran').map((c) => c.value);
    expect(saran).toEqual(expect.arrayContaining([SARAN_1, `'${SARAN_2}`]));
  });
});

describe.skipIf(!poppler)('the recap PDF', () => {
  it('prints the survey: NRR per element, IKM, mutu, kinerja, respondents, saran', async () => {
    const file = await save('monthly?month=2026-11&format=pdf', 'm.pdf');
    const { stdout } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
    expect(stdout).toContain('Survei Kepuasan Masyarakat (PermenPAN-RB No. 14 Tahun 2017)');
    expect(stdout).toMatch(/U1\s+Persyaratan\s+7\s+3,50\s+0,389/);
    expect(stdout).toMatch(/U3\s+Waktu penyelesaian\s+6\s+3,00\s+0,333/);
    expect(stdout).toMatch(/IKM \(konversi x 25\)\s+86,11/);
    expect(stdout).toMatch(/Mutu pelayanan\s+B/);
    expect(stdout).toMatch(/Kinerja unit pelayanan\s+Baik/);
    expect(stdout).toMatch(/Jumlah responden\s+2/);
    expect(stdout).toMatch(/Saran: 2/);
    expect(stdout).toContain(SARAN_1);
    expect(stdout).toContain(SARAN_2);
  });
});

describe("the tabulation's bound", () => {
  it('a period with more respondents than survey.tabulationMaxRespondents is refused, naming the key', async () => {
    // The same data folder, started again with a bound of 1 (the two answers above are 2).
    const data = t.dir;
    const now = t.clock.now;
    await t.app.close();
    await t.gateway.close();
    t = await startTestGateway({
      dir: data,
      now,
      env: { PINTU_CONFIG_SURVEY__TABULATION_MAX_RESPONDENTS: '1' },
    });
    restarted = data;
    const res = await api('GET', '/reports/survey?period=2026&format=xlsx', await loginAs('receptionist'));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().message).toContain('survey.tabulationMaxRespondents');
    // CSV holds totals only: not bounded.
    const csv = await api('GET', '/reports/survey?period=2026&format=csv', await loginAs('admin'));
    expect(csv.statusCode).toBe(200);
  });
});
