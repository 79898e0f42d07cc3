// Issue 13 item 6: every recap output names an unreturned badge by its printed label
// (TAMU-02), never its internal id, and the JSON recap's denial and screening labels follow
// `lang` like the CSV, XLSX and PDF do. The CLI's `pintu report` reads the same data folder.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { requireLab } from '../support/lab.js';
import { pintu } from '../support/process.js';

const run = promisify(execFile);

describe('recap labels', () => {
  let t: TestGateway;
  let admin: string;
  let badgeId: string;

  beforeAll(async () => {
    t = await startTestGateway();
    admin = await t.login('admin');
    const actor = { kind: 'system' as const, id: 'test' };
    const visit = await badgedVisit(t.gateway, { badge: 'TAMU-02' });
    badgeId = visit.badgeId!;
    expect(badgeId).not.toBe('TAMU-02');
    const refused = await t.gateway.visits.arrive(
      { guest: { name: 'Tamu', institution: 'BPKAD' }, purpose: 'Rapat', hostId: 'kabag-umum' },
      actor,
    );
    await t.gateway.visits.screen(refused.id, { passed: false, reasons: ['shoes'] }, actor);
    // A card the gateway does not know: one denial, "unknown_badge".
    const tap = t.gateway.access.handleRead({
      readerId: 'pintu-utama-in',
      kind: 'nfc',
      credential: '0102030405',
    });
    if (tap.kind !== 'door') throw new Error('expected a door tap');
    await tap.recorded;
  });
  afterAll(() => t.close());

  const get = (query: string) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/reports/monthly?month=2026-11${query}`,
      headers: { cookie: admin },
    });

  it('JSON: the unreturned badge by its label; denial and screening labels in the language asked', async () => {
    for (const [lang, denial, shoes] of [
      ['en', 'Unknown badge', 'footwear'],
      ['id', 'Kartu tidak dikenal', 'alas kaki'],
    ] as const) {
      const r = (await get(`&lang=${lang}`)).json();
      expect(r.badgesNotReturned).toMatchObject([{ badgeId, badgeLabel: 'TAMU-02', reason: 'open' }]);
      expect(r.denials).toEqual([{ key: 'unknown_badge', label: denial, count: 1 }]);
      expect(r.screeningReasons[0]).toEqual({ key: 'shoes', label: shoes, count: 1 });
    }
    const year = await t.app.inject({
      method: 'GET',
      url: '/api/v1/reports/yearly?year=2026&lang=en',
      headers: { cookie: admin },
    });
    expect(year.json().denials).toEqual([{ key: 'unknown_badge', label: 'Unknown badge', count: 1 }]);
  });

  it('CSV and XLSX: the label, not the id', async () => {
    const csv = (await get('&format=csv')).body;
    expect(csv).toContain('TAMU-02');
    expect(csv).not.toContain(badgeId);
    const xlsx = await get('&format=xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const cells: string[] = [];
    book.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => cells.push(String(c.value)))));
    expect(cells).toContain('TAMU-02');
    expect(cells).not.toContain(badgeId);
  });

  it.runIf(requireLab('pdftotext (apt-get install -y poppler-utils)', existsSync('/usr/bin/pdftotext')))(
    'PDF: the label, not the id',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pintu-pdf-'));
      const file = join(dir, 'recap.pdf');
      await writeFile(file, (await get('&format=pdf')).rawPayload);
      const { stdout } = await run('pdftotext', ['-layout', file, '-']);
      await rm(dir, { recursive: true, force: true });
      expect(stdout).toContain('TAMU-02');
      expect(stdout).not.toContain(badgeId.slice(0, 8));
    },
  );

  it('CLI: `pintu report` JSON and CSV, the label and the language', async () => {
    const env = { PINTU_DATA_DIR: t.dir };
    const json = await pintu(env, 'report', '--month', '2026-11', '--format', 'json', '--lang', 'en');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.badgesNotReturned).toMatchObject([{ badgeLabel: 'TAMU-02' }]);
    expect(r.denials).toEqual([{ key: 'unknown_badge', label: 'Unknown badge', count: 1 }]);
    const csv = await pintu(env, 'report', '--month', '2026-11', '--format', 'csv');
    expect(csv.stdout).toContain('TAMU-02');
    expect(csv.stdout).not.toContain(badgeId);
  }, 30_000);
});
