// Door supervision, pure: what the door contact, the exit button and the lock say, and the
// clock, become door events and alarms. No timers and no I/O here: the service feeds
// signals in (with their time), journals what comes out, and calls again at `wakeAt`.
//
// Forced open: the contact reports the door opened while the lock was locked, with no
// unlock and no exit request shortly before. Held open: the door stays open for
// heldOpenMs while the lock is locked (a door held unlocked on purpose never alarms).
// Both alarms end when the door closes.

export type DoorAlarm = 'held_open' | 'forced_open';

export interface DoorWatchConfig {
  /** Held-open alarm after the door has been open this long (with the lock locked). */
  heldOpenMs: number;
  /** An exit request excuses an opening within this time (the door's pulse length). */
  exitGraceMs: number;
  /** An opening just after the lock locked again is not forced (strike and contact timing). */
  relockGraceMs: number;
}

export interface DoorWatch {
  /** Contact state; undefined when the door has no contact or it has not been read. */
  open: boolean | undefined;
  locked: boolean;
  /** When the door opened (while open). */
  openedAt?: number;
  /** Openings until this time are authorised; Infinity while the lock is unlocked. */
  authorisedUntil: number;
  /** Alarms raised since the door opened. */
  alarms: DoorAlarm[];
}

export type DoorSignal =
  | { type: 'contact'; open: boolean; at: number }
  | { type: 'lock'; locked: boolean; at: number }
  | { type: 'exit'; at: number }
  | { type: 'tick'; at: number };

export type DoorOutput =
  | { type: 'door.opened' }
  | { type: 'door.closed'; cleared: DoorAlarm[] }
  | { type: 'door.exit_request' }
  | { type: 'door.alarm'; alarm: DoorAlarm };

export interface DoorStep {
  state: DoorWatch;
  events: DoorOutput[];
  /** When to call again with a tick (a held-open alarm may become due); undefined: no need. */
  wakeAt?: number;
}

export const RELOCK_GRACE_MS = 1000;

/**
 * The state at start. A door found open at start is not called forced (its history is
 * unknown), but the held-open time runs from now.
 */
export function initialDoorWatch(locked: boolean, open: boolean | undefined, at: number): DoorWatch {
  return {
    open,
    locked,
    ...(open ? { openedAt: at } : {}),
    authorisedUntil: locked ? at : Number.POSITIVE_INFINITY,
    alarms: [],
  };
}

function heldOpenDue(s: DoorWatch, cfg: DoorWatchConfig): number | undefined {
  if (s.open !== true || s.openedAt === undefined || !s.locked || s.alarms.includes('held_open'))
    return undefined;
  return s.openedAt + cfg.heldOpenMs;
}

export function stepDoor(s: DoorWatch, signal: DoorSignal, cfg: DoorWatchConfig): DoorStep {
  const events: DoorOutput[] = [];
  let next: DoorWatch = s;
  const at = signal.at;
  switch (signal.type) {
    case 'lock': {
      if (signal.locked === s.locked) break;
      next = signal.locked
        ? { ...s, locked: true, authorisedUntil: at + cfg.relockGraceMs }
        : { ...s, locked: false, authorisedUntil: Number.POSITIVE_INFINITY };
      break;
    }
    case 'exit': {
      events.push({ type: 'door.exit_request' });
      next = { ...s, authorisedUntil: Math.max(s.authorisedUntil, at + cfg.exitGraceMs) };
      break;
    }
    case 'contact': {
      if (signal.open === s.open) break;
      if (s.open === undefined) {
        // The first reading of a contact is no movement: a door found open is not forced,
        // but its held-open time runs from now.
        next = signal.open ? { ...s, open: true, openedAt: at, alarms: [] } : { ...s, open: false };
        break;
      }
      if (signal.open) {
        events.push({ type: 'door.opened' });
        const forced = s.locked && at > s.authorisedUntil;
        next = { ...s, open: true, openedAt: at, alarms: forced ? ['forced_open'] : [] };
        if (forced) events.push({ type: 'door.alarm', alarm: 'forced_open' });
      } else {
        events.push({ type: 'door.closed', cleared: [...s.alarms] });
        const { openedAt: _, ...rest } = s;
        next = { ...rest, open: false, alarms: [] };
      }
      break;
    }
    case 'tick':
      break;
  }
  const due = heldOpenDue(next, cfg);
  if (due !== undefined && at >= due) {
    next = { ...next, alarms: [...next.alarms, 'held_open'] };
    events.push({ type: 'door.alarm', alarm: 'held_open' });
  }
  const wakeAt = heldOpenDue(next, cfg);
  return { state: next, events, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}
