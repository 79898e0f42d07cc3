// Fault campaign (issue 6): the data folder fills up. A small tmpfs is the data folder; a
// file fills it to the last byte. Doors go on deciding from memory; a change through the API
// is refused with 503 storage_full and changes nothing; /healthz says degraded and why;
// nothing on disk is corrupt (the journal's chain holds, state.json parses). When space
// returns, writes resume on the same chain, without a restart.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Journal } from '../../src/store/journal.js';
import { badgedVisit, startTestGateway, type TestGateway } from '../support/gateway.js';
import { healthOf } from '../support/health.js';
import { labSuite } from '../support/lab.js';

labSuite('fault campaign: the data folder is full', ['root'], () => {
  const mount = mkdtempSync(join(tmpdir(), 'pintu-full-'));
  const dir = join(mount, 'data');
  const filler = join(mount, 'filler');
  let t: TestGateway;
  let cookie: string;

  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) });
  const health = () => healthOf(t.app, t.gateway);
  const tap = (uid: string) => {
    const o = t.gateway.access.simulate('pintu-utama-in', 'nfc', uid);
    return o.kind === 'door' ? o.decision : undefined;
  };
  /** Writes zeros until the file system refuses one more byte. */
  const fill = () => {
    const fd = openSync(filler, 'a');
    const block = Buffer.alloc(4096);
    try {
      for (;;) writeSync(fd, block);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
    try {
      for (;;) writeSync(fd, block, 0, 1);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
  };
  const arrive = (name: string) =>
    api('POST', '/visits', { guest: { name, institution: 'Uji' }, purpose: 'Rapat', hostId: 'kabag-umum' });

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', mount]);
    t = await startTestGateway({ dir });
    cookie = await t.login('receptionist');
    await badgedVisit(t.gateway, { name: 'Ani', badge: 'TAMU-01' });
  }, 30_000);

  afterAll(async () => {
    await t?.close();
    try {
      execFileSync('umount', [mount]);
    } catch {}
    rmSync(mount, { recursive: true, force: true });
  });

  it('is healthy before', async () => {
    expect(await health()).toMatchObject({ status: 'ok' });
  });

  it('full: doors still decide, changes are refused with 503 and change nothing, health says why', async () => {
    const waiting = (await arrive('Eka')).json().id as string; // a visit with a step to take
    fill();
    // Taps go on until the journal's last page is used up too: the doors act all along.
    const pulses = t.lock('pintu-utama').pulses;
    let taps = 0;
    while (!t.gateway.core.journal.full && taps < 20_000) {
      t.clock.now += 2_000; // past the debounce
      const o = t.gateway.access.simulate(
        'pintu-utama-in',
        'nfc',
        taps % 2 ? '04DEADBEEF0001' : '04A1B2C3D4E501',
      );
      if (o.kind !== 'door') throw new Error(o.kind);
      expect(o.decision.granted).toBe(taps % 2 === 0);
      await o.recorded;
      taps++;
    }
    expect(t.gateway.core.journal.full).toBeDefined();
    expect(t.lock('pintu-utama').pulses).toBe(pulses + Math.ceil(taps / 2));
    // And still, once full: the door opens; its entry cannot be written, and says so.
    t.clock.now += 2_000;
    const last = t.gateway.access.simulate('pintu-utama-in', 'nfc', '04A1B2C3D4E501');
    expect(last).toMatchObject({ kind: 'door', decision: { granted: true } });
    expect(last.kind === 'door' && (await last.recorded)).toBeUndefined();
    const seq = t.gateway.core.journal.lastSeq;
    // A change: refused, clearly, and nothing moved.
    const visits = (await api('GET', '/visits')).json().length;
    const refused = await arrive('Budi');
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: 'storage_full' });
    expect(refused.json().message).toContain('nothing was changed');
    expect((await api('GET', '/visits')).json()).toHaveLength(visits);
    const step = await api('POST', `/visits/${waiting}/screening`, { passed: true });
    expect(step.statusCode).toBe(503);
    expect(step.json()).toMatchObject({ error: 'storage_full' });
    expect((await api('GET', `/visits/${waiting}`)).json().state).toBe('arrived');
    // Several more, at once: all refused the same way (none half-written).
    const burst = await Promise.all([arrive('C1'), arrive('C2'), arrive('C3')]);
    expect(burst.map((r) => r.statusCode)).toEqual([503, 503, 503]);
    expect(t.gateway.core.journal.lastSeq).toBe(seq);
    const h = await health();
    expect(h.status).toBe('degraded');
    expect(h.problems?.join(' ')).toContain('data folder is full');
    // Nothing on disk is corrupt.
    expect((await Journal.verify(join(dir, 'journal'))).ok).toBe(true);
    expect(() => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).not.toThrow();
  });

  it('space back: writes resume on the same chain, without a restart', async () => {
    rmSync(filler);
    const before = t.gateway.core.journal.lastSeq;
    const ok = await arrive('Dedi');
    expect(ok.statusCode).toBe(201);
    expect(t.gateway.core.journal.lastSeq).toBe(before + 1);
    t.clock.now += 5_000;
    expect(tap('04A1B2C3D4E501')).toMatchObject({ granted: true });
    await t.gateway.core.saveNow();
    expect(await health()).toMatchObject({ status: 'ok' });
    const verified = await Journal.verify(join(dir, 'journal'));
    expect(verified.ok).toBe(true);
    expect(verified.entries).toBe(t.gateway.core.journal.lastSeq);
  });
});
