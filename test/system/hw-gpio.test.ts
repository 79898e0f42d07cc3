// GPIO relays and door inputs on a fake sysfs tree (gpio.sysfsRoot pointed at plain files):
// chip base resolution, safe state at start and stop, pulse, active-low; the door contact
// and exit button with their alarms journaled; and debouncing at the port below the
// backend (InputLine), where a test can bounce a line at will. The unmodified-onoff path
// and SIGKILL are in hw-gpio-onoff.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { JournalEntry } from '../../src/domain/events.js';
import { createDrivers, DriverError } from '../../src/hardware/drivers.js';
import {
  type InputLine,
  openGpioBackend,
  pickChip,
  SysfsBackend,
  sysfsChips,
} from '../../src/hardware/gpio.js';
import { GpioDoorInputs, type GpioLock } from '../../src/hardware/gpio-door.js';
import type { DoorInputEvent } from '../../src/hardware/ports.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventually, fakeSysfs, PI4_CHIPS, PI5_CHIPS, pinValue, setPin } from '../support/lab.js';

const dir = mkdtempSync(join(tmpdir(), 'pintu-gpio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tree = (chips = PI4_CHIPS) => {
  const root = join(dir, `sys${++n}`);
  fakeSysfs(root, chips);
  return root;
};

describe('chip base resolution (gpiochip*/base and label)', () => {
  it('finds the header chip of a Pi 4 (base 512): BCM 17 is gpio529', () => {
    const b = new SysfsBackend(tree(PI4_CHIPS), '^pinctrl-(bcm2835|bcm2711|rp1)$');
    expect(b.chip).toMatchObject({ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512 });
    expect(b.number(17)).toBe(529);
  });

  it('finds the RP1 chip of a Pi 5 (base 571) among the SoC chips: BCM 17 is gpio588', () => {
    const b = new SysfsBackend(tree(PI5_CHIPS), '^pinctrl-(bcm2835|bcm2711|rp1)$');
    expect(b.chip).toMatchObject({ label: 'pinctrl-rp1', base: 571 });
    expect(b.number(17)).toBe(588);
  });

  it('takes base 0 on older kernels, and lists the chips when none matches', () => {
    const root = tree([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 54 }]);
    expect(new SysfsBackend(root, '^pinctrl-bcm2835$').number(4)).toBe(4);
    expect(() => new SysfsBackend(root, '^pinctrl-rp1$')).toThrow(
      /no GPIO chip label matches gpio.chipLabel \/\^pinctrl-rp1\$\/ \(chips under .*: gpiochip0 \[pinctrl-bcm2835\]\)/,
    );
    expect(pickChip(sysfsChips(tree(PI5_CHIPS)), 'brcmstb', 'x').base).toBe(512);
  });

  it('refuses a pin beyond the chip, and says when there is no sysfs GPIO at all', () => {
    const root = tree([{ base: 512, label: 'pinctrl-bcm2711', ngpio: 20 }]);
    expect(() => new SysfsBackend(root, 'bcm2711').number(21)).toThrow(/beyond the 20 lines/);
    expect(() => new SysfsBackend(join(dir, 'nothing'), 'x')).toThrow(/no sysfs GPIO \(CONFIG_GPIO_SYSFS/);
  });

  it('stops the start with both backends named when neither works', () => {
    const { config } = loadConfig({
      env: {
        PINTU_CONFIG_GPIO__SYSFS_ROOT: join(dir, 'nothing'),
        PINTU_CONFIG_GPIO__GPIOD_PATH: join(dir, 'no-tools'),
        PINTU_CONFIG_DOORS__0__LOCK__DRIVER: 'gpio',
        PINTU_CONFIG_DOORS__0__LOCK__PIN: '17',
      },
    });
    const err = (() => {
      try {
        createDrivers(config);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a DriverError');
    })();
    expect(err).toBeInstanceOf(DriverError);
    expect(err.message).toMatch(/^gpio.backend "sysfs": .*does not exist: this kernel has no sysfs GPIO/);
    expect(err.message).toMatch(/the gpiod backend does not work either: gpioset not found in .*no-tools/);
  });
});

// ---------------------------------------------------------------- a gateway on GPIO

const A = 529; // door pintu-utama: BCM 17, fail-secure, active-high relay
const B = 539; // door ruang-kabag: BCM 27, fail-safe, active-low relay board
const CONTACT = 534; // BCM 22: high when the door is open
const EXIT = 535; // BCM 23: low while pressed

function siteConfig(root: string): string {
  const file = join(dir, `site${++n}.yaml`);
  writeFileSync(
    file,
    `
gpio: { sysfsRoot: ${root} }
doors:
  - id: pintu-utama
    name: Pintu Utama
    kind: entrance
    lock: { driver: gpio, pin: 17 }
    pulseMs: 300
    contact: { pin: 22, debounceMs: 20 }
    exitButton: { pin: 23, debounceMs: 20 }
    heldOpenSeconds: 1
  - id: ruang-kabag
    name: Ruang Kepala Bagian Umum
    kind: room
    lock: { driver: gpio, pin: 27, activeLow: true }
    failMode: fail-safe
    pulseMs: 300
readers:
  - { id: desk, role: desk }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in }
  - { id: ruang-kabag-in, role: door, door: ruang-kabag, direction: in }
`,
  );
  return file;
}

describe('relays and inputs of a gateway on a fake sysfs tree', () => {
  const root = tree(PI4_CHIPS);
  const file = siteConfig(root);
  let t: TestGateway;
  const entries: JournalEntry[] = [];
  const doorEntries = () =>
    entries
      .filter((e) => e.type.startsWith('door.'))
      .map((e) => [e.type, (e.payload as { alarm?: string }).alarm]);
  const actor = { kind: 'user' as const, id: 'u1', role: 'receptionist' as const };

  beforeAll(() => {
    // What a crash left behind: door A's relay energised (unlocked), door B's de-energised.
    setPin(root, A, '1');
    setPin(root, B, '1');
    setPin(root, CONTACT, '0');
    setPin(root, EXIT, '1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('drives the safe state the moment the drivers are built, before the gateway opens anything', async () => {
    const { config } = loadConfig({ file, env: { PINTU_DATA_DIR: join(dir, 'unused') } });
    const drivers = createDrivers(config);
    // fail-secure: locked = relay off = 0; fail-safe: unlocked = relay on = 0 on an active-low board
    expect(pinValue(root, A)).toBe('0');
    expect(pinValue(root, B)).toBe('0');
    expect(readFileSync(join(root, `gpio${A}`, 'direction'), 'utf8')).toBe('low');
    expect(drivers.locks.get('ruang-kabag')!.state()).toEqual({ locked: false });
    for (const l of drivers.locks.values()) await l.stop();
    setPin(root, A, '1'); // crashed unlocked again, for the gateway start below
  });

  it('locks every door once the gateway runs', async () => {
    t = await startTestGateway({ file, driverOptions: { log: pino({ level: 'silent' }) } });
    t.gateway.core.bus.on('entry', (e) => entries.push(e));
    expect(pinValue(root, A)).toBe('0');
    expect(pinValue(root, B)).toBe('1'); // active-low: locked = relay off = pin high
    expect(t.gateway.access.doorStates().map((d) => [d.id, d.locked, d.open])).toEqual([
      ['pintu-utama', true, false],
      ['ruang-kabag', true, undefined],
    ]);
  });

  it('pulses the relay for a granted badge and for a remote unlock (active-low inverted)', async () => {
    const g = t.gateway;
    await badgedVisit(g, { badge: 'TAMU-01', rooms: ['ruang-kabag'] });

    const started = Date.now();
    const o = g.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E501');
    expect(o).toMatchObject({ kind: 'door', decision: { granted: true } });
    expect(pinValue(root, A)).toBe('1'); // synchronously: the relay before anything else
    await eventually(() => expect(pinValue(root, A)).toBe('0'), 2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect((t.drivers.locks.get('pintu-utama') as GpioLock).pulses).toBe(1);

    await g.access.unlock('ruang-kabag', actor, 200);
    expect(pinValue(root, B)).toBe('0');
    await eventually(() => expect(pinValue(root, B)).toBe('1'), 2000);

    expect(g.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E5FF')).toMatchObject({
      decision: { granted: false, reason: 'unknown_badge' },
    });
    expect(pinValue(root, A)).toBe('0');
  });

  it('journals a forced opening (no grant, no exit request) and its closing', async () => {
    entries.length = 0;
    t.clock.now += 10_000;
    setPin(root, CONTACT, '1');
    await eventually(() =>
      expect(doorEntries()).toEqual([
        ['door.opened', undefined],
        ['door.alarm', 'forced_open'],
      ]),
    );
    expect(t.gateway.access.doorStates()[0]).toMatchObject({ open: true, alarm: 'forced_open' });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/doors',
      headers: { cookie: await t.login('security') },
    });
    expect(res.json()[0]).toMatchObject({
      id: 'pintu-utama',
      locked: true,
      open: true,
      alarm: 'forced_open',
    });
    setPin(root, CONTACT, '0');
    await eventually(() => expect(doorEntries().at(-1)).toEqual(['door.closed', undefined]));
    expect(t.gateway.access.doorStates()[0]).toMatchObject({ open: false });
    expect(t.gateway.access.doorStates()[0]).not.toHaveProperty('alarm');
  });

  it('takes an exit button press as an exit request: relay pulsed, the opening excused', async () => {
    entries.length = 0;
    t.clock.now += 10_000;
    setPin(root, EXIT, '0'); // pressed
    await eventually(() => expect(pinValue(root, A)).toBe('1'));
    setPin(root, EXIT, '1');
    setPin(root, CONTACT, '1');
    await eventually(() =>
      expect(doorEntries()).toEqual([
        ['door.exit_request', undefined],
        ['door.opened', undefined],
      ]),
    );
    // a bounce shorter than debounceMs is never seen
    setPin(root, CONTACT, '0');
    await new Promise((r) => setTimeout(r, 5));
    setPin(root, CONTACT, '1');
    await new Promise((r) => setTimeout(r, 80));
    expect(doorEntries()).toHaveLength(2);
  });

  it('raises held open when the door stays open with the lock locked again', async () => {
    await eventually(() => expect(pinValue(root, A)).toBe('0'));
    t.clock.now += 1_500; // past heldOpenSeconds (1 s) on the gateway's clock
    await eventually(() => expect(doorEntries().at(-1)).toEqual(['door.alarm', 'held_open']), 3000);
    setPin(root, CONTACT, '0');
    await eventually(() => expect(doorEntries().at(-1)).toEqual(['door.closed', undefined]));
    const metrics = await t.gateway.core.metrics.registry.getSingleMetricAsString('pintu_door_alarms_total');
    expect(metrics).toContain('pintu_door_alarms_total{door="pintu-utama",alarm="forced_open"} 1');
    expect(metrics).toContain('pintu_door_alarms_total{door="pintu-utama",alarm="held_open"} 1');
  });

  it('takes the safe state again on a clean stop', async () => {
    await t.gateway.access.unlock('pintu-utama', actor, 5000);
    expect(pinValue(root, A)).toBe('1');
    await t.close();
    expect(pinValue(root, A)).toBe('0'); // fail-secure: locked
    expect(pinValue(root, B)).toBe('0'); // fail-safe: unlocked, energised (active-low)
  });
});

describe('door inputs at the port below the backend (InputLine)', () => {
  class FakeLine implements InputLine {
    level = false;
    private onChange: (active: boolean) => void = () => {};
    read = () => this.level;
    watch(onChange: (active: boolean) => void) {
      this.onChange = onChange;
    }
    close() {}
    set(level: boolean) {
      this.level = level;
      this.onChange(level);
    }
  }
  // The debounce is a timer of the product: on a fake clock, so a busy machine cannot stretch a
  // bounce past it (nor a real wait fall short of it).
  const advance = (ms: number) => vi.advanceTimersByTime(ms);

  it('reports a change once it held for debounceMs; bounce is filtered; exit presses only', async () => {
    const contact = new FakeLine();
    const exit = new FakeLine();
    const inputs = new GpioDoorInputs('d', { line: contact, debounceMs: 30 }, { line: exit, debounceMs: 30 });
    const seen: DoorInputEvent[] = [];
    inputs.onInput((e) => seen.push(e));
    await inputs.start();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    expect(inputs.contactOpen()).toBe(false);
    // bouncing contact: open, shut, open within the debounce time -> one "open"
    contact.set(true);
    advance(5);
    contact.set(false);
    advance(5);
    contact.set(true);
    advance(10);
    expect(seen).toEqual([]);
    advance(40);
    expect(seen).toEqual([{ input: 'contact', active: true }]);
    expect(inputs.contactOpen()).toBe(true);
    // a glitch shorter than the debounce time and back: nothing
    contact.set(false);
    advance(5);
    contact.set(true);
    advance(50);
    expect(seen).toHaveLength(1);
    // exit button: a press counts, its release does not
    exit.set(true);
    advance(45);
    exit.set(false);
    advance(45);
    expect(seen).toEqual([
      { input: 'contact', active: true },
      { input: 'exit', active: true },
    ]);
    await inputs.stop();
  });

  it('passes changes at once with debounceMs 0', async () => {
    const contact = new FakeLine();
    const inputs = new GpioDoorInputs('d', { line: contact, debounceMs: 0 }, undefined);
    const seen: DoorInputEvent[] = [];
    inputs.onInput((e) => seen.push(e));
    await inputs.start();
    contact.set(true);
    contact.set(false);
    expect(seen).toEqual([
      { input: 'contact', active: true },
      { input: 'contact', active: false },
    ]);
  });

  it('opens the backend configuration asks for (sysfs on a tree)', () => {
    const root = tree(PI4_CHIPS);
    const b = openGpioBackend({ backend: 'sysfs', sysfsRoot: root, chipLabel: 'bcm2711', gpiodPath: '' });
    expect(b.description).toMatch(/^sysfs .* \(file writes\), gpiochip512 \[pinctrl-bcm2711\] base 512$/);
  });
});
