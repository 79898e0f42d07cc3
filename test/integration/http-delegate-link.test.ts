// A delegate's own approval link (issue 14): the approval webhook carries, for each delegate of the
// host, a one-time link of their own; it decides as the delegate, journaled with onBehalfOf the
// host; it sees its one visit only; it is refused once used, and refused (and its session ended)
// when the host takes the delegate off the list.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApi } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Approval {
  visitId: string;
  approvalUrl?: string;
  recipients: { host: boolean; delegates: Array<{ username: string; approvalUrl?: string }> };
}

let t: TestGateway;
const { loginAs, api, post } = new TestApi(() => t, '10.14.7');
let admin: string;
let desk: string;
let secretary: string;
let secretaryName: string;
const received: Approval[] = [];
const hook = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const b = JSON.parse(body) as { event?: string };
    if (b.event === 'approval_requested') received.push(b as Approval);
    res.end('ok');
  });
});

const setDelegates = async (names: string[]) => {
  const r = await api('PUT', '/hosts/kabag-umum/delegates', admin, { delegates: names });
  expect(r.statusCode, r.body).toBe(200);
};

/** A visit waiting for the host, and the approval request the webhook sent for it (the sentinel). */
async function awaitingHost(name: string): Promise<Approval> {
  const v = await post(desk, '/visits', {
    guest: { name, institution: 'Dinas Kominfo' },
    purpose: 'Koordinasi',
    hostId: 'kabag-umum',
  });
  const id = v.json().id as string;
  expect((await post(desk, `/visits/${id}/screening`, { passed: true })).statusCode).toBe(200);
  expect((await post(desk, `/visits/${id}/guestbook`, {})).statusCode).toBe(200);
  await expect.poll(() => received.some((b) => b.visitId === id), { timeout: 10_000 }).toBe(true);
  return received.find((b) => b.visitId === id)!;
}

const tokenOf = (url: string | undefined) => /#\/link\/(.+)$/.exec(url ?? '')?.[1] ?? '';
const delegateLink = (a: Approval) =>
  tokenOf(a.recipients.delegates.find((d) => d.username === secretaryName)?.approvalUrl);
const redeem = (token: string) => api('POST', '/host-links/redeem', undefined, { token });
const sessionOf = (res: Awaited<ReturnType<typeof redeem>>) =>
  `pintu_session=${res.cookies.find((c) => c.name === 'pintu_session')?.value}`;

beforeAll(async () => {
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  t = await startTestGateway();
  admin = await loginAs('admin');
  desk = await loginAs('receptionist');
  const put = await api('PUT', '/hosts/sekretaris', admin, { name: 'Sekretaris', unit: 'Setda', rooms: [] });
  expect(put.statusCode, put.body).toBe(200);
  secretary = await loginAs('host', 'sekretaris');
  secretaryName = (await api('GET', '/auth/me', secretary)).json().username;
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/n`;
  const s = await api('PUT', '/admin/settings', admin, {
    webhookUrl: url,
    publicUrl: 'https://pintu.example',
  });
  expect(s.statusCode, s.body).toBe(200);
  await setDelegates([secretaryName]);
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => hook.close(r));
});

describe("a delegate's approval link", () => {
  it('comes with the request, one per delegate, apart from the host link', async () => {
    const a = await awaitingHost('Tamu Satu');
    expect(a.approvalUrl).toMatch(/^https:\/\/pintu\.example\/#\/link\//);
    const mine = delegateLink(a);
    expect(mine).not.toBe('');
    expect(mine).not.toBe(tokenOf(a.approvalUrl));
  });

  it('decides as the delegate for the host, its one visit only', async () => {
    const a = await awaitingHost('Tamu Dua');
    const other = await awaitingHost('Tamu Lain');
    const opened = await redeem(delegateLink(a));
    expect(opened.statusCode, opened.body).toBe(200);
    const cookie = sessionOf(opened);
    const me = (await api('GET', '/auth/me', cookie)).json();
    const userId = me.actor.id as string;
    expect(me.actor).toMatchObject({ kind: 'user', role: 'host' });
    // The panel hides what a link may not do (booking, naming delegates) by this.
    expect(me.link).toBe(true);
    expect((await api('GET', `/visits/${a.visitId}`, cookie)).statusCode).toBe(200);
    expect((await api('GET', `/visits/${other.visitId}`, cookie)).statusCode).toBe(404);
    expect((await api('GET', '/visits', cookie)).json().map((v: { id: string }) => v.id)).toEqual([
      a.visitId,
    ]);
    expect(
      (await post(cookie, `/visits/${other.visitId}/decision`, { outcome: 'accepted', rooms: [] }))
        .statusCode,
    ).toBe(404);

    const d = await post(cookie, `/visits/${a.visitId}/decision`, {
      outcome: 'accepted',
      rooms: ['ruang-kabag'],
    });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().visit.history.at(-1)).toMatchObject({
      action: 'decide',
      onBehalfOf: 'kabag-umum',
      actor: { kind: 'user', id: userId, role: 'host' },
    });
    const entry = (await api('GET', '/events?limit=10&type=visit.decided', admin))
      .json()
      .events.find((e: { payload: { visitId: string } }) => e.payload.visitId === a.visitId);
    expect(entry).toMatchObject({
      actor: { kind: 'user', id: userId },
      payload: { onBehalfOf: 'kabag-umum' },
    });
    // Another route than the link's: refused like every link session.
    expect((await api('GET', '/badges', cookie)).statusCode).toBe(403);
  });

  it('is one-time: used twice, the second is refused', async () => {
    const token = delegateLink(await awaitingHost('Tamu Tiga'));
    expect((await redeem(token)).statusCode).toBe(200);
    const again = await redeem(token);
    expect(again.statusCode).toBe(403);
    expect(again.json().message).toMatch(/already used/);
  });

  it('is refused once the delegation has ended, and left unused', async () => {
    const token = delegateLink(await awaitingHost('Tamu Empat'));
    await setDelegates([]);
    try {
      const res = await redeem(token);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/delegation has ended/);
      expect(res.cookies.find((c) => c.name === 'pintu_session')).toBeUndefined();
    } finally {
      await setDelegates([secretaryName]);
    }
  });

  it('ends the session it opened when the delegation ends', async () => {
    const a = await awaitingHost('Tamu Lima');
    const cookie = sessionOf(await redeem(delegateLink(a)));
    expect((await api('GET', `/visits/${a.visitId}`, cookie)).statusCode).toBe(200);
    await setDelegates([]);
    try {
      expect((await api('GET', `/visits/${a.visitId}`, cookie)).statusCode).toBe(401);
      const d = await post(cookie, `/visits/${a.visitId}/decision`, { outcome: 'accepted', rooms: [] });
      expect(d.statusCode).toBe(401);
      expect((await api('GET', `/visits/${a.visitId}`, admin)).json().state).toBe('awaiting_host');
    } finally {
      await setDelegates([secretaryName]);
    }
  });

  it("the host's own link still acts as the host, without onBehalfOf", async () => {
    const a = await awaitingHost('Tamu Enam');
    const cookie = sessionOf(await redeem(tokenOf(a.approvalUrl)));
    const d = await post(cookie, `/visits/${a.visitId}/decision`, { outcome: 'refused' });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().visit.history.at(-1).onBehalfOf).toBeUndefined();
  });
});
