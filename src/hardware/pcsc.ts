// NFC readers over PC/SC (pcscd) with nfc-pcsc. One PC/SC context serves every configured
// pcsc reader; each PC/SC reader that appears is given to the first configured reader whose
// name pattern matches it (the desk reader vs the door readers).
//
// Learned on the real stack (pcscd + vpcd, see the lab notes):
//  - nfc-pcsc's autoProcessing fails on ISO 14443-4 ATRs ("AID was not set"), so it is off
//    for every card and the UID is read by hand with GET DATA (FF CA 00 00 00): one path
//    for every ATR.
//  - After pcscd restarts, a PC/SC context never recovers: it is closed and a new NFC() is
//    made, with a wait that doubles between tries.
//  - new NFC() busy-loops on the calling thread while pcscd is down (the native
//    constructor retries SCardEstablishContext without pause): it would freeze the whole
//    gateway. So pcscd's socket is probed first and the context is only made when pcscd
//    answers.
//  - 'error' listeners on the context and on every reader, always (close() emits one).
// Each port reports whether it has its PC/SC reader (ReaderPort.onStatus): lost when pcscd
// goes away or the reader is unplugged, back when a matching reader appears again.
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { CredentialMode, CredentialProof } from '../domain/types.js';
import { DriverError } from './driver-error.js';
import {
  type IgnoredRead,
  type ReadEvent,
  type ReaderPort,
  type ReaderStatus,
  ReaderStatusReport,
} from './ports.js';
import { personaliseCard, proveCard, type SiteKey } from './secure-badge.js';
import type { SiteKeyRing } from './site-keys.js';

/** The parts of nfc-pcsc 0.8 used here (it ships no typings). */
export interface NfcCard {
  atr?: Buffer;
  standard?: string;
}
export interface NfcReader extends EventEmitter {
  reader: { name: string };
  autoProcessing: boolean;
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  control(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  close(): void;
}
export interface NfcContext extends EventEmitter {
  close(): void;
}
export type NfcConstructor = new (logger?: unknown) => NfcContext;

/** PC/SC pseudo-APDU GET DATA: the card's UID, answered by the reader. */
export const GET_UID = Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]);
/** UID lengths of ISO 14443-3 cards: single, double and triple size. */
export const UID_BYTES = [4, 7, 10] as const;

export function loadNfcPcsc(): NfcConstructor {
  try {
    return (createRequire(import.meta.url)('nfc-pcsc') as { NFC: NfcConstructor }).NFC;
  } catch (err) {
    throw new DriverError(
      `the npm package nfc-pcsc could not be loaded (${err instanceof Error ? err.message : String(err)}): it builds against libpcsclite; apt install libpcsclite-dev, then npm install`,
    );
  }
}

/** pcscd's client socket (pcsc-lite's own variable moves it, as for every PC/SC client). */
export function pcscdSocket(): string {
  return process.env.PCSCLITE_CSOCK_NAME || '/run/pcscd/pcscd.comm';
}

/** True when something accepts connections on the socket (pcscd, or systemd's socket for it). */
export function probeSocket(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface PcscContextOptions {
  retryMinMs: number;
  retryMaxMs: number;
  log?: Logger;
  /** nfc-pcsc's NFC class (tests and the benchmark pass their own). */
  nfc?: NfcConstructor;
  socket?: string;
}

/** A context that lived this long was healthy: the next loss retries after retryMinMs again. */
const HEALTHY_MS = 10_000;

export class PcscContext {
  private nfc: NfcContext | undefined;
  private readonly ports: PcscReader[] = [];
  private running = false;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectedAt = 0;
  private connecting = false;
  /** PC/SC contexts made so far (1 after the first connect; +1 per recovery). */
  generation = 0;
  /** Reconnects scheduled so far: with the backoff, a bounded count per second while pcscd is away. */
  retries = 0;

  /** nfc-pcsc, loaded when the context is made: a missing build stops the start, not a tap. */
  private readonly NFC: NfcConstructor;

  constructor(private readonly opts: PcscContextOptions) {
    this.retryMs = opts.retryMinMs;
    this.NFC = opts.nfc ?? loadNfcPcsc();
  }

  get connected(): boolean {
    return this.nfc !== undefined;
  }

  add(port: PcscReader): void {
    if (!this.ports.includes(port)) this.ports.push(port);
    this.offer();
    if (this.nfc) port.waiting();
  }

  /** PC/SC readers no port has taken yet: given out when a port comes or frees up. */
  private unclaimed: NfcReader[] = [];

  /** Give waiting PC/SC readers to the ports that match them. */
  offer(): void {
    for (const r of [...this.unclaimed]) {
      const port = this.ports.find((p) => p.matches(r.reader.name));
      if (!port) continue;
      this.unclaimed.splice(this.unclaimed.indexOf(r), 1);
      port.attach(r);
    }
  }

  remove(port: PcscReader): void {
    const i = this.ports.indexOf(port);
    if (i >= 0) this.ports.splice(i, 1);
  }

  get size(): number {
    return this.ports.length;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tryConnect();
  }

  private tryConnect(): void {
    this.connect().catch((err: unknown) => {
      this.connecting = false;
      this.retry(`PC/SC connect failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  private async connect(): Promise<void> {
    if (!this.running || this.nfc || this.connecting) return;
    this.connecting = true;
    try {
      const socket = this.opts.socket ?? pcscdSocket();
      if (!(await probeSocket(socket))) return this.retry(`pcscd does not answer on ${socket}`);
      if (!this.running) return;
      let nfc: NfcContext;
      try {
        nfc = new this.NFC();
      } catch (err) {
        return this.retry(`PC/SC context failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.nfc = nfc;
      this.generation++;
      this.connectedAt = Date.now();
      nfc.on('reader', (r: NfcReader) => this.attach(r));
      nfc.on('error', (err: Error) => this.lost(nfc, err));
      this.opts.log?.info({ generation: this.generation }, 'PC/SC: connected to pcscd');
      // pcscd answers; each port has its reader once nfc-pcsc announces one that matches.
      for (const p of this.ports) p.waiting();
    } finally {
      this.connecting = false;
    }
  }

  private attach(r: NfcReader): void {
    r.on('error', () => {}); // reported by the port that takes it, or of no interest
    r.on('end', () => {
      const i = this.unclaimed.indexOf(r);
      if (i >= 0) this.unclaimed.splice(i, 1);
    });
    const name = r.reader.name;
    const port = this.ports.find((p) => p.matches(name));
    if (!port) {
      this.unclaimed.push(r);
      this.opts.log?.info({ name }, 'PC/SC: a reader no configured reader matches (readers[].driver.name)');
      return;
    }
    port.attach(r);
  }

  private lost(nfc: NfcContext, err: Error): void {
    if (nfc !== this.nfc) return;
    this.nfc = undefined;
    this.unclaimed = [];
    for (const p of this.ports) p.detach('PC/SC context lost (pcscd stopped?)');
    try {
      nfc.close();
    } catch {
      // already dead
    }
    if (Date.now() - this.connectedAt >= HEALTHY_MS) this.retryMs = this.opts.retryMinMs;
    this.retry(`PC/SC context lost: ${err.message}`);
  }

  private retry(why: string): void {
    if (!this.running) return;
    for (const p of this.ports) p.unavailable(why);
    const wait = this.retryMs;
    this.retries++;
    this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs);
    this.opts.log?.warn({ retryMs: wait }, `PC/SC: ${why}; trying again`);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.tryConnect(), wait);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    const nfc = this.nfc;
    this.nfc = undefined;
    this.unclaimed = [];
    for (const p of this.ports) p.detach();
    if (nfc) {
      try {
        nfc.close();
      } catch {
        // closing a dead context
      }
      // Leave the native status callback before the caller moves on (lab: exiting from
      // within it deadlocks).
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export interface PcscReaderConfig {
  name: string;
  feedback: boolean;
  grantCommand: string;
  denyCommand: string;
  feedbackVia: 'transmit' | 'control';
}

/** What a reader of a secure or secure-or-uid door needs to challenge a badge. */
export interface SecureReading {
  /** The site keys: a badge is challenged with its recorded generation's. */
  keys: SiteKeyRing;
  mode: Exclude<CredentialMode, 'uid'>;
}

export class PcscReader implements ReaderPort {
  private handler: (read: ReadEvent) => void = () => {};
  private ignoredHandler: (i: IgnoredRead) => void = () => {};
  private readonly status = new ReaderStatusReport((err) =>
    this.log?.error({ err, reader: this.id }, 'a reader status could not be handled'),
  );
  private running = false;
  private current: NfcReader | undefined;
  private readonly pattern: RegExp;
  private readonly grant: Buffer;
  private readonly deny: Buffer;
  /** A card is on the reader (between nfc-pcsc's 'card' and 'card.off'). */
  cardPresent = false;
  /** The last feedback sent and the reader's answer (hex), for diagnostics. */
  lastFeedback: { result: 'granted' | 'denied'; answer: string } | undefined;

  constructor(
    readonly id: string,
    private readonly cfg: PcscReaderConfig,
    /** The shared PC/SC context (its generation counts recoveries). */
    readonly ctx: PcscContext,
    private readonly log?: Logger,
    /** Door readers of secure and secure-or-uid doors: the site key and the door's mode. */
    private readonly secure?: SecureReading,
  ) {
    this.pattern = new RegExp(cfg.name);
    this.grant = Buffer.from(cfg.grantCommand, 'hex');
    this.deny = Buffer.from(cfg.denyCommand, 'hex');
  }

  /** The PC/SC name of the reader in use, if one is attached. */
  get readerName(): string | undefined {
    return this.current?.reader.name;
  }

  matches(name: string): boolean {
    return !this.current && this.pattern.test(name);
  }

  onRead(handler: (read: ReadEvent) => void): void {
    this.handler = handler;
  }

  onIgnored(handler: (ignored: IgnoredRead) => void): void {
    this.ignoredHandler = handler;
  }

  onStatus(handler: (status: ReaderStatus) => void): void {
    this.status.listen(handler);
  }

  /** The status, when it changed (connected or detail); nothing while stopped. */
  private report(status: ReaderStatus): void {
    this.status.report(status, this.running);
  }

  /** No PC/SC reader for this port now, and why (pcscd does not answer, ...). */
  unavailable(why: string): void {
    if (!this.current) this.report({ connected: false, detail: why });
  }

  /** pcscd answers, but no reader has matched this port (yet). */
  waiting(): void {
    this.unavailable(`no PC/SC reader matches /${this.pattern.source}/`);
  }

  attach(r: NfcReader): void {
    this.current = r;
    r.autoProcessing = false;
    r.on('card', (card: NfcCard) => {
      // A port stopped or given another reader leaves this one alone: its context may still
      // report cards, and two sessions on one card interleave their APDUs.
      if (this.current !== r) return;
      this.cardPresent = true;
      void this.card(r, card);
    });
    r.on('card.off', () => {
      this.cardPresent = false;
    });
    r.on('error', (err: Error) =>
      this.log?.warn({ reader: this.id, err: err.message }, 'PC/SC reader error'),
    );
    r.on('end', () => {
      if (this.current !== r) return;
      this.current = undefined;
      this.log?.warn(
        { reader: this.id, name: r.reader.name },
        'PC/SC reader gone (unplugged, or pcscd stopped)',
      );
      this.report({ connected: false, detail: 'PC/SC reader removed (unplugged, or pcscd stopped)' });
      this.ctx.offer();
    });
    this.log?.info({ reader: this.id, name: r.reader.name }, 'PC/SC reader attached');
    this.report({ connected: true, detail: r.reader.name });
  }

  /** The context is gone: so is the reader (`why` reported; none when the context stops). */
  detach(why?: string): void {
    this.current = undefined;
    this.cardPresent = false;
    if (why) this.report({ connected: false, detail: why });
  }

  private async card(r: NfcReader, card: NfcCard): Promise<void> {
    let answer: Buffer;
    try {
      answer = await r.transmit(GET_UID, 12);
    } catch (err) {
      return this.ignore('read_failed', err instanceof Error ? err.message : String(err));
    }
    const sw = answer.length >= 2 ? answer.readUInt16BE(answer.length - 2) : 0;
    const uid = answer.subarray(0, Math.max(0, answer.length - 2));
    if (sw !== 0x9000)
      return this.ignore(
        'get_data_failed',
        `SW ${answer.toString('hex').toUpperCase()} ATR ${card.atr?.toString('hex') ?? '?'}`,
      );
    if (!(UID_BYTES as readonly number[]).includes(uid.length)) {
      return this.ignore('bad_uid', `${uid.length}-byte UID ${uid.toString('hex').toUpperCase()}`);
    }
    let proof: CredentialProof | undefined;
    if (this.secure) {
      // A fresh challenge at every tap (three round trips); the card leaving mid-way is no tap.
      try {
        const keys = this.secure.keys.forBadge(uid.toString('hex').toUpperCase());
        proof = await proveCard((apdu) => r.transmit(apdu, 64), uid, keys, this.secure.mode);
      } catch (err) {
        return this.ignore('auth_interrupted', err instanceof Error ? err.message : String(err));
      }
    }
    try {
      this.handler({
        readerId: this.id,
        kind: 'nfc',
        credential: uid.toString('hex').toUpperCase(),
        ...(proof ? { proof } : {}),
      });
    } catch (err) {
      this.log?.error({ err, reader: this.id }, 'a read could not be handled');
    }
  }

  private ignore(reason: string, sample: string): void {
    this.ignoredHandler({ readerId: this.id, reason, sample: sample.slice(0, 80) });
  }

  /**
   * Personalises the card on this reader (the desk's): its UID, then every application key
   * from the keys `from` names for it to the site's diversified keys (secure-badge.ts).
   * Throws when no card is on the reader, the card is not an NTAG 424 DNA, or it refuses
   * the keys `from` named.
   */
  async personalise(keys: SiteKey, from: (uid: string) => SiteKey | 'factory'): Promise<string> {
    const r = this.current;
    if (!r || !this.cardPresent) throw new DriverError(`no card on reader ${this.id}`);
    const answer = await r.transmit(GET_UID, 12);
    const uid = answer.subarray(0, Math.max(0, answer.length - 2));
    if (answer.length < 2 || answer.readUInt16BE(answer.length - 2) !== 0x9000)
      throw new DriverError(`reader ${this.id}: the card's UID could not be read`);
    const old = from(uid.toString('hex').toUpperCase());
    await personaliseCard((apdu) => r.transmit(apdu, 64), uid, keys, old);
    return uid.toString('hex').toUpperCase();
  }

  feedback(result: 'granted' | 'denied'): void {
    if (!this.cfg.feedback) return;
    const r = this.current;
    if (!r) return;
    const cmd = result === 'granted' ? this.grant : this.deny;
    let sent: Promise<Buffer>;
    try {
      sent = this.cfg.feedbackVia === 'control' ? r.control(cmd, 64) : r.transmit(cmd, 64);
    } catch (err) {
      // the card left already (transmit needs it): nothing to show
      this.log?.debug({ reader: this.id, err: (err as Error).message }, 'reader feedback not sent');
      return;
    }
    sent.then(
      (answer) => {
        this.lastFeedback = { result, answer: answer.toString('hex').toUpperCase() };
        this.log?.debug(
          { reader: this.id, result, answer: this.lastFeedback.answer },
          'reader feedback sent',
        );
      },
      (err: Error) => {
        this.lastFeedback = { result, answer: `error: ${err.message}` };
        this.log?.debug({ reader: this.id, err: err.message }, 'reader feedback failed');
      },
    );
  }

  async start(): Promise<void> {
    this.running = true;
    this.ctx.add(this);
    this.ctx.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.ctx.remove(this);
    this.current = undefined;
    if (this.ctx.size === 0) await this.ctx.stop();
  }
}
