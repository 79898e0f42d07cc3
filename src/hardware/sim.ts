// Simulated twins of the reader and lock ports: the whole flow runs on a laptop, with taps
// from the CLI, the API or the panel, and lock state visible through the API.
import type { LockPort, LockState, ReadEvent, ReaderPort } from './ports.js';

export class SimReader implements ReaderPort {
  readonly simulated = true;
  private handler: (read: ReadEvent) => void = () => {};
  constructor(readonly id: string) {}
  onRead(handler: (read: ReadEvent) => void): void {
    this.handler = handler;
  }
  /** Present a credential, as a card on the reader or a code on its keypad would. */
  present(kind: 'nfc' | 'pin', credential: string): void {
    this.handler({ readerId: this.id, kind, credential });
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export class SimLock implements LockPort {
  private current: LockState = { locked: true };
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(s: LockState) => void> = [];
  /** Number of unlock pulses driven, for tests and the API. */
  pulses = 0;

  constructor(readonly doorId: string) {}

  pulse(ms: number): void {
    this.pulses++;
    clearTimeout(this.timer);
    this.set({ locked: false });
    this.timer = setTimeout(() => this.set({ locked: true }), ms);
    this.timer.unref();
  }
  unlock(): void {
    clearTimeout(this.timer);
    this.set({ locked: false });
  }
  lock(): void {
    clearTimeout(this.timer);
    this.set({ locked: true });
  }
  state(): LockState {
    return this.current;
  }
  onChange(handler: (s: LockState) => void): void {
    this.listeners.push(handler);
  }
  async start(): Promise<void> {
    this.set({ locked: true });
  }
  async stop(): Promise<void> {
    this.lock();
  }
  private set(next: LockState): void {
    if (next.locked === this.current.locked && next.open === this.current.open) return;
    this.current = next;
    for (const l of this.listeners) l(next);
  }
}
