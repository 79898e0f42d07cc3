// A few line icons drawn in SVG (no emoji: a desk PC or a headless browser may lack the font).
import { s } from './dom.js';

const base = {
  viewBox: '0 0 24 24',
  width: 20,
  height: 20,
  'aria-hidden': 'true',
  class: 'icon-svg',
  fill: 'none',
  stroke: 'currentColor',
  'stroke-width': 2,
  'stroke-linecap': 'round',
  'stroke-linejoin': 'round',
};

export function lockIcon(locked: boolean): SVGElement {
  return s(
    'svg',
    base,
    s('rect', { x: 5, y: 11, width: 14, height: 10, rx: 2 }),
    s('path', { d: locked ? 'M8 11V7a4 4 0 0 1 8 0v4' : 'M8 11V7a4 4 0 0 1 7.5-2' }),
  );
}

export function printerIcon(): SVGElement {
  return s(
    'svg',
    base,
    s('path', { d: 'M6 9V3h12v6M6 18H4v-7h16v7h-2' }),
    s('rect', { x: 6, y: 14, width: 12, height: 7 }),
  );
}

export function readerIcon(): SVGElement {
  return s(
    'svg',
    base,
    s('rect', { x: 4, y: 6, width: 12, height: 15, rx: 2 }),
    s('path', { d: 'M19 4a7 7 0 0 1 0 8M17 6a4 4 0 0 1 0 4' }),
  );
}

export function downloadIcon(): SVGElement {
  return s('svg', base, s('path', { d: 'M12 3v12M7 10l5 5 5-5M5 21h14' }));
}
