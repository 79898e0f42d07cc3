// NFC over the real PC/SC stack: pcscd with the vpcd virtual reader, badges presented by
// ../shared/lab/virtual_card.py, the gateway's pcsc driver (nfc-pcsc), and a GPIO relay on a
// fake sysfs tree as the lock. Reader names route taps (desk "Virtual PCD 00 01", entrance
// "Virtual PCD 00 00"); pcscd is killed and restarted under a running gateway. pcscd is the
// machine's only one: the suite holds the lab's lock on it (fault-devices.test.ts uses it too).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import type { GpioLock } from '../../src/hardware/gpio-door.js';
import { PcscContext, type PcscReader } from '../../src/hardware/pcsc.js';
import { acceptedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  eventually,
  fakeSysfs,
  labSuite,
  PI4_CHIPS,
  pinValue,
  startPcscd,
  stopPcscd,
  VirtualCard,
} from '../support/lab.js';
import { limit } from '../support/limits.js';
import { openPcscLab, type PcscLab, pcscReadersUp } from '../support/pcsc-lab.js';

const RELAY = 529; // BCM 17 on a Pi 4 tree
const TAMU_01 = '04A1B2C3D4E501';
/** An ISO 14443-4 (DESFire-style) ATR: nfc-pcsc's autoProcessing would fail on it. */
const ISO14443_4_ATR = '3B8180018080';

labSuite(
  'NFC readers over real pcscd + vpcd (virtual badges), gateway and relay',
  ['lab', 'root', 'pcscd', 'vsmartcard-vpcd', 'python3-virtualsmartcard', 'python3', 'nfc-pcsc'],
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-pcsc-'));
    const sysfs = join(dir, 'gpio');
    let t: TestGateway;
    let door: VirtualCard; // "Virtual PCD 00 00"
    let desk: VirtualCard; // "Virtual PCD 00 01"
    let ctx: PcscContext;
    let lab: PcscLab<VirtualCard> | undefined;
    const entries: JournalEntry[] = [];
    const access = () =>
      entries
        .filter((e) => e.type === 'access.granted' || e.type === 'access.denied')
        .map((e) => {
          const p = e.payload as { readerId: string; uid?: string; reason?: string };
          return [e.type, p.uid, p.reason ?? ''];
        });
    const actor = { kind: 'user' as const, id: 'u1', role: 'receptionist' as const };
    const readerOf = (id: string) => t.drivers.readers.get(id) as PcscReader;
    /**
     * One tap: the card stays until the reader has seen it, and is gone before the next
     * (pcscd polls vpcd about every 400 ms; a shorter tap can be missed, as on a real reader).
     */
    const tap = async (card: VirtualCard, readerId: string, uid: string, atr?: string) => {
      const reader = readerOf(readerId);
      await card.insert(uid, atr);
      await eventually(() => expect(reader.cardPresent).toBe(true), 5000);
      await new Promise((r) => setTimeout(r, 50));
      await card.remove();
      await eventually(() => expect(reader.cardPresent).toBe(false), 5000);
    };
    /** The gateway's clock stands still (office hours); move it past the debounce time. */
    const later = () => {
      t.clock.now += 5_000;
    };

    beforeAll(async () => {
      lab = await openPcscLab(dir, (port, socket) => VirtualCard.start(port, socket));
      ({ door, desk } = lab);
      fakeSysfs(sysfs, PI4_CHIPS, [RELAY]);
      const file = join(dir, 'pintu.yaml');
      writeFileSync(
        file,
        `
mqtt: { mode: off }
gpio: { sysfsRoot: ${sysfs} }
pcsc: { retryMinMs: 200, retryMaxMs: 1000 }
doors:
  # virtual_card.py badges answer a UID only: this door takes UIDs (secure badges: hw-ntag424).
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, lock: { driver: gpio, pin: 17 }, pulseMs: 1000, credential: uid }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
readers:
  - { id: desk, role: desk, driver: { type: pcsc, name: "^Virtual PCD 00 01$" } }
  - id: pintu-utama-in
    role: door
    door: pintu-utama
    direction: in
    driver: { type: pcsc, name: "^Virtual PCD 00 00$", feedback: true }
`,
      );
      const log = pino({ level: process.env.PINTU_TEST_LOG ?? 'silent' });
      ctx = new PcscContext({ retryMinMs: 200, retryMaxMs: 1000, log });
      t = await startTestGateway({ file, driverOptions: { log, pcsc: ctx } });
      t.gateway.core.bus.on('entry', (e) => entries.push(e));
      await pcscReadersUp(t);
    }, limit(220_000)); // the lock may wait for another suite on pcscd

    afterAll(async () => {
      await t?.close();
      await lab?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads a badge at the desk reader and binds it to a visit', async () => {
      const g = t.gateway;
      const v = await acceptedVisit(g, { rooms: ['ruang-kabag'], actor });
      const wait = g.access.desk.wait('desk', { key: 'test', name: 'test' }, 5_000);
      if (wait.kind !== 'waiting') throw new Error('the desk reader is busy');
      await tap(desk, 'desk', TAMU_01);
      const end = await wait.end;
      expect(end).toMatchObject({
        kind: 'read',
        read: { readerId: 'desk', uid: TAMU_01, badgeId: expect.any(String) },
      });
      const badgeId = end.kind === 'read' ? end.read.badgeId! : '';
      await g.visits.issueBadge(
        v.id,
        { badge: badgeId, collateral: { type: 'ktp', number: '3578014107900001' } },
        actor,
      );
      expect(access()).toEqual([]); // the desk opens nothing
    });

    it('grants the approved visit at the entrance: relay pulsed, reader told', async () => {
      later();
      const lock = t.drivers.locks.get('pintu-utama') as GpioLock;
      await door.insert(TAMU_01);
      await eventually(() => expect(access()).toEqual([['access.granted', TAMU_01, '']]));
      expect(lock.pulses).toBe(1);
      expect(pinValue(sysfs, RELAY)).toBe('1');
      // The grant command went through pcscd to the card on the reader (which answers 6D00,
      // "instruction not supported": it is a card, not an ACR122U).
      await eventually(() =>
        expect(readerOf('pintu-utama-in').lastFeedback).toEqual({ result: 'granted', answer: '6D00' }),
      );
      await door.remove();
      await eventually(() => expect(readerOf('pintu-utama-in').cardPresent).toBe(false), 5000);
      await eventually(() => expect(pinValue(sysfs, RELAY)).toBe('0'), 4000);
    });

    it('denies an unknown badge; the relay does not move', async () => {
      later();
      await tap(door, 'pintu-utama-in', '04DEADBEEF0001');
      await eventually(() =>
        // An unknown card is journaled as its keyed hash, never its UID (issue 13).
        expect(access().at(-1)).toEqual([
          'access.denied',
          t.gateway.access.cardHash('04DEADBEEF0001'),
          'unknown_badge',
        ]),
      );
      expect((t.drivers.locks.get('pintu-utama') as GpioLock).pulses).toBe(1);
      expect(pinValue(sysfs, RELAY)).toBe('0');
      await eventually(() => expect(readerOf('pintu-utama-in').lastFeedback?.result).toBe('denied'));
    });

    it('reads 4-, 7- and 10-byte UIDs and an ISO 14443-4 ATR (GET DATA by hand)', async () => {
      later();
      await tap(door, 'pintu-utama-in', '04a1b2c3');
      // Unknown cards: journaled as the keyed hash of the UID read, so the hash of the right UID.
      await eventually(() => expect(access().at(-1)?.[1]).toBe(t.gateway.access.cardHash('04A1B2C3')));
      later();
      await tap(door, 'pintu-utama-in', '0102030405060708090A');
      await eventually(() =>
        expect(access().at(-1)?.[1]).toBe(t.gateway.access.cardHash('0102030405060708090A')),
      );
      later();
      await tap(door, 'pintu-utama-in', TAMU_01, ISO14443_4_ATR);
      await eventually(() => expect(access().at(-1)).toEqual(['access.granted', TAMU_01, '']));
    });

    it('counts a second tap of the same card within the debounce time once', async () => {
      later();
      const before = access().length;
      await tap(door, 'pintu-utama-in', TAMU_01);
      await eventually(() => expect(access()).toHaveLength(before + 1));
      await tap(door, 'pintu-utama-in', TAMU_01); // the gateway's clock has not moved: within debounceMs
      // Sentinel: another card after it (the clock moved on); the repeat, had it counted, is before it.
      later();
      await tap(door, 'pintu-utama-in', '04C0FFEE000002');
      await eventually(() => expect(access().at(-1)?.[1]).toBe(t.gateway.access.cardHash('04C0FFEE000002')));
      expect(access()).toHaveLength(before + 2);
    });

    it(
      'keeps working after pcscd is killed and restarted, without restarting the gateway, never spinning',
      async () => {
        const generation = ctx.generation;
        const cpu = process.cpuUsage();
        const wall = Date.now();
        await stopPcscd();
        await eventually(() => expect(ctx.connected).toBe(false), 5000);
        expect(readerOf('pintu-utama-in').readerName).toBeUndefined();
        // pcscd stays down through three reconnect attempts (200, 400, 800 ms apart)
        const retries = ctx.retries;
        const since = Date.now();
        await eventually(() => expect(ctx.retries - retries).toBeGreaterThanOrEqual(3), limit(10_000));
        // the attempts back off: never more than one per retryMinMs (200 ms) since the count was read
        expect(ctx.retries - retries).toBeLessThanOrEqual(1 + (Date.now() - since) / 200);
        const used = process.cpuUsage(cpu);
        const cpuMs = (used.user + used.system) / 1000;
        // this test process (vitest included) while pcscd was down: far below one core
        expect(cpuMs / (Date.now() - wall)).toBeLessThan(0.3);
        await startPcscd();
        await eventually(() => {
          expect(ctx.generation).toBeGreaterThan(generation);
          expect(readerOf('pintu-utama-in').readerName).toBe('Virtual PCD 00 00');
          expect(readerOf('desk').readerName).toBe('Virtual PCD 00 01');
        }, 10_000);
        later();
        const before = access().length;
        await tap(door, 'pintu-utama-in', TAMU_01);
        await eventually(() => expect(access()).toHaveLength(before + 1), 5000);
        expect(access().at(-1)).toEqual(['access.granted', TAMU_01, '']);
      },
      limit(30_000),
    );
  },
);
