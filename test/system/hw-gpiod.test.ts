// The character-device GPIO backend (gpio.backend: gpiod), which drives Debian's libgpiod
// v2 tools. This machine's kernel has no GPIO at all (no gpio-sim), so the tools here are
// stand-ins written by the test: they speak the v2 command lines the driver uses (gpiodetect,
// gpioget, gpioset with and without --interactive, gpiomon -F "%o %e") over a folder of
// files. What is checked is the driver's side of that conversation; the real tools' side is
// not exercised here. Also: the start error when no backend works, through `pintu start`.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHIP_LABEL } from '../../src/config/schema.js';
import type { JournalEntry } from '../../src/domain/events.js';
import { GpiodBackend } from '../../src/hardware/gpio.js';
import type { GpioLock } from '../../src/hardware/gpio-door.js';
import { startTestGateway } from '../support/gateway.js';
import { eventually, labSuite, PYTHON } from '../support/lab.js';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'pintu-gpiod-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stand-in libgpiod tools over files `<state>/line<N>` ("0"/"1"); `<state>/log` records calls. */
function fakeTools(name: string, opts: { version?: string; interactive?: boolean } = {}) {
  const tools = join(dir, name, 'bin');
  const state = join(dir, name, 'state');
  mkdirSync(tools, { recursive: true });
  mkdirSync(state, { recursive: true });
  const script = `#!${PYTHON}
import os, signal, sys, time
STATE = ${JSON.stringify(state)}
tool = os.path.basename(sys.argv[0])
args = sys.argv[1:]
def path(n): return os.path.join(STATE, n)
def get(off):
    try:
        return open(path('line%d' % off)).read().strip() or '0'
    except FileNotFoundError:
        return '0'
def put(off, v):
    open(path('.tmp%d' % os.getpid()), 'w').write(v)
    os.replace(path('.tmp%d' % os.getpid()), path('line%d' % off))
if '--version' in args:
    print('%s (libgpiod) ${opts.version ?? 'v2.1.3'}' % tool); sys.exit(0)
if '--help' in args:
    print('Usage: %s [OPTIONS] <line=value>...' % tool)
    ${opts.interactive ? "print('  -i, --interactive\\tset the lines then wait for additional set commands')" : 'pass'}
    sys.exit(0)
with open(path('log'), 'a') as f:
    f.write(' '.join([tool] + args) + '\\n')
if tool == 'gpiodetect':
    print('gpiochip0 [pinctrl-bcm2711] (58 lines)'); print('gpiochip1 [raspberrypi-exp-gpio] (8 lines)'); sys.exit(0)
chip, pos, interactive, toggle, i = None, [], False, None, 0
while i < len(args):
    a = args[i]
    if a in ('-c', '-C', '-b', '-F', '-t'):
        if a == '-c': chip = args[i + 1]
        if a == '-t': toggle = args[i + 1]
        i += 2; continue
    if a == '-i': interactive = True; i += 1; continue
    pos.append(a); i += 1
if chip != 'gpiochip0':
    sys.stderr.write('%s: cannot find GPIO chip %s\\n' % (tool, chip)); sys.exit(1)
if tool == 'gpioget':
    off = int(pos[0]); print('"%d"=%s' % (off, 'active' if get(off) == '1' else 'inactive')); sys.exit(0)
if tool == 'gpioset':
    off, v = pos[0].split('='); off = int(off)
    owner = path('owner%d' % off)
    if os.path.exists(owner):
        try:
            os.kill(int(open(owner).read()), 0)
            sys.stderr.write('gpioset: unable to request lines on chip /dev/gpiochip0: Device or resource busy\\n'); sys.exit(1)
        except (ProcessLookupError, ValueError):
            pass
    open(owner, 'w').write(str(os.getpid()))
    def bye(*_):
        try: os.remove(owner)
        except FileNotFoundError: pass
        os._exit(0)
    signal.signal(signal.SIGTERM, bye)
    put(off, v)
    if toggle == '0':
        bye()
    if interactive:
        for line in sys.stdin:
            w = line.split()
            if w[:1] == ['set']:
                for lv in w[1:]:
                    l, val = lv.split('='); put(int(l), val)
            elif w[:1] == ['exit']:
                break
        bye()
    while True:
        signal.pause()
if tool == 'gpiomon':
    off = int(pos[-1]); last = get(off)
    while True:
        time.sleep(0.005)
        v = get(off)
        if v != last:
            print('%d %s' % (off, '1' if v == '1' else '2'), flush=True); last = v
`;
  for (const t of ['gpiodetect', 'gpioget', 'gpioset', 'gpiomon']) {
    writeFileSync(join(tools, t), script);
    chmodSync(join(tools, t), 0o755);
  }
  const line = (n: number) =>
    existsSync(join(state, `line${n}`)) ? readFileSync(join(state, `line${n}`), 'utf8') : '0';
  const set = (n: number, v: '0' | '1') => writeFileSync(join(state, `line${n}`), v);
  const calls = () =>
    existsSync(join(state, 'log')) ? readFileSync(join(state, 'log'), 'utf8').trim().split('\n') : [];
  const holder = (n: number) =>
    existsSync(join(state, `owner${n}`)) ? Number(readFileSync(join(state, `owner${n}`), 'utf8')) : undefined;
  return { tools, state, line, set, calls, holder };
}

labSuite('gpiod backend with stand-in tools (python3)', ['python3'], () => {
  describe('gpiod backend: detection', () => {
    it('finds libgpiod v2 tools, the header chip by label, and whether gpioset is interactive', () => {
      const plain = fakeTools('detect-plain');
      const b = new GpiodBackend(plain.tools, DEFAULT_CHIP_LABEL);
      expect(b).toMatchObject({
        version: 'v2.1.3',
        interactive: false,
        chip: { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
      });
      expect(
        new GpiodBackend(fakeTools('detect-i', { interactive: true }).tools, DEFAULT_CHIP_LABEL).interactive,
      ).toBe(true);
      expect(() => new GpiodBackend(plain.tools, '^pinctrl-rp1$')).toThrow(
        /gpiochip0 \[pinctrl-bcm2711\], gpiochip1 \[raspberrypi-exp-gpio\]/,
      );
    });

    it('refuses the v1 tools of Bookworm, and missing tools, in words', () => {
      expect(
        () => new GpiodBackend(fakeTools('v1', { version: 'v1.6.3' }).tools, DEFAULT_CHIP_LABEL),
      ).toThrow(/libgpiod v1.6.3; the gpiod backend needs libgpiod v2 .* use gpio.backend sysfs/);
      expect(() => new GpiodBackend(join(dir, 'none'), DEFAULT_CHIP_LABEL)).toThrow(
        /gpioset not found in .*none \(gpio.gpiodPath\): install the Debian package "gpiod"/,
      );
    });
  });

  for (const interactive of [false, true]) {
    describe(`gpiod backend: a door through ${interactive ? 'one interactive gpioset' : 'gpioset holders'}`, () => {
      const f = fakeTools(interactive ? 'door-i' : 'door', { interactive });
      const RELAY = 17;
      const CONTACT = 22;

      it('drives the safe state at start, pulses, reads the contact, and stops safe', async () => {
        f.set(RELAY, '1'); // left energised by a crash
        f.set(CONTACT, '0');
        const file = join(dir, `door-${interactive}.yaml`);
        writeFileSync(
          file,
          `
mqtt: { mode: off }
gpio: { backend: gpiod, gpiodPath: ${f.tools} }
doors:
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: ${RELAY} }, pulseMs: 300,
      contact: { pin: ${CONTACT}, bias: pull-up, debounceMs: 10 } }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
`,
        );
        const t = await startTestGateway({ file });
        try {
          const entries: JournalEntry[] = [];
          t.gateway.core.bus.on('entry', (e) => entries.push(e));
          await eventually(() => expect(f.line(RELAY)).toBe('0'));
          const lock = t.drivers.locks.get('pintu-utama') as GpioLock;
          expect(lock.state()).toEqual({ locked: true });

          await t.gateway.access.unlock('pintu-utama', { kind: 'system', id: 'test' }, 300);
          await eventually(() => expect(f.line(RELAY)).toBe('1'));
          await eventually(() => expect(f.line(RELAY)).toBe('0'), 3000);

          t.clock.now += 10_000;
          f.set(CONTACT, '1');
          await eventually(() =>
            expect(entries.filter((e) => e.type.startsWith('door.')).map((e) => e.type)).toEqual([
              'door.unlocked',
              'door.opened',
              'door.alarm',
            ]),
          );
          expect(f.calls()).toContain(
            `gpiomon -c gpiochip0 -C pintu-pintu-utama-contact -b pull-up -F %o %e ${CONTACT}`,
          );
          const sets = f.calls().filter((c) => c.startsWith('gpioset -c'));
          if (interactive) {
            expect(sets).toEqual([`gpioset -c gpiochip0 -C pintu-pintu-utama -i ${RELAY}=0`]);
          } else {
            expect(sets).toEqual([
              `gpioset -c gpiochip0 -C pintu-pintu-utama ${RELAY}=0`,
              `gpioset -c gpiochip0 -C pintu-pintu-utama ${RELAY}=1`,
              `gpioset -c gpiochip0 -C pintu-pintu-utama ${RELAY}=0`,
            ]);
          }

          // The holder dies (killed by someone): it is started again, driving the same level.
          const pid = f.holder(RELAY)!;
          process.kill(pid, 'SIGKILL');
          await eventually(() => expect(lock.state().fault).toMatch(/gpioset exited \(SIGKILL\)/));
          await eventually(() => {
            expect(f.holder(RELAY)).toBeGreaterThan(0);
            expect(f.holder(RELAY)).not.toBe(pid);
            expect(lock.state()).toEqual({ locked: true });
          }, 3000);

          await t.gateway.access.unlock('pintu-utama', { kind: 'system', id: 'test' }, 10_000);
          await eventually(() => expect(f.line(RELAY)).toBe('1'));
        } finally {
          await t.close();
        }
        expect(f.line(RELAY)).toBe('0'); // fail-secure: locked on stop, before close() returned
        expect(f.holder(RELAY)).toBeUndefined(); // the line let go
        if (!interactive)
          expect(f.calls().at(-1)).toBe(`gpioset -c gpiochip0 -C pintu-pintu-utama -t 0 ${RELAY}=0`);
      }, 20_000);
    });
  }
});

describe('pintu start with no working GPIO backend', () => {
  it('stops with an error naming both backends and what is missing', async () => {
    const file = join(dir, 'none.yaml');
    writeFileSync(
      file,
      `
mqtt: { mode: off }
gpio: { backend: gpiod, gpiodPath: ${join(dir, 'no-tools')}, sysfsRoot: ${join(dir, 'no-sysfs')} }
doors:
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: 17 } }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
`,
    );
    const r = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'start', '--config', file],
      {
        cwd: root,
        env: { ...process.env, PINTU_DATA_DIR: join(dir, 'data'), PINTU_HTTP_PORT: '39999' },
        timeout: 30_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /gpio.backend "gpiod": gpioset not found in .*no-tools \(gpio.gpiodPath\): install the Debian package "gpiod"/,
    );
    expect(r.stderr).toMatch(
      /the sysfs backend does not work either: .*no-sysfs does not exist: this kernel has no sysfs GPIO/,
    );
  }, 40_000);
});
