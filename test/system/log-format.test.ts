// Log lines for whoever reads them (issue 13: a terminal showed raw pino JSON): pretty in a
// terminal (a real pty, through script(1)), one JSON object a line under systemd (JOURNAL_STREAM
// set) or when stdout is a pipe. script(1) is Debian's bsdutils, an Essential package: always there.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_CLI, freePort, ROOT, stopProcess } from '../support/process.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopProcess(c, 'SIGKILL')));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Start the built gateway (through a pty when `tty`) and collect its output until it runs. */
async function startLines(tty: boolean, env: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-log-'));
  dirs.push(dir);
  const cmd = `exec ${process.execPath} ${BUILT_CLI} start`;
  const child = spawn(tty ? 'script' : 'sh', tty ? ['-qfec', cmd, '/dev/null'] : ['-c', cmd], {
    cwd: ROOT,
    env: {
      ...process.env,
      PINTU_DATA_DIR: dir,
      PINTU_HTTP_PORT: String(await freePort()),
      PINTU_MQTT_MODE: 'off',
      PINTU_LOG_LEVEL: 'info',
      JOURNAL_STREAM: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const take = (d: Buffer) => {
      out += d;
      // The sentinel: the start line, in whichever form.
      if (out.includes('Pintu is running')) resolve(out);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before it ran:\n${out}`)));
  });
}

describe('log format', () => {
  it('pretty in a terminal: no JSON objects, the level and message readable', async () => {
    const out = await startLines(true);
    const line = out.split(/\r?\n/).find((l) => l.includes('Pintu is running'))!;
    expect(line.trimStart().startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO/);
  });

  it('JSON when stdout is not a terminal, and under systemd even in one', async () => {
    const piped = await startLines(false);
    const line = piped.split('\n').find((l) => l.includes('Pintu is running'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 30, msg: 'Pintu is running' });
    const journald = await startLines(true, { JOURNAL_STREAM: '8:12345' });
    const jline = journald.split(/\r?\n/).find((l) => l.includes('Pintu is running'))!;
    expect(JSON.parse(jline.trim())).toMatchObject({ msg: 'Pintu is running' });
  });

  it('log.format: pretty forces it without a terminal', async () => {
    const out = await startLines(false, { PINTU_CONFIG_LOG__FORMAT: 'pretty' });
    const line = out.split('\n').find((l) => l.includes('Pintu is running'))!;
    expect(line.trimStart().startsWith('{')).toBe(false);
  });
});
