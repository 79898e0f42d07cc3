// The seams between the gateway and door hardware. Each port has a simulated twin
// (hardware/sim.ts); real drivers (PC/SC, serial, GPIO, MQTT room controllers) implement
// the same shapes and are chosen by configuration.

/** A credential read at a reader: a badge UID (normalised) or a keypad code. */
export interface ReadEvent {
  readerId: string;
  kind: 'nfc' | 'pin';
  credential: string;
}

export interface ReaderPort {
  readonly id: string;
  /** Called by the driver for every read; set once by the gateway. */
  onRead(handler: (read: ReadEvent) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LockState {
  locked: boolean;
  /** Door contact, when the door has one; undefined when unknown. */
  open?: boolean;
  /** Driver-level fault (controller offline, GPIO error). */
  fault?: string;
}

export interface LockPort {
  readonly doorId: string;
  /** Unlock for `ms`, then lock again. A pulse during a pulse extends it. */
  pulse(ms: number): void;
  /** Hold unlocked (facilities UNLOCK) until lock(). */
  unlock(): void;
  /** Lock now, ending any pulse or held unlock. */
  lock(): void;
  state(): LockState;
  onChange(handler: (state: LockState) => void): void;
  start(): Promise<void>;
  /** Leave the door in its safe state. */
  stop(): Promise<void>;
}
