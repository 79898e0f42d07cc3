// The Pintu web panel: log in, then the views a role may use, switched by the URL's hash
// (#/desk, #/host, #/doors, #/people, #/recap, #/watchlist, #/admin; #/link/<token> opens a host's
// one-time link; #/survey/<token> the public satisfaction survey). Bahasa Indonesia first; dates and times in the gateway's time zone.
import './styles.css';
import { ApiError, api, onAuthProblem, prefetch } from './api.js';
import { closeDialogs, h, replace, toast } from './dom.js';
import { longDate, now, time, timezone } from './format.js';
import { getLang, type Key, setLang, t } from './i18n.js';
import { live } from './live.js';
import { boot, type Cap, can, clearBootstrap, clockSynchronised, loadBootstrap, syncClock } from './state.js';
import { SURVEY_PATH, surveyView } from './survey.js';
import { installValidationMessages } from './validation.js';
import { adminView } from './views/admin.js';
import { deskView } from './views/desk.js';
import { doorsView } from './views/doors.js';
import { hostView } from './views/host.js';
import { changePasswordView, langButton, loginView } from './views/login.js';
import { peopleView } from './views/people.js';
import { recapView } from './views/recap.js';
import { watchlistView } from './views/watchlist.js';

type View = (root: HTMLElement) => () => void;

const ROUTES: Array<{ path: string; cap: Cap; nav: Key; view: View }> = [
  { path: 'desk', cap: 'desk', nav: 'navDesk', view: deskView },
  { path: 'host', cap: 'hostView', nav: 'navHost', view: hostView },
  { path: 'doors', cap: 'doors', nav: 'navDoors', view: doorsView },
  { path: 'people', cap: 'people', nav: 'navPeople', view: peopleView },
  { path: 'recap', cap: 'recap', nav: 'navRecap', view: recapView },
  { path: 'watchlist', cap: 'watchlist', nav: 'navWatchlist', view: watchlistView },
  { path: 'admin', cap: 'admin', nav: 'navAdmin', view: adminView },
];

const app = document.getElementById('app')!;
let cleanup: (() => void) | undefined;
let clockTimer: ReturnType<typeof setInterval> | undefined;

function zoneName(tz: string): string {
  return (
    { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT' }[tz] ??
    tz
  );
}

function currentPath(): string {
  return location.hash.replace(/^#\/?/, '').split('/')[0] ?? '';
}

function allowedRoutes() {
  return ROUTES.filter((r) => can(r.cap));
}

function shell(): HTMLElement {
  const me = boot!.me;
  const clock = h('span', { class: 'clock' });
  const unsynced = h('span', { class: 'pill warn', role: 'status', hidden: true }, t('clockUnsynced'));
  const paintClock = () => {
    clock.textContent = `${longDate(now())} · ${time(now())} ${zoneName(timezone())}`;
    unsynced.hidden = clockSynchronised();
  };
  // Asked again only while the gateway's clock is unsynchronised (a Pi just booted, NTP not yet
  // answered): a synchronised clock stays so until the next boot, which reloads the panel's data.
  const tick = () => {
    paintClock();
    if (!clockSynchronised()) void syncClock().then(paintClock, () => undefined);
  };
  paintClock();
  clearInterval(clockTimer);
  clockTimer = setInterval(tick, 15_000);
  const dot = h('span', { class: 'live', role: 'status', 'aria-label': t('liveLabel') });
  live.onStatus((on) => {
    dot.className = `live ${on ? 'on' : 'off'}`;
    dot.textContent = on ? t('live') : t('offline');
  });
  const main = h('main', { id: 'main', tabindex: -1 });
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Menu' },
    allowedRoutes().map((r) => h('a', { href: `#/${r.path}`, 'data-path': r.path }, t(r.nav))),
  );
  const who =
    me.username ?? (me.hostId ? boot!.hosts.find((x) => x.id === me.hostId)?.name : undefined) ?? me.actor.id;
  replace(
    app,
    h(
      'a',
      {
        class: 'skip',
        href: '#main',
        onClick: (e: Event) => {
          e.preventDefault();
          main.focus();
        },
      },
      t('skip'),
    ),
    h(
      'header',
      { class: 'top' },
      h(
        'a',
        { class: 'brand', href: '#/' },
        h('img', { src: '/assets/favicon.svg', alt: '', width: 32, height: 32 }),
        h('span', null, h('strong', null, t('appName')), h('small', null, t('org'))),
      ),
      nav,
      h(
        'div',
        { class: 'meta' },
        unsynced,
        clock,
        dot,
        langButton(() => route(true)),
        h('span', { class: 'who' }, `${who} · ${t(`role_${me.role}` as Key)}`),
        h('button', { type: 'button', class: 'link', onClick: logout }, t('logout')),
      ),
    ),
    main,
  );
  return main;
}

async function logout(): Promise<void> {
  try {
    await api('POST', '/auth/logout', {}, { quiet: true });
  } catch {}
  live.stop();
  closeDialogs();
  cleanup?.();
  cleanup = undefined;
  clearBootstrap();
  location.hash = '#/';
  start();
}

let mounted: HTMLElement | undefined;
function route(rebuildShell = false): void {
  if (!boot) return;
  const routes = allowedRoutes();
  const path = currentPath();
  const target = routes.find((r) => r.path === path) ?? routes[0];
  if (!target) {
    replace(
      app,
      h('main', { id: 'main', class: 'login' }, h('p', null, 'Tidak ada tampilan untuk peran ini.')),
    );
    return;
  }
  if (target.path !== path) {
    history.replaceState(null, '', `#/${target.path}`);
  }
  if (rebuildShell || !mounted?.isConnected) mounted = shell();
  for (const a of app.querySelectorAll<HTMLAnchorElement>('nav.nav a')) {
    if (a.dataset.path === target.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  closeDialogs();
  cleanup?.();
  const main = mounted;
  cleanup = target.view(main);
  document.title = `${t(target.nav)} · Pintu`;
}

async function redeemLink(token: string): Promise<void> {
  replace(app, h('main', { id: 'main', class: 'login' }, h('p', { role: 'status' }, t('linkOpening'))));
  try {
    await api('POST', '/host-links/redeem', { token }, { quiet: true });
    history.replaceState(null, '', '#/host');
  } catch (err) {
    history.replaceState(null, '', '#/');
    toast(`${t('linkFailed')}: ${err instanceof ApiError ? err.message : String(err)}`, 'error');
  }
}

let firstStart = true;

async function start(): Promise<void> {
  document.documentElement.lang = getLang();
  // The survey form is public and anonymous: no login, no bootstrap, nothing of the desk.
  const survey = SURVEY_PATH.exec(location.hash);
  if (survey) {
    surveyView(app, survey[1]!);
    return;
  }
  const link = /^#\/link\/([A-Za-z0-9_\-.]+)$/.exec(location.hash);
  const desk = /^(#\/?)?(desk)?$/.test(location.hash);
  // index.html preloads the bootstrap and today's visits, under the session the page began
  // with. The first start takes both, whatever the view, so that no later fetch of those URLs
  // (after a login, or a host link's redemption) gets an answer made before it.
  if (firstStart) {
    firstStart = false;
    const drop = (path: string) => void api('GET', path, undefined, { quiet: true }).catch(() => undefined);
    if (!desk) drop('/visits?date=today');
    if (link) drop('/panel/bootstrap');
  }
  if (link) await redeemLink(link[1]!);
  // The desk's data, fetched alongside the bootstrap (a 401 or 403 here is simply not used).
  if (desk) {
    prefetch('/visits?date=today');
    prefetch('/badges');
  }
  try {
    await loadBootstrap();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'password_change_required') {
      changePasswordView(app, () => {
        toast(t('passwordChanged'), 'ok');
        void start();
      });
      return;
    }
    if (err instanceof ApiError && err.status === 401) {
      loginView(app, () => void start());
      return;
    }
    replace(
      app,
      h(
        'main',
        { id: 'main', class: 'login' },
        h('p', { class: 'error', role: 'alert' }, String((err as Error).message)),
      ),
    );
    setTimeout(() => void start(), 5000);
    return;
  }
  live.start(boot!.me.role === 'host' ? 'host' : 'staff');
  route(true);
}

window.addEventListener('hashchange', () => {
  if (/^#\/(link|survey)\//.test(location.hash)) {
    live.stop();
    void start();
  } else route();
});

// A session that ended (expired, logged out elsewhere, gateway restarted): log in again.
onAuthProblem(() => {
  if (!boot) return;
  live.stop();
  closeDialogs();
  cleanup?.();
  cleanup = undefined;
  clearBootstrap();
  void start();
});

setLang(getLang());
installValidationMessages();
void start();
