// The HTTP API, area "groups" (rombongan, issue 14 item 2): one arrival makes a visit per person
// (journaled once each), each person is screened and entered in the guest book on their own, the
// host decides once for the group, badges are bound one after another (desk taps, the leader
// first against the group's letter), and the letter goes back only when the last badge is back.
// Who may call each route: authz-matrix.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { Role } from '../../src/domain/types.js';
import { TestApi } from '../support/api.js';
import { deskWaiting, startTestGateway, type TestGateway } from '../support/gateway.js';

const ROLES: readonly Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const SURAT = { type: 'surat_tugas', number: '094/123/101.3/2026' } as const;

let t: TestGateway;
const as = {} as Record<Role, string>;
const { loginAs, api, post, seq } = new TestApi(() => t, '10.2.1');

beforeAll(async () => {
  t = await startTestGateway();
  for (const role of ROLES) as[role] = await loginAs(role);
});
afterAll(() => t?.close());

interface V {
  id: string;
  state: string;
  guestName: string;
  badgeId?: string;
  collateral?: unknown;
  group: { id: string; leader: boolean; index: number };
}

async function arrive(members: number): Promise<{ groupId: string; visits: V[] }> {
  const res = await post(as.receptionist, '/groups', {
    leader: { name: 'Ketua Rombongan', phone: '0812 1111 2222' },
    members: Array.from({ length: members }, (_, i) => ({ name: `Anggota ${i + 1}` })),
    institution: 'Bappeda Kabupaten Jember',
    purpose: 'Studi banding',
    hostId: 'kabag-umum',
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function ready(members: number) {
  const g = await arrive(members);
  for (const v of g.visits) {
    expect((await post(as.security, `/visits/${v.id}/screening`, { passed: true })).statusCode).toBe(200);
    expect((await post(as.receptionist, `/visits/${v.id}/guestbook`, {})).statusCode).toBe(200);
  }
  return g;
}

async function badges() {
  return (await api('GET', '/badges', as.admin)).json() as Array<{
    id: string;
    uid: string;
    label: string;
    status: string;
  }>;
}

describe('POST /groups (arrival)', () => {
  it('201: a visit per person, the leader first, one journal entry each', async () => {
    const before = seq();
    const g = await arrive(3);
    expect(g.visits.map((v) => [v.guestName, v.group.leader, v.group.index, v.state])).toEqual([
      ['Ketua Rombongan', true, 0, 'arrived'],
      ['Anggota 1', false, 1, 'arrived'],
      ['Anggota 2', false, 2, 'arrived'],
      ['Anggota 3', false, 3, 'arrived'],
    ]);
    expect(new Set(g.visits.map((v) => v.group.id))).toEqual(new Set([g.groupId]));
    expect(seq()).toBe(before + 4);
    const read = await api('GET', `/groups/${g.groupId}`, as.security);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().visits).toHaveLength(4);
  });

  it('400 above visits.maxGroupMembers, 400 for a nameless member; nothing is journaled', async () => {
    const before = seq();
    const body = (members: { name: string }[]) => ({
      leader: { name: 'Ketua' },
      members,
      institution: 'Dinas',
      purpose: 'Rapat',
      hostId: 'kabag-umum',
    });
    const big = await post(
      as.receptionist,
      '/groups',
      body(Array.from({ length: 51 }, (_, i) => ({ name: `A${i}` }))),
    );
    expect(big.statusCode, big.body).toBe(400);
    expect(big.json()).toMatchObject({ field: 'members', rule: 'group_too_large' });
    const blank = await post(as.receptionist, '/groups', body([{ name: 'A' }, { name: '   ' }]));
    expect(blank.statusCode, blank.body).toBe(400);
    expect(blank.json().field).toBe('members.1.name');
    expect(seq()).toBe(before);
  });
});

describe('the group decision', () => {
  it('409 while a person still needs screening; a person alone cannot be decided', async () => {
    const g = await arrive(2);
    const early = await post(as.admin, `/groups/${g.groupId}/decision`, { outcome: 'accepted', rooms: [] });
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().rule).toBe('group_not_ready');
    for (const v of g.visits) {
      await post(as.security, `/visits/${v.id}/screening`, { passed: true });
      await post(as.receptionist, `/visits/${v.id}/guestbook`, {});
    }
    const alone = await post(as.admin, `/visits/${g.visits[1]!.id}/decision`, {
      outcome: 'accepted',
      rooms: [],
    });
    expect(alone.statusCode, alone.body).toBe(409);
    expect(alone.json().rule).toBe('group_decision');
  });

  it('one decision, one visit.decided per person (with the group id)', async () => {
    const g = await ready(2);
    const before = seq();
    const res = await post(as.host, `/groups/${g.groupId}/decision`, { outcome: 'accepted', rooms: [] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().visits.map((v: V) => v.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(seq()).toBe(before + 3);
  });
});

describe('badges, checkout and the letter', () => {
  it('desk taps bind the leader (against the letter), then each member; the letter waits for the last badge', async () => {
    const g = await ready(2);
    await post(as.admin, `/groups/${g.groupId}/decision`, { outcome: 'accepted', rooms: [] });
    const free = (await badges()).filter((b) => b.status === 'available');
    const bound: V[] = [];
    for (const [i, badge] of free.slice(0, 3).entries()) {
      const pending = post(as.receptionist, `/groups/${g.groupId}/badge`, {
        nextTap: true,
        waitSeconds: 10,
        ...(i === 0 ? { collateral: SURAT } : {}),
      });
      await deskWaiting(t);
      await post(as.receptionist, '/taps', { reader: 'desk', uid: badge.uid });
      const res = await pending;
      expect(res.statusCode, res.body).toBe(200);
      bound.push(res.json());
    }
    expect(bound.map((v) => [v.guestName, v.state, v.badgeId])).toEqual([
      ['Ketua Rombongan', 'badged', free[0]!.id],
      ['Anggota 1', 'badged', free[1]!.id],
      ['Anggota 2', 'badged', free[2]!.id],
    ]);
    expect(bound[0]!.collateral).toMatchObject({ type: 'surat_tugas' });
    expect(bound[1]).not.toHaveProperty('collateral');
    // Everyone has a badge: refused before waiting for a tap.
    const none = await post(as.receptionist, `/groups/${g.groupId}/badge`, {
      nextTap: true,
      waitSeconds: 10,
    });
    expect(none.statusCode, none.body).toBe(409);

    const leader = bound[0]!.id;
    const letter = await post(as.receptionist, `/visits/${leader}/checkout`, { documentReturned: true });
    expect(letter.statusCode, letter.body).toBe(409);
    expect(letter.json()).toMatchObject({ rule: 'group_badges_out', field: 'documentReturned' });
    expect(letter.json().message).toMatch(/2 member\(s\) still hold a badge: Anggota 1, Anggota 2/);
    const kept = await post(as.receptionist, `/visits/${leader}/checkout`, { documentReturned: false });
    expect(kept.json().state).toBe('checked_out');
    const member = await post(as.receptionist, `/visits/${bound[1]!.id}/checkout`, {});
    expect(member.json()).toMatchObject({ state: 'closed', badgeReturned: true });
    const early = await post(as.receptionist, `/visits/${leader}/document-returned`);
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().message).toMatch(/1 member\(s\) still hold a badge: Anggota 2/);
    // The last member leaves with the group checkout, which hands the letter back too.
    const all = await post(as.receptionist, `/groups/${g.groupId}/checkout`, { documentReturned: true });
    expect(all.statusCode, all.body).toBe(200);
    // The answer lists the persons it found open: the leader and the last member.
    expect(all.json().visits.map((v: V) => [v.guestName, v.state])).toEqual([
      ['Ketua Rombongan', 'closed'],
      ['Anggota 2', 'closed'],
    ]);
    const pool = await badges();
    for (const b of free.slice(0, 3)) expect(pool.find((p) => p.id === b.id)?.status).toBe('available');
  });

  it('the whole group checks out at once: members first, the letter last, a lost badge marked', async () => {
    const g = await ready(1);
    await post(as.admin, `/groups/${g.groupId}/decision`, { outcome: 'accepted', rooms: [] });
    const free = (await badges()).filter((b) => b.status === 'available');
    const lead = await post(as.receptionist, `/groups/${g.groupId}/badge`, {
      badge: free[0]!.label,
      collateral: SURAT,
    });
    expect(lead.statusCode, lead.body).toBe(200);
    const m = await post(as.receptionist, `/groups/${g.groupId}/badge`, { badge: free[1]!.label });
    expect(m.statusCode, m.body).toBe(200);
    const before = seq();
    const res = await post(as.receptionist, `/groups/${g.groupId}/checkout`, {
      documentReturned: true,
      lostBadges: [m.json().id],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res.json().visits.map((v: V & { documentReturned: boolean }) => [v.state, v.documentReturned]),
    ).toEqual([
      ['closed', true],
      ['closed', true],
    ]);
    expect(seq()).toBe(before + 2);
    expect((await badges()).find((b) => b.id === free[1]!.id)?.status).toBe('lost');
  });
});

describe('after a restart', () => {
  it.each([
    ['from the saved state', false],
    ['replayed from the journal alone (state.json lost)', true],
  ])(
    'the group, its letter and the badges out are as before (%s): the letter is still kept',
    async (_how, lose) => {
      const dir = await mkdtemp(join(tmpdir(), 'pintu-groups-'));
      const actor = { kind: 'user', id: 'u-desk', role: 'receptionist' } as const;
      let groupId = '';
      const first = await startTestGateway({ dir });
      try {
        const { groups, visits, core } = first.gateway;
        const g = await groups.arrive(
          {
            leader: { name: 'Ketua' },
            members: [{ name: 'A' }],
            institution: 'Dinas',
            purpose: 'Rapat',
            hostId: 'kabag-umum',
          },
          actor,
        );
        groupId = g.groupId;
        for (const v of g.visits) {
          await visits.screen(v.id, { passed: true }, actor);
          await visits.guestbook(v.id, {}, actor);
        }
        await groups.decide(groupId, { outcome: 'accepted', rooms: [] }, actor);
        const free = [...core.state.badges.values()].filter((b) => b.status === 'available');
        await groups.badgeNext(groupId, { badge: free[0]!.id, collateral: SURAT }, actor);
        await groups.badgeNext(groupId, { badge: free[1]!.id }, actor);
      } finally {
        await first.close();
      }
      if (lose) await rm(join(dir, 'state.json'));
      const again = await startTestGateway({ dir });
      try {
        const [leader, member] = again.gateway.groups.get(groupId);
        expect(leader).toMatchObject({
          state: 'badged',
          group: { leader: true, index: 0 },
          collateral: { type: 'surat_tugas' },
        });
        expect(member).toMatchObject({ state: 'badged', group: { leader: false, index: 1 } });
        expect(member).not.toHaveProperty('collateral');
        const refused = await again.gateway.visits
          .checkout(leader!.id, { badgeReturned: true, documentReturned: true }, actor)
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(refused).toBeInstanceOf(DomainError);
        expect((refused as DomainError).detail.rule).toBe('group_badges_out');
      } finally {
        await again.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
