// The built gateway is an esbuild bundle (scripts/build-bundle.ts): dist/cli.js, the writer
// thread's own entry and chunks under dist/chunks. Four things find files of the package (the
// journal's writer thread, the panel, the generated config validator, the report fonts); in a
// bundle their modules move, so each is found from the package root. This starts the built
// gateway as systemd does and uses each of them.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { BUILT_CLI, freePort, ROOT, startGatewayProcess, stopProcess } from '../support/process.js';

describe('the built bundle (dist/cli.js)', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-bundle-'));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('is a bundle: the CLI, the writer thread and chunks, no module tree', async () => {
    expect(existsSync(BUILT_CLI), 'dist/cli.js: run npm run build').toBe(true);
    expect(existsSync(join(ROOT, 'dist/journal-writer.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist/config/schema-validator.generated.js'))).toBe(true);
    // tsc's output (one file per module) is gone: a stale tree would shadow nothing but mislead.
    expect(existsSync(join(ROOT, 'dist/main.js'))).toBe(false);
    expect((await readdir(join(ROOT, 'dist/chunks'))).some((f) => f.endsWith('.js'))).toBe(true);
  });

  it('loads nothing of MQTT, HTTP or the reports before the doors (static imports of cli.js)', async () => {
    // What dist/cli.js imports statically, chunk by chunk, is compiled (and its modules' top
    // level run) before "doors ready"; import() chunks come after. The fleet's key helpers once
    // pulled the MQTT client library (760 KB) in through src/cli.ts (issue 16).
    const seen = new Set<string>();
    const queue = [BUILT_CLI];
    let text = '';
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const code = await readFile(file, 'utf8');
      text += code;
      for (const m of code.matchAll(/^import (?:[^;]*? from )?"(\.{1,2}\/[^"]+\.js)";?$/gm)) {
        queue.push(join(file, '..', m[1]!));
      }
    }
    expect(seen.size).toBeGreaterThan(1);
    for (const pkg of ['mqtt', 'mqtt-packet', 'aedes', 'fastify', 'pdfkit', 'exceljs']) {
      expect(text.includes(`node_modules/${pkg}/`), `${pkg} is in the static part of the bundle`).toBe(false);
    }
    // Nor an ICU collator made as a module loads (the recap's: ~6 ms of CPU at every start).
    expect(text).not.toMatch(/^(?:var|const|let) \w+ = new Intl\.Collator\(/m);
  });

  it('starts, serves the panel, journals a tap and makes a PDF report', async () => {
    child = await startGatewayProcess(
      {
        PINTU_DATA_DIR: dir,
        PINTU_HTTP_PORT: String(port),
        PINTU_LOG_LEVEL: 'info',
        PINTU_LOG_FORMAT: 'json',
      },
      { built: true, onOutput: (c) => (output += c) },
    );
    const token = (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
    const auth = { authorization: `Bearer ${token}` };
    const base = `http://127.0.0.1:${port}`;

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)?.[1];
    expect(js, html.slice(0, 300)).toBeDefined();
    const asset = await fetch(`${base}${js}`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    const tap = await fetch(`${base}/api/v1/taps`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reader: 'pintu-utama-in', uid: '04A1B2C3D4E502' }),
    });
    const tapBody = (await tap.json()) as { kind: string };
    expect(tap.status, JSON.stringify(tapBody)).toBe(200);
    expect(tapBody.kind).toBe('door');

    const month = new Date().toISOString().slice(0, 7);
    const pdf = await fetch(`${base}/api/v1/reports/monthly?month=${month}&format=pdf`, { headers: auth });
    expect(pdf.status).toBe(200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The DejaVu faces are embedded (found through the package root's node_modules).
    expect(bytes.includes(Buffer.from('DejaVuSans'))).toBe(true);

    await stopProcess(child);
    expect(output).toContain('doors ready');
    const verify = await Journal.verify(join(dir, 'journal'));
    expect(verify.ok).toBe(true);
    expect(verify.entries).toBeGreaterThan(0);
  }, 60_000);
});
