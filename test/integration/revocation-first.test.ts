// Deny early, grant late (issue 11, DESIGN.md "Trust boundary"): what takes access away is in
// the decision state the moment the command is accepted, before its journal write is durable;
// what gives access waits for durability. The journal is held here (its appends wait until the
// test lets them go, or fail), standing in for a disk or thread pool that is slow or full:
// on the old code, a checked-out badge still opened doors until its checkout was on disk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent, JournalEntry } from '../../src/domain/events.js';
import type { Actor, Visit } from '../../src/domain/types.js';
import { JournalError } from '../../src/store/journal.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const desk: Actor = { kind: 'user', id: 'desk', role: 'receptionist' };
const security: Actor = { kind: 'user', id: 'satpam', role: 'security' };

/** Hold every journal append until released (or failed): the disk that does not answer. */
function holdJournal(g: TestGateway) {
  const journal = g.gateway.core.journal;
  const append = journal.append.bind(journal);
  const held: Array<{ go: () => void; fail: (err: Error) => void }> = [];
  let waiters: Array<() => void> = [];
  journal.append = (event: DomainEvent, actor: Actor, at?: number): Promise<JournalEntry> =>
    new Promise<JournalEntry>((resolve, reject) => {
      held.push({
        go: () => append(event, actor, at).then(resolve, reject),
        fail: (err) => reject(err),
      });
      for (const w of waiters) w();
      waiters = [];
    });
  return {
    /** Resolves once `n` appends are being held. */
    async waitFor(n: number) {
      while (held.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    release() {
      journal.append = append;
      for (const h of held.splice(0)) h.go();
    },
    fail(err: Error) {
      journal.append = append;
      for (const h of held.splice(0)) h.fail(err);
    },
  };
}

const tap = (readerId: string, credential: string, kind: 'nfc' | 'pin' = 'nfc') => {
  const out = t.gateway.access.handleRead({ readerId, kind, credential });
  if (out.kind !== 'door') throw new Error(`not a door read: ${out.kind}`);
  return out.decision;
};

let visit: Visit;
let code: string;
const UID = '04A1B2C3D4E501';

beforeEach(async () => {
  t = await startTestGateway();
  visit = await badgedVisit(t.gateway, { badge: 'TAMU-01', rooms: [] });
  ({ accessCode: code } = (await t.gateway.visits.grant(visit.id, ['ruang-kabag'], desk)) as {
    accessCode: string;
  });
  expect(tap('pintu-utama-in', UID).granted).toBe(true);
  expect(tap('ruang-kabag-in', code, 'pin').granted).toBe(true);
});
afterEach(() => t.close());

describe('revocation before the journal', () => {
  it('a checkout refuses the badge and the keypad code at once, while its write waits', async () => {
    const hold = holdJournal(t);
    const done = t.gateway.visits.checkout(visit.id, { badgeReturned: true, documentReturned: true }, desk);
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(tap('ruang-kabag-in', code, 'pin')).toMatchObject({ granted: false, reason: 'checked_out' });
    // Egress is refused too: the badge is no longer the guest's.
    expect(tap('pintu-utama-out', UID).granted).toBe(false);
    await hold.waitFor(1);
    hold.release();
    expect((await done).state).toBe('closed');
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'checked_out' });
    expect(t.gateway.core.state.revoked.size).toBe(0);
  });

  it('a checkout behind a grant still waiting for its write wins over it', async () => {
    const hold = holdJournal(t);
    const other = t.gateway.visits.grant(visit.id, ['ruang-kabag'], desk);
    await hold.waitFor(1);
    const done = t.gateway.visits.checkout(visit.id, { badgeReturned: true, documentReturned: true }, desk);
    expect(tap('ruang-kabag-in', code, 'pin')).toMatchObject({ granted: false, reason: 'checked_out' });
    hold.release();
    await other;
    expect((await done).state).toBe('closed');
    expect(tap('ruang-kabag-in', code, 'pin').granted).toBe(false);
  });

  it('a lockdown refuses every badge at once and shuts the locks before its write', async () => {
    const hold = holdJournal(t);
    const done = t.gateway.access.setLockdown('*', true, security);
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'lockdown' });
    expect(tap('ruang-kabag-in', code, 'pin')).toMatchObject({ granted: false, reason: 'lockdown' });
    expect(t.lock('pintu-utama').state().locked).toBe(true);
    expect(t.gateway.access.doorStates().every((d) => d.lockdown)).toBe(true);
    await hold.waitFor(1);
    hold.release();
    await done;
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'lockdown' });
    expect(t.gateway.access.lockdownOf('pintu-utama')).toMatchObject({ by: security });
  });

  it("a cancelled visit's keypad code stops at once", async () => {
    const v = await t.gateway.visits.arrive(
      { guest: { name: 'Budi', institution: 'Dinas' }, purpose: 'Rapat', hostId: 'kabag-umum' },
      desk,
    );
    await t.gateway.visits.screen(v.id, { passed: true }, desk);
    await t.gateway.visits.guestbook(v.id, {}, desk);
    const { accessCode } = await t.gateway.visits.decide(
      v.id,
      { outcome: 'accepted', rooms: ['ruang-kabag'] },
      desk,
    );
    expect(tap('ruang-kabag-in', accessCode!, 'pin').granted).toBe(true);
    const hold = holdJournal(t);
    const done = t.gateway.visits.cancel(v.id, {}, desk);
    expect(tap('ruang-kabag-in', accessCode!, 'pin').granted).toBe(false);
    await hold.waitFor(1);
    hold.release();
    await done;
    expect(tap('ruang-kabag-in', accessCode!, 'pin').granted).toBe(false);
  });

  it('an escort card revoked opens nothing at once, while its write waits', async () => {
    const admin: Actor = { kind: 'user', id: 'admin', role: 'admin' };
    const ESCORT = '04E5C0A7E50001';
    const card = await t.gateway.escorts.enrol(
      { name: 'Budi Protokol', uid: ESCORT, opensAlone: true },
      admin,
    );
    expect(tap('pintu-utama-in', ESCORT).granted).toBe(true);
    const hold = holdJournal(t);
    const done = t.gateway.escorts.revoke(card.id, admin);
    expect(tap('pintu-utama-in', ESCORT)).toMatchObject({ granted: false, reason: 'unknown_badge' });
    await hold.waitFor(1);
    hold.release();
    await done;
    expect(tap('pintu-utama-in', ESCORT).granted).toBe(false);
    expect(t.gateway.escorts.list()).toEqual([]);
  });

  it('a badge reported lost is refused as lost at once', async () => {
    const spare = t.gateway.directory.badges().find((b) => b.label === 'TAMU-02')!;
    const hold = holdJournal(t);
    const done = t.gateway.directory.setBadgeLost(spare.id, true, desk);
    expect(tap('pintu-utama-in', spare.uid)).toMatchObject({ granted: false, reason: 'badge_lost' });
    await hold.waitFor(1);
    hold.release();
    expect((await done).status).toBe('lost');
  });

  it('a room taken back refuses the badge and the code at that door at once; the entrance still opens', async () => {
    const hold = holdJournal(t);
    const done = t.gateway.visits.withdraw(visit.id, ['ruang-kabag'], desk);
    expect(tap('ruang-kabag-in', UID)).toMatchObject({ granted: false, reason: 'door_not_allowed' });
    expect(tap('ruang-kabag-in', code, 'pin')).toMatchObject({ granted: false, reason: 'door_not_allowed' });
    expect(tap('pintu-utama-in', UID).granted).toBe(true);
    await hold.waitFor(1);
    hold.release();
    expect((await done).visit.rooms).toEqual([]);
    expect(tap('ruang-kabag-in', code, 'pin').granted).toBe(false);
    expect(t.gateway.core.state.revoked.size).toBe(0);
  });

  it('POST /visits/:id/withdraw: the host takes a room back; a room not granted is a 400', async () => {
    const host = await t.login('host');
    const post = (rooms: string[]) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/visits/${visit.id}/withdraw`,
        headers: { cookie: host },
        payload: { rooms },
      });
    const bad = await post(['pintu-utama']);
    expect(bad.statusCode).toBe(400);
    const ok = await post(['ruang-kabag']);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().visit.rooms).toEqual([]);
    expect(tap('ruang-kabag-in', UID)).toMatchObject({ granted: false, reason: 'door_not_allowed' });
  });

  it('a refused command takes nothing away', async () => {
    // A checkout of a visit that is not badged: refused before anything is in force.
    await expect(t.gateway.visits.cancel(visit.id, {}, desk)).rejects.toMatchObject({
      code: 'illegal_transition',
    });
    expect(tap('pintu-utama-in', UID).granted).toBe(true);
    expect(t.gateway.core.state.revoked.size).toBe(0);
  });

  it('when the journal cannot write, the revocation stays in force and the caller is told', async () => {
    const hold = holdJournal(t);
    const done = t.gateway.visits.checkout(visit.id, { badgeReturned: true, documentReturned: true }, desk);
    await hold.waitFor(1);
    hold.fail(new JournalError('the data folder is full: ENOSPC', { kind: 'full' }));
    await expect(done).rejects.toMatchObject({
      code: 'storage_full',
      message: expect.stringMatching(/withdrawn at once and stays withdrawn/),
    });
    // Not recorded: the visit is still badged in the durable state, yet its badge is refused.
    expect(t.gateway.visits.get(visit.id)?.state).toBe('badged');
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'checked_out' });
    // Tried again once the disk takes writes: recorded, and the pending revocation is gone.
    await t.gateway.visits.checkout(visit.id, { badgeReturned: true, documentReturned: true }, desk);
    expect(t.gateway.core.state.revoked.size).toBe(0);
    expect(tap('pintu-utama-in', UID).granted).toBe(false);
  });
});

describe('grants wait for durability', () => {
  it('a room granted while the journal waits opens nothing until it is written', async () => {
    const v2 = await badgedVisit(t.gateway, { badge: 'TAMU-03', rooms: [] });
    const hold = holdJournal(t);
    const done = t.gateway.visits.grant(v2.id, ['ruang-kabag'], desk);
    await hold.waitFor(1);
    expect(tap('ruang-kabag-in', '04A1B2C3D4E503')).toMatchObject({
      granted: false,
      reason: 'door_not_allowed',
    });
    hold.release();
    await done;
    expect(tap('ruang-kabag-in', '04A1B2C3D4E503').granted).toBe(true);
  });

  it('a release waits for its write: the doors stay shut meanwhile', async () => {
    await t.gateway.access.setLockdown('pintu-utama', true, security);
    const hold = holdJournal(t);
    const done = t.gateway.access.setLockdown('pintu-utama', false, security);
    await hold.waitFor(1);
    expect(tap('pintu-utama-in', UID)).toMatchObject({ granted: false, reason: 'lockdown' });
    hold.release();
    await done;
    expect(tap('pintu-utama-in', UID).granted).toBe(true);
  });
});

describe('lockdown authority', () => {
  it('only admin or security release a lockdown; facilities and clients without a role may not', async () => {
    await t.gateway.access.setLockdown('*', true, { kind: 'device', id: 'mqtt:ha' });
    expect(t.gateway.access.lockdownOf('pintu-utama')).toMatchObject({ by: { id: 'mqtt:ha' } });
    const seq = t.gateway.core.journal.lastSeq;
    for (const actor of [
      { kind: 'device', id: 'mqtt:ha' },
      { kind: 'device', id: 'mqtt:fm', role: 'facilities' },
      { kind: 'user', id: 'f', role: 'facilities' },
      { kind: 'user', id: 'r', role: 'receptionist' },
    ] as Actor[]) {
      await expect(t.gateway.access.setLockdown('*', false, actor)).rejects.toMatchObject({
        code: 'forbidden',
      });
    }
    expect(t.gateway.core.journal.lastSeq).toBe(seq);
    expect(tap('pintu-utama-in', UID).granted).toBe(false);
    await t.gateway.access.setLockdown('*', false, { kind: 'user', id: 'a', role: 'admin' });
    expect(tap('pintu-utama-in', UID).granted).toBe(true);
    expect(t.gateway.access.lockdownOf('pintu-utama')).toBeUndefined();
  });

  it('who set a lockdown outlives a restart', async () => {
    await t.gateway.access.setLockdown('ruang-kabag', true, security);
    const dir = t.dir;
    await t.gateway.close();
    const again = await startTestGateway({ dir });
    try {
      expect(again.gateway.access.lockdownOf('ruang-kabag')).toMatchObject({ by: security });
    } finally {
      await again.close();
    }
    t = await startTestGateway();
  });
});
