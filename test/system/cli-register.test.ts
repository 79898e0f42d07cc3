// `pintu report --register` as an operator runs it, in a real process on a data folder a gateway
// left behind: the day's guest book as JSON and CSV, a PDF written to a file, and the usage errors.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuestRegister } from '../../src/domain/register.js';
import { localParts, zonedTimeToEpoch } from '../../src/domain/time.js';
import { startTestGateway } from '../support/gateway.js';
import { pintu } from '../support/process.js';

// Each spawn is a node process with tsx: seconds apiece on a busy single core.
const SLOW = { timeout: 60_000 };

describe('pintu report --register', () => {
  let dir: string;
  let env: Record<string, string>;
  // Yesterday 10:00, so that the names are inside the retention period whenever the test runs,
  // and both arrivals fall on the same local day.
  const day = localParts(Date.now() - 86_400_000, 'Asia/Jakarta').date;
  const now = zonedTimeToEpoch(day, '10:00', 'Asia/Jakarta');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-cli-register-'));
    env = { PINTU_DATA_DIR: dir };
    const t = await startTestGateway({ dir, now });
    try {
      const desk = await t.login('receptionist');
      for (const name of ['Siti Rahayu', 'Budi Santoso']) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/visits',
          headers: { cookie: desk },
          payload: { guest: { name, institution: 'Bappeda' }, purpose: 'Rapat', hostId: 'kabag-umum' },
        });
        expect(res.statusCode, res.body).toBe(201);
        t.clock.now += 60_000;
      }
      const first = (await t.gateway.visits.list({})).at(-1)!;
      await t.gateway.visits.cancel(first.id, {}, { kind: 'system', id: 'test' });
    } finally {
      await t.close();
    }
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the day as JSON and CSV, read from the files', SLOW, async () => {
    const json = await pintu(env, 'report', '--register', '--day', day, '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const r = JSON.parse(json.stdout) as GuestRegister;
    expect(r.rows.map((row) => [row.guest, row.outcome])).toEqual([
      ['Siti Rahayu', 'cancelled'],
      ['Budi Santoso', 'in_progress'],
    ]);
    const csv = await pintu(env, 'report', '--register', '--month', day.slice(0, 7), '--lang', 'en');
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toBe(
      '\uFEFFNo,Date,Time in,Time out,Guest,Institution,Purpose,Person visited,Badge,Identity document,Outcome,Came,Group,Escort',
    );
    expect(csv.stdout).toContain('Budi Santoso');
    const excel = await pintu(env, 'report', '--register', '--day', day, '--format', 'csv-excel');
    expect(excel.code, excel.stderr).toBe(0);
    const [y, m, d] = day.split('-');
    expect(excel.stdout.split('\r\n')[1]).toMatch(new RegExp(`^1;${d}/${m}/${y};\\d\\d:\\d\\d;`));
  });

  it('writes a PDF to --out and says where it read from', SLOW, async () => {
    const out = join(dir, 'buku-tamu.pdf');
    const r = await pintu(env, 'report', '--register', '--day', day, '--format', 'pdf', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`guest book ${day} (2 visits, ${dir}) written to ${out}`);
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses a missing or bad period, and a format without --out', SLOW, async () => {
    const none = await pintu(env, 'report', '--register');
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('needs --day YYYY-MM-DD or --month YYYY-MM');
    const bad = await pintu(env, 'report', '--register', '--day', '2026-02-30');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('day must be a date YYYY-MM-DD');
    const pdf = await pintu(env, 'report', '--register', '--day', day, '--format', 'pdf');
    expect(pdf.code).toBe(64);
    expect(pdf.stderr).toContain('--format pdf needs --out FILE');
  });

  it('names a data folder that is not there, and does not create it', SLOW, async () => {
    const elsewhere = join(dir, 'nowhere');
    const missing = await pintu({ PINTU_DATA_DIR: elsewhere }, 'report', '--register', '--day', day);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no data folder at ${elsewhere}`);
    expect(existsSync(elsewhere)).toBe(false);
  });
});
