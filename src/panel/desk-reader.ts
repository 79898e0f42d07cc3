// This desk PC's own desk reader. Several desks may each have a reader; a screen asks for a
// tap on its desk's reader only, so a card tapped at another desk never reaches it. The choice
// is remembered on this PC (localStorage); with a single desk reader there is nothing to choose.
import type { Bootstrap } from './api.js';
import { field, h } from './dom.js';
import { t } from './i18n.js';
import { boot } from './state.js';

const KEY = 'pintu.deskReader';

/** The desk readers of the configuration. */
export function deskReaders(): Bootstrap['readers'] {
  return boot?.readers.filter((r) => r.role === 'desk') ?? [];
}

/**
 * The reader chosen on this PC, or the only one there is; undefined while there are several
 * and none is chosen (then no tap is asked for at all).
 */
export function deskReader(): string | undefined {
  const readers = deskReaders();
  let chosen: string | null = null;
  try {
    chosen = localStorage.getItem(KEY);
  } catch {}
  if (chosen && readers.some((r) => r.id === chosen)) return chosen;
  return readers.length === 1 ? readers[0]!.id : undefined;
}

function choose(id: string): void {
  try {
    localStorage.setItem(KEY, id);
  } catch {}
}

/** The select of the desk readers, or null when there is one or none (nothing to choose). */
export function deskReaderPicker(): HTMLElement | null {
  const readers = deskReaders();
  if (readers.length < 2) return null;
  const current = deskReader();
  const select = h(
    'select',
    { class: current ? undefined : 'attention' },
    current ? null : h('option', { value: '' }, t('deskReaderPick')),
    readers.map((r) => h('option', { value: r.id, selected: r.id === current }, r.id)),
  );
  select.addEventListener('change', () => {
    if (!select.value) return;
    choose(select.value);
    select.querySelector('option[value=""]')?.remove();
    select.classList.remove('attention');
  });
  return h('div', { class: 'desk-reader' }, field(t('deskReader'), select, t('deskReaderHint')));
}

/** The query string naming this desk's reader for GET /desk/next-tap. */
export function nextTapPath(waitSeconds: number, reader: string): string {
  return `/desk/next-tap?waitSeconds=${waitSeconds}&reader=${encodeURIComponent(reader)}`;
}
