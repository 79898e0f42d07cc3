// The power-cut file system (test/lab/lazyfs.py) from the tests and the power campaign: mount
// a backing folder, then cut the power through its control socket and wait for the mount to go.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PYTHON } from './lab-tools.js';

const SCRIPT = join(import.meta.dirname, '../lab/lazyfs.py');
/** Generous bounds for a busy machine; past them the harness fails loudly instead of hanging. */
const MOUNT_MS = 30_000;

/** What the file system must have to run, for labSuite / requireLab. */
export const LAZYFS_NEEDS = ['python3', 'python3-fusepy', 'fuse3', '/dev/fuse'] as const;

/** What a cut threw away (test/lab/lazyfs.py's answer). */
export interface CutReport {
  seed: number;
  mode: CutMode;
  entriesKept: number;
  entriesDropped: number;
  writesKept: number;
  writesDropped: number;
  torn: number;
}

/** random: a random part of what was not durable survives; drop-all: none; keep-all: all. */
export type CutMode = 'random' | 'drop-all' | 'keep-all';

export class LazyMount {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly mountpoint: string,
    private readonly control: string,
  ) {}

  /** Mount `backing` on `mountpoint` (both existing folders); resolves once it serves. */
  static async mount(backing: string, mountpoint: string, control: string, seed: number): Promise<LazyMount> {
    const child = spawn(PYTHON, [SCRIPT, backing, mountpoint, '--control', control, '--seed', String(seed)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const m = new LazyMount(child, mountpoint, control);
    await new Promise<void>((resolve, reject) => {
      const take = (d: Buffer) => {
        m.output += d;
        if (m.output.includes('lazyfs: mounted')) resolve();
      };
      child.stdout!.on('data', take);
      child.stderr!.on('data', take);
      child.once('exit', (code) => reject(new Error(`lazyfs exited (${code}) before mounting: ${m.output}`)));
      setTimeout(
        () => reject(new Error(`lazyfs did not mount in ${MOUNT_MS} ms: ${m.output}`)),
        MOUNT_MS,
      ).unref();
    }).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
    return m;
  }

  /** Everything lazyfs printed so far (its seed, its cuts, its errors). */
  get log(): string {
    return this.output;
  }

  /**
   * Cut the power: what was not durable is partly thrown away (by `seed`), the backing folder
   * holds what survived, and the mount is gone once this resolves. Kill the mount's users first.
   */
  async cut(mode: CutMode, seed: number): Promise<CutReport> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(this.control);
      let text = '';
      sock.on('data', (d) => {
        text += d;
      });
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
      sock.write(`cut ${mode} ${seed}\n`);
    });
    await exited;
    const report = JSON.parse(answer) as CutReport | { error: string };
    if ('error' in report) throw new Error(`lazyfs: ${report.error}`);
    return report;
  }

  /** Unmount without a cut (cleanup after a failure): nothing is thrown away. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.cut('keep-all', 0).catch(() => {
      this.child.kill('SIGKILL');
      // A killed FUSE server leaves its mount behind ("transport endpoint is not connected").
      spawnSync('fusermount3', ['-u', '-z', this.mountpoint]);
    });
  }
}
