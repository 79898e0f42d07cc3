// The monthly recap (SOP step 8): figures, charts (visits per day, by host, by unit, by purpose,
// refusals, SOP step times against their standards) and the exports (CSV, XLSX, PDF) with the
// Biro Umum heading, in the panel's language. The yearly recap, the same figures with visits
// per month, for the annual report (CSV). The guest book of a day or of the month, to download,
// or shown here with how each guest came and the period's summary.
import { inLanguage, type MonthlyRecap } from '../../domain/recap.js';
import type { GuestRegister } from '../../domain/register.js';
import { SURVEY_ELEMENTS, type SurveyRecap } from '../../domain/survey.js';
import type { YearlyRecap } from '../../domain/yearly-recap.js';
import { recapMonthTitle } from '../../reports/labels.js';
import { api } from '../api.js';
import { barChart, columnChart, type Datum } from '../charts.js';
import { dateField } from '../date-field.js';
import { busy, field, h, replace } from '../dom.js';
import { localDate, now, number } from '../format.js';
import { getLang, recapLabels, t } from '../i18n.js';
import { downloadIcon } from '../icons.js';
import { fail } from '../sop.js';
import { registerTable } from './register.js';

/** Both CSV dialects are .csv files. */
function extension(format: string): string {
  return format === 'csv-excel' ? 'csv' : format;
}

export function recapView(root: HTMLElement): () => void {
  // The panel's own date fields: native month/date inputs speak the browser's language.
  const today = localDate(now());
  const thisYear = Number(today.date.slice(0, 4));
  const month = dateField({
    label: t('month'),
    value: today.month,
    years: [thisYear - 5, thisYear],
    withDay: false,
  });
  const year = h('input', {
    type: 'number',
    min: '2000',
    max: '2999',
    step: '1',
    value: localDate(now()).month.slice(0, 4),
    required: true,
  });
  const period = h(
    'select',
    { onChange: () => void busy(show, load) },
    h('option', { value: 'month' }, t('periodMonth')),
    h('option', { value: 'year' }, t('periodYear')),
  );
  const monthField = month.el;
  const yearField = field(t('year'), year);
  yearField.hidden = true;
  const title = h('h1', null, t('recapTitle'));
  const show = h('button', { type: 'submit', class: 'primary' }, t('show'));
  const exports = h('div', { class: 'exports row' });
  // The guest book (buku tamu): every visit of a day or of the month as rows, to print or keep.
  const day = dateField({
    label: t('registerDay'),
    value: today.date,
    years: [thisYear - 5, thisYear],
    onChange: () => showRegister(),
  });
  const registerLinks = h('div', { class: 'exports row' });
  // The register on screen: how each guest came, and the period's summary (views/register.ts).
  const registerShown = h('div', { 'aria-live': 'polite' });
  const showBook = (what: 'day' | 'month') => async () => {
    const query = what === 'day' ? `day=${day.value}` : `month=${month.value}`;
    try {
      const r = await api<GuestRegister>('GET', `/reports/register?${query}&format=json`);
      replace(registerShown, registerTable(r));
    } catch (e) {
      fail(e);
    }
  };
  const showDay: HTMLButtonElement = h(
    'button',
    { type: 'button', 'data-register-show': 'day', onClick: () => void busy(showDay, showBook('day')) },
    `${t('registerShow')}: ${t('registerOfDay')}`,
  );
  const showMonth: HTMLButtonElement = h(
    'button',
    { type: 'button', 'data-register-show': 'month', onClick: () => void busy(showMonth, showBook('month')) },
    `${t('registerShow')}: ${t('registerOfMonth')}`,
  );
  const register = h(
    'section',
    { class: 'register', 'aria-labelledby': 'register-title' },
    h('h2', { id: 'register-title' }, t('registerTitle')),
    h('p', { class: 'hint' }, t('registerHint')),
    h('div', { class: 'row' }, day.el, h('div', { class: 'row' }, showDay, showMonth), registerLinks),
    registerShown,
  );
  const body = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' });
  replace(
    root,
    h(
      'div',
      { class: 'view-head' },
      title,
      h(
        'form',
        {
          class: 'row',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(show, load);
          },
        },
        field(t('period'), period),
        monthField,
        yearField,
        show,
      ),
    ),
    exports,
    register,
    body,
  );

  /** Links to the day's and the month's register (the month shown above; none for a year). */
  const showRegister = () => {
    const lang = getLang();
    const links: HTMLElement[] = [];
    const add = (query: string, what: string, name: string) => {
      // csv-excel opens in columns in the desk's Excel (Indonesian: ';' and a decimal comma);
      // csv is RFC 4180, for programs.
      for (const [format, label] of [
        ['pdf', 'PDF'],
        ['xlsx', 'Excel (XLSX)'],
        ['csv-excel', t('csvForExcel')],
        ['csv', 'CSV'],
      ] as const) {
        const shown = `${what === 'day' ? t('registerOfDay') : t('registerOfMonth')}: ${label}`;
        links.push(
          h(
            'a',
            {
              class: 'button',
              href: `/api/v1/reports/register?${query}&format=${format}&lang=${lang}`,
              download: `buku-tamu-${name}.${extension(format)}`,
              'data-register': `${what}-${format}`,
              // The visible words first (WCAG 2.5.3, label in name), then which file it is.
              'aria-label': `${shown} (${t('registerDownload')} ${name})`,
            },
            downloadIcon(),
            shown,
          ),
        );
      }
    };
    if (/^\d{4}-\d{2}-\d{2}$/.test(day.value)) add(`day=${day.value}`, 'day', day.value);
    if (period.value !== 'year' && /^\d{4}-\d{2}$/.test(month.value))
      add(`month=${month.value}`, 'month', month.value);
    replace(registerLinks, ...links);
  };

  const link = (format: string, label: string, yearly = false) => {
    const p = yearly ? year.value : month.value;
    return h(
      'a',
      {
        class: 'button',
        href: yearly
          ? `/api/v1/reports/yearly?year=${p}&format=${format}&lang=${getLang()}`
          : `/api/v1/reports/monthly?month=${p}&format=${format}&lang=${getLang()}`,
        download: `rekap-kunjungan-${p}.${extension(format)}`,
        'data-format': format,
      },
      downloadIcon(),
      label,
    );
  };

  /** The regulation's survey tabulation of the month or the year shown (GET /reports/survey). */
  const surveyLink = (yearly: boolean) => {
    const p = yearly ? year.value : month.value;
    return h(
      'a',
      {
        class: 'button',
        href: `/api/v1/reports/survey?period=${p}&format=xlsx&lang=${getLang()}`,
        download: `survei-kepuasan-${p}.xlsx`,
        'data-format': 'survey-xlsx',
      },
      downloadIcon(),
      t('exportSurveyTable'),
    );
  };

  async function load(): Promise<void> {
    const yearly = period.value === 'year';
    monthField.hidden = yearly;
    yearField.hidden = !yearly;
    title.textContent = yearly ? t('recapYearTitle') : t('recapTitle');
    showRegister();
    const m = month.value;
    const y = year.value;
    if (yearly ? !/^\d{4}$/.test(y) : !/^\d{4}-\d{2}$/.test(m)) return;
    body.setAttribute('aria-busy', 'true');
    try {
      if (yearly) {
        const r = await api<YearlyRecap & { survey: SurveyRecap }>(
          'GET',
          `/reports/yearly?year=${y}&format=json`,
        );
        replace(
          exports,
          link('csv-excel', t('exportCsvExcel'), true),
          link('csv', t('exportCsv'), true),
          surveyLink(true),
        );
        render(r, r.survey);
        return;
      }
      const [r, survey] = await Promise.all([
        api<MonthlyRecap>('GET', `/reports/monthly?month=${m}&format=json`),
        api<SurveyRecap>('GET', `/reports/survey?period=${m}&format=json`),
      ]);
      replace(
        exports,
        link('csv-excel', t('exportCsvExcel')),
        link('csv', t('exportCsv')),
        link('xlsx', t('exportXlsx')),
        link('pdf', t('exportPdf')),
        surveyLink(false),
      );
      render(r, survey);
    } catch (e) {
      fail(e);
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  /** The period's satisfaction survey: the IKM with its category, and each element's NRR (1-4). */
  const surveyCard = (s: SurveyRecap) => {
    const lang = getLang();
    const title = t('chartSurvey');
    const result = s.result;
    return h(
      'section',
      { class: 'chart-card wide survey-card', 'aria-label': title },
      h('h2', null, title),
      result
        ? h(
            'div',
            null,
            h(
              'p',
              { class: 'ikm' },
              h('strong', null, `IKM ${number(result.ikm, 2)}`),
              ` · ${t('surveyQuality')} ${result.category.grade} (${lang === 'id' ? result.category.name : result.category.nameEn}) · ${number(s.respondents)} ${t('surveyRespondents')} · ${number(s.saran.length)} ${t('surveySaranCount')}`,
            ),
            barChart(
              result.elements.map((e, i) => {
                const el = SURVEY_ELEMENTS.find((x) => x.id === e.id);
                return {
                  label: `U${i + 1}. ${(lang === 'id' ? el?.name : el?.nameEn) ?? e.id}`,
                  value: e.mean,
                };
              }),
              `${title}: NRR`,
              { digits: 2 },
            ),
            h('p', { class: 'hint' }, t('surveyNrrHint')),
          )
        : h('p', { class: 'empty' }, t('surveyNone')),
    );
  };

  const render = (r: MonthlyRecap | YearlyRecap, survey: SurveyRecap) => {
    const L = recapLabels();
    const lang = getLang();
    const yearly = 'year' in r;
    const notReturned = yearly ? r.badgesNotReturned : r.badgesNotReturned.length;
    const tile = (label: string, value: string, cls = '') =>
      h(
        'div',
        { class: `tile ${cls}` },
        h('span', { class: 'value' }, value),
        h('span', { class: 'label' }, label),
      );
    const tot = r.totals;
    const card = (title: string, chart: Element | null, wide = false) =>
      h(
        'section',
        { class: `chart-card${wide ? ' wide' : ''}`, 'aria-label': title },
        h('h2', null, title),
        chart ?? h('p', { class: 'empty' }, t('noData')),
      );
    const top = (list: MonthlyRecap['byHost'], n = 8): Datum[] =>
      list.slice(0, n).map((it) => ({ label: it.label || L.unknown, value: it.count }));
    const refusals: Datum[] = [
      ...r.screeningReasons.map((it) => ({
        label: `${t('atScreening')}: ${L.screeningReasons[it.key as keyof typeof L.screeningReasons] ?? it.key}`,
        value: it.count,
      })),
      { label: L.hostRefused, value: tot.hostRefused },
      { label: L.rescheduled, value: tot.rescheduled },
      { label: L.cancelled, value: tot.cancelled },
    ];
    const steps: Datum[] = r.steps.map((st) => ({
      label: L.stepNames[st.step],
      value: st.meanMinutes ?? 0,
      marker: st.standardMinutes,
      warn: (st.meanMinutes ?? 0) > st.standardMinutes,
      title: `${L.stepNames[st.step]}: ${t('average')} ${st.meanMinutes ?? '-'} ${t('minutes')}, ${t('standard')} ${st.standardMinutes} ${t('minutes')}, p90 ${st.p90Minutes ?? '-'}, ${L.overStandard}: ${st.overStandard}/${st.count}`,
    }));
    const hasVisits = tot.visits > 0;
    replace(
      body,
      h(
        'p',
        { class: 'muted' },
        yearly
          ? `${L.yearTitle} ${r.year} · ${r.timezone}`
          : `${L.title} · ${recapMonthTitle(r.month, lang)} · ${r.timezone}`,
      ),
      h(
        'div',
        { class: 'tiles' },
        tile(L.visits, number(tot.visits), 'main'),
        tile(L.accepted, number(tot.accepted)),
        tile(L.screeningRefused, number(tot.screeningRefused)),
        tile(L.hostRefused, number(tot.hostRefused)),
        tile(L.rescheduled, number(tot.rescheduled)),
        tile(L.checkedOut, number(tot.checkedOut)),
        tile(L.expected, number(tot.expected)),
        tile(L.walkIn, number(tot.walkIn)),
        tile(L.noShows, number(tot.noShows), tot.noShows ? 'warn' : ''),
        tile(L.groups, number(tot.groups)),
        tile(L.groupPersons, number(tot.groupPersons)),
        tile(L.averageVisitMinutes, r.averageVisitMinutes === null ? '–' : number(r.averageVisitMinutes, 1)),
        tile(L.badgesNotReturned, number(notReturned), notReturned ? 'warn' : ''),
      ),
      h(
        'div',
        { class: 'charts' },
        yearly
          ? card(
              t('chartMonths'),
              hasVisits
                ? columnChart(
                    r.byMonth.map((m, i) => ({
                      label: L.months[i]!.slice(0, 3),
                      value: m.totals.visits,
                      title: `${recapMonthTitle(m.month, lang)}: ${m.totals.visits}`,
                    })),
                    t('chartMonths'),
                  )
                : null,
              true,
            )
          : card(
              t('chartDays'),
              hasVisits
                ? columnChart(
                    r.byDay.map((d) => ({ label: d.label, value: d.count, title: `${d.key}: ${d.count}` })),
                    t('chartDays'),
                  )
                : null,
              true,
            ),
        card(t('chartHosts'), r.byHost.length ? barChart(top(r.byHost), t('chartHosts')) : null),
        card(t('chartUnits'), r.byUnit.length ? barChart(top(r.byUnit), t('chartUnits')) : null),
        card(
          t('chartPurposes'),
          // Categories by their configured name in the panel's language.
          r.byPurpose.length ? barChart(top(inLanguage(r.byPurpose, lang)), t('chartPurposes')) : null,
        ),
        card(t('chartRefusals'), hasVisits ? barChart(refusals, t('chartRefusals')) : null),
        card(
          t('chartSteps'),
          r.steps.some((st) => st.count > 0)
            ? h(
                'div',
                null,
                barChart(steps, t('chartSteps'), { unit: t('minutes'), digits: 2 }),
                h(
                  'p',
                  { class: 'hint' },
                  `┆ = ${t('standard')} · `,
                  r.steps
                    .map(
                      (st) =>
                        `${L.stepNames[st.step]}: ${L.overStandard.toLowerCase()} ${st.overStandard}/${st.count}`,
                    )
                    .join(' · '),
                ),
                r.synced.visits > 0 ? h('p', { class: 'hint' }, `${L.synced}: ${r.synced.visits}`) : null,
              )
            : null,
          true,
        ),
        surveyCard(survey),
      ),
    );
  };

  void load();
  return () => undefined;
}
