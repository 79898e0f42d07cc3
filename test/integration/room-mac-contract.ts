// Authenticated room commands and taps (issue 12 item 6), checked the same way on the embedded
// broker (room-mac.test.ts) and a real Mosquitto (test/system/room-mac-mosquitto.test.ts).
// Room r101 has a key; r102 has none (a controller from before keys). The intruder is a device
// on the LAN that may publish on the room topics (on Mosquitto: a login the test's ACL lets
// write there; on the embedded broker: a publication made inside the broker) but has no key.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RoomKeys, roomKeysFile } from '../../src/mqtt/room-keys.js';
import { commandText, mac, tapText } from '../../src/mqtt/room-mac.js';
import type { RoomCommand } from '../../src/mqtt/schemas.js';
import { SimController } from '../../src/mqtt/sim-controller.js';
import { healthOf } from '../support/health.js';
import { type Collected, client, type MqttGateway, TEST_PASSWORD, until } from '../support/mqtt.js';
import { journalSince, rejected } from './mqtt-contract.js';

export interface RoomMacSetup {
  /** A gateway on the test's broker, with its data in dir. */
  start(dir: string): Promise<MqttGateway>;
  /** Publish as the intruder. */
  inject(g: MqttGateway, topic: string, payload: string): Promise<void>;
  cleanup(): Promise<void>;
  protocolVersion: 4 | 5;
}

const COMMAND = 'pintu/rooms/r101/command';
const TAP = 'pintu/rooms/r101/tap';

export function roomMacSuite(setup: RoomMacSetup): void {
  let dir: string;
  let key: Buffer;
  let g: MqttGateway;
  const open: Array<SimController | Collected> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-roommac-'));
    key = RoomKeys.generate(roomKeysFile(dir), 'r101');
    g = await setup.start(dir);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await ('stop' in c ? c.stop() : c.end()).catch(() => undefined);
    await g.close({ keepDir: true });
    await setup.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const controller = async (
    o: Partial<ConstructorParameters<typeof SimController>[0]> = {},
    keyed = true,
  ) => {
    const c = new SimController({
      room: 'r101',
      url: g.url,
      username: 'ctl-101',
      password: TEST_PASSWORD,
      protocolVersion: setup.protocolVersion,
      reconnectPeriod: 0,
      ...(keyed ? { key } : {}),
      ...o,
    });
    await c.start();
    open.push(c);
    return c;
  };
  /** The keyed controller, brought to its state by the gateway (it acknowledged a lock). */
  const ready = async (o: Partial<ConstructorParameters<typeof SimController>[0]> = {}) => {
    const c = await controller(o);
    await until(() => expect(g.drivers.locks.get('ruang-101')!.state().fault).toBeUndefined());
    return c;
  };
  const grants = async (since = 0) =>
    (await journalSince(g, since)).filter(
      (e) => e.type === 'access.granted' && (e.payload as { doorId?: string }).doorId === 'ruang-101',
    ).length;
  const refusal = (ctl: SimController) =>
    new Promise<string>((resolve) => ctl.once('refused', (r) => resolve(r.error)));
  /** A command as the gateway would send it, MACed with `withKey`. */
  const command = (withKey: Buffer, fields: Partial<RoomCommand> & { ctr: number }): string => {
    const now = Date.now();
    const c = {
      id: randomBytes(6).toString('hex'),
      action: 'unlock' as const,
      ms: 500,
      exp: now + 3000,
      at: now,
      ...fields,
    };
    return JSON.stringify({ ...c, mac: mac(withKey, commandText('r101', c)) });
  };

  it('a keyed room: the unlock of a tap carries a counter and a MAC, and the controller runs it', async () => {
    const ctl = await ready();
    const v = await g.badgedVisit();
    const unlocked = new Promise<RoomCommand>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve(c)),
    );
    ctl.tap('nfc', v.uid);
    const cmd = await unlocked;
    expect(cmd.ctr).toBeGreaterThan(0);
    expect(cmd.mac).toMatch(/^[0-9a-f]{32}$/);
    await until(async () => expect(await grants()).toBe(1));
  });

  it('a command MACed with another key is refused bad_mac, and the gateway counts the refusal', async () => {
    const ctl = await ready();
    const refused = refusal(ctl);
    await setup.inject(g, COMMAND, command(randomBytes(32), { ctr: ctl.lastCommandCounter + 1 }));
    expect(await refused).toBe('bad_mac');
    // Without a MAC at all: the same.
    const refused2 = refusal(ctl);
    const now = Date.now();
    await setup.inject(
      g,
      COMMAND,
      JSON.stringify({ id: 'forged-2', action: 'unlock', ms: 500, exp: now + 3000, at: now }),
    );
    expect(await refused2).toBe('bad_mac');
    expect(ctl.ran.filter((c) => c.action === 'unlock')).toEqual([]);
    expect(ctl.locked).toBe(true);
    await until(async () => expect(await rejected(g, 'bad_mac')).toBe(2));
  });

  it('a command republished as it was sent is refused replayed', async () => {
    const ctl = await ready();
    const v = await g.badgedVisit();
    const unlocked = new Promise<RoomCommand>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve(c)),
    );
    ctl.tap('nfc', v.uid);
    const sniffed = await unlocked;
    const refused = refusal(ctl);
    await setup.inject(g, COMMAND, JSON.stringify(sniffed));
    expect(await refused).toBe('replayed');
    expect(ctl.ran.filter((c) => c.action === 'unlock')).toHaveLength(1);
    await until(async () => expect(await rejected(g, 'replayed')).toBe(1));
  });

  it('a copy past its deadline is refused expired', async () => {
    const ctl = await ready();
    const refused = refusal(ctl);
    const now = Date.now();
    // Held back 10 s by someone on the way: its own at and exp say so.
    await setup.inject(
      g,
      COMMAND,
      command(key, { ctr: ctl.lastCommandCounter + 1, at: now, exp: now - 10_000 }),
    );
    expect(await refused).toBe('expired');
    expect(ctl.ran.filter((c) => c.action === 'unlock')).toEqual([]);
  });

  it('a tap without a MAC, or with a wrong one, grants nothing', async () => {
    const v = await g.badgedVisit();
    // The controller's login without its key (a device with stolen credentials), then a wrong key.
    const keyless = await controller({}, false);
    keyless.tap('nfc', v.uid);
    await until(async () => expect(await rejected(g, 'bad_mac')).toBe(1));
    const ctr = Date.now() * 1000;
    const forged = { credential: v.uid, kind: 'nfc', ctr };
    await setup.inject(
      g,
      TAP,
      JSON.stringify({ ...forged, mac: mac(randomBytes(32), tapText('r101', forged)) }),
    );
    await until(async () => expect(await rejected(g, 'bad_mac')).toBe(2));
    expect(await grants()).toBe(0);
  });

  it('a tap republished as it was sent grants nothing, also after a gateway restart', async () => {
    const ctl = await ready();
    const v = await g.badgedVisit();
    const tap = { credential: v.code, kind: 'pin', ctr: Date.now() * 1000 };
    const payload = JSON.stringify({ ...tap, mac: mac(key, tapText('r101', tap)) });
    const unlocked = new Promise<void>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve()),
    );
    await setup.inject(g, TAP, payload);
    await unlocked;
    await until(async () => expect(await grants()).toBe(1));
    await setup.inject(g, TAP, payload);
    await until(async () => expect(await rejected(g, 'replayed')).toBe(1));
    expect(await grants()).toBe(1);

    // The gateway restarts: the tap counter it accepted is still the last.
    const last = ctl.lastCommandCounter;
    await ctl.stop();
    open.splice(0);
    await g.close({ keepDir: true });
    g = await setup.start(dir);
    const since = g.gateway.core.journal.lastSeq;
    await setup.inject(g, TAP, payload);
    await until(async () => expect(await rejected(g, 'replayed')).toBe(1));
    expect(await grants(since)).toBe(0);

    // The command counter goes on from beyond the last: a controller that kept its last
    // counter (the firmware does) takes the gateway's commands after the restart.
    const again = await ready({ lastCommandCounter: last });
    expect(again.lastCommandCounter).toBeGreaterThan(last);
  });

  /** Refused room taps in the journal: access.denied at the room door, reason credential_invalid. */
  const forgedDenials = async (since = 0) =>
    (await journalSince(g, since)).filter(
      (e) =>
        e.type === 'access.denied' &&
        (e.payload as { doorId?: string; reason?: string }).doorId === 'ruang-101' &&
        (e.payload as { reason?: string }).reason === 'credential_invalid',
    );
  /** access decisions counted as denied credential_invalid at ruang-101. */
  const deniedInvalid = async () => {
    const { values } = await g.gateway.core.metrics.decisions.get();
    return values
      .filter((v) => v.labels.reason === 'credential_invalid' && v.labels.door === 'ruang-101')
      .reduce((n, v) => n + v.value, 0);
  };

  it('a forged or replayed tap is journaled as a denial credential_invalid, without its credential', async () => {
    const ctl = await ready();
    const v = await g.badgedVisit();
    // Forged: a tap without a MAC, then one MACed with another key.
    await setup.inject(g, TAP, JSON.stringify({ credential: v.uid, kind: 'nfc' }));
    const forged = { credential: v.code, kind: 'pin', ctr: Date.now() * 1000 };
    await setup.inject(
      g,
      TAP,
      JSON.stringify({ ...forged, mac: mac(randomBytes(32), tapText('r101', forged)) }),
    );
    // Replayed: a tap of the right key, sent again as it was.
    const good = { credential: v.uid, kind: 'nfc', ctr: Date.now() * 1000 + 1 };
    const payload = JSON.stringify({ ...good, mac: mac(key, tapText('r101', good)) });
    const unlocked = new Promise<void>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve()),
    );
    await setup.inject(g, TAP, payload);
    await unlocked;
    await setup.inject(g, TAP, payload);
    await until(async () => expect(await forgedDenials()).toHaveLength(3));
    expect(await deniedInvalid()).toBe(3);
    expect(await grants()).toBe(1);
    for (const e of await forgedDenials()) {
      expect(e.actor).toEqual({ kind: 'device', id: 'r101-in' });
      const p = e.payload as Record<string, unknown>;
      expect(p.uid).toBeUndefined();
      expect(p.badgeId).toBeUndefined();
      expect(p.visitId).toBeUndefined();
      // Nothing the forger sent is believed, nor written: neither the UID nor the code.
      expect(JSON.stringify(e)).not.toContain(v.uid);
      expect(JSON.stringify(e)).not.toContain(v.code);
    }
    expect((await forgedDenials()).map((e) => (e.payload as { kind: string }).kind)).toEqual([
      'nfc',
      'pin',
      'nfc',
    ]);
  });

  it('a flood of forged taps: the first of each minute journaled, every one counted', async () => {
    const perMinute = g.config.mqtt.rooms.refusalsJournaledPerMinute;
    const flood = perMinute + 3;
    const since = g.gateway.core.journal.lastSeq;
    for (let i = 0; i < flood; i++) {
      const tap = { credential: `04A1B2C3D4E5${String(i % 100).padStart(2, '0')}`, kind: 'nfc', ctr: i + 1 };
      await setup.inject(g, TAP, JSON.stringify({ ...tap, mac: mac(randomBytes(32), tapText('r101', tap)) }));
    }
    await until(async () => expect(await deniedInvalid()).toBe(flood));
    // Sentinel: a tap decided after the flood, journaled behind every entry of it.
    const v = await g.badgedVisit();
    const ctl = await ready();
    const unlocked = new Promise<void>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve()),
    );
    ctl.tap('nfc', v.uid);
    await unlocked;
    await until(async () => expect(await grants(since)).toBe(1));
    expect(await forgedDenials(since)).toHaveLength(perMinute);
    // The count of what was left out is journaled when the flood ends, and at the latest at a stop.
    await g.close({ keepDir: true });
    g = await setup.start(dir);
    const summary = (await forgedDenials(since)).filter((e) => 'suppressed' in e.payload);
    expect(summary.map((e) => e.payload)).toEqual([
      {
        readerId: 'r101-in',
        doorId: 'ruang-101',
        direction: 'in',
        reason: 'credential_invalid',
        suppressed: 3,
      },
    ]);
  });

  it('a refused command is journaled as a command_refused alarm of the door, and published', async () => {
    const ctl = await ready();
    const facilities = await client(g.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      protocolVersion: setup.protocolVersion,
      subscribe: ['pintu/events'],
    });
    open.push(facilities);
    const since = g.gateway.core.journal.lastSeq;
    const refused = refusal(ctl);
    await setup.inject(g, COMMAND, command(randomBytes(32), { ctr: ctl.lastCommandCounter + 1 }));
    expect(await refused).toBe('bad_mac');
    const alarms = async () =>
      (await journalSince(g, since)).filter(
        (e) => e.type === 'door.alarm' && (e.payload as { alarm?: string }).alarm === 'command_refused',
      );
    await until(async () => expect(await alarms()).toHaveLength(1));
    expect((await alarms())[0]!.payload).toEqual({
      doorId: 'ruang-101',
      alarm: 'command_refused',
      detail: 'bad_mac',
    });
    await until(() =>
      expect(
        facilities.on('pintu/events').map((m) => JSON.parse(m) as Record<string, unknown>),
      ).toContainEqual(
        expect.objectContaining({
          type: 'door.alarm',
          door: 'ruang-101',
          alarm: 'command_refused',
          refusal: 'bad_mac',
        }),
      ),
    );
  });

  it('a room without a key runs as before, and the health API calls it weak', async () => {
    expect(g.hub.unauthenticatedRooms()).toEqual(['r102']);
    expect((await healthOf(g.app, g.gateway)).mqtt?.weakRooms).toEqual(['r102']);
    const ctl = await controller({ room: 'r102', username: 'ctl-102' }, false);
    await until(() => expect(g.drivers.locks.get('ruang-102')!.state().fault).toBeUndefined());
    const v = await g.badgedVisit();
    const unlocked = new Promise<RoomCommand>((resolve) =>
      ctl.on('command', (c) => c.action === 'unlock' && resolve(c)),
    );
    ctl.tap('nfc', v.uid);
    expect((await unlocked).mac).toBeUndefined();
  });
}
