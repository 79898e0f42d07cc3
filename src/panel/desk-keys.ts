// The desk from the keyboard: the items the keys move between (visit cards on the board, rows
// in the compact table), where the focus goes back to when a step's dialog closes, and the
// list of shortcuts shown under "?".
import { dialog, h } from './dom.js';
import { t } from './i18n.js';

/** An item: a focusable card or row of one visit, inside a group (a column, or the table). */
const ITEM = '[data-visit][tabindex]';

/** Where an item stood when a dialog opened from it. */
export interface Anchor {
  visit: string;
  group: string;
  index: number;
}

/** True when the key press is part of typing (a shortcut never fires then). */
export function typing(e: KeyboardEvent): boolean {
  const el = e.target;
  return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function groups(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>('[data-group]')];
}

function items(within: HTMLElement): HTMLElement[] {
  return [...within.querySelectorAll<HTMLElement>(ITEM)];
}

/** The item an element belongs to (the card of one of its buttons, or the card itself). */
export function itemOf(el: Element | null): HTMLElement | undefined {
  return el?.closest<HTMLElement>(ITEM) ?? undefined;
}

export function anchorOf(el: Element | null): Anchor | undefined {
  const item = itemOf(el);
  const group = item?.closest<HTMLElement>('[data-group]');
  if (!item?.dataset.visit || !group?.dataset.group) return undefined;
  return { visit: item.dataset.visit, group: group.dataset.group, index: items(group).indexOf(item) };
}

/**
 * The item to focus after a dialog: the visit's own while it is still in its group; when it
 * moved on or left, the next one in that group (the one now at its place, or the last); when
 * that group is empty, the visit's own wherever it went; else the first on the board.
 */
export function resolveAnchor(root: HTMLElement, a: Anchor): HTMLElement | undefined {
  const all = items(root);
  const own = all.find((el) => el.dataset.visit === a.visit);
  const group = groups(root).find((g) => g.dataset.group === a.group);
  if (own && group?.contains(own)) return own;
  const rest = group ? items(group) : [];
  if (rest.length > 0) return rest[Math.min(a.index, rest.length - 1)];
  return own ?? all[0];
}

/**
 * Arrow keys from the focused item: up and down within its group, left and right to the
 * nearest group that has items (at the same height, or its last), Home and End to the ends.
 * True when the focus moved.
 */
export function arrowMove(root: HTMLElement, from: HTMLElement, key: string): boolean {
  const a = anchorOf(from);
  if (!a) return false;
  const filled = groups(root).filter((g) => items(g).length > 0);
  const at = filled.findIndex((g) => g.dataset.group === a.group);
  const here = at >= 0 ? items(filled[at]!) : [];
  let to: HTMLElement | undefined;
  if (key === 'ArrowUp') to = here[a.index - 1];
  else if (key === 'ArrowDown') to = here[a.index + 1];
  else if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const next = filled[at + (key === 'ArrowLeft' ? -1 : 1)];
    const list = next ? items(next) : [];
    to = list[Math.min(a.index, list.length - 1)];
  } else if (key === 'Home') to = items(root)[0];
  else if (key === 'End') to = items(root).at(-1);
  if (!to) return false;
  to.focus();
  return true;
}

/** The shortcuts, as a dialog ("?"). */
export function openKeysHelp(): void {
  const rows: Array<[string, string]> = [
    ['N', t('newArrival')],
    ['Enter', t('keyEnter')],
    ['↑ ↓ ← →', t('keyArrows')],
    ['Ctrl+Enter', t('keyCtrlEnter')],
    ['Esc', t('keyEsc')],
    ['/', t('keySearch')],
    ['?', t('keyHelp')],
  ];
  dialog(t('keysTitle'), (d) =>
    h(
      'div',
      null,
      h(
        'dl',
        { class: 'keys' },
        rows.map(([key, what]) => [h('dt', null, h('kbd', null, key)), h('dd', null, what)]),
      ),
      h('p', { class: 'hint' }, t('keysNote')),
      h(
        'div',
        { class: 'dialog-actions' },
        h(
          'button',
          { type: 'button', class: 'primary', autofocus: true, onClick: () => d.close() },
          t('close'),
        ),
      ),
    ),
  );
}
