// The fleet's pure parts (domain/fleet.ts) and its envelope (fleet/envelope.ts): the sequence
// rule, how a door gateway's copy of a desk visit is brought to where the desk has it, and
// what a signature holds.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VisitEvent } from '../../src/domain/events.js';
import {
  type FleetVisit,
  isRevocation,
  reconcileBadge,
  reconcileEscort,
  reconcileVisit,
  SNAPSHOT_VERSION,
  seqVerdict,
} from '../../src/domain/fleet.js';
import type { Badge, EscortCard, Visit } from '../../src/domain/types.js';
import { applyVisitEvent } from '../../src/domain/visit.js';
import {
  badgeUidHash,
  openFleetKey,
  publicKeyFrom,
  publicKeyText,
  seal,
  unseal,
} from '../../src/fleet/envelope.js';
import { boxPrivateKeyOf, boxPublicKeyOf, openBox, sealTo, snapshotContext } from '../../src/fleet/sealed.js';
import {
  isFleetPayload,
  isFleetSnapshot,
  isFleetSnapshotState,
  snapshotProblem,
} from '../../src/fleet/topics.js';

const DESK = { kind: 'device' as const, id: 'fleet-desk' };

function target(patch: Partial<FleetVisit> = {}): FleetVisit {
  return {
    id: 'v1',
    status: 'accepted',
    rooms: ['r1'],
    hostId: 'h',
    institution: 'i',
    purpose: 'p',
    ...patch,
  };
}

/** The events applied in order, as the door gateway's live state folds them. */
function fold(visit: Visit | undefined, events: VisitEvent[]): Visit | undefined {
  return events.reduce<Visit | undefined>((v, e) => applyVisitEvent(v, e, 1000, DESK), visit);
}

describe('seqVerdict', () => {
  it('applies a message when nothing was sent between what the gateway has and it', () => {
    expect(seqVerdict(0, { seq: 5, prev: 0 })).toBe('apply');
    expect(seqVerdict(9, { seq: 12, prev: 5 })).toBe('apply'); // after a snapshot at 9
  });
  it('ignores one at or below what it has, and sees a gap past a hole', () => {
    expect(seqVerdict(12, { seq: 12, prev: 5 })).toBe('duplicate');
    expect(seqVerdict(12, { seq: 3, prev: 0 })).toBe('duplicate');
    expect(seqVerdict(5, { seq: 20, prev: 12 })).toBe('gap');
  });
});

describe('reconcileVisit', () => {
  it('creates an accepted visit with the rooms, then badges it with the pool badge found', () => {
    const accepted = fold(undefined, reconcileVisit(undefined, target(), undefined));
    expect(accepted).toMatchObject({ id: 'v1', state: 'accepted', rooms: ['r1'], externalId: 'fleet:v1' });
    const badged = fold(accepted, reconcileVisit(accepted, target({ status: 'badged' }), 'b1'));
    expect(badged).toMatchObject({ state: 'badged', badgeId: 'b1' });
    // Applied again, nothing more happens.
    expect(reconcileVisit(badged, target({ status: 'badged' }), 'b1')).toEqual([]);
  });
  it('leaves a badge it cannot find: the visit opens nothing with it', () => {
    const v = fold(undefined, reconcileVisit(undefined, target({ status: 'badged' }), undefined));
    expect(v?.state).toBe('accepted');
  });
  it('takes rooms back and grants new ones', () => {
    const v = fold(undefined, reconcileVisit(undefined, target({ rooms: ['r1', 'r2'] }), undefined));
    const events = reconcileVisit(v, target({ rooms: ['r2', 'r3'] }), undefined);
    expect(events.map((e) => e.type)).toEqual(['visit.rooms_withdrawn', 'visit.granted']);
    expect(fold(v, events)?.rooms).toEqual(['r2', 'r3']);
  });
  it('ends a badged visit by checkout, an accepted one by cancel; an ended one stays ended', () => {
    const accepted = fold(undefined, reconcileVisit(undefined, target(), undefined));
    const badged = fold(accepted, reconcileVisit(accepted, target({ status: 'badged' }), 'b1'));
    const out = fold(badged, reconcileVisit(badged, target({ status: 'ended' }), undefined));
    expect(out?.state).toBe('closed');
    expect(fold(accepted, reconcileVisit(accepted, target({ status: 'ended' }), undefined))?.state).toBe(
      'cancelled',
    );
    expect(reconcileVisit(out, target({ status: 'badged' }), 'b1')).toEqual([]);
    expect(reconcileVisit(undefined, target({ status: 'ended' }), undefined)).toEqual([]);
  });
  it('counts ends and lockdowns as revocations', () => {
    expect(isRevocation({ kind: 'visit', visit: target({ status: 'ended' }) })).toBe(true);
    expect(isRevocation({ kind: 'visit', visit: target() })).toBe(false);
    expect(isRevocation({ kind: 'lockdown', on: true })).toBe(true);
    expect(isRevocation({ kind: 'lockdown', on: false })).toBe(false);
  });
});

describe('envelope', () => {
  const key = generateKeyPairSync('ed25519').privateKey;
  const other = generateKeyPairSync('ed25519').privateKey;
  const pub = publicKeyFrom(publicKeyText(key));
  it('opens what the key signed, and nothing else', () => {
    const sealed = seal({ v: 1, seq: 3 }, key);
    expect(unseal(sealed, pub)).toEqual({ v: 1, seq: 3 });
    expect(unseal(seal({ v: 1, seq: 3 }, other), pub)).toBeUndefined();
    const env = JSON.parse(sealed) as { payload: string; sig: string };
    expect(unseal(JSON.stringify({ ...env, payload: env.payload.replace('3', '4') }), pub)).toBeUndefined();
    expect(unseal('not json', pub)).toBeUndefined();
    expect(unseal(JSON.stringify({ payload: 1, sig: 2 }), pub)).toBeUndefined();
  });
  it('writes public keys as configuration takes them', () => {
    expect(publicKeyText(key)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it('hashes a badge UID, never carrying it', () => {
    expect(badgeUidHash('04A1B2C3D4E501')).toMatch(/^[0-9a-f]{64}$/);
    expect(badgeUidHash('04A1B2C3D4E501')).not.toContain('04A1B2C3D4E501');
  });
  it('makes the private key at the first start (0600), reads it after, refuses one unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-fleet-key-'));
    try {
      const file = join(dir, 'fleet.key');
      const made = await openFleetKey(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(publicKeyText(await openFleetKey(file))).toBe(publicKeyText(made));
      await writeFile(file, 'not a key');
      await expect(openFleetKey(file)).rejects.toThrow();
      // The bad file is left for a person to look at, not replaced by a new key.
      expect(await readFile(file, 'utf8')).toBe('not a key');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('reconcileBadge and reconcileEscort: the pool and the escort cards', () => {
  const card = (status: Badge['status']): Badge => ({ id: 'b7', label: 'TAMU-07', uid: '04AA', status });
  const newId = () => 'new';
  it('adds a card the gateway lacks, finds one lost here, leaves one as it is', () => {
    const target = { label: 'TAMU-07', uid: '04AA', status: 'available' as const };
    expect(reconcileBadge(undefined, target, newId)).toEqual([
      { type: 'badge.added', payload: { badgeId: 'new', label: 'TAMU-07', uid: '04AA' } },
    ]);
    expect(reconcileBadge(card('lost'), target, newId).map((e) => e.type)).toEqual(['badge.found']);
    expect(reconcileBadge(card('available'), target, newId)).toEqual([]);
    expect(reconcileBadge(card('issued'), target, newId)).toEqual([]);
  });
  it('personalises a card the desk personalised (its key generation too), once', () => {
    const secure = {
      label: 'TAMU-07',
      uid: '04AA',
      status: 'available' as const,
      credential: 'secure' as const,
    };
    expect(reconcileBadge(undefined, secure, newId)).toEqual([
      { type: 'badge.added', payload: { badgeId: 'new', label: 'TAMU-07', uid: '04AA' } },
      { type: 'badge.personalised', payload: { badgeId: 'new', label: 'TAMU-07', uid: '04AA' } },
    ]);
    expect(reconcileBadge(card('issued'), { ...secure, keyGen: 2 }, newId)).toEqual([
      { type: 'badge.personalised', payload: { badgeId: 'b7', label: 'TAMU-07', uid: '04AA', keyGen: 2 } },
    ]);
    const here = { ...card('available'), credential: 'secure' as const };
    expect(reconcileBadge(here, secure, newId)).toEqual([]);
    expect(
      reconcileBadge({ ...here, keyGen: 1 }, { ...secure, keyGen: 2 }, newId).map((e) => e.type),
    ).toEqual(['badge.personalised']);
  });
  it('marks a card lost (a revocation), removes one not issued here, ignores what it never had', () => {
    const lost = { label: 'TAMU-07', uid: '04AA', status: 'lost' as const };
    const removed = { ...lost, status: 'removed' as const };
    expect(isRevocation({ kind: 'badge', badge: lost })).toBe(true);
    expect(isRevocation({ kind: 'badge', badge: removed })).toBe(true);
    expect(reconcileBadge(card('issued'), lost, newId).map((e) => e.type)).toEqual(['badge.lost']);
    expect(reconcileBadge(card('lost'), lost, newId)).toEqual([]);
    expect(reconcileBadge(undefined, lost, newId)).toEqual([]);
    expect(reconcileBadge(card('available'), removed, newId).map((e) => e.type)).toEqual(['badge.removed']);
    expect(reconcileBadge(card('issued'), removed, newId)).toEqual([]);
  });
  it("files the desk's escort card under fleet:<id>, enrols it again when it changed, revokes it", () => {
    const local: EscortCard = { id: 'fleet:e1', name: 'Budi', uid: '04BB', enrolledAt: 1 };
    const target = { id: 'e1', name: 'Budi', uid: '04BB' };
    expect(reconcileEscort(undefined, target)).toEqual([
      { type: 'escort.enrolled', payload: { escortId: 'fleet:e1', name: 'Budi', uid: '04BB' } },
    ]);
    expect(reconcileEscort(local, target)).toEqual([]);
    expect(reconcileEscort(local, { ...target, opensAlone: true }).map((e) => e.type)).toEqual([
      'escort.enrolled',
    ]);
    const revoked = { id: 'e1', name: 'Budi', revoked: true as const };
    expect(isRevocation({ kind: 'escort', escort: revoked })).toBe(true);
    expect(reconcileEscort(local, revoked)).toEqual([
      { type: 'escort.revoked', payload: { escortId: 'fleet:e1', name: 'Budi' } },
    ]);
    expect(reconcileEscort(undefined, revoked)).toEqual([]);
  });
});

describe('keypad codes in a fleet', () => {
  it('creates the visit with the code for its rooms, and grants a code issued later', () => {
    const v = fold(undefined, reconcileVisit(undefined, target({ codeHash: 'h1' }), undefined));
    expect(v?.accessCode).toMatchObject({ hash: 'h1', rooms: ['r1'] });
    expect(reconcileVisit(v, target({ codeHash: 'h1' }), undefined)).toEqual([]);
    const again = reconcileVisit(v, target({ codeHash: 'h2', rooms: ['r1', 'r2'] }), undefined);
    expect(again).toEqual([
      { type: 'visit.granted', payload: { visitId: 'v1', rooms: ['r2'], codeHash: 'h2' } },
    ]);
    expect(fold(v, again)?.accessCode).toMatchObject({ hash: 'h2', rooms: ['r1', 'r2'] });
  });
  it('gives no code to a gateway that drives none of its rooms', () => {
    const decided = reconcileVisit(undefined, target({ codeHash: 'h1', rooms: [] }), undefined).find(
      (e) => e.type === 'visit.decided',
    );
    expect(decided?.payload).toEqual({ visitId: 'v1', outcome: 'accepted', rooms: [], doneElsewhere: true });
  });
});

describe("a snapshot's sealed cards (fleet/sealed.ts)", () => {
  const door = generateKeyPairSync('ed25519').privateKey;
  const other = generateKeyPairSync('ed25519').privateKey;
  it("derives the gateway's X25519 key from its Ed25519 key on both sides", () => {
    for (const k of [
      door,
      other,
      ...Array.from({ length: 20 }, () => generateKeyPairSync('ed25519').privateKey),
    ])
      expect(createPublicKey(boxPrivateKeyOf(k)).export({ format: 'jwk' }).x).toBe(
        boxPublicKeyOf(publicKeyText(k)).export({ format: 'jwk' }).x,
      );
  });
  it('opens only with the gateway it was sealed to, for the snapshot it was sealed for', () => {
    const context = snapshotContext({ gateway: 'pintu-1', seq: 7, at: 1 });
    const box = sealTo(boxPublicKeyOf(publicKeyText(door)), '{"uid":"04AA"}', context);
    expect(JSON.stringify(box)).not.toContain('04AA');
    expect(openBox(box, boxPrivateKeyOf(door), context)).toBe('{"uid":"04AA"}');
    expect(() => openBox(box, boxPrivateKeyOf(other), context)).toThrow();
    expect(() =>
      openBox(box, boxPrivateKeyOf(door), snapshotContext({ gateway: 'pintu-1', seq: 8, at: 1 })),
    ).toThrow();
    const ct = Buffer.from(box.ct, 'base64url');
    ct[0] = (ct[0] ?? 0) ^ 1;
    const tampered = { ...box, ct: ct.toString('base64url') };
    expect(() => openBox(tampered, boxPrivateKeyOf(door), context)).toThrow();
  });
  it('refuses a public key that is not one', () => {
    expect(() => boxPublicKeyOf('AAAA')).toThrow(/not an Ed25519 public key/);
  });
});

describe("a snapshot's format (fleet/topics.ts)", () => {
  const box = { epk: 'e', iv: 'i', ct: 'c', tag: 't' };
  const v2 = {
    v: SNAPSHOT_VERSION,
    gateway: 'pintu-1',
    seq: 7,
    prev: 0,
    at: 1,
    kind: 'snapshot',
    sealed: box,
  };
  it('takes one of this format: its header in clear, the rest sealed', () => {
    expect(snapshotProblem(v2)).toBeUndefined();
    expect(isFleetSnapshot(v2)).toBe(true);
    expect(isFleetSnapshot({ ...v2, sealed: undefined })).toBe(false);
  });
  it("refuses an older desk's snapshot (visits and card hashes in clear) naming the format", () => {
    const v1 = {
      v: 1,
      gateway: 'pintu-1',
      seq: 7,
      prev: 0,
      at: 1,
      kind: 'snapshot',
      visits: [],
      lockdown: false,
    };
    expect(snapshotProblem(v1)).toMatch(/format v1, this gateway reads v2/);
    expect(isFleetSnapshot(v1)).toBe(false);
  });
  it('is never a broker message: a snapshot on a topic is refused', () => {
    expect(isFleetPayload(v2)).toBe(false);
    expect(isFleetPayload({ ...v2, v: 1 })).toBe(false);
  });
  it('checks what the box holds', () => {
    const held = {
      visits: [{ id: 'v1', status: 'accepted', rooms: [] }],
      lockdown: false,
      badges: [{ label: 'TAMU-07', uid: '04AA', status: 'lost' }],
      escorts: [{ id: 'e1', name: 'Budi', uid: '04BB' }],
    };
    expect(isFleetSnapshotState(held)).toBe(true);
    expect(isFleetSnapshotState({ ...held, badges: [{ label: 'TAMU-07', status: 'lost' }] })).toBe(false);
    expect(isFleetSnapshotState({ ...held, visits: [{ id: 'v1' }] })).toBe(false);
  });
});
