// Readers that lose their device (issue 6): reader ports of the test's own report their
// status as the PC/SC and serial drivers do, on a gateway with its embedded broker. An
// outage longer than the debounce makes /healthz degraded naming the reader, sets
// pintu_reader_connected to 0 and raises reader_offline on the reader's door once (journal,
// pintu/events, the retained door state); it clears when every reader of the door is back.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JournalEntry } from '../../src/domain/events.js';
import type { ReadEvent, ReaderPort, ReaderStatus } from '../../src/hardware/ports.js';
import { assertValid } from '../../src/mqtt/payload-check.js';
import { DoorStatePayload, EventPayload } from '../../src/mqtt/schemas.js';
import { healthOf } from '../support/health.js';
import {
  type Collected,
  client,
  freePort,
  type MqttGateway,
  startMqttGateway,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';

/** A reader driver that says what the test tells it to. */
class FakeReader implements ReaderPort {
  private read: (r: ReadEvent) => void = () => {};
  private report: (s: ReaderStatus) => void = () => {};
  constructor(
    readonly id: string,
    private readonly initial: ReaderStatus | null = { connected: true, detail: 'fake device' },
  ) {}
  onRead(handler: (r: ReadEvent) => void): void {
    this.read = handler;
  }
  onStatus(handler: (s: ReaderStatus) => void): void {
    this.report = handler;
  }
  status(connected: boolean, detail?: string): void {
    this.report({ connected, ...(detail ? { detail } : {}) });
  }
  present(uid: string): void {
    this.read({ readerId: this.id, kind: 'nfc', credential: uid });
  }
  async start(): Promise<void> {
    if (this.initial) this.report(this.initial);
  }
  async stop(): Promise<void> {}
}

// Short, through the configuration keys the operator sets (access.reader*Seconds).
const WATCH = { offlineAfterMs: 150, startGraceMs: 400 };

describe('reader_offline: readers that lose their device', () => {
  let g: MqttGateway | undefined;
  const clients: Collected[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await g?.close();
    g = undefined;
  });

  /** The gateway's log lines about readers. */
  let logged: Array<Record<string, unknown>> = [];
  const start = async (readers: FakeReader[]) => {
    logged = [];
    const log = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          const l = JSON.parse(line) as Record<string, unknown>;
          if (String(l.msg).startsWith('reader ')) logged.push(l);
        },
      },
    );
    g = await startMqttGateway({
      mqtt: { mode: 'embedded', port: await freePort() },
      users: [{ username: 'fac', role: 'facilities' }],
      readers,
      extra: {
        access: {
          readerOfflineSeconds: WATCH.offlineAfterMs / 1000,
          readerStartGraceSeconds: WATCH.startGraceMs / 1000,
        },
      },
      log,
    });
    const fac = await client(g.url, {
      username: 'fac',
      password: TEST_PASSWORD,
      subscribe: ['pintu/doors/pintu-utama/state', 'pintu/events'],
    });
    clients.push(fac);
    return { g, fac };
  };
  const health = (gw: MqttGateway) => healthOf(gw.app, gw.gateway);
  const metric = async (gw: MqttGateway, name: string, labels: string) => {
    const text = await gw.gateway.core.metrics.registry.getSingleMetricAsString(name);
    const m = new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const alarmEntries = async (gw: MqttGateway, since: number): Promise<JournalEntry[]> => {
    const out: JournalEntry[] = [];
    for await (const e of gw.gateway.core.journal.read({ fromSeq: since + 1 }))
      if (e.type === 'door.alarm' || e.type === 'door.alarm_cleared') out.push(e);
    return out;
  };
  let sentinels = 0;
  /**
   * The journal's sentinel: a denied tap, appended after any alarm the readers set going (the
   * journal keeps the order of its appends). A new UID each time: the debounce counts a repeat once.
   */
  const journalSentinel = async (gw: MqttGateway) => {
    const from = gw.gateway.core.journal.lastSeq;
    const credential = `DEADBE${(++sentinels).toString(16).padStart(2, '0').toUpperCase()}`;
    gw.gateway.access.handleRead({ readerId: 'pintu-utama-in', kind: 'nfc', credential });
    await until(async () => {
      const types: string[] = [];
      for await (const e of gw.gateway.core.journal.read({ fromSeq: from + 1 })) types.push(e.type);
      expect(types).toContain('access.denied');
    });
  };
  const brief = (e: JournalEntry) => [e.type, (e.payload as { alarm?: string }).alarm, e.actor.id];
  const lastState = (fac: Collected) => JSON.parse(fac.on('pintu/doors/pintu-utama/state').at(-1) ?? '{}');

  it('raises reader_offline once per outage, on every channel, and clears it when every reader of the door is back', async () => {
    const inReader = new FakeReader('pintu-utama-in');
    const outReader = new FakeReader('pintu-utama-out');
    const { g: gw, fac } = await start([inReader, outReader, new FakeReader('desk')]);
    const since = gw.gateway.core.journal.lastSeq;
    expect(await health(gw)).toMatchObject({ status: 'ok' });
    expect(await metric(gw, 'pintu_reader_connected', 'reader="pintu-utama-in"')).toBe(1);
    await until(() => expect(lastState(fac)).toMatchObject({ alarms: [] }));

    inReader.status(false, 'serial reader unplugged');
    // The gauge at once; health and alarm only once the outage outlasts the debounce.
    expect(await metric(gw, 'pintu_reader_connected', 'reader="pintu-utama-in"')).toBe(0);
    expect(await health(gw)).toMatchObject({ status: 'ok' });
    await until(async () =>
      expect(await health(gw)).toMatchObject({
        status: 'degraded',
        problems: ['reader pintu-utama-in: offline (serial reader unplugged)'],
      }),
    );
    await until(async () =>
      expect((await alarmEntries(gw, since)).map(brief)).toEqual([
        ['door.alarm', 'reader_offline', 'pintu-utama-in'],
      ]),
    );
    await until(() => expect(lastState(fac)).toMatchObject({ alarms: ['reader_offline'], locked: true }));
    assertValid(DoorStatePayload, lastState(fac));

    // Still down, in other words: no second alarm, the detail follows.
    inReader.status(false, 'cannot open the device: ENOENT');
    inReader.status(false, 'cannot open the device: ENOENT');
    // The door's other reader keeps deciding.
    const v = await gw.badgedVisit();
    outReader.present(v.uid);
    await until(async () =>
      expect((await gw.gateway.core.metrics.decisions.get()).values).toContainEqual(
        expect.objectContaining({ labels: { result: 'granted', reason: '', door: 'pintu-utama' } }),
      ),
    );
    // The second reader of the door goes too: still one alarm.
    outReader.status(false, 'PC/SC reader removed');
    await until(async () => expect((await health(gw)).problems).toHaveLength(2));
    expect((await health(gw)).problems).toEqual([
      'reader pintu-utama-in: offline (cannot open the device: ENOENT)',
      'reader pintu-utama-out: offline (PC/SC reader removed)',
    ]);
    await journalSentinel(gw);
    expect(await alarmEntries(gw, since)).toHaveLength(1);
    // The panel's door card reads them from GET /doors.
    const { token } = await gw.gateway.accounts.createToken('doors', 'security', {
      kind: 'system',
      id: 'test',
    });
    const doors = await gw.app.inject({
      url: '/api/v1/doors',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(doors.json().find((d: { id: string }) => d.id === 'pintu-utama')).toMatchObject({
      readersOffline: ['pintu-utama-in', 'pintu-utama-out'],
    });

    // One back: the door still has an offline reader.
    inReader.status(true, '/dev/ttyUSB0');
    await until(async () =>
      expect((await health(gw)).problems).toEqual(['reader pintu-utama-out: offline (PC/SC reader removed)']),
    );
    await journalSentinel(gw);
    expect(await alarmEntries(gw, since)).toHaveLength(1);
    expect(lastState(fac).alarms).toEqual(['reader_offline']);
    // Both back: cleared, by the reader that came back last.
    outReader.status(true, 'ACR122U 00 00');
    await until(async () =>
      expect((await alarmEntries(gw, since)).map(brief)).toEqual([
        ['door.alarm', 'reader_offline', 'pintu-utama-in'],
        ['door.alarm_cleared', 'reader_offline', 'pintu-utama-out'],
      ]),
    );
    expect(await health(gw)).toMatchObject({ status: 'ok' });
    expect((await health(gw)).problems).toBeUndefined();
    await until(() => expect(lastState(fac)).toMatchObject({ alarms: [], alarm: null }));
    expect(await metric(gw, 'pintu_door_alarms_total', 'door="pintu-utama",alarm="reader_offline"')).toBe(1);
    // A warning when a reader goes offline, a note when it is back: once each, no personal data.
    expect(logged.map((l) => [l.level, l.msg, l.reader, l.door, l.detail])).toEqual([
      [40, 'reader offline: its device is gone', 'pintu-utama-in', 'pintu-utama', 'serial reader unplugged'],
      [40, 'reader offline: its device is gone', 'pintu-utama-out', 'pintu-utama', 'PC/SC reader removed'],
      [30, 'reader back: its device is there again', 'pintu-utama-in', 'pintu-utama', '/dev/ttyUSB0'],
      [30, 'reader back: its device is there again', 'pintu-utama-out', 'pintu-utama', 'ACR122U 00 00'],
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/Siti|04A1B2C3|visitId|uid/);
    expect(await metric(gw, 'pintu_reader_connected', 'reader="pintu-utama-out"')).toBe(1);

    // On pintu/events, as the contract says.
    await until(() => {
      const events = fac
        .on('pintu/events')
        .map((p) => JSON.parse(p))
        .filter((e) => e.type.startsWith('door.alarm'));
      expect(events.map((e) => [e.type, e.door, e.alarm, e.actor])).toEqual([
        ['door.alarm', 'pintu-utama', 'reader_offline', { kind: 'device', id: 'pintu-utama-in' }],
        ['door.alarm_cleared', 'pintu-utama', 'reader_offline', { kind: 'device', id: 'pintu-utama-out' }],
      ]);
      for (const e of events) assertValid(EventPayload, e);
    });
  });

  it('a glitch shorter than the debounce raises nothing', async () => {
    const inReader = new FakeReader('pintu-utama-in');
    const { g: gw } = await start([inReader]);
    const since = gw.gateway.core.journal.lastSeq;
    // The debounce is a timer of the product: on a fake clock, so a busy machine cannot stretch
    // a glitch past it. Nothing in this window awaits, so only the readers' timers are fake.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      for (let i = 0; i < 5; i++) {
        inReader.status(false, 'serial reader unplugged');
        vi.advanceTimersByTime(WATCH.offlineAfterMs / 3);
        inReader.status(true, '/dev/ttyUSB0');
        vi.advanceTimersByTime(20);
      }
      vi.advanceTimersByTime(WATCH.offlineAfterMs * 2);
    } finally {
      vi.useRealTimers();
    }
    await journalSentinel(gw);
    expect(await alarmEntries(gw, since)).toEqual([]);
    expect(await health(gw)).toMatchObject({ status: 'ok' });
    expect(gw.gateway.readers.states().find((r) => r.id === 'pintu-utama-in')).toMatchObject({
      connected: true,
      offline: false,
    });
  });

  it('a reader without its device at the start is offline after the grace; a desk reader alarms no door', async () => {
    const silent = new FakeReader('pintu-utama-in', null); // never says a word
    const desk = new FakeReader('desk', { connected: false, detail: 'pcscd does not answer' });
    const { g: gw, fac } = await start([silent, desk]);
    expect(await metric(gw, 'pintu_reader_connected', 'reader="pintu-utama-in"')).toBe(0);
    await until(async () =>
      expect((await health(gw)).problems).toEqual([
        'reader desk: offline (pcscd does not answer)',
        'reader pintu-utama-in: offline (no device found)',
      ]),
    );
    await until(async () =>
      expect((await alarmEntries(gw, 0)).map(brief)).toEqual([
        ['door.alarm', 'reader_offline', 'pintu-utama-in'],
      ]),
    );
    await until(() => expect(lastState(fac).alarms).toEqual(['reader_offline']));
    silent.status(true, 'ACR122U');
    desk.status(true, 'ACR122U desk');
    await until(async () => expect(await health(gw)).toMatchObject({ status: 'ok' }));
    await until(() => expect(lastState(fac).alarms).toEqual([]));
  });
});
