// The built gateway (dist/), for what measures the process systemd would run: rebuilt with
// `npm run build` when dist/ is missing or older than any file under src/.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUILT_CLI, ROOT } from '../../test/support/process.js';

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

export async function ensureBuilt(log: (line: string) => void = () => {}): Promise<string> {
  const built = existsSync(BUILT_CLI) ? statSync(BUILT_CLI).mtimeMs : 0;
  if (built <= (await newestMtime(path.join(ROOT, 'src')))) {
    log('building the gateway (npm run build): dist/ is missing or older than src/');
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT });
  }
  return BUILT_CLI;
}
