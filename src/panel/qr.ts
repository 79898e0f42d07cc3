// A QR code drawn in the page as inline SVG: made here from the text (reports/qr-path.ts, the
// `qrcode` library's encoder only), so no image is fetched and nothing leaves the desk; the
// panel's CSP allows inline SVG elements, and no markup string is parsed (elements are built
// one by one).
import { qrPath } from '../reports/qr-path.js';
import { s } from './dom.js';

/** An SVG QR code of `text`, `px` pixels square, labelled for screen readers by `label`. */
export function qrSvg(text: string, label: string, px = 200): SVGElement {
  const { side, d } = qrPath(text);
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
