// Door supervision: door contacts, exit buttons and lock movements go through the pure state
// machine of domain/door-watch.ts; what comes out is journaled (door.opened, door.closed,
// door.exit_request, door.alarm) and counted. An exit button press unlocks the door at once
// (egress, even in lockdown: software never keeps anyone in) and is journaled after.
import {
  type DoorAlarm,
  type DoorSignal,
  type DoorWatch,
  type DoorWatchConfig,
  initialDoorWatch,
  RELOCK_GRACE_MS,
  stepDoor,
} from '../domain/door-watch.js';
import type { DoorEvent } from '../domain/events.js';
import type { DoorInputsPort, LockPort } from '../hardware/ports.js';
import type { Core } from './core.js';

export interface DoorSupervision {
  heldOpenMs: number;
  pulseMs: number;
  /** An exit button press pulses the lock. */
  exitUnlocks: boolean;
}

export class DoorService {
  private readonly watches = new Map<string, DoorWatch>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly faults = new Map<string, string>();
  private started = false;

  constructor(
    private readonly core: Core,
    private readonly locks: ReadonlyMap<string, LockPort>,
    private readonly inputs: ReadonlyMap<string, DoorInputsPort>,
    private readonly settings: ReadonlyMap<string, DoorSupervision>,
  ) {}

  private cfg(doorId: string): DoorWatchConfig {
    const s = this.settings.get(doorId);
    return {
      heldOpenMs: s?.heldOpenMs ?? 30_000,
      exitGraceMs: s?.pulseMs ?? 3_000,
      relockGraceMs: RELOCK_GRACE_MS,
    };
  }

  /** Contact and alarm of a door, for the door list (nothing for a door without inputs). */
  status(doorId: string): { open?: boolean; alarm?: DoorAlarm; fault?: string } {
    const w = this.watches.get(doorId);
    const fault = this.faults.get(doorId);
    if (!w) return fault ? { fault } : {};
    const alarm = w.alarms.includes('forced_open') ? 'forced_open' : w.alarms[0];
    return {
      ...(w.open !== undefined ? { open: w.open } : {}),
      ...(alarm ? { alarm } : {}),
      ...(fault ? { fault } : {}),
    };
  }

  /** Start the inputs; the locks are started (locked) already. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const [doorId, port] of this.inputs) {
      await port.start();
      const lock = this.locks.get(doorId);
      this.watches.set(
        doorId,
        initialDoorWatch(lock?.state().locked ?? true, port.contactOpen(), this.core.now()),
      );
      port.onInput((e) =>
        this.signal(
          doorId,
          e.input === 'contact'
            ? { type: 'contact', open: e.active, at: this.core.now() }
            : { type: 'exit', at: this.core.now() },
        ),
      );
      port.onFault?.((fault) => {
        if (fault) {
          this.faults.set(doorId, fault);
          this.core.log.error({ door: doorId, fault }, 'door input fault');
        } else this.faults.delete(doorId);
      });
      lock?.onChange((s) => this.signal(doorId, { type: 'lock', locked: s.locked, at: this.core.now() }));
    }
  }

  /** Feed one signal; exposed for a check after a clock change (tests, a tick). */
  signal(doorId: string, signal: DoorSignal): void {
    const state = this.watches.get(doorId);
    if (!state || !this.started) return;
    const step = stepDoor(state, signal, this.cfg(doorId));
    this.watches.set(doorId, step.state);
    this.schedule(doorId, step.wakeAt);
    // Egress first: the relay before the journal. (The pulse comes back here as a lock
    // signal, nested: state and timer are already up to date for it.)
    if (signal.type === 'exit' && this.settings.get(doorId)?.exitUnlocks) {
      this.locks.get(doorId)?.pulse(this.settings.get(doorId)?.pulseMs ?? 3_000);
    }
    for (const out of step.events) {
      const payload: DoorEvent['payload'] = {
        doorId,
        ...(out.type === 'door.alarm' ? { alarm: out.alarm } : {}),
      };
      if (out.type === 'door.alarm') {
        this.core.metrics.doorAlarms.inc({ door: doorId, alarm: out.alarm });
        this.core.log.warn({ door: doorId, alarm: out.alarm }, 'door alarm');
      }
      this.core
        .record({ type: out.type, payload }, { kind: 'device', id: doorId }, signal.at)
        .catch((err) => this.core.log.error({ err, door: doorId }, `journal append failed for ${out.type}`));
    }
    if (step.events.some((e) => e.type !== 'door.exit_request')) {
      const lock = this.locks.get(doorId)?.state() ?? { locked: true };
      this.core.bus.emit('lock', {
        doorId,
        ...lock,
        ...(step.state.open !== undefined ? { open: step.state.open } : {}),
      });
    }
  }

  private schedule(doorId: string, wakeAt: number | undefined): void {
    clearTimeout(this.timers.get(doorId));
    this.timers.delete(doorId);
    if (wakeAt === undefined) return;
    const t = setTimeout(
      () => this.signal(doorId, { type: 'tick', at: this.core.now() }),
      Math.max(0, wakeAt - this.core.now()),
    );
    t.unref();
    this.timers.set(doorId, t);
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const port of this.inputs.values()) await port.stop();
  }
}
