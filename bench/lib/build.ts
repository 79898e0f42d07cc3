// The gateway as systemd runs it, for what measures that process: dist/ (rebuilt with
// `npm run build` when missing or older than any file under src/) under node with the flags
// and the malloc environment of systemd/pintu.service.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
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

/** The node flags the service runs with: those of ExecStart in systemd/pintu.service. */
export async function serviceNodeArgs(): Promise<string[]> {
  const unit = await readFile(path.join(ROOT, 'systemd/pintu.service'), 'utf8');
  const line = /^ExecStart=\S*node((?: --\S+)*) \S+\/dist\/cli\.js start$/m.exec(unit);
  if (!line) throw new Error('systemd/pintu.service: no ExecStart running node on dist/cli.js');
  return line[1]!.trim().split(/\s+/).filter(Boolean);
}

/**
 * The environment of systemd/pintu.service that shapes the process as it starts: glibc's
 * malloc settings (MALLOC_*, read once at exec, so a running process cannot set them itself).
 */
export async function serviceEnvironment(): Promise<Record<string, string>> {
  const unit = await readFile(path.join(ROOT, 'systemd/pintu.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=(MALLOC_\w+)=(\S+)$/gm)) env[m[1]!] = m[2]!;
  return env;
}
