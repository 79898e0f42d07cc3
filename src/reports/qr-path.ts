// A QR code as one SVG path, from the `qrcode` library's encoder only: the panel draws it in the
// page (panel/qr.ts) and the appointment invitation carries it as SVG text (service/webhook.ts),
// the same symbol both ways.
import { create } from 'qrcode';

/** Modules of quiet zone around the symbol, as the QR standard asks (4). */
const QUIET = 4;

/** The symbol's side in modules (quiet zone included) and the path of its dark modules. */
export function qrPath(text: string): { side: number; d: string } {
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
  return { side: n + 2 * QUIET, d };
}

/** A standalone SVG document of the QR code of `text` (for a message or a mail). */
export function qrSvgText(text: string, px = 240): string {
  const { side, d } = qrPath(text);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${px}" height="${px}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path d="${d}" fill="#000"/></svg>`
  );
}
