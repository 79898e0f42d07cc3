// The satisfaction survey in the panel: the desk's dialog that gives a visit's survey (a QR
// code for the guest's phone, or the form opened on the desk's tablet), and the form itself at
// #/survey/<token>, public and anonymous: it needs no login and sends nothing but the ratings
// and the saran.
import { ApiError, api, type Visit } from './api.js';
import { busy, dialog, field, h, replace } from './dom.js';
import { errorText as apiErrorText, getLang, type Key, t } from './i18n.js';
import { qrSvg } from './qr.js';

interface SurveyForm {
  elements: Array<{ id: string; name: string; nameEn: string }>;
  until: number;
  saranMaxChars: number;
}

/** Panel path of a survey token's form. */
export const SURVEY_PATH = /^#\/survey\/([A-Za-z0-9_.-]+)$/;

/** The desk's dialog: the visit's survey link as a QR code, and a button to open it here. */
export function openSurveyOffer(v: Visit): void {
  dialog(t('surveyOfferTitle'), () => {
    const out = h('div', { 'aria-live': 'polite' }, t('loading'));
    void api<{ path: string }>('POST', `/visits/${v.id}/survey-token`, {}).then(
      (r) => {
        const url = `${location.origin}${r.path}`;
        replace(
          out,
          h('p', null, t('surveyOfferText')),
          h('figure', { class: 'qr' }, qrSvg(url, t('surveyQr')), h('figcaption', null, t('surveyQr'))),
          // A new tab: the desk's own page stays where it was, the tablet shows only the form.
          h(
            'a',
            { class: 'button primary', href: r.path, target: '_blank', rel: 'noopener' },
            t('surveyOpenHere'),
          ),
        );
      },
      (err) => replace(out, h('p', { class: 'error', role: 'alert' }, errorText(err))),
    );
    return out;
  });
}

const SCALE: Array<[number, Key]> = [
  [1, 'surveyScale1'],
  [2, 'surveyScale2'],
  [3, 'surveyScale3'],
  [4, 'surveyScale4'],
];

function errorText(err: unknown): string {
  if (err instanceof ApiError) return apiErrorText(err.status, err.code, err.message, err.field, err.rule);
  return `${t('failed')}: ${err instanceof Error ? err.message : String(err)}`;
}

/** Why a token cannot be answered, in words. */
function refusal(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return t('surveyNotFound');
    if (err.state === 'answered') return t('surveyAnswered');
    if (err.state === 'ended') return t('surveyEnded');
  }
  return errorText(err);
}

/** The form behind a token, in `root`: nine elements rated 1-4, a saran, one send. */
export function surveyView(root: HTMLElement, token: string): void {
  const main = h('main', { id: 'main', class: 'survey' }, h('p', { role: 'status' }, t('loading')));
  replace(root, main);
  document.title = `${t('surveyTitle')} · Pintu`;
  const path = `/survey/${token}`;
  void api<SurveyForm>('GET', path, undefined, { quiet: true }).then(
    (form) => {
      const groups = form.elements.map((e, i) => {
        const legendId = `survey-${e.id}`;
        return h(
          'fieldset',
          { class: 'survey-element', 'aria-labelledby': legendId },
          h('legend', { id: legendId }, `U${i + 1}. ${getLang() === 'en' ? e.nameEn : e.name}`),
          h(
            'div',
            { class: 'survey-scale' },
            SCALE.map(([value, key]) =>
              h(
                'label',
                null,
                h('input', { type: 'radio', name: e.id, value: String(value), required: true }),
                ` ${value} · ${t(key)}`,
              ),
            ),
          ),
        );
      });
      const saran = h('textarea', { name: 'saran', rows: 3, maxlength: form.saranMaxChars });
      const err = h('p', { class: 'error', role: 'alert', hidden: true });
      const send = h('button', { type: 'submit', class: 'primary' }, t('surveySend'));
      const formEl = h(
        'form',
        { novalidate: false },
        h('h1', null, t('surveyTitle')),
        h('p', null, t('surveyIntro')),
        groups,
        form.saranMaxChars > 0 ? field(t('surveySaran'), saran) : null,
        err,
        send,
      );
      formEl.addEventListener('submit', (e) => {
        e.preventDefault();
        const data = new FormData(formEl);
        const ratings = Object.fromEntries(form.elements.map((el) => [el.id, Number(data.get(el.id))]));
        const text = String(data.get('saran') ?? '').trim();
        void busy(send, () =>
          api('POST', path, { ratings, ...(text ? { saran: text } : {}) }, { quiet: true }).then(
            () =>
              replace(
                main,
                h('h1', null, t('surveyThanks')),
                h('p', { role: 'status' }, t('surveyThanksText')),
              ),
            (error: unknown) => {
              err.textContent = refusal(error);
              err.hidden = false;
            },
          ),
        );
      });
      replace(main, formEl);
    },
    (error: unknown) =>
      replace(
        main,
        h('h1', null, t('surveyTitle')),
        h('p', { class: 'error', role: 'alert' }, refusal(error)),
      ),
  );
}
