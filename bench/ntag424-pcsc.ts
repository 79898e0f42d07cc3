// The secure tap's added time on the real PC/SC stack (issue 12): pcscd with the vpcd reader and
// the virtual NTAG 424 DNA of test/lab/ntag424_card.py, through nfc-pcsc as the gateway uses it.
// At each tap, on the card event: GET DATA (the UID: what a uid door costs), then proveCard
// (SELECT + AuthenticateEV2First, 3 round trips with a fresh RndA: what a secure door adds),
// each timed, with the CPU this process spent in proveCard. Needs root and the lab packages.
//
//   npx tsx bench/ntag424-pcsc.ts [taps]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GET_UID, loadNfcPcsc, type NfcReader } from '../src/hardware/pcsc.js';
import { APP_KEY_NOS, proveCard, SiteKey } from '../src/hardware/secure-badge.js';
import { cardCtl, LAB, labLock, missing, startPcscd } from '../test/support/lab-tools.js';

const taps = Number(process.argv[2] ?? 40);
const UID = '04782E21801D80';

const lacking = missing(['lab', 'root', 'pcscd', 'vsmartcard-vpcd', 'python3-virtualsmartcard', 'nfc-pcsc']);
if (lacking.length) {
  process.stdout.write(`skipped: this machine lacks ${lacking.join(', ')}\n`);
  process.exit(0);
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!.toFixed(2);
};

const release = await labLock('pcscd');
const dir = mkdtempSync(join(tmpdir(), 'pintu-bench-ntag-'));
const sock = join(dir, 'card.sock');
let card: ChildProcess | undefined;
let nfc: { close(): void; on(e: string, f: (...a: never[]) => void): void } | undefined;
try {
  await startPcscd();
  card = spawn(
    '/usr/bin/python3',
    [resolve(import.meta.dirname, '../test/lab/ntag424_card.py'), '--control', sock],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, PINTU_LAB_DIR: LAB },
    },
  );
  await new Promise<void>((ok) => card?.stdout?.once('data', () => ok()));
  const site = SiteKey.of(Buffer.alloc(16, 0x42), Buffer.from('benchsit'));
  const uid = Buffer.from(UID, 'hex');
  const keys = APP_KEY_NOS.map((n) => site.cardKey(uid, n).toString('hex')).join(',');

  const NFC = loadNfcPcsc();
  const ctx = new NFC();
  nfc = ctx as unknown as typeof nfc;
  const uidMs: number[] = [];
  const proveMs: number[] = [];
  const proveCpuMs: number[] = [];
  let failed = 0;
  const reader = await new Promise<NfcReader>((ok) =>
    ctx.on('reader', (r: NfcReader) => {
      r.on('error', () => {});
      if (r.reader.name === 'Virtual PCD 00 00') ok(r);
    }),
  );
  ctx.on('error', () => {});
  reader.autoProcessing = false;
  for (let i = 0; i < taps; i++) {
    const done = new Promise<void>((ok) =>
      reader.once('card', async () => {
        const t0 = performance.now();
        const answer = await reader.transmit(GET_UID, 12);
        const t1 = performance.now();
        const cpu = process.cpuUsage();
        const proof = await proveCard(
          (apdu) => reader.transmit(apdu, 64),
          answer.subarray(0, 7),
          site,
          'secure',
        );
        const used = process.cpuUsage(cpu);
        const t2 = performance.now();
        if (proof !== 'secure') failed++;
        uidMs.push(t1 - t0);
        proveMs.push(t2 - t1);
        proveCpuMs.push((used.user + used.system) / 1000);
        ok();
      }),
    );
    await cardCtl(sock, `insert ${UID} ${keys}`);
    await done;
    const off = new Promise((ok) => reader.once('card.off', ok));
    await cardCtl(sock, 'remove');
    await off;
  }
  process.stdout.write(
    `${taps} taps, ${failed} failed authentications\n` +
      `  GET DATA (UID), 1 APDU:                 p50 ${q(uidMs, 0.5)} ms, p99 ${q(uidMs, 0.99)} ms\n` +
      `  proveCard (SELECT + EV2First), 3 APDUs: p50 ${q(proveMs, 0.5)} ms, p99 ${q(proveMs, 0.99)} ms\n` +
      `  CPU of this process in proveCard:       p50 ${q(proveCpuMs, 0.5)} ms, p99 ${q(proveCpuMs, 0.99)} ms\n`,
  );
} finally {
  try {
    nfc?.close();
  } catch {
    // closing a dead context
  }
  card?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  release();
}
process.exit(0);
