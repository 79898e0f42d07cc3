// Where the package's own files are (dist/panel, dist/journal-writer.js, the generated config
// validator, package.json): the folder of the nearest package.json above this module. A file
// found relative to its own module breaks once the module is bundled (src/x/y.ts becomes
// dist/cli.js or dist/chunks/z.js), so every such path starts here instead.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string {
  for (let dir = dirname(from); ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}: is the package installed whole?`);
    dir = up;
  }
}

export const PACKAGE_ROOT: string = packageRoot(fileURLToPath(import.meta.url));

/** Whether this process runs the sources (through tsx) rather than the built bundle. */
export const FROM_SOURCES: boolean = import.meta.url.endsWith('.ts');

/** A file of the package, by its path from the package root. */
export function packageFile(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
