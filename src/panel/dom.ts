// A few lines instead of a framework: build elements, show dialogs and notices.
import { t } from './i18n.js';

export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (e: Event) => void;
export type Attrs = Record<string, unknown>;

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

function setAttrs(el: Element, attrs: Attrs | null | undefined, svg: boolean): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v as Handler);
    } else if (!svg && (k === 'value' || k === 'checked' || k === 'selected' || k === 'indeterminate')) {
      (el as unknown as Record<string, unknown>)[k] = v;
    } else if (k === 'class') {
      el.setAttribute('class', String(v));
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

/** An HTML element: h('button', { class: 'primary', onClick }, 'Simpan'). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs, false);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (charts). */
export function s(tag: string, attrs?: Attrs | null, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs, true);
  append(el, children);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function replace(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

let uid = 0;
export function nextId(prefix = 'f'): string {
  return `${prefix}-${++uid}`;
}

/** A labelled form field: the label is tied to the control by id. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  if (!control.id) control.id = nextId();
  const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function checkbox(label: string, attrs: Attrs = {}): { row: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'checkbox', id: nextId('c'), ...attrs });
  return { row: h('label', { class: 'check', for: input.id }, input, h('span', null, label)), input };
}

// ---------------------------------------------------------------- dialogs

export interface DialogHandle {
  el: HTMLDialogElement;
  body: HTMLElement;
  close(): void;
  onClose(fn: () => void): void;
}

/** A modal <dialog>: focus moves in, Esc closes, focus returns where it was. */
export function dialog(
  title: string,
  build: (d: DialogHandle) => Child,
  opts: { wide?: boolean } = {},
): DialogHandle {
  const titleId = nextId('dlg');
  const body = h('div', { class: 'dialog-body' });
  const closers: Array<() => void> = [];
  const before = document.activeElement as HTMLElement | null;
  const el = h(
    'dialog',
    { class: opts.wide ? 'wide' : undefined, 'aria-labelledby': titleId },
    h(
      'header',
      { class: 'dialog-head' },
      h('h2', { id: titleId }, title),
      h(
        'button',
        { type: 'button', class: 'icon', 'aria-label': t('closeDialog'), onClick: () => handle.close() },
        '×',
      ),
    ),
    body,
  );
  const handle: DialogHandle = {
    el,
    body,
    close: () => {
      if (el.open) el.close();
    },
    onClose: (fn) => closers.push(fn),
  };
  el.addEventListener('close', () => {
    for (const fn of closers) fn();
    el.remove();
    openDialogs.delete(handle);
    if (before?.isConnected) before.focus();
    if (openDialogs.size === 0) for (const fn of [...allClosed]) fn();
  });
  // Ctrl+Enter saves the dialog's form from any field, a text area included (where Enter is a
  // new line), so a form is saved without walking the Tab order to its button.
  el.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !(e.ctrlKey || e.metaKey)) return;
    const form = body.querySelector('form');
    if (!form) return;
    e.preventDefault();
    form.requestSubmit();
  });
  append(body, [build(handle)]);
  document.body.appendChild(el);
  openDialogs.add(handle);
  el.showModal();
  // A control marked autofocus (a step's default action) first, wherever it stands in the form.
  const first =
    body.querySelector<HTMLElement>('[autofocus]') ??
    body.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea, button');
  first?.focus();
  return handle;
}

const openDialogs = new Set<DialogHandle>();
export function dialogOpen(): boolean {
  return openDialogs.size > 0;
}

const allClosed = new Set<() => void>();
/**
 * `fn` runs each time the last open dialog closes (a step's dialog, or the one it opened after
 * it, such as the keypad code): the desk then puts the focus back on its board.
 */
export function onDialogsClosed(fn: () => void): () => void {
  allClosed.add(fn);
  return () => allClosed.delete(fn);
}

/**
 * Closes every open dialog (its close handlers run: a wait for a desk tap is aborted). A view
 * change calls it, so no dialog stays on top of a view it does not belong to.
 */
export function closeDialogs(): void {
  for (const d of [...openDialogs]) d.close();
}

// ---------------------------------------------------------------- notices

/**
 * At most this many notices show at once, newest on top; older ones fold into a "+N" line. The
 * page keeps them oldest first (the stack is drawn reversed), as they were announced.
 */
const TOASTS_SHOWN = 3;
let toasts: { box: HTMLElement; more: HTMLButtonElement; expanded: boolean } | null = null;

/** The stack as it should look now: the newest shown, the rest folded, away from the work. */
function layoutToasts(): void {
  if (!toasts) return;
  const all = [...toasts.box.querySelectorAll<HTMLElement>('.toast')];
  if (all.length <= TOASTS_SHOWN) toasts.expanded = false;
  for (const [i, el] of all.entries()) el.hidden = !toasts.expanded && i < all.length - TOASTS_SHOWN;
  const older = all.length - TOASTS_SHOWN;
  toasts.more.hidden = older <= 0;
  toasts.more.setAttribute('aria-expanded', String(toasts.expanded));
  toasts.more.textContent = toasts.expanded ? t('toastsFold') : `+${older} ${t('toastsOlder')}`;
  placeToasts();
}

/**
 * Notices sit at the bottom of the screen unless they would cover the control the desk works
 * on (the focused one) or the page's primary action (`data-primary-action`): then at the top.
 */
function placeToasts(): void {
  if (!toasts?.box.querySelector('.toast')) return;
  const box = toasts.box;
  const targets = [document.activeElement, ...document.querySelectorAll('[data-primary-action]')].filter(
    (el): el is HTMLElement => el instanceof HTMLElement && el !== document.body && !box.contains(el),
  );
  const covers = () => {
    const s = box.getBoundingClientRect();
    return targets.some((el) => {
      const r = el.getBoundingClientRect();
      return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top;
    });
  };
  box.classList.remove('top');
  if (covers()) box.classList.add('top');
}

export function toast(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  if (!toasts) {
    const more = h('button', { type: 'button', class: 'more', hidden: true });
    const box = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }, more);
    toasts = { box, more, expanded: false };
    more.addEventListener('click', () => {
      if (!toasts) return;
      toasts.expanded = !toasts.expanded;
      layoutToasts();
    });
    document.body.appendChild(box);
    document.addEventListener('focusin', placeToasts);
    window.addEventListener('scroll', placeToasts, { passive: true });
  }
  const el = h('div', { class: `toast ${kind}` }, h('span', null, text));
  const remove = () => {
    el.remove();
    layoutToasts();
  };
  // The × is drawn by the stylesheet, so the notice's text stays its message alone.
  el.appendChild(
    h('button', { type: 'button', class: 'icon dismiss', 'aria-label': t('toastDismiss'), onClick: remove }),
  );
  toasts.box.appendChild(el);
  layoutToasts();
  setTimeout(remove, kind === 'error' ? 8000 : 3500);
}

export function busy<T>(button: HTMLButtonElement | null | undefined, work: () => Promise<T>): Promise<T> {
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  }
  return work().finally(() => {
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  });
}
