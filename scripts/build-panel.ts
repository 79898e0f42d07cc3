// Bundles the web panel (src/panel) with esbuild into dist/panel: one minified ES module, one
// stylesheet, the Inter font files (latin, 400 and 600, from @fontsource/inter: no CDN), the
// icon, and index.html naming the hashed files. Run by `npm run build`; tests and the
// benchmark call buildPanel() into a folder of their own.
//
//   tsx scripts/build-panel.ts [--out DIR]
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src', 'panel');

export interface PanelBuild {
  outDir: string;
  /** File names under outDir/assets. */
  js: string;
  css: string;
  fonts: string[];
  /** Bytes of every file written, by path relative to outDir. */
  files: Record<string, number>;
  ms: number;
}

export async function buildPanel(outDir = join(ROOT, 'dist', 'panel')): Promise<PanelBuild> {
  const started = performance.now();
  const assets = join(outDir, 'assets');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: join(SRC, 'main.ts') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari15.6'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff2': 'file', '.svg': 'file' },
    metafile: true,
    write: true,
    logLevel: 'silent',
    // The panel never reads process.env: keep any library from dragging node shims in.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(ROOT, p));
  const pick = (ext: string) => outputs.filter((p) => p.endsWith(ext)).map((p) => basename(p));
  const js = pick('.js')[0];
  const css = pick('.css')[0];
  if (!js || !css) throw new Error('panel build produced no app .js or .css');
  const fonts = pick('.woff2');
  await copyFile(join(SRC, 'favicon.svg'), join(assets, 'favicon.svg'));
  const template = await readFile(join(SRC, 'index.html'), 'utf8');
  const preload = fonts
    .map((f) => `<link rel="preload" href="/assets/${f}" as="font" type="font/woff2" crossorigin>`)
    .join('\n');
  const html = template
    .replace('<!--PRELOAD-->', preload)
    .replace('%CSS%', `/assets/${css}`)
    .replace('%JS%', `/assets/${js}`);
  await writeFile(join(outDir, 'index.html'), html);
  const files: Record<string, number> = {};
  for (const p of [...outputs, join(assets, 'favicon.svg'), join(outDir, 'index.html')]) {
    files[relative(outDir, p)] = (await readFile(p)).length;
  }
  return { outDir, js, css, fonts, files, ms: performance.now() - started };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? resolve(process.argv[i + 1] ?? '') : undefined;
  buildPanel(out).then(
    (b) => {
      const total = Object.values(b.files).reduce((a, n) => a + n, 0);
      process.stdout.write(
        `panel built in ${b.ms.toFixed(0)} ms: ${relative(process.cwd(), b.outDir) || '.'} (${Object.keys(b.files).length} files, ${(total / 1024).toFixed(1)} KiB)\n`,
      );
    },
    (err: unknown) => {
      process.stderr.write(`panel build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
