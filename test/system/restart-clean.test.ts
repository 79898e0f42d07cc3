// A clean stop (SIGTERM) saves the state at the journal's head: the next start replays
// nothing and warns of nothing. A kill -9 still replays, and says so at info level (it is
// what a kill is expected to leave). The start log names where the configuration came from.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { freePort, startGatewayProcess, stopProcess } from '../support/process.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

describe('a gateway stopped and started again', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-restart-'));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the gateway; resolves with its log lines once it logged where its configuration came from. */
  async function start(): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    let buffer = '';
    let loaded: () => void = () => undefined;
    const configLogged = new Promise<void>((r) => (loaded = r));
    child = await startGatewayProcess(
      { PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port), PINTU_LOG_LEVEL: 'info' },
      {
        onOutput(chunk) {
          buffer += chunk;
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            const text = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
            if (!text.startsWith('{')) continue;
            const line = JSON.parse(text) as LogLine;
            lines.push(line);
            if (line.msg === 'configuration loaded') loaded();
          }
        },
      },
    );
    await configLogged;
    return lines;
  }

  async function tap(): Promise<void> {
    const token = (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/taps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reader: 'pintu-utama-in', uid: '04A1B2C3D4E5F6' }),
    });
    expect(res.status).toBe(200);
  }

  async function startedEntries(): Promise<string[]> {
    const journal = await Journal.open(join(dir, 'journal'), { monthOf: () => '', readOnly: true });
    const out: string[] = [];
    for await (const e of journal.read({ fromSeq: 1 })) {
      if (e.type === 'system.started') out.push(e.payload.detail ?? '');
    }
    await journal.close();
    return out;
  }

  it('replays nothing after SIGTERM, and only at info level after kill -9', async () => {
    await start();
    // Taps and door events are journaled without a state save of their own.
    await tap();
    await tap();
    await stopProcess(child!, 'SIGTERM');

    const clean = await start();
    expect(clean.filter((l) => /journal|replay/.test(l.msg)).map((l) => l.msg)).toEqual([]);
    const loaded = clean.find((l) => l.msg === 'configuration loaded');
    // The environment set the data folder and the port: the log says so, not "embedded defaults".
    expect(loaded?.config).toContain('PINTU_DATA_DIR');
    expect(loaded?.config).toContain('PINTU_HTTP_PORT');
    await tap();
    await stopProcess(child!, 'SIGKILL');

    const killed = await start();
    const replay = killed.find((l) => /replayed/.test(l.msg));
    expect(replay?.level).toBe(30);
    expect(replay?.replayed).toBeGreaterThan(0);
    await stopProcess(child!, 'SIGTERM');

    const started = await startedEntries();
    expect(started[1]).toBe('replayed 0');
    expect(started[2]).not.toBe('replayed 0');
  }, 90_000);
});
