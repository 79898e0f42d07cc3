// A door on GPIO: the lock relay (LockPort) and the door contact and exit button
// (DoorInputsPort), over the OutputLine / InputLine ports of gpio.ts.
//
// The relay energised means unlocked. Its safe state (configured, or by fail mode) is
// driven from the moment the line is taken, which the composition root does before
// anything else; start() then locks the door for normal work, stop() returns it to the
// safe state. After a crash the line keeps its level until the restart drives the safe
// state again.
import type { Logger } from 'pino';
import type { DoorConfig, DoorInputConfig } from '../config/schema.js';
import type { GpioBackend, InputLine, OutputLine } from './gpio.js';
import type { DoorInputEvent, DoorInputsPort, LockPort, LockState } from './ports.js';

export class GpioLock implements LockPort {
  private current: LockState;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(s: LockState) => void> = [];
  private fault: string | undefined;
  /** Unlock pulses driven (for tests and the API, as SimLock.pulses). */
  pulses = 0;

  constructor(
    readonly doorId: string,
    private readonly line: OutputLine,
    /** The safe state: locked (relay off) or unlocked (relay on). The line already drives it. */
    private readonly safeLocked: boolean,
    private readonly log?: Logger,
  ) {
    this.current = { locked: safeLocked };
    line.onFault((fault) => {
      this.fault = fault;
      this.set(this.current.locked);
    });
  }

  pulse(ms: number): void {
    this.pulses++;
    clearTimeout(this.timer);
    this.drive(false);
    this.timer = setTimeout(() => this.drive(true), ms);
    this.timer.unref();
  }

  unlock(): void {
    clearTimeout(this.timer);
    this.drive(false);
  }

  lock(): void {
    clearTimeout(this.timer);
    this.drive(true);
  }

  state(): LockState {
    return this.current;
  }

  onChange(handler: (state: LockState) => void): void {
    this.listeners.push(handler);
  }

  /** Normal work: the door locked. */
  async start(): Promise<void> {
    this.lock();
  }

  /** The safe state, and the line let go (sysfs keeps the level). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.drive(this.safeLocked);
    await this.line.close();
  }

  private drive(locked: boolean): void {
    try {
      this.line.write(!locked);
      if (this.fault?.startsWith('write:')) this.fault = undefined;
    } catch (err) {
      this.fault = `write: ${err instanceof Error ? err.message : String(err)}`;
      this.log?.error({ err, door: this.doorId }, 'relay write failed');
    }
    this.set(locked);
  }

  private set(locked: boolean): void {
    const next: LockState = { locked, ...(this.fault ? { fault: this.fault } : {}) };
    if (next.locked === this.current.locked && next.fault === this.current.fault) return;
    this.current = next;
    for (const l of this.listeners) l(next);
  }
}

export interface InputSpec {
  line: InputLine;
  debounceMs: number;
}

/**
 * Debounced contact and exit button. A change counts once the raw line has held the new
 * level for debounceMs (bounce shorter than that is never seen). The exit button reports
 * presses only.
 */
export class GpioDoorInputs implements DoorInputsPort {
  private handler: (e: DoorInputEvent) => void = () => {};
  private faultHandler: (fault: string | undefined) => void = () => {};
  private readonly stable = new Map<'contact' | 'exit', boolean>();
  private readonly timers = new Map<'contact' | 'exit', NodeJS.Timeout>();
  private started = false;

  constructor(
    readonly doorId: string,
    private readonly contact: InputSpec | undefined,
    private readonly exit: InputSpec | undefined,
  ) {}

  get hasContact(): boolean {
    return this.contact !== undefined;
  }

  get hasExitButton(): boolean {
    return this.exit !== undefined;
  }

  contactOpen(): boolean | undefined {
    return this.stable.get('contact');
  }

  onInput(handler: (event: DoorInputEvent) => void): void {
    this.handler = handler;
  }

  onFault(handler: (fault: string | undefined) => void): void {
    this.faultHandler = handler;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const [input, spec] of [
      ['contact', this.contact],
      ['exit', this.exit],
    ] as const) {
      if (!spec) continue;
      this.stable.set(input, spec.line.read());
      spec.line.watch(
        (raw) => this.raw(input, spec, raw),
        (fault) => this.faultHandler(fault),
      );
    }
  }

  /** A raw level from the line: (re)start the quiet period; the level that holds counts. */
  private raw(input: 'contact' | 'exit', spec: InputSpec, level: boolean): void {
    clearTimeout(this.timers.get(input));
    if (spec.debounceMs === 0) {
      this.settle(input, level);
      return;
    }
    const t = setTimeout(() => this.settle(input, level), spec.debounceMs);
    t.unref();
    this.timers.set(input, t);
  }

  private settle(input: 'contact' | 'exit', level: boolean): void {
    this.timers.delete(input);
    if (this.stable.get(input) === level) return;
    this.stable.set(input, level);
    if (input === 'exit' && !level) return; // a release is no event
    this.handler({ input, active: level });
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.contact?.line.close();
    this.exit?.line.close();
    this.started = false;
  }
}

// ---------------------------------------------------------------- from configuration

/** The relay state while the gateway is not deciding (see doors[].lock.safeState). */
export function safeLockedOf(door: DoorConfig): boolean {
  const explicit = door.lock.driver === 'gpio' ? door.lock.safeState : undefined;
  return explicit ? explicit === 'locked' : door.failMode !== 'fail-safe';
}

/** The relay of a gpio door: its line is taken, and its safe state driven, right here. */
export function gpioDoorLock(door: DoorConfig, backend: GpioBackend, log?: Logger): GpioLock {
  if (door.lock.driver !== 'gpio') throw new Error(`door ${door.id} has no gpio lock`);
  const safeLocked = safeLockedOf(door);
  const line = backend.output(door.lock.pin, {
    activeLow: door.lock.activeLow,
    initial: !safeLocked,
    consumer: `pintu-${door.id}`,
  });
  return new GpioLock(door.id, line, safeLocked, log);
}

/** The contact and exit button of a door, when it has either. */
export function gpioDoorInputs(door: DoorConfig, backend: GpioBackend): GpioDoorInputs | undefined {
  const spec = (cfg: DoorInputConfig | undefined, what: string): InputSpec | undefined =>
    cfg && {
      line: backend.input(cfg.pin, {
        activeLow: cfg.activeLow,
        bias: cfg.bias,
        consumer: `pintu-${door.id}-${what}`,
      }),
      debounceMs: cfg.debounceMs,
    };
  if (!door.contact && !door.exitButton) return undefined;
  return new GpioDoorInputs(door.id, spec(door.contact, 'contact'), spec(door.exitButton, 'exit'));
}
