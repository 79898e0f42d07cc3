// The `pintu` command as an operator runs it: offline on a data folder, and against a
// running gateway through its CLI token.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../src/domain/time.js';
import { recapMonthTitle } from '../../src/reports/labels.js';
import { limit } from '../support/limits.js';
import { freePort, pintu, startGatewayProcess, stopProcess } from '../support/process.js';

describe('pintu CLI', () => {
  let dir: string;
  let env: Record<string, string>;
  let gateway: ChildProcess | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-cli-'));
    env = { PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    gateway?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a bad configuration naming the key, with exit code 78', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'access:\n  maxVisitMinutes: -5\n');
    const r = await pintu(env, 'config', 'check', '--config', file);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('access.maxVisitMinutes');
  });

  it('adds a user offline with a one-time password and lists it', async () => {
    const add = await pintu(env, 'user', 'add', '--username', 'resepsionis', '--role', 'receptionist');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/added; password: \S+/);
    // It says what it acted on.
    expect(add.stderr).toContain(`on the data folder ${dir} (no gateway runs on it)`);
    const list = await pintu(env, 'user', 'list');
    expect(list.stdout).toContain('resepsionis\treceptionist');
    const bad = await pintu(env, 'user', 'add', '--username', 'x', '--role', 'janitor');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--role must be one of');
  });

  it(
    'never makes a data folder: another PINTU_DATA_DIR is refused, naming it, and nothing is created',
    async () => {
      const elsewhere = join(dir, 'typo');
      const other = { ...env, PINTU_DATA_DIR: elsewhere };
      for (const args of [
        ['user', 'add', '--username', 'x', '--role', 'admin'],
        ['user', 'list'],
        ['token', 'create', '--name', 'n', '--role', 'security'],
        ['report', '--format', 'json'],
      ]) {
        const r = await pintu(other, ...args);
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(r.stderr, args.join(' ')).toContain(`no data folder at ${elsewhere}: nothing was changed`);
      }
      expect(existsSync(elsewhere)).toBe(false);
    },
    limit(60_000),
  ); // four CLI processes, each compiling the sources through tsx

  it('taps through the running gateway and reports the month', async () => {
    gateway = await startGatewayProcess(env);
    const viaApi = await pintu(env, 'user', 'add', '--username', 'satpam', '--role', 'security');
    expect(viaApi.code).toBe(0);
    expect(viaApi.stderr).toContain(`through the running gateway (pid ${gateway.pid}, data folder ${dir})`);
    const denied = await pintu(env, 'tap', '--reader', 'pintu-utama-in', '--uid', '04A1B2C3D4E5F6');
    expect(denied.stdout).toMatch(/^DENIED \(unknown_badge\)/);
    const desk = await pintu(env, 'tap', '--reader', 'desk', '--uid', '04A1B2C3D4E501');
    expect(desk.stdout).toMatch(/^desk read/);
    const month = monthOf(Date.now(), 'Asia/Jakarta');
    const report = await pintu(env, 'report', '--month', month, '--format', 'json');
    expect(report.code).toBe(0);
    const recap = JSON.parse(report.stdout);
    expect(recap.month).toBe(month);
    expect(recap.denials.find((d: { key: string }) => d.key === 'unknown_badge')?.count).toBe(1);
    // The month's satisfaction survey, as the gateway's recap carries it (none answered here).
    expect(recap.survey).toEqual({ period: month, respondents: 0, saran: [] });
    const csv = await pintu(env, 'report', '--month', month);
    expect(csv.stdout).toContain('Rekapitulasi Kunjungan Tamu Biro Umum');
    expect(csv.stdout).toContain('\r\nSurvei Kepuasan Masyarakat (PermenPAN-RB No. 14 Tahun 2017)\r\n');
    const excel = await pintu(env, 'report', '--month', month, '--format', 'csv-excel');
    expect(excel.code, excel.stderr).toBe(0);
    expect(excel.stdout).toContain(`\r\nBulan;${recapMonthTitle(month)}\r\n`);
    const year = month.slice(0, 4);
    const yearly = await pintu(env, 'report', '--year', year, '--format', 'json');
    expect(yearly.code).toBe(0);
    const y = JSON.parse(yearly.stdout);
    expect(y.year).toBe(year);
    expect(y.byMonth).toHaveLength(12);
    expect(y.survey).toMatchObject({ period: year, respondents: 0 });
    expect(y.denials.find((d: { key: string }) => d.key === 'unknown_badge')?.count).toBe(1);
    expect((await pintu(env, 'report', '--year', year, '--format', 'pdf')).stderr).toContain(
      'unknown report format "pdf" for a yearly recap',
    );
    expect((await pintu(env, 'report', '--year', '26')).stderr).toContain('--year must be YYYY');
    await stopProcess(gateway);
    expect(gateway.exitCode).toBe(0);
  }, 60_000);

  it('verifies the journal, and names the first break after tampering', async () => {
    const ok = await pintu(env, 'journal', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/journal OK: \d+ entries/);
    const month = monthOf(Date.now(), 'Asia/Jakarta');
    const file = join(dir, 'journal', `${month}.jsonl`);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"type":"', '"type":"x');
    await writeFile(file, lines.join('\n'));
    const broken = await pintu(env, 'journal', 'verify');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`journal BROKEN at .*${month}\\.jsonl line 3`));
  });
});
