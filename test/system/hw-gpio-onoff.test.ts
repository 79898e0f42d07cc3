// The real `pintu start` driving relays through unmodified onoff, in a private mount
// namespace where /sys/class/gpio is a fake tree (../shared/lab/with-fake-gpio.sh): chip
// base resolution on the default root, safe state at start (before the gateway serves),
// pulse, active-low, a SIGKILL that leaves a relay energised, the restart that makes it
// safe again, and a clean stop (SIGTERM).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { eventually, LAB, labSuite } from '../support/lab.js';

const root = resolve(import.meta.dirname, '../..');
const A = 529; // pintu-utama: BCM 17, fail-secure, active-high
const B = 539; // ruang-kabag: BCM 27, fail-safe, active-low

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

labSuite(
  'relays through onoff in a fake /sys/class/gpio, across SIGKILL and SIGTERM',
  ['lab', 'root', 'unshare'],
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-onoff-'));
    const fake = join(dir, 'gpio'); // the fake /sys/class/gpio, seen from outside the namespace
    const data = join(dir, 'data');
    const cfg = join(dir, 'pintu.yaml');
    let child: ChildProcess | undefined;
    let port = 0;
    afterAll(() => {
      child?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    writeFileSync(
      cfg,
      `
mqtt: { mode: off }
log: { level: warn }
doors:
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: 17 } }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room, failMode: fail-safe, lock: { driver: gpio, pin: 27, activeLow: true } }
`,
    );

    const value = (n: number) => readFileSync(join(fake, `gpio${n}`, 'value'), 'utf8');

    /**
     * Starts the gateway in a fresh fake tree whose relay values are what a crash left
     * (`a`, `b`). Resolves when it serves, with the time the relay of door A first became
     * safe relative to that moment (negative: before).
     */
    async function start(a: '0' | '1', b: '0' | '1'): Promise<{ token: string; safeBeforeReadyMs: number }> {
      // Inside the namespace: the Pi 4 chip layout, the levels left by the crash, then pintu.
      const inner = [
        'set -e',
        'G=/sys/class/gpio',
        'mkdir -p $G/gpiochip512 $G/gpiochip570',
        'echo 512 > $G/gpiochip512/base; echo pinctrl-bcm2711 > $G/gpiochip512/label; echo 58 > $G/gpiochip512/ngpio',
        'echo 570 > $G/gpiochip570/base; echo raspberrypi-exp-gpio > $G/gpiochip570/label; echo 8 > $G/gpiochip570/ngpio',
        `printf ${a} > $G/gpio${A}/value; printf ${b} > $G/gpio${B}/value`,
        `exec "${process.execPath}" --import tsx src/cli.ts start --config ${cfg}`,
      ].join('\n');
      child = spawn(
        join(LAB, 'with-fake-gpio.sh'),
        ['-d', fake, '-p', `${A} ${B}`, '--', 'sh', '-c', inner],
        {
          cwd: root,
          env: { ...process.env, PINTU_DATA_DIR: data, PINTU_HTTP_PORT: String(port) },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      let safeAt: number | undefined;
      const spawned = Date.now();
      const deadline = spawned + 30_000;
      while (Date.now() < deadline) {
        try {
          if (safeAt === undefined && value(A) === '0') safeAt = Date.now();
        } catch {
          // the tree is being built
        }
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) {
            const ready = Date.now();
            safeAt ??= value(A) === '0' ? ready : undefined;
            return {
              token: readFileSync(join(data, 'cli.token'), 'utf8').trim(),
              safeBeforeReadyMs: (safeAt ?? Number.POSITIVE_INFINITY) - ready,
            };
          }
        } catch {
          // not serving yet
        }
        if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${output}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`gateway did not start: ${output}`);
    }

    const unlock = async (token: string, door: string, ms: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/doors/${door}/unlock`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      expect(res.status).toBe(200);
    };

    const exited = (signal: NodeJS.Signals) =>
      new Promise<number | null>((resolveExit) => {
        child!.once('exit', (code) => resolveExit(code));
        child!.kill(signal);
      });

    it('makes the relays safe at start, pulses, survives SIGKILL by a safe restart, and stops safe', async () => {
      port = await freePort();
      // 1. A crash had left door A unlocked (relay on) and door B's active-low relay off.
      const first = await start('1', '1');
      expect(first.safeBeforeReadyMs).toBeLessThanOrEqual(0);
      expect(value(A)).toBe('0'); // locked: relay off
      expect(value(B)).toBe('1'); // locked: active-low relay off = pin high
      expect(readFileSync(join(fake, `gpio${A}`, 'active_low'), 'utf8')).toBe('0'); // inversion is ours, not the kernel's

      // 2. A pulse on each (active-low inverted).
      await unlock(first.token, 'pintu-utama', 300);
      await unlock(first.token, 'ruang-kabag', 300);
      expect(value(A)).toBe('1');
      expect(value(B)).toBe('0');
      await eventually(() => {
        expect(value(A)).toBe('0');
        expect(value(B)).toBe('1');
      }, 3000);

      // 3. SIGKILL in the middle of a long pulse: the relay stays as it was.
      await unlock(first.token, 'pintu-utama', 60_000);
      expect(value(A)).toBe('1');
      await exited('SIGKILL');
      expect(value(A)).toBe('1');

      // 4. The restart (same data folder, the crash's levels) makes it safe before it serves.
      const second = await start('1', '1');
      expect(second.safeBeforeReadyMs).toBeLessThanOrEqual(0);
      expect(value(A)).toBe('0');
      expect(value(B)).toBe('1');

      // 5. A clean stop: each door in its safe state (B fail-safe: unlocked, relay on = low).
      expect(await exited('SIGTERM')).toBe(0);
      expect(value(A)).toBe('0');
      expect(value(B)).toBe('0');
    }, 80_000);
  },
);
