// A clock that lies at boot (issue 16): a Pi without a battery starts at the last saved time
// until NTP answers. The gateway says so (health, /healthz, the gauge) and, meanwhile, takes
// the journal's last entry as the earliest the time can be: a visit that had ended by then is
// not granted again, and steps taken meanwhile do not count negative minutes in the recap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimesyncFlag } from '../../src/hardware/clock-sync.js';
import {
  arrivedVisit,
  badgedVisit,
  MONDAY_9AM,
  startTestGateway,
  type TestGateway,
  visitTimings,
} from '../support/gateway.js';

const MINUTE = 60_000;
const system = { kind: 'system' as const, id: 'test' };

/** systemd-timesyncd's folder in a temp dir: present, the flag not yet written. */
async function timesyncDir(): Promise<{ dir: string; flag: string; port: () => TimesyncFlag }> {
  const dir = await mkdtemp(join(tmpdir(), 'pintu-timesync-'));
  const flag = join(dir, 'synchronized');
  // A long period: the test looks at the flag itself (check()), never waits for the timer.
  return { dir, flag, port: () => new TimesyncFlag(flag, 3_600_000) };
}

const tapAt = (t: TestGateway, uid: string) => {
  const o = t.gateway.access.simulate('pintu-utama-in', 'nfc', uid);
  if (o.kind !== 'door') throw new Error(`not a door tap: ${o.kind}`);
  return o.decision;
};

describe('a clock behind the journal after a restart', () => {
  let dataDir: string;
  let sync: Awaited<ReturnType<typeof timesyncDir>>;
  let t: TestGateway | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pintu-clock-'));
    sync = await timesyncDir();
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(sync.dir, { recursive: true, force: true });
  });

  it('does not grant a visit that ended before the last entry, says so, and recovers once synchronised', async () => {
    // Before the power cut: synchronised, a visit whose end passes; a tap after its end is written down.
    const before = await startTestGateway({ dir: dataDir, now: MONDAY_9AM });
    const v = await badgedVisit(before.gateway, { name: 'Ani', badge: 'TAMU-01' });
    expect(v.validUntil).toBeDefined();
    before.clock.now = v.validUntil! + 10 * MINUTE;
    expect(tapAt(before, '04A1B2C3D4E501')).toMatchObject({ granted: false, reason: 'visit_expired' });
    const lastAt = before.gateway.core.journal.lastAt;
    await before.close();

    // The Pi boots at an older saved time, inside the visit's window; NTP has not answered.
    const port = sync.port();
    t = await startTestGateway({ dir: dataDir, now: MONDAY_9AM + 30 * MINUTE, clockSync: port });
    expect(t.clock.now).toBeLessThan(v.validUntil!);
    expect(tapAt(t, '04A1B2C3D4E501')).toMatchObject({ granted: false, reason: 'visit_expired' });
    expect(t.gateway.core.journal.lastAt).toBeGreaterThanOrEqual(lastAt);

    const admin = await t.login('admin');
    const health = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { cookie: admin } });
    expect(health.json()).toMatchObject({ status: 'degraded', problems: ['clock not synchronised'] });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({
      status: 'degraded',
    });
    const scrape = async () =>
      (await t!.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: admin } })).body;
    expect(await scrape()).toMatch(/^pintu_clock_synchronised 0$/m);
    // The panel's header warns from these.
    const desk = await t.login('receptionist');
    const panelClock = () =>
      t!.app.inject({ method: 'GET', url: '/api/v1/panel/clock', headers: { cookie: desk } });
    expect((await panelClock()).json()).toMatchObject({ synchronised: false });
    const boot = await t.app.inject({
      method: 'GET',
      url: '/api/v1/panel/bootstrap',
      headers: { cookie: desk },
    });
    expect(boot.json()).toMatchObject({ synchronised: false });

    // NTP answers: timesyncd writes its flag.
    await writeFile(sync.flag, '');
    await port.check();
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/health', headers: { cookie: admin } });
    expect(after.json()).toMatchObject({ status: 'ok' });
    expect(after.json().problems).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    expect(await scrape()).toMatch(/^pintu_clock_synchronised 1$/m);
    expect((await panelClock()).json()).toMatchObject({ synchronised: true });
  });
});

describe('steps taken while an unsynchronised clock runs behind', () => {
  let t: TestGateway;
  let sync: Awaited<ReturnType<typeof timesyncDir>>;

  beforeAll(async () => {
    sync = await timesyncDir();
    t = await startTestGateway({ now: MONDAY_9AM + 4 * 60 * MINUTE, clockSync: sync.port() });
  });
  afterAll(async () => {
    await t?.close();
    await rm(sync.dir, { recursive: true, force: true });
  });

  it('count in the recap, never negative', async () => {
    const g = t.gateway.visits;
    const v = await arrivedVisit(t.gateway, { name: 'Cici', institution: 'Uji', actor: system });
    t.clock.now -= 45 * MINUTE; // the clock steps back: not yet synchronised
    await g.screen(v.id, { passed: true }, system);
    const recap = await t.gateway.reports.monthly('2026-11');
    const screening = recap.steps.find((s) => s.step === 'screening');
    expect(screening).toMatchObject({ count: 1 });
    expect(screening!.meanMinutes).toBeGreaterThanOrEqual(0);
    for (const s of await visitTimings(t, v.id)) expect(s.minutes).toBeGreaterThanOrEqual(0);
  });
});
