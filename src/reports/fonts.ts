// The typefaces of every PDF the gateway draws, embedded (as subsets) so that a name outside
// WinAnsi (Ṣiti, Ńur, Vietnamese, Cyrillic) prints, copies out, and the file can be archived as
// PDF/A (no unembedded standard-14 fonts). DejaVu Sans: one TrueType file per weight covering
// Latin Extended Additional, Greek and Cyrillic, from the npm package dejavu-fonts-ttf (a
// dependency: the same files on the Pi, in CI and on a desk PC, with no system package to add;
// Inter, the panel's face, comes from npm only as WOFF files split by script).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageFile } from '../package-root.js';

export const PDF_FONT_DIR = join(
  dirname(createRequire(packageFile('package.json')).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);

/** The faces the exporters ask for by name: regular text and bold headings. */
export const FONT = { regular: 'Pintu-Regular', bold: 'Pintu-Bold' } as const;

const FILES: Readonly<Record<keyof typeof FONT, string>> = {
  regular: `${PDF_FONT_DIR}/DejaVuSans.ttf`,
  bold: `${PDF_FONT_DIR}/DejaVuSans-Bold.ttf`,
};

/** Registers the faces on `doc`; a missing file names the package that brings it. */
export function useEmbeddedFonts(doc: PDFKit.PDFDocument): void {
  for (const [face, file] of Object.entries(FILES) as Array<[keyof typeof FONT, string]>) {
    if (!existsSync(file)) {
      throw new Error(`PDF font ${file} is missing: reinstall the npm dependencies (dejavu-fonts-ttf)`);
    }
    doc.registerFont(FONT[face], file);
  }
  doc.font(FONT.regular);
}
