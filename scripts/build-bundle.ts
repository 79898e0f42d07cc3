// Bundles the gateway (src/cli.ts) with esbuild into dist/: one ES module for the CLI and the
// door path (dist/cli.js), the parts loaded later by import() (MQTT, HTTP and the panel's
// routes, reports) as chunks of their own under dist/chunks, and the journal's writer thread
// as an entry of its own (dist/journal-writer.js: a worker is started from a file). Loading a
// thousand small modules was most of a start (BENCHMARKS.md, "Where start-up time goes").
// Run by `npm run build`, first: it empties dist/.
//
//   tsx scripts/build-bundle.ts
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ConfigSchema } from '../src/config/schema.js';
import { schemaHash } from '../src/config/schema-validator.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Left to Node's loader, from node_modules at run time: native addons (compiled on the Pi),
 * and packages that read files next to their own modules or start workers from them.
 */
export const EXTERNAL = [
  // native addons and their loaders
  '@serialport/bindings-cpp',
  'onoff',
  'epoll',
  'nfc-pcsc',
  '@pokusew/pcsclite',
  // workers or files found relative to the package's own modules
  'pino',
  'pino-pretty',
  'thread-stream',
  'pdfkit',
  'exceljs',
  'dejavu-fonts-ttf',
  '@fastify/swagger-ui',
] as const;

/** `prom-client` in src/ resolves to scripts/bundle/prom-client.js: its classes, not its index. */
const promClientClasses: esbuild.Plugin = {
  name: 'prom-client-classes',
  setup(build) {
    build.onResolve({ filter: /^prom-client$/ }, () => ({
      path: join(ROOT, 'scripts/bundle/prom-client.js'),
    }));
  },
};

export async function buildBundle(outDir = join(ROOT, 'dist')): Promise<esbuild.Metafile> {
  await rm(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: {
      cli: join(ROOT, 'src/cli.ts'),
      'journal-writer': join(ROOT, 'src/store/journal-writer.ts'),
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: outDir,
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    external: [...EXTERNAL],
    plugins: [promClientClasses],
    // The bundle takes the generated config validator on this hash alone, without loading
    // TypeBox to build the schema again (src/config/schema-validator.ts).
    define: { PINTU_CONFIG_SCHEMA_HASH: JSON.stringify(schemaHash(ConfigSchema)) },
    // CommonJS packages folded into the ES bundle still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __pintuRequire } from 'node:module'; const require = __pintuRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const meta = await buildBundle();
  const files = Object.entries(meta.outputs).filter(([p]) => p.endsWith('.js'));
  const bytes = files.reduce((n, [, o]) => n + o.bytes, 0);
  process.stdout.write(
    `gateway bundled in ${Math.round(performance.now() - started)} ms: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB\n`,
  );
}
