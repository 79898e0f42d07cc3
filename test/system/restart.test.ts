// The gateway as a real process, killed with SIGKILL in the middle of work: everything it
// acknowledged is there after a restart, the journal chain is intact, and doors still
// decide the same way.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { callGateway, freePort, startGatewayProcess, stopProcess } from '../support/process.js';

describe('a gateway killed with SIGKILL', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-kill-'));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    child = await startGatewayProcess({ PINTU_DATA_DIR: dir, PINTU_HTTP_PORT: String(port) });
    return (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
  }

  const kill = () => stopProcess(child!, 'SIGKILL');

  const call = (token: string, method: string, path: string, body?: unknown) =>
    callGateway(port, token, method, path, body);

  it('keeps every acknowledged visit step, tap and badge across kill -9 and restart', async () => {
    let token = await start();
    const acked: Array<{ id: string; state: string }> = [];
    // A few visits walked to different SOP states, then a burst cut by SIGKILL.
    for (let i = 0; i < 4; i++) {
      const v = await call(token, 'POST', '/visits', {
        guest: { name: `Tamu ${i}`, institution: 'Bappeda Jatim' },
        purpose: 'Rapat',
        hostId: 'kabag-umum',
      });
      expect(v.status).toBe(201);
      const id = v.body.id as string;
      await call(token, 'POST', `/visits/${id}/screening`, { passed: true });
      await call(token, 'POST', `/visits/${id}/guestbook`, {});
      let state = 'awaiting_host';
      if (i >= 1) {
        const d = await call(token, 'POST', `/visits/${id}/decision`, { outcome: 'accepted' });
        state = (d.body.visit as { state: string }).state;
      }
      if (i >= 2) {
        const b = await call(token, 'POST', `/visits/${id}/badge`, {
          badge: `TAMU-0${i}`,
          collateral: { type: 'sim', number: '123456789012' },
        });
        expect(b.status).toBe(200);
        state = 'badged';
      }
      acked.push({ id, state });
    }
    const burst: Promise<{ status: number; body: Record<string, unknown> } | undefined>[] = [];
    for (let i = 0; i < 30; i++) {
      burst.push(
        call(token, 'POST', '/visits', {
          guest: { name: `Burst ${i}`, institution: 'Dishub' },
          purpose: 'Surat',
          hostId: 'kabag-umum',
        }).catch(() => undefined),
      );
    }
    // Kill mid-burst: once the first answer came (the gateway is serving it), not after a guess.
    await Promise.race(burst);
    await kill();
    const burstAcked = (await Promise.all(burst))
      .filter((r) => r?.status === 201)
      .map((r) => r!.body.id as string);

    token = await start();
    for (const a of acked) {
      const v = await call(token, 'GET', `/visits/${a.id}`);
      expect(v.status).toBe(200);
      expect(v.body.state).toBe(a.state);
    }
    for (const id of burstAcked) expect((await call(token, 'GET', `/visits/${id}`)).status).toBe(200);
    const badges = (await call(token, 'GET', '/badges')).body as unknown as Array<{
      label: string;
      status: string;
    }>;
    expect(badges.find((b) => b.label === 'TAMU-02')?.status).toBe('issued');
    expect(badges.find((b) => b.label === 'TAMU-03')?.status).toBe('issued');

    // Doors still decide from the recovered state (if now is within office hours, a grant;
    // otherwise the refusal is about the hours, never about the badge).
    const tap = await call(token, 'POST', '/taps', { reader: 'pintu-utama-in', uid: '04A1B2C3D4E502' });
    expect(tap.body.kind).toBe('door');
    expect([true, 'outside_hours']).toContain(tap.body.granted === true ? true : tap.body.reason);
    await kill();
    const verify = await Journal.verify(join(dir, 'journal'));
    expect(verify.firstBreak).toBeUndefined();
    expect(verify.ok).toBe(true);
  }, 60_000);
});
