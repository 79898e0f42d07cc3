// The README's pictures of the panel, taken in Debian's Chromium from a gateway with a busy
// morning at the desk, that morning's guest book (simulated hardware, the clock on a Monday at
// 09:40 WIB), and security's watchlist with the morning's alert:
//   npm run screenshots          -> docs/screenshots/*.png
// A visit is brought to its stage through the HTTP API, as the desk would.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { haveChromium, startPanelLab } from '../test/support/browser.js';
import { MONDAY_9AM } from '../test/support/gateway.js';

const OUT = resolve(import.meta.dirname, '../docs/screenshots');
const KTP = { type: 'ktp', number: '3578014107900001' };

type Stage = 'arrived' | 'screened' | 'awaiting_host' | 'accepted' | 'badged' | 'checked_out';
const GUESTS: Array<[string, string, string, Stage]> = [
  ['Siti Rahayu', 'Dinas Kominfo Kab. Sidoarjo', 'Koordinasi data kunjungan', 'badged'],
  ['Bambang Purnomo', 'PT Jasa Marga (Persero)', 'Rapat koordinasi', 'badged'],
  ['Dewi Lestari', 'Universitas Airlangga', 'Audiensi', 'checked_out'],
  ['Agus Setiawan', 'Bappeda Kota Malang', 'Studi banding', 'accepted'],
  ['Rina Wulandari', 'Kantor Pos Surabaya', 'Pengantaran dokumen', 'awaiting_host'],
  ['Hendra Gunawan', 'Inspektorat Provinsi', 'Konsultasi', 'awaiting_host'],
  ['Sri Mulyani', 'RSUD Dr. Soetomo', 'Koordinasi', 'screened'],
  ['Yusuf Hidayat', 'Dinas Pendidikan', 'Pengantaran surat', 'arrived'],
];
const ORDER: Stage[] = ['arrived', 'screened', 'awaiting_host', 'accepted', 'badged', 'checked_out'];

async function main(): Promise<void> {
  if (!haveChromium()) throw new Error('Chromium is needed (apt-get install -y chromium)');
  await mkdir(OUT, { recursive: true });
  const lab = await startPanelLab({ now: MONDAY_9AM });
  try {
    const api = (path: string, body: object) => lab.api('POST', path, body) as Promise<{ id: string }>;
    // Security's watchlist: one entry by name (a guest of the morning matches it), one by document.
    const DAY = 86_400_000;
    await api('/watchlist', {
      name: 'Hendra Gunawan',
      institution: 'Inspektorat Provinsi',
      reason: 'Memaksa masuk ruang arsip tanpa izin, Mei 2026',
      validUntil: MONDAY_9AM + 60 * DAY,
    });
    await api('/watchlist', {
      name: 'Joko Susilo',
      institution: 'CV Sinar Abadi',
      documentNumber: '3578010101800003',
      reason: 'Membawa senjata tajam, Januari 2026',
      validUntil: MONDAY_9AM + 120 * DAY,
    });
    let badge = 0;
    for (const [name, institution, purpose, stage] of GUESTS) {
      lab.t.clock.now += 4 * 60_000;
      const { id } = await api('/visits', {
        guest: { name, institution, phone: '0812 3456 7890' },
        purpose,
        hostId: 'kabag-umum',
      });
      const reach = (s: Stage) => ORDER.indexOf(stage) >= ORDER.indexOf(s);
      if (reach('screened')) await api(`/visits/${id}/screening`, { passed: true });
      if (reach('awaiting_host')) await api(`/visits/${id}/guestbook`, {});
      if (reach('accepted')) await api(`/visits/${id}/decision`, { outcome: 'accepted', rooms: [] });
      if (reach('badged')) await api(`/visits/${id}/badge`, { badge: `TAMU-0${++badge}`, collateral: KTP });
      if (reach('checked_out'))
        await api(`/visits/${id}/checkout`, { badgeReturned: true, documentReturned: false });
    }
    lab.t.clock.now += 90_000;
    await lab.user('resepsionis', 'receptionist');
    const page: Page = await (await lab.browser()).newPage();
    const shot = async (name: string, width: number, height: number) => {
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(300); // the layout settles after a resize
      await page.screenshot({ path: join(OUT, `${name}.png`) });
      process.stdout.write(`docs/screenshots/${name}.png\n`);
    };
    await lab.login(page, 'resepsionis');
    await page.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
    await shot('desk-board', 1366, 768);
    await page.getByRole('button', { name: 'Tabel ringkas' }).click();
    await page.locator('table').first().waitFor();
    await shot('desk-table', 1024, 768);
    await page.getByRole('button', { name: 'Papan' }).click();
    await page.getByRole('link', { name: 'Orang di dalam' }).click();
    await page
      .getByRole('heading', { name: /Orang di dalam/ })
      .first()
      .waitFor();
    await shot('people', 1366, 768);

    // The morning's guest book on screen (Rekap bulanan): an expected guest, a group, the summary.
    const today = new Date(lab.t.clock.now + 7 * 3_600_000).toISOString().slice(0, 10);
    const appointment = await api('/appointments', {
      guest: { name: 'Wahyu Pratama', institution: 'Dinas PU Bina Marga' },
      hostId: 'kabag-umum',
      date: today,
      from: '09:00',
      until: '11:00',
      purposeCategory: 'rapat',
    });
    lab.t.clock.now += 60_000;
    await api(`/appointments/${appointment.id}/arrival`, {});
    lab.t.clock.now += 60_000;
    await api('/groups', {
      leader: { name: 'Joko Santoso' },
      members: [{ name: 'Ani Rahmawati' }, { name: 'Budi Hartono' }],
      institution: 'Pemkab Malang',
      purpose: 'Studi banding',
      hostId: 'kabag-umum',
    });
    await page.getByRole('link', { name: 'Rekap bulanan' }).click();
    const book = page.getByRole('region', { name: 'Buku tamu', exact: true });
    await book.getByRole('button', { name: 'Tampilkan: Harian' }).click();
    await book.locator('.register-view tbody tr').nth(10).waitFor();
    await page.setViewportSize({ width: 1366, height: 900 });
    await book.screenshot({ path: join(OUT, 'guest-book.png') });
    process.stdout.write('docs/screenshots/guest-book.png\n');

    // Security's view of the watchlist, with the morning's alert.
    await lab.user('keamanan', 'security');
    const officer: Page = await (await lab.browser()).newPage();
    await lab.login(officer, 'keamanan', '/#/watchlist');
    await officer.locator('li.watchlist-alert').first().waitFor();
    await officer.setViewportSize({ width: 1366, height: 768 });
    await officer.waitForTimeout(300); // the layout settles after a resize
    await officer.screenshot({ path: join(OUT, 'watchlist.png') });
    process.stdout.write('docs/screenshots/watchlist.png\n');
  } finally {
    await lab.close();
  }
}

await main();
