// Serial readers (serialport + @serialport/parser-readline): Wiegand-to-serial bridges,
// 125 kHz modules behind a microcontroller, QR scanners in serial mode. One credential per
// line; a pattern picks it out. A lost device (unplugged: 'close' with disconnected) is
// reopened after a wait that doubles up to reopenMaxMs, never in a loop. The port's state is
// reported (ReaderPort.onStatus): connected once open, not while unplugged or unopenable.
import { existsSync } from 'node:fs';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPortStream } from '@serialport/stream';
import type { Logger } from 'pino';
import { normaliseUid } from '../domain/access.js';
import {
  type IgnoredRead,
  type ReadEvent,
  type ReaderPort,
  type ReaderStatus,
  ReaderStatusReport,
} from './ports.js';
import { readerBinding } from './serial-binding.js';

export interface SerialReaderConfig {
  path: string;
  baudRate: number;
  delimiter: string;
  pattern?: string;
  kind: 'nfc' | 'pin';
  reopenMinMs: number;
  reopenMaxMs: number;
}

/** A line longer than this without a delimiter is noise (wrong baud rate, wrong delimiter). */
export const MAX_LINE_BYTES = 512;
/**
 * While open, the device path is checked this often: a device node that is gone means an
 * unplug even when the port never reports it (a hung-up tty can read as end of file, which
 * serialport's reader retries instead of reporting).
 */
export const PRESENCE_CHECK_MS = 1000;

/** The credential of a line, or why there is none. Pure: unit-tested. */
export function parseLine(
  line: string,
  pattern: RegExp | undefined,
  kind: 'nfc' | 'pin',
): { credential: string } | { reason: 'empty' | 'no_match' | 'bad_uid' | 'bad_code' } {
  const text = line.trim();
  if (text === '') return { reason: 'empty' };
  let credential = text;
  if (pattern) {
    const m = pattern.exec(text);
    if (!m) return { reason: 'no_match' };
    credential = m.groups?.credential ?? m[1] ?? m[0];
  }
  if (kind === 'nfc') {
    const uid = normaliseUid(credential);
    return uid ? { credential: uid } : { reason: 'bad_uid' };
  }
  return /^\d{4,10}$/.test(credential) ? { credential } : { reason: 'bad_code' };
}

/** A line made fit for a log: printable, short, and with digits hidden on code readers. */
function sample(text: string, kind: 'nfc' | 'pin'): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const printable = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 60);
  return kind === 'pin' ? printable.replace(/\d/g, '#') : printable;
}

export class SerialReader implements ReaderPort {
  private handler: (read: ReadEvent) => void = () => {};
  private ignoredHandler: (i: IgnoredRead) => void = () => {};
  private readonly status = new ReaderStatusReport((err) =>
    this.log?.error({ err, reader: this.id }, 'a reader status could not be handled'),
  );
  private port: SerialPortStream | undefined;
  private running = false;
  private reopenMs: number;
  private timer: NodeJS.Timeout | undefined;
  private presence: NodeJS.Timeout | undefined;
  /** The port the presence check found without its device node (closed as unplugged). */
  private gone: SerialPortStream | undefined;
  private readonly pattern: RegExp | undefined;
  /** Times the device was opened (1 after start; +1 per recovery). */
  opens = 0;

  constructor(
    readonly id: string,
    private readonly cfg: SerialReaderConfig,
    private readonly log?: Logger,
  ) {
    this.pattern = cfg.pattern ? new RegExp(cfg.pattern) : undefined;
    this.reopenMs = cfg.reopenMinMs;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
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

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.open();
  }

  private open(): void {
    if (!this.running || this.port) return;
    const port = new SerialPortStream({
      binding: readerBinding,
      path: this.cfg.path,
      baudRate: this.cfg.baudRate,
      autoOpen: false,
    });
    const parser = new ReadlineParser({ delimiter: this.cfg.delimiter, encoding: 'utf8' });
    this.port = port;
    parser.on('data', (line: string) => this.line(line));
    port.on('data', (chunk: Buffer) => {
      parser.write(chunk);
      if (parser.buffer.length > MAX_LINE_BYTES) {
        this.ignoredHandler({
          readerId: this.id,
          reason: 'too_long',
          sample: sample(parser.buffer.subarray(0, 60).toString('latin1'), this.cfg.kind),
        });
        parser.buffer = Buffer.alloc(0);
      }
    });
    port.on('error', (err) => this.log?.warn({ reader: this.id, err: err.message }, 'serial reader error'));
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port) return;
      this.port = undefined;
      if (!this.running) return;
      const why =
        err?.disconnected || this.gone === port
          ? 'serial reader unplugged'
          : `serial reader closed${err ? `: ${err.message}` : ''}`;
      this.log?.warn({ reader: this.id, path: this.cfg.path }, why);
      this.report({ connected: false, detail: why });
      this.reopenLater();
    });
    port.open((err) => {
      if (this.port !== port) return;
      if (err) {
        this.port = undefined;
        this.log?.debug({ reader: this.id, err: err.message }, 'serial reader: open failed');
        // The first failure's words stay while the device stays away (no report per retry).
        if (this.status.last?.connected !== false)
          this.report({ connected: false, detail: `cannot open the device: ${err.message}` });
        return this.reopenLater();
      }
      if (!this.running) {
        port.close(() => {});
        return;
      }
      this.opens++;
      this.reopenMs = this.cfg.reopenMinMs;
      this.log?.info({ reader: this.id, path: this.cfg.path, opens: this.opens }, 'serial reader open');
      this.report({ connected: true, detail: this.cfg.path });
      clearInterval(this.presence);
      this.presence = setInterval(() => {
        if (this.port !== port || existsSync(this.cfg.path)) return;
        clearInterval(this.presence);
        this.log?.warn({ reader: this.id, path: this.cfg.path }, 'serial reader: the device is gone');
        this.gone = port;
        if (port.isOpen) port.close(() => {});
      }, PRESENCE_CHECK_MS);
      this.presence.unref();
    });
  }

  private reopenLater(): void {
    if (!this.running) return;
    const wait = this.reopenMs;
    this.reopenMs = Math.min(this.reopenMs * 2, this.cfg.reopenMaxMs);
    if (wait >= 1000)
      this.log?.warn(
        { reader: this.id, path: this.cfg.path, retryMs: wait },
        'serial reader: waiting for the device',
      );
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), wait);
    this.timer.unref();
  }

  private line(raw: string): void {
    const r = parseLine(raw, this.pattern, this.cfg.kind);
    if ('reason' in r) {
      if (r.reason !== 'empty')
        this.ignoredHandler({ readerId: this.id, reason: r.reason, sample: sample(raw, this.cfg.kind) });
      return;
    }
    try {
      this.handler({ readerId: this.id, kind: this.cfg.kind, credential: r.credential });
    } catch (err) {
      this.log?.error({ err, reader: this.id }, 'a read could not be handled');
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearInterval(this.presence);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
