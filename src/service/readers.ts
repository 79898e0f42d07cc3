// Reader supervision. A reader driver that can lose its device (PC/SC: pcscd gone or the
// reader unplugged; serial: the port unplugged) reports whether it has it
// (ReaderPort.onStatus). Without its device for offlineAfterMs, or not found within
// startGraceMs of the start, a reader counts as offline: /healthz is degraded and names it,
// a warning is logged, and the door it is bound to gets the reader_offline alarm (door.alarm,
// journaled; door.alarm_cleared once every reader of that door is back). Transitions only:
// nothing more is raised while a reader stays down, and a glitch shorter than offlineAfterMs
// raises nothing. pintu_reader_connected shows the driver's word at once (1/0).
import type { DoorEvent } from '../domain/events.js';
import type { ReaderPort, ReaderStatus } from '../hardware/ports.js';
import type { Core } from './core.js';

export interface ReaderWatchOptions {
  /** A device lost this long counts (a shorter glitch raises nothing). */
  offlineAfterMs: number;
  /** A reader that has not found its device this long after the start counts as offline. */
  startGraceMs: number;
}

/** One supervised reader, as the gateway sees it. */
export interface ReaderState {
  id: string;
  doorId?: string;
  /** What the driver said last (undefined: nothing yet). */
  connected: boolean | undefined;
  /** Counted offline: in /healthz, and in its door's alarms. */
  offline: boolean;
  detail?: string;
}

interface Tracked {
  id: string;
  doorId: string | undefined;
  connected: boolean | undefined;
  detail: string | undefined;
  offline: boolean;
  /** Counts the reader offline when it fires (the debounce, or the start's grace). */
  timer: NodeJS.Timeout | undefined;
}

const ALARM = 'reader_offline' as const;

export class ReaderService {
  private readonly tracked = new Map<string, Tracked>();
  /** Doors with the reader_offline alarm up, and the offline readers that keep it up. */
  private readonly alarmed = new Map<string, Set<string>>();
  private started = false;

  constructor(
    private readonly core: Core,
    readers: ReadonlyMap<string, ReaderPort>,
    /** From the configuration: access.readerOfflineSeconds, access.readerStartGraceSeconds. */
    private readonly opts: ReaderWatchOptions,
  ) {
    for (const reader of readers.values()) {
      if (!reader.onStatus) continue;
      this.tracked.set(reader.id, {
        id: reader.id,
        doorId: core.state.readers.get(reader.id)?.doorId,
        connected: undefined,
        detail: undefined,
        offline: false,
        timer: undefined,
      });
      reader.onStatus((s) => this.status(reader.id, s));
    }
  }

  /** Before the readers start: a reader that finds no device within the grace is offline. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.tracked.values()) {
      this.core.metrics.readerConnected.set({ reader: t.id }, t.connected ? 1 : 0);
      if (t.connected !== true) this.arm(t, this.opts.startGraceMs);
    }
  }

  stop(): void {
    this.started = false;
    for (const t of this.tracked.values()) {
      clearTimeout(t.timer);
      t.timer = undefined;
    }
  }

  /** Every supervised reader (readers without a device state, as simulated ones, are not). */
  states(): ReaderState[] {
    return [...this.tracked.values()].map((t) => ({
      id: t.id,
      ...(t.doorId ? { doorId: t.doorId } : {}),
      connected: t.connected,
      offline: t.offline,
      ...(t.detail ? { detail: t.detail } : {}),
    }));
  }

  /** For /healthz: one line per offline reader. */
  problems(): string[] {
    return [...this.tracked.values()]
      .filter((t) => t.offline)
      .map((t) => `reader ${t.id}: offline (${t.detail ?? 'no device found'})`);
  }

  /** The door's readers counted offline (the reader_offline alarm is up while any is). */
  offlineReaders(doorId: string): string[] {
    return [...(this.alarmed.get(doorId) ?? [])];
  }

  private status(id: string, s: ReaderStatus): void {
    const t = this.tracked.get(id);
    if (!t) return;
    const was = t.connected;
    t.connected = s.connected;
    t.detail = s.detail;
    if (!this.started || was === s.connected) return; // (a new detail only)
    this.core.metrics.readerConnected.set({ reader: id }, s.connected ? 1 : 0);
    if (s.connected) {
      clearTimeout(t.timer);
      t.timer = undefined;
      if (t.offline) this.back(t);
    } else if (!t.offline && !t.timer) this.arm(t, this.opts.offlineAfterMs);
  }

  private arm(t: Tracked, ms: number): void {
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      t.timer = undefined;
      if (this.started && t.connected !== true && !t.offline) this.down(t);
    }, ms);
    t.timer.unref();
  }

  private down(t: Tracked): void {
    t.offline = true;
    this.core.log.warn(
      { reader: t.id, ...(t.doorId ? { door: t.doorId } : {}), detail: t.detail },
      'reader offline: its device is gone',
    );
    if (t.doorId) {
      const set = this.alarmed.get(t.doorId) ?? new Set<string>();
      this.alarmed.set(t.doorId, set);
      set.add(t.id);
      if (set.size === 1) {
        this.core.metrics.doorAlarms.inc({ door: t.doorId, alarm: ALARM });
        this.record('door.alarm', t);
      }
    }
    this.emit(t);
  }

  private back(t: Tracked): void {
    t.offline = false;
    this.core.log.info(
      { reader: t.id, ...(t.doorId ? { door: t.doorId } : {}), detail: t.detail },
      'reader back: its device is there again',
    );
    const set = t.doorId ? this.alarmed.get(t.doorId) : undefined;
    if (set?.delete(t.id) && set.size === 0) this.record('door.alarm_cleared', t);
    this.emit(t);
  }

  private record(type: 'door.alarm' | 'door.alarm_cleared', t: Tracked): void {
    const event: DoorEvent = { type, payload: { doorId: t.doorId!, alarm: ALARM } };
    this.core
      .record(event, { kind: 'device', id: t.id })
      .catch((err) => this.core.log.error({ err, reader: t.id }, `journal append failed for ${type}`));
  }

  private emit(t: Tracked): void {
    this.core.bus.emit('reader', {
      readerId: t.id,
      ...(t.doorId ? { doorId: t.doorId } : {}),
      offline: t.offline,
      ...(t.detail ? { detail: t.detail } : {}),
    });
  }
}
