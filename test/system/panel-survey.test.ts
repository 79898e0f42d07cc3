// The satisfaction survey form in real Chromium (issue 14, item 7): the desk gets a visit's
// survey link; a browser with no login opens it, rates the nine elements, writes a saran and
// sends; the report counts the answer, and the same link then says the survey was answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SURVEY_ELEMENTS } from '../../src/domain/survey.js';
import { haveChromium, type PanelLab, see, startPanelLab } from '../support/browser.js';

const ok = haveChromium();

describe.skipIf(!ok)(
  `web panel: satisfaction survey in Chromium${ok ? '' : ' [skipped: no /usr/bin/chromium]'}`,
  () => {
    let lab: PanelLab;
    beforeAll(async () => {
      lab = await startPanelLab();
    }, 60_000);
    afterAll(async () => lab?.close());

    it('a guest without a login answers once; the report has it', async () => {
      const visit = await lab.api('POST', '/visits', {
        guest: { name: 'Dewi Lestari', institution: 'Dinas Pendidikan', phone: '0812 2222 3333' },
        purpose: 'Koordinasi',
        hostId: 'kabag-umum',
      });
      const { path } = await lab.api('POST', `/visits/${visit.id}/survey-token`);
      const tablet = await (await lab.browser()).newPage();
      await tablet.goto(`${lab.url}${path}`);
      await tablet.getByRole('heading', { name: 'Survei Kepuasan Masyarakat' }).waitFor();
      for (const [i, e] of SURVEY_ELEMENTS.entries()) {
        // 4 for the first five elements, 3 for the rest.
        const group = tablet.getByRole('group', { name: `U${i + 1}. ${e.name}` });
        await group.getByLabel(i < 5 ? '4 · Sangat baik' : '3 · Baik').check();
      }
      await tablet.getByLabel('Saran (boleh kosong)').fill('Papan petunjuk ruang rapat');
      await lab.shot(tablet, '30-survey-form');
      await tablet.getByRole('button', { name: 'Kirim' }).click();
      await tablet.getByRole('heading', { name: 'Terima kasih' }).waitFor();

      // 5 x 4 + 4 x 3 = 32 over 9 elements: IKM = 25 x 32 / 9 = 88.89, A (Sangat Baik).
      expect(await lab.api('GET', '/reports/survey?period=2026-11')).toMatchObject({
        respondents: 1,
        result: { ikm: 88.89, category: { grade: 'A' } },
        saran: ['Papan petunjuk ruang rapat'],
      });

      await tablet.reload();
      await see(tablet.getByRole('alert')).text().toContain('sudah diisi');
    });

    it("shows the month's IKM, its category and each element's NRR in the recap", async () => {
      const desk = await lab.userPage('resepsionis', 'receptionist');
      await lab.login(desk, 'resepsionis', '/#/recap');
      const card = desk.getByRole('region', { name: 'Survei kepuasan masyarakat (IKM)' });
      await see(card).text().toContain('IKM 88,89');
      const text = await card.textContent();
      expect(text).toContain('mutu pelayanan A (Sangat Baik)');
      expect(text).toContain('1 responden · 1 saran');
      await see(card.getByRole('group', { name: /NRR/ }))
        .text()
        .toContain('U1. Persyaratan');
      expect(await card.getByRole('group', { name: /NRR/ }).textContent()).toContain('U9.');
      await lab.shot(desk, '31-recap-survey');
    });
  },
);
