// Issue 13 item 8: a card the gateway does not know (a guest's own e-KTP or bank card) is
// journaled as a keyed hash, never its UID; badge UIDs are shown to admin only: other roles
// see the badge's label, in GET /events and in the live feed. An old journal holding raw UIDs
// of unknown cards still replays and verifies, and is shown hashed to those roles too.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../src/domain/time.js';
import { Journal } from '../../src/store/journal.js';
import { badgedVisit, MONDAY_9AM, startTestGateway, type TestGateway } from '../support/gateway.js';

const STRANGER = '0455AA66BB77CC'; // an e-KTP's UID
const OTHER_STRANGER = '5A6B7C8D';
const HASHED = /^unk:[0-9a-f]{16}$/;

type Entry = { seq: number; type: string; payload: Record<string, unknown> };

/** A tap on the entrance's in-reader; resolves with its journal seq. */
async function tap(t: TestGateway, uid: string): Promise<number> {
  const out = t.gateway.access.handleRead({ readerId: 'pintu-utama-in', kind: 'nfc', credential: uid });
  if (out.kind !== 'door') throw new Error('expected a door tap');
  const seq = await out.recorded;
  if (seq === undefined) throw new Error('tap not journaled');
  return seq;
}

/** Every file of the data folder, as text. */
async function dataText(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  const texts = await Promise.all(files.map((f) => readFile(join(f.parentPath, f.name), 'latin1')));
  return texts.join('\n');
}

describe('badge UIDs', () => {
  let t: TestGateway;
  let badgeUid: string;
  let lastTap: number;

  beforeAll(async () => {
    t = await startTestGateway();
    await badgedVisit(t.gateway, { badge: 'TAMU-01' });
    badgeUid = [...t.gateway.core.state.badges.values()].find((b) => b.label === 'TAMU-01')!.uid;
    await tap(t, badgeUid);
    await tap(t, STRANGER);
    await tap(t, STRANGER);
    lastTap = await tap(t, OTHER_STRANGER);
  });
  afterAll(() => t.close());

  const events = async (cookie: string): Promise<Entry[]> => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/events?type=access.&limit=50',
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { events: Entry[] }).events.reverse();
  };

  it('journals an unknown card as unk: + 16 hex of a keyed hash, stable per card, never the UID', async () => {
    const denied = (await events(await t.login('admin'))).filter((e) => e.type === 'access.denied');
    expect(denied).toHaveLength(3);
    const [a, b, c] = denied.map((e) => e.payload.uid as string);
    expect(a).toMatch(HASHED);
    expect(b).toBe(a);
    expect(c).toMatch(HASHED);
    expect(c).not.toBe(a);
    const text = await dataText(t.dir);
    expect(text).not.toContain(STRANGER);
    expect(text).not.toContain(OTHER_STRANGER);
    // The key: in the data folder, for the service only.
    const key = await stat(join(t.dir, 'badge-uid.key'));
    expect(key.mode & 0o777).toBe(0o600);
  });

  it('shows the UID to admin only; security and facilities get the badge label', async () => {
    const admin = (await events(await t.login('admin'))).find((e) => e.type === 'access.granted');
    expect(admin?.payload).toMatchObject({ uid: badgeUid, badgeLabel: 'TAMU-01' });
    for (const role of ['security', 'facilities', 'receptionist'] as const) {
      const list = await events(await t.login(role));
      expect(JSON.stringify(list)).not.toContain(badgeUid);
      const granted = list.find((e) => e.type === 'access.granted');
      expect(granted?.payload.badgeLabel).toBe('TAMU-01');
      expect(granted?.payload.uid).toBeUndefined();
      for (const d of list.filter((e) => e.type === 'access.denied')) expect(d.payload.uid).toMatch(HASHED);
    }
  });

  it('the live feed (SSE) carries the label, not the UID, for facilities', async () => {
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const cookie = await t.login('facilities');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${address}/api/v1/events/stream?type=access.`,
        { headers: { cookie, 'last-event-id': '1' }, agent: false },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
            // The sentinel: the last tap, written after the grant.
            if (text.includes(`id: ${lastTap}\n`) && text.endsWith('\n\n')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(body).toContain('"badgeLabel":"TAMU-01"');
    expect(body).not.toContain(badgeUid);
  });
});

describe('an old journal with raw UIDs of unknown cards', () => {
  it('replays, verifies, and shows them hashed to other roles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-oldjournal-'));
    // Written as the gateway wrote it before: the unknown card's UID in clear.
    const journal = await Journal.open(join(dir, 'journal'), {
      monthOf: (at) => monthOf(at, 'Asia/Jakarta'),
    });
    await journal.append(
      {
        type: 'access.denied',
        payload: {
          readerId: 'pintu-utama-in',
          kind: 'nfc',
          uid: STRANGER,
          doorId: 'pintu-utama',
          reason: 'unknown_badge',
        },
      },
      { kind: 'device', id: 'pintu-utama-in' },
      MONDAY_9AM - 60_000,
    );
    await journal.close();

    const t = await startTestGateway({ dir });
    try {
      // The gateway started on it: the entry was replayed (state was at 0) and a start recorded.
      expect(t.gateway.core.journal.lastSeq).toBeGreaterThan(1);
      await tap(t, STRANGER);
      const list = async (cookie: string) =>
        (
          (
            await t.app.inject({ method: 'GET', url: '/api/v1/events?type=access.', headers: { cookie } })
          ).json() as { events: Entry[] }
        ).events;
      const seen = await list(await t.login('security'));
      expect(seen).toHaveLength(2);
      expect(JSON.stringify(seen)).not.toContain(STRANGER);
      // The old raw UID and the new hash are the same card, recognisable as one.
      expect(seen[0]?.payload.uid).toMatch(HASHED);
      expect(seen[1]?.payload.uid).toBe(seen[0]?.payload.uid);
      const asAdmin = await list(await t.login('admin'));
      expect(asAdmin[1]?.payload.uid).toBe(STRANGER);
    } finally {
      await t.close();
    }
    const verify = await Journal.verify(join(dir, 'journal'));
    expect(verify.ok).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });
});
