// The seams between the gateway and door hardware. Each port has a simulated twin
// (hardware/sim.ts); real drivers (PC/SC, serial, GPIO, MQTT room controllers) implement
// the same shapes and are chosen by configuration.

import type { CredentialProof } from '../domain/types.js';
import type { SiteKey } from './secure-badge.js';

/** A credential read at a reader: a badge UID (normalised) or a keypad code. */
export interface ReadEvent {
  readerId: string;
  kind: 'nfc' | 'pin';
  credential: string;
  /** What a reader that challenges badges established (absent: it read a UID only). */
  proof?: CredentialProof;
  /**
   * The message failed its authentication (a room tap with a bad MAC or a replayed counter):
   * refused as credential_invalid, and its credential neither believed nor journaled.
   */
  forged?: true;
}

/** Something a reader driver received and could not use (a line that does not match, a bad UID). */
export interface IgnoredRead {
  readerId: string;
  /** Short machine word: `no_match`, `bad_uid`, `too_long`, ... */
  reason: string;
  /** The offending input, cut short and made printable (for a log line). */
  sample: string;
}

/** Whether a reader driver has its device: the PC/SC reader present, the serial port open. */
export interface ReaderStatus {
  connected: boolean;
  /** Short and printable, never personal data: why not (`serial reader unplugged`), or which device. */
  detail?: string;
}

/** A driver's ReaderStatus, handed to the gateway when it changes and only while running. */
export class ReaderStatusReport {
  private handler: (status: ReaderStatus) => void = () => {};
  /** The status last handed on (undefined: none yet). */
  last: ReaderStatus | undefined;

  constructor(private readonly onError: (err: unknown) => void) {}

  listen(handler: (status: ReaderStatus) => void): void {
    this.handler = handler;
  }

  report(status: ReaderStatus, running: boolean): void {
    const last = this.last;
    if (!running || (last?.connected === status.connected && last.detail === status.detail)) return;
    this.last = status;
    try {
      this.handler(status);
    } catch (err) {
      this.onError(err);
    }
  }
}

export interface ReaderPort {
  readonly id: string;
  /**
   * A simulated twin (hardware/sim.ts): its taps come from the CLI, the API or the panel, which
   * may only tap on such readers. The one answer to "is this reader simulated"; real drivers omit it.
   */
  readonly simulated?: true;
  /** Called by the driver for every read; set once by the gateway. */
  onRead(handler: (read: ReadEvent) => void): void;
  /** Reads the driver ignored, for the gateway to count and log; drivers without such reads omit it. */
  onIgnored?(handler: (ignored: IgnoredRead) => void): void;
  /**
   * The device lost (pcscd gone, reader or serial cable unplugged) or back: called at every
   * change, and with the first state once the driver knows it; set once by the gateway.
   * Drivers whose device cannot go away (simulated readers) omit it.
   */
  onStatus?(handler: (status: ReaderStatus) => void): void;
  /** Show the decision on the reader (LED, buzzer) where the model and configuration allow; never throws. */
  feedback?(result: 'granted' | 'denied'): void;
  /**
   * Readers that can write a card (PC/SC): personalise the card on the reader with the site's
   * keys `keys`. `from` sees the UID before any key changes and says which keys the card has
   * now (its factory keys, or an older site key's for a recycle), or throws to stop.
   * Resolves with the UID.
   */
  personalise?(keys: SiteKey, from: (uid: string) => SiteKey | 'factory'): Promise<string>;
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
  /**
   * What keeps the door from being driven, once it counts as a problem of the gateway (health).
   * Without it, the state's fault counts at once; a driver with a start grace (a room
   * controller not heard of yet) says nothing until its grace is over.
   */
  problem?(): string | undefined;
  onChange(handler: (state: LockState) => void): void;
  start(): Promise<void>;
  /** Leave the door in its safe state. */
  stop(): Promise<void>;
}

/** A change of a door input, debounced: the contact (active = door open) or the exit button (pressed). */
export interface DoorInputEvent {
  input: 'contact' | 'exit';
  active: boolean;
}

/** The door contact and request-to-exit button of one door. */
export interface DoorInputsPort {
  readonly doorId: string;
  readonly hasContact: boolean;
  readonly hasExitButton: boolean;
  /** The contact now (true = open); undefined without a contact or before start. */
  contactOpen(): boolean | undefined;
  /** Called for every debounced change; set once by the gateway. */
  onInput(handler: (event: DoorInputEvent) => void): void;
  /** A driver fault (input lost) or its end (undefined). */
  onFault?(handler: (fault: string | undefined) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
