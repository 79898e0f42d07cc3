// Hand-drawn SVG charts for the recap: columns (per day) and horizontal bars (per host, unit,
// purpose, refusal, SOP step). Each chart has a title and a text description for screen readers.
import { h, s } from './dom.js';
import { number } from './format.js';

export interface Datum {
  label: string;
  value: number;
  /** Tooltip / accessible text of this datum. */
  title?: string;
  /** A second value drawn as a marker (e.g. the SOP standard). */
  marker?: number;
  warn?: boolean;
}

function niceMax(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = Math.max(1, max / 4); // counts: whole steps
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw) ?? 10 * mag;
  return { top: Math.ceil(max / step) * step, step };
}

function svgRoot(width: number, height: number, label: string, desc: string): SVGElement {
  return s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'chart',
      preserveAspectRatio: 'xMidYMid meet',
    },
    s('title', null, label),
    s('desc', null, desc),
  );
}

/** Vertical columns, one per datum, with a light grid. */
export function columnChart(data: Datum[], label: string): SVGElement {
  const W = 1000;
  const H = 250;
  const left = 34;
  const bottom = 22;
  const top = 10;
  const { top: yMax, step } = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const plotH = H - top - bottom;
  const slot = (W - left - 6) / Math.max(1, data.length);
  const svg = svgRoot(W, H, label, data.map((d) => `${d.label}: ${d.value}`).join(', '));
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const y = top + plotH - (v / yMax) * plotH;
    svg.appendChild(s('line', { x1: left, x2: W - 4, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(s('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, number(v, 1)));
  }
  data.forEach((d, i) => {
    const bh = (d.value / yMax) * plotH;
    const x = left + i * slot + slot * 0.15;
    const g = s('g', null, s('title', null, d.title ?? `${d.label}: ${d.value}`));
    if (bh > 0)
      g.appendChild(
        s('rect', {
          x,
          y: top + plotH - bh,
          width: slot * 0.7,
          height: bh,
          rx: 2,
          class: d.warn ? 'bar warn' : 'bar',
        }),
      );
    if (data.length <= 31 && (data.length <= 16 || i % 2 === 0 || i === data.length - 1)) {
      g.appendChild(
        s('text', { x: x + slot * 0.35, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, d.label),
      );
    }
    svg.appendChild(g);
  });
  return svg;
}

/**
 * Horizontal bars: HTML rows (label, bar, value) so the text keeps its size at any width; each bar
 * is a small stretched SVG, with an optional marker (e.g. the SOP standard).
 */
export function barChart(
  data: Datum[],
  label: string,
  opts: { unit?: string; digits?: number } = {},
): HTMLElement {
  const max = Math.max(0, ...data.map((d) => Math.max(d.value, d.marker ?? 0)));
  const unit = opts.unit ? ` ${opts.unit}` : '';
  const pct = (v: number) => (max > 0 ? (v / max) * 100 : 0);
  return h(
    'div',
    { class: 'hbars', role: 'group', 'aria-label': label },
    data.map((d) => {
      const value = `${number(d.value, opts.digits ?? 0)}${unit}`;
      const bar = s(
        'svg',
        { viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', class: 'hbar-svg' },
        s('rect', {
          x: 0,
          y: 1,
          width: Math.max(pct(d.value), d.value > 0 ? 0.8 : 0),
          height: 8,
          class: d.warn ? 'bar warn' : 'bar',
        }),
        d.marker !== undefined
          ? s('line', { x1: pct(d.marker), x2: pct(d.marker), y1: 0, y2: 10, class: 'marker' })
          : null,
      );
      return h(
        'div',
        { class: 'hbar', title: d.title ?? `${d.label}: ${value}` },
        h('span', { class: 'l' }, d.label),
        h('span', { class: 'track' }, bar),
        h('span', { class: 'v' }, value),
      );
    }),
  );
}
