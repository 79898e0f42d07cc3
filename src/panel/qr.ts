// A QR code drawn in the page as inline SVG: made here from the text (the `qrcode` library's
// encoder only), so no image is fetched and nothing leaves the desk; the panel's CSP allows
// inline SVG elements, and no markup string is parsed (elements are built one by one).
import { create } from 'qrcode';
import { s } from './dom.js';

/** Modules of quiet zone around the symbol, as the QR standard asks (4). */
const QUIET = 4;

/** An SVG QR code of `text`, `px` pixels square, labelled for screen readers by `label`. */
export function qrSvg(text: string, label: string, px = 200): SVGElement {
  // Level M: a phone camera reads it from a screen at arm's length; a long link stays compact.
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  let d = '';
  for (let y = 0; y < n; y++) {
    // Runs of dark modules on a row: one rectangle each keeps the path short.
    for (let x = 0; x < n; ) {
      if (!modules.get(y, x)) {
        x++;
        continue;
      }
      const start = x;
      while (x < n && modules.get(y, x)) x++;
      d += `M${start + QUIET} ${y + QUIET}h${x - start}v1h-${x - start}z`;
    }
  }
  const side = n + 2 * QUIET;
  return s(
    'svg',
    {
      class: 'qr',
      viewBox: `0 0 ${side} ${side}`,
      width: px,
      height: px,
      role: 'img',
      'aria-label': label,
      'shape-rendering': 'crispEdges',
    },
    s('rect', { width: side, height: side, fill: '#fff' }),
    s('path', { d, fill: '#000' }),
  );
}
