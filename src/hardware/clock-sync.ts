// Is the system clock to be trusted? A Raspberry Pi has no battery-backed clock: it boots at
// the last saved time (fake-hwclock, systemd-timesyncd's clock file) and only NTP sets it right.
// systemd-timesyncd creates /run/systemd/timesync/synchronized once it has; that is the flag
// read here. Its simulated twin is a value tests and `clock.synchronised: assume` set.

import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ClockSyncPort {
  /** The last answer: read on the tap path, so it never touches the disk. */
  synchronised(): boolean;
  /** Why not, for a log line (undefined while synchronised). */
  readonly detail: string | undefined;
  stop(): void;
}

/** A fixed answer: an RTC or chrony (`assume`), or a test's hand on the switch. */
export class SimClockSync implements ClockSyncPort {
  constructor(public value = true) {}
  synchronised(): boolean {
    return this.value;
  }
  get detail(): string | undefined {
    return this.value ? undefined : 'simulated: not synchronised';
  }
  stop(): void {}
}

/**
 * systemd-timesyncd's flag file, looked at with one stat every `checkMs` on a timer (never on
 * the tap path). Without the flag's folder no timesyncd runs on this machine and nothing says the
 * clock is wrong: it counts as synchronised (`detail` says so once, for the log), so a laptop or
 * a container is not degraded forever; a Pi with chrony or an RTC sets `assume` instead.
 */
export class TimesyncFlag implements ClockSyncPort {
  #synchronised: boolean;
  #detail: string | undefined;
  readonly #timer: NodeJS.Timeout;
  #checking = false;

  constructor(
    private readonly flagFile: string,
    checkMs: number,
    private readonly onChange: (synchronised: boolean) => void = () => {},
  ) {
    // Once, synchronously, at start: the first decision must already know.
    this.#synchronised = this.#answer(exists(flagFile), exists(dirname(flagFile)));
    this.#timer = setInterval(() => void this.check(), checkMs);
    this.#timer.unref();
  }

  synchronised(): boolean {
    return this.#synchronised;
  }

  get detail(): string | undefined {
    return this.#detail;
  }

  /** Look at the flag now (the timer does this every checkMs). */
  async check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const [flag, dir] = await Promise.all([
        existsAsync(this.flagFile),
        existsAsync(dirname(this.flagFile)),
      ]);
      const before = this.#synchronised;
      this.#synchronised = this.#answer(flag, dir);
      if (before !== this.#synchronised) this.onChange(this.#synchronised);
    } finally {
      this.#checking = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #answer(flag: boolean, dir: boolean): boolean {
    if (flag) this.#detail = undefined;
    else if (dir) this.#detail = `${this.flagFile} does not exist yet (NTP has not answered)`;
    else
      this.#detail = `no ${dirname(this.flagFile)}: systemd-timesyncd not running, clock taken as synchronised`;
    return flag || !dir;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function existsAsync(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
