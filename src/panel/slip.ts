// The visitor slip (issue 14 item 6): printed at the desk when a badge is issued, through the
// browser's print dialog on a 58 mm or 80 mm thermal printer or on A6. It says what the guest
// and a guard at a door need (guest, institution, host, rooms, time, badge, the visit's rules)
// and nothing a stranger who finds it could misuse: no document number, no phone.
import { api, type Badge, type Visit } from './api.js';
import { dialog, field, h, replace } from './dom.js';
import { dateTime, time } from './format.js';
import { type Key, t, tIn } from './i18n.js';
import { doorName, hostName } from './state.js';

export type SlipSize = '58mm' | '80mm' | 'a6';
export const SLIP_SIZES: readonly SlipSize[] = ['58mm', '80mm', 'a6'];
const KEY = 'pintu.slipSize';
/** The paper each size prints on: @page size (width, and a height long enough for one slip). */
const PAGE: Record<SlipSize, string> = { '58mm': '58mm 160mm', '80mm': '80mm 160mm', a6: 'A6' };

/** The size chosen on this desk PC (its printer), 80 mm until one is chosen. */
export function slipSize(): SlipSize {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && (SLIP_SIZES as readonly string[]).includes(saved)) return saved as SlipSize;
  } catch {}
  return '80mm';
}

function saveSize(size: SlipSize): void {
  try {
    localStorage.setItem(KEY, size);
  } catch {}
}

/** The slip's text, both languages: Bahasa Indonesia first, English under it. */
export function slipContent(v: Visit, badgeLabel: string): HTMLElement {
  const issued = v.history.find((s) => s.action === 'issue_badge')?.at ?? v.createdAt;
  const both = (key: Key) => h('span', null, tIn('id', key), h('em', null, ` / ${tIn('en', key)}`));
  const row = (key: Key, value: string) =>
    h(
      'div',
      { class: 'slip-row' },
      h('dt', { class: 'slip-k' }, both(key)),
      h('dd', { class: 'slip-v' }, value),
    );
  return h(
    'article',
    { class: 'slip', 'aria-label': t('slipTitle') },
    h('h3', null, tIn('id', 'slipTitle'), h('em', null, ` / ${tIn('en', 'slipTitle')}`)),
    h('p', { class: 'slip-org' }, t('org')),
    h(
      'dl',
      null,
      row('slipGuest', v.guestName),
      row('slipInstitution', v.institution),
      row('slipHost', hostName(v.hostId)),
      row('slipRooms', v.rooms.length ? v.rooms.map(doorName).join(', ') : '—'),
      row('slipTime', dateTime(issued)),
      v.validUntil !== undefined ? row('slipUntil', time(v.validUntil)) : null,
      row('slipBadge', badgeLabel),
    ),
    h(
      'ol',
      { class: 'slip-rules' },
      (['slipRule1', 'slipRule2', 'slipRule3'] as const).map((k) =>
        h('li', null, tIn('id', k), h('em', null, ` / ${tIn('en', k)}`)),
      ),
    ),
  );
}

/**
 * The slip's dialog: the paper size (remembered on this PC), a preview, and Print. While it is
 * open, a copy waits in `.slip-sheet` for the print view (`@media print` shows it alone).
 */
export function openSlip(v: Visit): void {
  dialog(t('slipTitle'), (d) => {
    const sheet = h('div', { class: 'slip-sheet', 'data-size': slipSize() });
    const page = h('style', { id: 'slip-page' });
    document.head.appendChild(page);
    document.body.appendChild(sheet);
    d.onClose(() => {
      sheet.remove();
      page.remove();
    });
    const preview = h('div', { class: 'slip-preview' });
    const size = h(
      'select',
      null,
      SLIP_SIZES.map((s) => h('option', { value: s, selected: s === slipSize() }, t(`slipSize_${s}` as Key))),
    );
    let label = v.badgeId ?? '—';
    const paint = () => {
      const chosen = size.value as SlipSize;
      sheet.dataset.size = chosen;
      preview.dataset.size = chosen;
      page.textContent = `@page { size: ${PAGE[chosen]}; margin: 3mm; }`;
      replace(preview, slipContent(v, label));
      replace(sheet, slipContent(v, label));
    };
    size.addEventListener('change', () => {
      saveSize(size.value as SlipSize);
      paint();
    });
    paint();
    void api<Badge[]>('GET', '/badges').then(
      (all) => {
        label = all.find((b) => b.id === v.badgeId)?.label ?? label;
        paint();
      },
      () => undefined,
    );
    const print = h('button', { type: 'button', class: 'primary', autofocus: true }, t('slipPrint'));
    print.addEventListener('click', () => window.print());
    return h(
      'div',
      null,
      field(t('slipSize'), size),
      preview,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', onClick: () => d.close() }, t('close')),
        print,
      ),
    );
  });
}
