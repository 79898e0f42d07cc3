// A virtual NTAG 424 DNA card daemon on one vpcd slot (test/lab/ntag424_card.py), for the
// hardware tests of secure badges: insert a card with given keys, a clone or a replay, read
// back its keys.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { cardCtl, eventually, LAB, stopProcess } from './lab.js';

const CARD_PY = resolve(import.meta.dirname, '../lab/ntag424_card.py');

/** A virtual NTAG 424 DNA daemon on one vpcd slot (test/lab/ntag424_card.py). */
export class Ntag424Card {
  private constructor(
    private readonly socket: string,
    private readonly proc: ChildProcess,
  ) {}

  static async start(port: number, socket: string): Promise<Ntag424Card> {
    const proc = spawn('/usr/bin/python3', [CARD_PY, '--port', String(port), '--control', socket], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PINTU_LAB_DIR: LAB },
    });
    let out = '';
    proc.stdout?.on('data', (d) => (out += d));
    proc.stderr?.on('data', (d) => (out += d));
    await eventually(() => {
      if (proc.exitCode !== null) throw new Error(`ntag424_card.py exited: ${out}`);
      expect(out).toContain('listening on');
    }, 10_000);
    return new Ntag424Card(socket, proc);
  }

  async ctl(command: string): Promise<string> {
    const answer = await cardCtl(this.socket, command);
    if (answer.startsWith('ERR')) throw new Error(`ntag424 card: ${answer}`);
    return answer;
  }

  /** The card's five keys now (hex). */
  async keys(uid: string): Promise<string[]> {
    return (await this.ctl(`keys ${uid}`)).slice(3).split(',');
  }

  /** APDUs the present card has answered. */
  async apdus(): Promise<number> {
    return Number(/apdus=(\d+)/.exec(await this.ctl('status'))?.[1]);
  }

  async stop(): Promise<void> {
    await stopProcess(this.proc);
  }
}
