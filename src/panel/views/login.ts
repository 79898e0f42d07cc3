// Log in (and change a one-time password before anything else).
import { ApiError, api } from '../api.js';
import { busy, field, h, replace } from '../dom.js';
import { getLang, setLang, t } from '../i18n.js';

function langButton(rerender: () => void): HTMLElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'link',
      lang: getLang() === 'id' ? 'en' : 'id',
      'aria-label': t('langSwitchLabel'),
      onClick: () => {
        setLang(getLang() === 'id' ? 'en' : 'id');
        rerender();
      },
    },
    t('langSwitch'),
  );
}

export function loginView(root: HTMLElement, onLoggedIn: () => void): void {
  const render = () => {
    const username = h('input', {
      type: 'text',
      name: 'username',
      required: true,
      autocomplete: 'username',
      autocapitalize: 'none',
      spellcheck: false,
    });
    const password = h('input', {
      type: 'password',
      name: 'password',
      required: true,
      autocomplete: 'current-password',
    });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary wide' }, t('login'));
    replace(
      root,
      h(
        'main',
        { id: 'main', class: 'login' },
        h(
          'form',
          {
            class: 'card login-card',
            'aria-labelledby': 'login-h',
            onSubmit: (e: Event) => {
              e.preventDefault();
              error.hidden = true;
              void busy(submit, async () => {
                try {
                  await api(
                    'POST',
                    '/auth/login',
                    { username: username.value.trim(), password: password.value },
                    { quiet: true },
                  );
                  onLoggedIn();
                } catch (err) {
                  error.textContent =
                    err instanceof ApiError && err.status === 429 ? t('tooMany') : t('loginFailed');
                  error.hidden = false;
                  password.select();
                }
              });
            },
          },
          h(
            'div',
            { class: 'brand big' },
            h('img', { src: '/assets/favicon.svg', alt: '', width: 40, height: 40 }),
            h('div', null, h('strong', null, t('appName')), h('small', null, t('org'))),
          ),
          h('h1', { id: 'login-h' }, t('loginTitle')),
          field(t('username'), username),
          field(t('password'), password),
          error,
          submit,
          h('p', { class: 'center' }, langButton(render)),
        ),
      ),
    );
    username.focus();
  };
  render();
}

export function changePasswordView(root: HTMLElement, onDone: () => void): void {
  const current = h('input', { type: 'password', required: true, autocomplete: 'current-password' });
  const next = h('input', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, t('save'));
  replace(
    root,
    h(
      'main',
      { id: 'main', class: 'login' },
      h(
        'form',
        {
          class: 'card login-card',
          onSubmit: (e: Event) => {
            e.preventDefault();
            void busy(submit, async () => {
              try {
                await api(
                  'POST',
                  '/auth/password',
                  { current: current.value, password: next.value },
                  { quiet: true },
                );
                onDone();
              } catch (err) {
                error.textContent = err instanceof ApiError ? err.message : String(err);
                error.hidden = false;
              }
            });
          },
        },
        h('h1', null, t('changePasswordTitle')),
        field(t('currentPassword'), current),
        field(t('newPassword'), next),
        error,
        submit,
      ),
    ),
  );
  current.focus();
}

export { langButton };
