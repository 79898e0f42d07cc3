// The README's pictures of the panel, taken in Debian's Chromium from a gateway with a busy
// morning at the desk (simulated hardware, the clock on a Monday at 09:40 WIB): the board, the
// day's expected guests, a group's dialog, that morning's guest book, the survey's tablet form
// and the recap's survey (IKM), and security's watchlist with the morning's alert:
//   npm run screenshots          -> docs/screenshots/*.png
// A visit is brought to its stage through the HTTP API, as the desk would.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { SURVEY_ELEMENTS } from '../src/domain/survey.js';
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
    // The day's expected guests (tamu terjadwal), and a group (rombongan) that has just arrived.
    const today = new Date(lab.t.clock.now + 7 * 3_600_000).toISOString().slice(0, 10);
    const EXPECTED: Array<[string, string, string, string, string]> = [
      ['Wahyu Pratama', 'Dinas PU Bina Marga', '09:00', '11:00', 'rapat'],
      ['Lina Marlina', 'Badan Pusat Statistik', '10:30', '11:30', 'konsultasi'],
      ['Teguh Santoso', 'Ombudsman RI Jawa Timur', '13:00', '14:00', 'audiensi'],
      ['Fitri Handayani', 'Biro Hukum', '14:00', '15:00', 'rapat'],
    ];
    const booked: string[] = [];
    for (const [name, institution, from, until, purposeCategory] of EXPECTED) {
      const a = await api('/appointments', {
        guest: { name, institution },
        hostId: 'kabag-umum',
        date: today,
        from,
        until,
        purposeCategory,
      });
      booked.push(a.id);
    }
    lab.t.clock.now += 60_000;
    await api('/groups', {
      leader: { name: 'Joko Santoso' },
      members: [{ name: 'Ani Rahmawati' }, { name: 'Budi Hartono' }, { name: 'Citra Kusuma' }],
      institution: 'Pemkab Malang',
      purpose: 'Studi banding',
      hostId: 'kabag-umum',
    });
    lab.t.clock.now += 90_000;
    await lab.user('resepsionis', 'receptionist');
    const page: Page = await (await lab.browser()).newPage();
    const settle = () => page.waitForTimeout(300); // the layout settles after a resize
    const shot = async (name: string, width: number, height: number) => {
      await page.setViewportSize({ width, height });
      await settle();
      await page.screenshot({ path: join(OUT, `${name}.png`) });
      process.stdout.write(`docs/screenshots/${name}.png\n`);
    };
    const part = async (name: string, what: ReturnType<Page['locator']>) => {
      await what.screenshot({ path: join(OUT, `${name}.png`) });
      process.stdout.write(`docs/screenshots/${name}.png\n`);
    };
    await lab.login(page, 'resepsionis');
    await page.getByRole('heading', { name: 'Kunjungan hari ini' }).waitFor();
    await page.locator(`[data-appointment-row="${booked.at(-1)}"]`).waitFor();
    await shot('desk-board', 1366, 768);
    await part('desk-expected', page.locator('details.expected'));
    await page.getByRole('button', { name: 'Rombongan', exact: true }).first().click();
    const group = page.getByRole('dialog', { name: 'Rombongan', exact: true });
    await group.locator('ol.group-list li').nth(3).waitFor();
    await settle();
    await part('group', group);
    await page.keyboard.press('Escape');
    await group.waitFor({ state: 'hidden' });
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
    lab.t.clock.now += 60_000;
    await api(`/appointments/${booked[0]}/arrival`, {});
    lab.t.clock.now += 60_000;
    await page.getByRole('link', { name: 'Rekap bulanan' }).click();
    const book = page.getByRole('region', { name: 'Buku tamu', exact: true });
    await book.getByRole('button', { name: 'Tampilkan: Harian' }).click();
    await book.locator('.register-view tbody tr').nth(10).waitFor();
    await page.setViewportSize({ width: 1366, height: 900 });
    await book.screenshot({ path: join(OUT, 'guest-book.png') });
    process.stdout.write('docs/screenshots/guest-book.png\n');

    // The survey at checkout, on the desk's tablet (no login), then a few more answers.
    const visits = (await lab.api('GET', '/visits')) as Array<{ id: string; guestName: string }>;
    const tokenOf = async (name: string) => {
      const v = visits.find((x) => x.guestName === name);
      if (!v) throw new Error(`no visit of ${name}`);
      return (await api(`/visits/${v.id}/survey-token`, {})) as unknown as { token: string; path: string };
    };
    const first = await tokenOf('Siti Rahayu');
    const tablet: Page = await (await lab.browser()).newPage();
    await tablet.setViewportSize({ width: 800, height: 1280 });
    await tablet.goto(`${lab.url}${first.path}`);
    await tablet.getByRole('heading', { name: 'Survei Kepuasan Masyarakat' }).waitFor();
    for (const [i, e] of SURVEY_ELEMENTS.entries()) {
      const choice = i === 2 || i === 8 ? '3 · Baik' : '4 · Sangat baik';
      await tablet
        .getByRole('group', { name: `U${i + 1}. ${e.name}` })
        .getByLabel(choice)
        .check();
    }
    await tablet.getByLabel('Saran (boleh kosong)').fill('Ruang tunggu perlu papan antrean.');
    await tablet.waitForTimeout(300);
    await tablet.screenshot({ path: join(OUT, 'survey-form.png'), fullPage: true });
    process.stdout.write('docs/screenshots/survey-form.png\n');
    await tablet.getByRole('button', { name: 'Kirim' }).click();
    await tablet.getByRole('heading', { name: 'Terima kasih' }).waitFor();
    const more: Array<[string, number[], string]> = [
      ['Bambang Purnomo', [4, 3, 3, 4, 3, 4, 4, 3, 3], 'Parkir tamu terbatas.'],
      ['Agus Setiawan', [3, 3, 4, 4, 3, 3, 4, 4, 3], ''],
    ];
    for (const [name, marks, saran] of more) {
      const { token } = await tokenOf(name);
      const ratings = Object.fromEntries(SURVEY_ELEMENTS.map((e, i) => [e.id, marks[i]]));
      // The public form's own route, as the tablet sends it (it answers 204, no body).
      const res = await lab.t.app.inject({
        method: 'POST',
        url: `/api/v1/survey/${token}`,
        payload: { ratings, ...(saran ? { saran } : {}) },
      });
      if (res.statusCode >= 300) throw new Error(`survey answer: ${res.statusCode} ${res.body}`);
    }
    await page.getByRole('button', { name: 'Tampilkan', exact: true }).click();
    const ikm = page.getByRole('region', { name: 'Survei kepuasan masyarakat (IKM)' });
    await ikm.getByText('3 responden').waitFor();
    await part('recap-survey', ikm);

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
