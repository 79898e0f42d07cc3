// Enrolment, rotation and recycling of secure badges on the real PC/SC stack (issue 12 items
// 2 and 3): pcscd with the vpcd reader and virtual NTAG 424 DNA cards (test/lab/ntag424_card.py).
// A badge personalised under the first site key still opens after `keys rotate` (the door
// challenges it with its recorded generation's key), is recycled at the desk to the new key,
// then opens with the new keys and no longer with the old ones; a lost badge's keys open
// nothing; after a second rotation a tap on the desk reader recycles it (pcsc.recycleAtDesk);
// its keys lost and restored from a backup, the gateway opens the same badge. The whole run logs at trace level: neither a site key nor a badge's key is ever in
// a log line or an HTTP answer. The vpcd port is VPCD_PORT's (default 35963, the lab's), slot 0 the door, 1 the desk.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import { PcscContext, type PcscReader } from '../../src/hardware/pcsc.js';
import { APP_KEY_NOS, type SiteKey } from '../../src/hardware/secure-badge.js';
import {
  openKeyFiles,
  readKeyFiles,
  restoreKeyFiles,
  sealKeyFiles,
} from '../../src/hardware/site-key-backup.js';
import { SiteKeyRing } from '../../src/hardware/site-keys.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { eventually, labSuite } from '../support/lab.js';
import { Ntag424Card } from '../support/ntag424-card.js';
import { openPcscLab, type PcscLab, pcscReadersUp } from '../support/pcsc-lab.js';

const BADGE = '04A1B2C3D4E5F6';
const PORT = Number(process.env.VPCD_PORT ?? 35963);
const FACTORY = Array(5).fill('00'.repeat(16)).join(',');

labSuite(
  'secure badges over real pcscd + vpcd: enrolment, rotation of the site key, recycling, lost badge',
  ['lab', 'root', 'pcscd', 'vsmartcard-vpcd', 'python3-virtualsmartcard', 'python3', 'nfc-pcsc'],
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-enrol-'));
    const data = join(dir, 'data');
    const file = join(dir, 'pintu.yaml');
    let t: TestGateway;
    let door: Ntag424Card; // "Virtual PCD 00 00"
    let desk: Ntag424Card; // "Virtual PCD 00 01"
    let lab: PcscLab<Ntag424Card> | undefined;
    let entries: JournalEntry[] = [];
    let now = 0;
    /** The receptionist's session (test users are made once per data folder). */
    let cookie = '';
    const actor = { kind: 'user' as const, id: 'u1', role: 'receptionist' as const };
    const readerOf = (id: string) => t.drivers.readers.get(id) as PcscReader;
    const keysOf = (site: SiteKey) =>
      APP_KEY_NOS.map((n) => site.cardKey(Buffer.from(BADGE, 'hex'), n).toString('hex').toUpperCase());
    const decisions = () =>
      entries
        .filter((e) => e.type === 'access.granted' || e.type === 'access.denied')
        .map((e) => [e.type, (e.payload as { reason?: string }).reason ?? '']);

    /** The configuration; recycleAtDesk off until its own test, so the route's tests are alone. */
    const writeConfig = (recycleAtDesk: boolean) =>
      writeFileSync(
        file,
        `
mqtt: { mode: off }
pcsc: { retryMinMs: 200, retryMaxMs: 1000, recycleAtDesk: ${recycleAtDesk} }
doors:
  - { id: pintu-utama, name: Pintu Utama, kind: entrance, pulseMs: 1000 }
  - { id: ruang-kabag, name: Ruang Kabag, kind: room }
readers:
  - { id: desk, role: desk, driver: { type: pcsc, name: "^Virtual PCD 00 01$" } }
  - { id: pintu-utama-in, role: door, door: pintu-utama, direction: in, driver: { type: pcsc, name: "^Virtual PCD 00 00$" } }
badges:
  - { label: TAMU-31, uid: ${BADGE} }
`,
      );
    /** Every log line of the run, at trace level (the key must be in none). */
    const logs: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) });
    /** (Re)starts the gateway on the data folder; the clock goes on from where it was. */
    const start = async () => {
      const ctx = new PcscContext({ retryMinMs: 200, retryMaxMs: 1000, log });
      t = await startTestGateway({ dir: data, file, log, driverOptions: { log, pcsc: ctx } });
      if (now) t.clock.now = now;
      cookie ||= await t.login('receptionist');
      entries = [];
      t.gateway.core.bus.on('entry', (e) => entries.push(e));
      await pcscReadersUp(t);
    };
    const stop = async () => {
      now = t.clock.now;
      await t.close();
    };
    /** A tap at the entrance of the card with `keys`; resolves with the decision. */
    const tap = async (keys: string) => {
      t.clock.now += 5_000;
      const before = decisions().length;
      await door.ctl(`insert ${BADGE} ${keys}`);
      await eventually(() => expect(decisions()).toHaveLength(before + 1), 5000);
      await door.ctl('remove');
      await eventually(() => expect(readerOf('pintu-utama-in').cardPresent).toBe(false), 5000);
      return decisions().at(-1);
    };
    /** The desk's route `action` with the card (with `keys`) on the desk reader. */
    const atDesk = async (action: 'personalise' | 'recycle', keys: string) => {
      await desk.ctl(`insert ${BADGE} ${keys}`);
      await eventually(() => expect(readerOf('desk').cardPresent).toBe(true), 5000);
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/badges/${action}`,
        headers: { cookie },
        payload: { readerId: 'desk' },
      });
      await desk.ctl('remove');
      await eventually(() => expect(readerOf('desk').cardPresent).toBe(false), 5000);
      return res;
    };
    const pool = async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/badges',
        headers: { cookie },
      });
      return res.json().find((b: { uid: string }) => b.uid === BADGE);
    };

    beforeAll(async () => {
      lab = await openPcscLab(dir, (port, socket) => Ntag424Card.start(port, socket), PORT);
      ({ door, desk } = lab);
      writeConfig(false);
      await start();
    }, 220_000); // the lock may wait for another suite on pcscd

    afterAll(async () => {
      await t?.close();
      await lab?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('personalises a factory card at the desk under site key 1 and lists it as secure', async () => {
      expect(await pool()).toMatchObject({ uid: BADGE, status: 'available' });
      expect((await pool()).credential).toBeUndefined();
      // Recycling a card that was never personalised says so and changes nothing.
      const early = await atDesk('recycle', FACTORY);
      expect(early.statusCode).toBe(409);
      expect(early.json().state).toBe('uid_only');
      const res = await atDesk('personalise', FACTORY);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ credential: 'secure', keyGen: 1, oldKey: false });
      expect(await pool()).toMatchObject({ credential: 'secure', keyGen: 1, oldKey: false });
      const badge = (await pool()).id as string;
      await badgedVisit(t.gateway, { badge, rooms: ['ruang-kabag'], actor });
      const gen1 = keysOf(SiteKeyRing.open(data).current).join(',');
      expect(await tap(gen1)).toEqual(['access.granted', '']);
    });

    it('after a rotation, the badge under the old key still opens; a card that is not factory is refused at personalise', async () => {
      const first = SiteKeyRing.open(data).current;
      await stop();
      expect(SiteKeyRing.rotate(data)).toBe(2);
      expect(statSync(join(data, 'keys', 'site-1.old.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(data, 'keys', 'site.key')).mode & 0o777).toBe(0o600);
      await start();
      expect(await pool()).toMatchObject({ credential: 'secure', keyGen: 1, oldKey: true });
      expect(await tap(keysOf(first).join(','))).toEqual(['access.granted', '']);
      // Its new keys do not open yet: the door tries the badge's recorded generation only.
      const second = SiteKeyRing.open(data).current;
      expect(second.generation).toBe(2);
      expect(await tap(keysOf(second).join(','))).toEqual(['access.denied', 'credential_invalid']);
      // Personalise (from factory keys) is the wrong action for it: refused before any change.
      const wrong = await atDesk('personalise', keysOf(first).join(','));
      expect(wrong.statusCode).toBe(409);
      expect(wrong.json().state).toBe('old_key');
    });

    it('recycles the badge at the desk: the new key opens, the old diversified key no longer does', async () => {
      const ring = SiteKeyRing.open(data);
      const first = ring.get(1)!;
      const second = ring.current;
      await desk.ctl(`insert ${BADGE} ${keysOf(first).join(',')}`);
      await eventually(() => expect(readerOf('desk').cardPresent).toBe(true), 5000);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/badges/recycle',
        headers: { cookie },
        payload: { readerId: 'desk' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ credential: 'secure', keyGen: 2, oldKey: false });
      expect(await desk.keys(BADGE)).toEqual(keysOf(second));
      await desk.ctl('remove');
      await eventually(() => expect(readerOf('desk').cardPresent).toBe(false), 5000);
      expect(entries.filter((e) => e.type === 'badge.personalised').map((e) => e.payload)).toEqual([
        expect.objectContaining({ uid: BADGE, keyGen: 2, fromKeyGen: 1, readerId: 'desk' }),
      ]);
      expect(await tap(keysOf(second).join(','))).toEqual(['access.granted', '']);
      expect(await tap(keysOf(first).join(','))).toEqual(['access.denied', 'credential_invalid']);
      const again = await atDesk('recycle', keysOf(second).join(','));
      expect(again.statusCode).toBe(409);
      expect(again.json().state).toBe('personalised');
    });

    it('a gateway whose keys were lost and restored from the backup opens the same badge', async () => {
      const ring = SiteKeyRing.open(data);
      const sealed = sealKeyFiles(readKeyFiles(data), 'frasa sandi cadangan');
      await stop();
      rmSync(join(data, 'keys'), { recursive: true });
      expect(restoreKeyFiles(data, openKeyFiles(sealed, 'frasa sandi cadangan'), false).sort()).toEqual([
        'site-1.old.key',
        'site.key',
      ]);
      await start();
      const restored = SiteKeyRing.open(data);
      expect(restored.current.equals(ring.current)).toBe(true);
      expect(await tap(keysOf(ring.current).join(','))).toEqual(['access.granted', '']);
    });

    it('recycles a badge under an old key as it is tapped on the desk reader (pcsc.recycleAtDesk)', async () => {
      const second = SiteKeyRing.open(data).current;
      await stop();
      expect(SiteKeyRing.rotate(data)).toBe(3);
      writeConfig(true);
      await start();
      const third = SiteKeyRing.open(data).current;
      expect(await pool()).toMatchObject({ keyGen: 2, oldKey: true });
      // The checkout's tap: the card lies on the desk reader; the journal entry is the sentinel.
      await desk.ctl(`insert ${BADGE} ${keysOf(second).join(',')}`);
      await eventually(
        () =>
          expect(
            entries.filter((e) => e.type === 'badge.personalised').map((e) => [e.payload, e.actor]),
          ).toEqual([
            [
              expect.objectContaining({ uid: BADGE, keyGen: 3, fromKeyGen: 2, readerId: 'desk' }),
              expect.objectContaining({ kind: 'system', id: 'desk-recycle' }),
            ],
          ]),
        10_000,
      );
      expect(await desk.keys(BADGE)).toEqual(keysOf(third));
      await desk.ctl('remove');
      await eventually(() => expect(readerOf('desk').cardPresent).toBe(false), 5000);
      expect(await pool()).toMatchObject({ keyGen: 3, oldKey: false });
      expect(await tap(keysOf(third).join(','))).toEqual(['access.granted', '']);
      expect(await tap(keysOf(second).join(','))).toEqual(['access.denied', 'credential_invalid']);
    });

    it("refuses a lost badge's card with its right keys; the desk will not enrol it", async () => {
      const second = SiteKeyRing.open(data).current;
      // Checked out without the badge: the pool marks it lost.
      const visit = (await pool()).visitId as string;
      await t.gateway.visits.checkout(visit, { badgeReturned: false, documentReturned: true }, actor);
      expect((await pool()).status).toBe('lost');
      expect(await tap(keysOf(second).join(','))).toEqual(['access.denied', 'badge_lost']);
      const res = await atDesk('recycle', keysOf(second).join(','));
      expect(res.statusCode).toBe(409);
      expect(res.json().state).toBe('lost');
    });

    it('never logs a key nor sends one over HTTP (health, metrics, bootstrap, settings, pool, events)', async () => {
      const ring = SiteKeyRing.open(data);
      const secrets = [
        ...ring.all().flatMap((k) => [...keysOf(k), ...keysOf(k).map((x) => x.toLowerCase())]),
        ...['site.key', 'site-1.old.key', 'site-2.old.key'].flatMap((f) =>
          readFileSync(join(data, 'keys', f), 'utf8')
            .trim()
            .split(' ')
            .slice(1),
        ),
      ];
      expect(secrets.length).toBe(3 * 12);
      const admin = await t.login('admin');
      const answers: string[] = [];
      for (const url of [
        '/healthz',
        '/api/v1/health',
        '/metrics',
        '/api/v1/panel/bootstrap',
        '/api/v1/admin/settings',
        '/api/v1/doors',
        '/api/v1/badges',
        '/api/v1/events?limit=500',
      ]) {
        const res = await t.app.inject({ method: 'GET', url, headers: { cookie: admin } });
        expect(res.statusCode, url).toBeLessThan(400);
        answers.push(res.body);
      }
      // The sentinel that the log was captured at all: the readers' lines are in it.
      expect(logs.join('')).toContain('PC/SC reader attached');
      const all = `${logs.join('')}\n${answers.join('\n')}`;
      for (const secret of secrets) expect(all.toUpperCase()).not.toContain(secret.toUpperCase());
    });

    it('says no_card when the desk reader is empty, wrong_reader for a door reader', async () => {
      const headers = { cookie };
      const empty = await t.app.inject({
        method: 'POST',
        url: '/api/v1/badges/personalise',
        headers,
        payload: { readerId: 'desk' },
      });
      expect(empty.statusCode).toBe(409);
      expect(empty.json().state).toBe('no_card');
      const wrong = await t.app.inject({
        method: 'POST',
        url: '/api/v1/badges/personalise',
        headers,
        payload: { readerId: 'pintu-utama-in' },
      });
      expect(wrong.statusCode).toBe(404);
      expect(wrong.json().state).toBe('wrong_reader');
    });
  },
);
