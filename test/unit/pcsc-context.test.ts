// The PC/SC context's recovery logic with a stand-in NFC class and a stand-in pcscd socket:
// no context is made while nothing answers on the socket (nfc-pcsc's constructor would
// busy-loop), waits double up to retryMaxMs, a lost context is replaced, and readers are
// given to the configured reader whose name pattern matches.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type NfcConstructor, type NfcReader, PcscContext, PcscReader } from '../../src/hardware/pcsc.js';
import type { ReadEvent, ReaderStatus } from '../../src/hardware/ports.js';
import { eventually } from '../support/lab-tools.js';

const dir = mkdtempSync(join(tmpdir(), 'pintu-pcsc-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class FakeNfc extends EventEmitter {
  static made: FakeNfc[] = [];
  closed = false;
  constructor() {
    super();
    FakeNfc.made.push(this);
  }
  close() {
    this.closed = true;
  }
}

class FakeReader extends EventEmitter {
  autoProcessing = true;
  sent: string[] = [];
  constructor(
    name: string,
    private readonly answer: string,
  ) {
    super();
    this.reader = { name };
  }
  reader: { name: string };
  async transmit(data: Buffer): Promise<Buffer> {
    this.sent.push(data.toString('hex').toUpperCase());
    return Buffer.from(this.answer, 'hex');
  }
  async control(data: Buffer): Promise<Buffer> {
    this.sent.push(`control ${data.toString('hex').toUpperCase()}`);
    return Buffer.from('9000', 'hex');
  }
  close() {}
}

const listen = (path: string) =>
  new Promise<Server>((resolve) => {
    const s = createServer((c) => c.destroy());
    s.listen(path, () => resolve(s));
  });
const reader = (ctx: PcscContext, id: string, name: string, feedback = false) =>
  new PcscReader(
    id,
    {
      name,
      feedback,
      grantCommand: 'FF0040A80402010101',
      denyCommand: 'FF0040540402020301',
      feedbackVia: 'transmit',
    },
    ctx,
  );

describe('PC/SC context', () => {
  it('waits for pcscd without making a context, with doubling waits, then connects', async () => {
    FakeNfc.made = [];
    const socket = join(dir, 'a.comm');
    const warnings: number[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => warnings.push(JSON.parse(l).retryMs) });
    const ctx = new PcscContext({
      retryMinMs: 100,
      retryMaxMs: 400,
      socket,
      log,
      nfc: FakeNfc as unknown as NfcConstructor,
    });
    const port = reader(ctx, 'door', '^Virtual PCD 00 00$');
    await port.start();
    // Four tries logged (the sentinel), and no context made meanwhile.
    await eventually(() => expect(warnings.length).toBeGreaterThanOrEqual(4));
    expect(FakeNfc.made).toHaveLength(0);
    expect(warnings.slice(0, 4)).toEqual([100, 200, 400, 400]);
    const server = await listen(socket);
    await eventually(() => expect(ctx.connected).toBe(true));
    expect(FakeNfc.made).toHaveLength(1);
    expect(ctx.generation).toBe(1);

    // the context dies (pcscd restarted): closed, and a new one is made
    FakeNfc.made[0]!.emit('error', new Error('SCardGetStatusChange error: RPC transport error.(0x80100013)'));
    expect(FakeNfc.made[0]!.closed).toBe(true);
    // it lived less than 10 s, so the wait stays where it had grown (400 ms)
    await eventually(() => expect(FakeNfc.made).toHaveLength(2));
    expect(ctx.generation).toBe(2);

    await port.stop();
    expect(FakeNfc.made[1]!.closed).toBe(true);
    server.close();
  });

  it('routes readers by name, reads the UID with GET DATA, and sends feedback when asked', async () => {
    FakeNfc.made = [];
    const socket = join(dir, 'b.comm');
    const server = await listen(socket);
    const ctx = new PcscContext({
      retryMinMs: 100,
      retryMaxMs: 400,
      socket,
      nfc: FakeNfc as unknown as NfcConstructor,
    });
    const desk = reader(ctx, 'desk', '01 00$');
    const door = reader(ctx, 'door', '00 00$', true);
    const reads: ReadEvent[] = [];
    const ignored: string[] = [];
    for (const p of [desk, door]) {
      p.onRead((r) => reads.push(r));
      p.onIgnored((i) => ignored.push(`${i.readerId} ${i.reason}`));
      await p.start();
    }
    const nfc = await eventually(() => FakeNfc.made[0] ?? Promise.reject(new Error('no context yet')));
    const doorReader = new FakeReader('ACS ACR122U PICC Interface 00 00', '04A1B2C3D4E5019000');
    const deskReader = new FakeReader('ACS ACR122U PICC Interface 01 00', '0102039000');
    const other = new FakeReader('Something else', '9000');
    nfc.emit('reader', doorReader as unknown as NfcReader);
    nfc.emit('reader', deskReader as unknown as NfcReader);
    nfc.emit('reader', other as unknown as NfcReader);
    expect([door.readerName, desk.readerName]).toEqual([doorReader.reader.name, deskReader.reader.name]);
    expect(doorReader.autoProcessing).toBe(false);

    doorReader.emit('card', { atr: Buffer.from('3B8180018080', 'hex') });
    deskReader.emit('card', {});
    await eventually(() => expect(reads.length + ignored.length).toBe(2));
    expect(reads).toEqual([{ readerId: 'door', kind: 'nfc', credential: '04A1B2C3D4E501' }]);
    expect(ignored).toEqual(['desk bad_uid']); // a 3-byte UID is no ISO 14443 UID
    expect(doorReader.sent).toEqual(['FFCA000000']);

    door.feedback('granted');
    desk.feedback('denied'); // feedback off on this reader: nothing sent
    await eventually(() => expect(door.lastFeedback).toBeDefined());
    expect(doorReader.sent).toEqual(['FFCA000000', 'FF0040A80402010101']);
    expect(door.lastFeedback).toEqual({ result: 'granted', answer: '04A1B2C3D4E5019000' });
    expect(deskReader.sent).toEqual(['FFCA000000']);

    // unplugged: the port lets go, and takes the reader again when it is back
    doorReader.emit('end');
    expect(door.readerName).toBeUndefined();
    const again = new FakeReader('ACS ACR122U PICC Interface 00 00', '04A1B2C39000');
    nfc.emit('reader', again as unknown as NfcReader);
    again.emit('card', {});
    await eventually(() => expect(reads).toHaveLength(2));
    expect(reads.at(-1)).toEqual({ readerId: 'door', kind: 'nfc', credential: '04A1B2C3' });

    await desk.stop();
    await door.stop();
    server.close();
  });

  it('reports whether each port has its reader: pcscd away, no match yet, attached, removed, context lost', async () => {
    FakeNfc.made = [];
    const socket = join(dir, 'c.comm');
    const tries: number[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => tries.push(JSON.parse(l).retryMs) });
    const ctx = new PcscContext({
      retryMinMs: 50,
      retryMaxMs: 100,
      socket,
      log,
      nfc: FakeNfc as unknown as NfcConstructor,
    });
    const door = reader(ctx, 'door', '00 00$');
    const seen: ReaderStatus[] = [];
    door.onStatus((s) => seen.push(s));
    await door.start();
    // pcscd does not answer: said once, not at every try (three tries logged are the sentinel)
    await eventually(() => expect(tries.length).toBeGreaterThanOrEqual(3));
    expect(seen).toEqual([{ connected: false, detail: `pcscd does not answer on ${socket}` }]);
    const server = await listen(socket);
    const nfc = await eventually(() => FakeNfc.made[0] ?? Promise.reject(new Error('no context yet')));
    await eventually(() => expect(seen.at(-1)?.detail).toBe('no PC/SC reader matches /00 00$/'));
    expect(seen.at(-1)).toEqual({ connected: false, detail: 'no PC/SC reader matches /00 00$/' });
    const r = new FakeReader('ACS ACR122U PICC Interface 00 00', '9000');
    nfc.emit('reader', r as unknown as NfcReader);
    expect(seen.at(-1)).toEqual({ connected: true, detail: 'ACS ACR122U PICC Interface 00 00' });
    r.emit('end'); // unplugged
    expect(seen.at(-1)).toEqual({
      connected: false,
      detail: 'PC/SC reader removed (unplugged, or pcscd stopped)',
    });
    nfc.emit('reader', r as unknown as NfcReader);
    expect(seen.at(-1)?.connected).toBe(true);
    const before = seen.length;
    nfc.emit('error', new Error('SCardGetStatusChange error: RPC transport error.(0x80100013)'));
    expect(seen.slice(before).map((s) => s.connected)).toEqual([false, false]); // detail: why, then the retry's words
    expect(seen[before]).toEqual({ connected: false, detail: 'PC/SC context lost (pcscd stopped?)' });
    const nfc2 = await eventually(() => FakeNfc.made[1] ?? Promise.reject(new Error('no new context yet')));
    nfc2.emit('reader', r as unknown as NfcReader);
    expect(seen.at(-1)?.connected).toBe(true);
    const n = seen.length;
    await door.stop(); // stopping is no outage
    expect(seen).toHaveLength(n);
    server.close();
  });
});
