// The MQTT building blocks without a broker: topics and wildcards, the ACL rule by rule, the
// payload schemas (and their shipped JSON Schema files), the event outbox, room controller
// commands, MQTT users. Home Assistant discovery: ha-discovery.test.ts.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkConfig } from '../../src/config/validate.js';
import type { JournalEntry } from '../../src/domain/events.js';
import { createDrivers } from '../../src/hardware/drivers.js';
import { Acl, type Principal } from '../../src/mqtt/acl.js';
import { CommandRate } from '../../src/mqtt/command-rate.js';
import { nodeIdOf } from '../../src/mqtt/discovery.js';
import { eventOf } from '../../src/mqtt/event-feed.js';
import { Outbox } from '../../src/mqtt/outbox.js';
import { decodeJson, decodeText } from '../../src/mqtt/payload-check.js';
import { Rejections } from '../../src/mqtt/rejects.js';
import { RoomHub, type RoomLink } from '../../src/mqtt/rooms.js';
import {
  DoorSetPayload,
  FACILITIES_COMMANDS,
  jsonSchemaOf,
  RoomAckPayload,
  type RoomCommand,
  RoomCommandPayload,
  RoomStatePayload,
  RoomTapPayload,
  TOPIC_SPECS,
} from '../../src/mqtt/schemas.js';
import { filterMatches, filterWithin, Topics, validFilter } from '../../src/mqtt/topics.js';
import { MqttUserError, MqttUsers } from '../../src/mqtt/users.js';
import { createMetrics } from '../../src/service/metrics.js';

const log = pino({ level: 'silent' });
const topics = new Topics('pintu');

describe('topics', () => {
  it('builds and parses every topic of the contract', () => {
    expect(topics.status).toBe('pintu/status');
    expect(topics.doorState('r1')).toBe('pintu/doors/r1/state');
    expect(topics.doorSet('r1')).toBe('pintu/doors/r1/set');
    expect(topics.room('r1', 'command')).toBe('pintu/rooms/r1/command');
    expect(topics.parse('pintu/status')).toEqual({ kind: 'status' });
    expect(topics.parse('pintu/events')).toEqual({ kind: 'events' });
    expect(topics.parse('pintu/visitors/inside')).toEqual({ kind: 'visitors.inside' });
    expect(topics.parse('pintu/visitors/inside/list')).toEqual({ kind: 'visitors.list' });
    expect(topics.parse('pintu/alerts')).toEqual({ kind: 'alerts' });
    expect(topics.parse('pintu/doors/a-1/set')).toEqual({ kind: 'door.set', door: 'a-1' });
    expect(topics.parse('pintu/doors/*/set')).toEqual({ kind: 'door.set', door: '*' });
    expect(topics.parse('pintu/doors/a-1/ha/set')).toEqual({ kind: 'door.ha_set', door: 'a-1' });
    expect(topics.parse('pintu/doors/a-1/ha/get')).toBeUndefined();
    expect(topics.parse('pintu/rooms/r1/tap')).toEqual({ kind: 'room.tap', room: 'r1' });
    for (const t of [
      'pintu',
      'pintu/',
      'pintu/doors//set',
      'pintu/doors/a/set/x',
      'other/status',
      'pintu/rooms/r1/other',
      'pintux/status',
    ]) {
      expect(topics.parse(t), t).toBeUndefined();
    }
    const site = new Topics('site/gerbang-1');
    expect(site.parse('site/gerbang-1/doors/d/state')).toEqual({ kind: 'door.state', door: 'd' });
    expect(nodeIdOf('site/gerbang-1')).toBe('site_gerbang-1');
  });

  it('matches filters and nests them as MQTT does', () => {
    expect(filterMatches('pintu/#', 'pintu/doors/a/state')).toBe(true);
    expect(filterMatches('pintu/+/a/state', 'pintu/doors/a/state')).toBe(true);
    expect(filterMatches('pintu/+', 'pintu/doors/a')).toBe(false);
    expect(filterMatches('#', '$SYS/broker/load')).toBe(false);
    expect(filterMatches('$SYS/#', '$SYS/broker/load')).toBe(true);
    expect(filterWithin('pintu/rooms/r1/+', 'pintu/rooms/r1/#')).toBe(true);
    expect(filterWithin('pintu/rooms/r1/#', 'pintu/rooms/r1/#')).toBe(true);
    expect(filterWithin('pintu/rooms/+/command', 'pintu/rooms/r1/#')).toBe(false);
    expect(filterWithin('pintu/rooms/#', 'pintu/rooms/r1/#')).toBe(false);
    expect(filterWithin('pintu/#', 'pintu/visitors/inside')).toBe(false);
    expect(validFilter('a/#/b')).toBe(false);
    expect(validFilter('a/b+')).toBe(false);
    expect(validFilter('a/+/#')).toBe(true);
  });
});

describe('the ACL of the embedded broker', () => {
  const acl = new Acl(topics);
  const room: Principal = { role: 'room', username: 'ctl', room: 'r1' };
  const fac: Principal = { role: 'facilities', username: 'fac' };
  const ha: Principal = { role: 'homeassistant', username: 'ha' };
  const gw: Principal = { role: 'gateway', username: '$pintu-gateway' };
  const pub = (p: Principal, t: string, retain = false) => {
    const v = acl.canPublish(p, t, retain);
    return v.ok ? 'ok' : v.reason;
  };
  const sub = (p: Principal, f: string) => {
    const v = acl.canSubscribe(p, f);
    return v.ok ? 'ok' : v.reason;
  };

  it('room controller: publishes only its own tap, ack and (retained) state; reads only its own room', () => {
    expect(pub(room, 'pintu/rooms/r1/tap')).toBe('ok');
    expect(pub(room, 'pintu/rooms/r1/ack')).toBe('ok');
    expect(pub(room, 'pintu/rooms/r1/state', true)).toBe('ok');
    expect(pub(room, 'pintu/rooms/r1/tap', true)).toBe('retained');
    expect(pub(room, 'pintu/rooms/r1/command')).toBe('acl');
    expect(pub(room, 'pintu/rooms/r2/tap')).toBe('acl');
    expect(pub(room, 'pintu/rooms/r2/state', true)).toBe('acl');
    expect(pub(room, 'pintu/doors/r1/set')).toBe('acl');
    expect(pub(room, 'pintu/events')).toBe('acl');
    expect(sub(room, 'pintu/rooms/r1/#')).toBe('ok');
    expect(sub(room, 'pintu/rooms/r1/command')).toBe('ok');
    expect(sub(room, 'pintu/rooms/+/command')).toBe('acl');
    expect(sub(room, 'pintu/rooms/r2/command')).toBe('acl');
    expect(sub(room, 'pintu/#')).toBe('acl');
    expect(sub(room, '#')).toBe('acl');
    expect(acl.canReceive(room, 'pintu/rooms/r1/command')).toBe(true);
    expect(acl.canReceive(room, 'pintu/rooms/r2/command')).toBe(false);
    expect(acl.canReceive(room, 'pintu/doors/r1/state')).toBe(false);
  });

  it('facilities: read the base topic and discovery but taps, publish door commands only, never retained', () => {
    expect(sub(fac, '#')).toBe('ok');
    expect(sub(fac, 'pintu/visitors/inside/list')).toBe('ok');
    expect(acl.canReceive(fac, 'pintu/visitors/inside/list')).toBe(true);
    expect(acl.canReceive(fac, 'pintu/rooms/r1/state')).toBe(true);
    expect(acl.canReceive(fac, 'pintu/rooms/r1/tap')).toBe(false);
    expect(acl.canReceive(fac, 'homeassistant/lock/pintu/r1/config')).toBe(true);
    // Nothing of the broker's, nothing outside the base topic (as the Mosquitto ACL says).
    expect(acl.canReceive(fac, '$SYS/broker/clients/connected')).toBe(false);
    expect(acl.canReceive(fac, 'elsewhere/status')).toBe(false);
    expect(pub(fac, 'pintu/doors/r1/set')).toBe('ok');
    expect(pub(fac, 'pintu/doors/*/set')).toBe('ok');
    expect(pub(fac, 'pintu/doors/r1/ha/set')).toBe('acl');
    expect(pub(fac, 'pintu/doors/r1/set', true)).toBe('retained');
    expect(pub(fac, 'pintu/rooms/r1/command')).toBe('acl');
    expect(pub(fac, 'pintu/rooms/r1/tap')).toBe('acl');
    expect(pub(fac, 'pintu/doors/r1/state', true)).toBe('acl');
    expect(pub(fac, 'pintu/status')).toBe('acl');
    expect(pub(fac, 'homeassistant/status')).toBe('acl');
  });

  it('Home Assistant: states, events, visitors count and discovery; not the roll call; commands and its birth', () => {
    for (const f of [
      'pintu/status',
      'pintu/events',
      'pintu/doors/+/state',
      'pintu/doors/#',
      'pintu/visitors/inside',
      'homeassistant/#',
    ]) {
      expect(sub(ha, f), f).toBe('ok');
    }
    for (const f of ['pintu/visitors/inside/list', 'pintu/visitors/#', 'pintu/#', 'pintu/rooms/+/state', '#'])
      expect(sub(ha, f), f).toBe('acl');
    expect(acl.canReceive(ha, 'pintu/visitors/inside/list')).toBe(false);
    expect(acl.canReceive(ha, 'pintu/rooms/r1/tap')).toBe(false);
    // Home Assistant's commands go on its own topic, never on the facilities one.
    expect(pub(ha, 'pintu/doors/r1/set')).toBe('acl');
    expect(pub(ha, 'pintu/doors/r1/ha/set')).toBe('ok');
    expect(pub(ha, 'homeassistant/status')).toBe('ok');
    expect(pub(ha, 'homeassistant/lock/x/config', true)).toBe('acl');
    expect(pub(ha, 'pintu/doors/r1/ha/set', true)).toBe('retained');
  });

  it('everyone: no $-topic published, no retained command; the gateway stays under its prefixes', () => {
    for (const p of [room, fac, ha, gw]) {
      expect(pub(p, '$SYS/broker/clients/connected')).toBe('sys');
      expect(pub(p, '$share/x')).toBe('sys');
      expect(pub(p, 'pintu/rooms/r1/command', true)).toBe('retained');
    }
    expect(pub(gw, 'pintu/rooms/r1/command')).toBe('ok');
    expect(pub(gw, 'pintu/status', true)).toBe('ok');
    expect(pub(gw, 'homeassistant/lock/pintu/r1/config', true)).toBe('ok');
    expect(pub(gw, 'elsewhere/x')).toBe('acl');
    expect(sub(gw, 'pintu/rooms/+/tap')).toBe('ok');
    expect(sub(gw, 'elsewhere/#')).toBe('acl');
    expect(sub(fac, 'a/#/b')).toBe('invalid');
  });
});

describe('payload schemas', () => {
  it('ship as JSON Schema files equal to the TypeBox definitions (npx tsx scripts/mqtt-schemas.ts)', () => {
    for (const spec of TOPIC_SPECS) {
      const file = join(import.meta.dirname, '../../src/mqtt/schemas', `${spec.name}.json`);
      expect(JSON.parse(readFileSync(file, 'utf8')), spec.name).toEqual(jsonSchemaOf(spec));
    }
  });

  it('decoding never throws, whatever the bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        for (const s of [RoomTapPayload, RoomAckPayload, RoomStatePayload, RoomCommandPayload]) {
          const d = decodeJson(s, b);
          expect(typeof d.ok).toBe('boolean');
        }
        expect(typeof decodeText(DoorSetPayload, b).ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts what the contract allows and refuses the near misses', () => {
    const tap = fc.record({
      credential: fc.string({ minLength: 1, maxLength: 64 }),
      kind: fc.constantFrom('nfc', 'pin'),
    });
    fc.assert(
      fc.property(tap, (t) => {
        expect(decodeJson(RoomTapPayload, Buffer.from(JSON.stringify(t))).ok).toBe(true);
      }),
    );
    const state = fc.record(
      { online: fc.boolean(), locked: fc.boolean(), open: fc.boolean(), fw: fc.string({ maxLength: 64 }) },
      { requiredKeys: ['online'] },
    );
    fc.assert(
      fc.property(state, (s) => {
        expect(decodeJson(RoomStatePayload, Buffer.from(JSON.stringify(s))).ok).toBe(true);
      }),
    );
    const bad = (s: Parameters<typeof decodeJson>[0], v: unknown) =>
      decodeJson(s, Buffer.from(JSON.stringify(v)));
    expect(bad(RoomTapPayload, { credential: '04AB', kind: 'nfc', extra: 1 })).toMatchObject({
      ok: false,
      reason: 'schema',
    });
    expect(bad(RoomTapPayload, { credential: '', kind: 'nfc' })).toMatchObject({
      ok: false,
      reason: 'schema',
    });
    expect(bad(RoomTapPayload, { credential: 'x'.repeat(65), kind: 'pin' })).toMatchObject({
      ok: false,
      reason: 'schema',
    });
    expect(bad(RoomAckPayload, { id: 'a', ok: 'yes' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(bad(RoomStatePayload, { locked: true })).toMatchObject({ ok: false, reason: 'schema' });
    expect(bad(RoomCommandPayload, { id: 'a', action: 'unlock', ms: 50, exp: 1 })).toMatchObject({
      ok: false,
    });
    expect(decodeJson(RoomTapPayload, Buffer.alloc(5000, 32))).toMatchObject({
      ok: false,
      reason: 'too_large',
    });
    expect(decodeJson(RoomTapPayload, Buffer.from([0xff, 0xfe]))).toMatchObject({
      ok: false,
      reason: 'not_utf8',
    });
    expect(decodeJson(RoomTapPayload, Buffer.from('{'))).toMatchObject({ ok: false, reason: 'not_json' });
    for (const c of FACILITIES_COMMANDS)
      expect(decodeText(DoorSetPayload, Buffer.from(`${c}\n`))).toEqual({ ok: true, value: c });
    for (const c of ['unlock', 'OPEN', '"UNLOCK"', ''])
      expect(decodeText(DoorSetPayload, Buffer.from(c)).ok, c).toBe(false);
  });

  it('an event carries the visit id and the display name, never the badge UID', () => {
    const entry = {
      seq: 7,
      at: 1000,
      type: 'access.granted',
      actor: { kind: 'device', id: 'r1-in' },
      payload: {
        readerId: 'r1-in',
        kind: 'nfc',
        uid: '04A1B2C3D4E501',
        doorId: 'r1',
        direction: 'in',
        badgeId: 'b1',
        visitId: 'v1',
      },
      prev: '',
      hash: '',
    } as JournalEntry;
    const e = eventOf(entry, { guest: () => 'S. R.', badge: () => 'TAMU-01' });
    expect(e).toEqual({
      seq: 7,
      at: 1000,
      type: 'access.granted',
      actor: { kind: 'device', id: 'r1-in' },
      reader: 'r1-in',
      kind: 'nfc',
      door: 'r1',
      direction: 'in',
      badge: 'TAMU-01',
      visitId: 'v1',
      guest: 'S. R.',
    });
    expect(JSON.stringify(e)).not.toContain('04A1B2C3D4E501');
  });
});

// ---------------------------------------------------------------- outbox

function entry(seq: number, type = 'access.granted'): JournalEntry {
  return {
    seq,
    at: seq,
    type,
    actor: { kind: 'device', id: 'r' },
    payload: { readerId: 'r', kind: 'nfc' },
    prev: '',
    hash: '',
  } as JournalEntry;
}

describe('the event outbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-outbox-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const make = (
    journal: JournalEntry[],
    publish: (e: JournalEntry, prev: number) => Promise<void>,
    max = 100,
    file = 'cursor.json',
    logger = log,
  ) =>
    new Outbox({
      journal: {
        get lastSeq() {
          return journal.at(-1)?.seq ?? 0;
        },
        async *read({ fromSeq = 1, types }: { fromSeq?: number; types?: readonly string[] }) {
          for (const e of journal) if (e.seq >= fromSeq && (!types || types.includes(e.type))) yield e;
        },
      },
      file: join(dir, file),
      max,
      types: ['access.granted', 'door.alarm'],
      publish,
      topicOf: (e) => (e.type === 'door.alarm' ? 'pintu/alerts' : 'pintu/events'),
      metrics: { ...createMetrics().mqtt, refused: { inc: (topic) => void refusedOn.push(topic) } },
      log: logger,
    });
  const refusedOn: string[] = [];

  it('reads its cursor: a missing file is a first start, an unreadable one is warned of', async () => {
    const journal = [entry(1), entry(2)];
    const cases: Array<[name: string, text: string | undefined, backlog: number, warned: boolean]> = [
      ['missing', undefined, 0, false],
      ['corrupt', '{"cursor": 1', 0, true],
      ['null', 'null', 0, true],
      ['kept', '{"cursor": 1}', 1, false],
    ];
    for (const [name, text, backlog, warned] of cases) {
      const file = `cursor-${name}.json`;
      if (text !== undefined) await writeFile(join(dir, file), text);
      const lines: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
      const box = make(journal, async () => {}, 100, file, logger);
      await box.open();
      // Without a usable cursor it starts from the journal's head; with one, replays past it.
      expect(box.backlog, name).toBe(backlog);
      expect(
        lines.some((l) => l.includes('cursor file unreadable')),
        name,
      ).toBe(warned);
      await box.close();
    }
  });

  it('publishes in journal order across outages (fast-check), each once, and skips what is not an event', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        async (types, failures) => {
          const published: number[] = [];
          let f = 0;
          const box = make(
            [],
            async (e) => {
              // The connection fails as the arbitrary says, then holds.
              if (failures[f++]) throw new Error('connection lost');
              published.push(e.seq);
            },
            100,
            `cursor-${++runs}.json`,
          );
          await box.open();
          box.linkUp();
          const all = types.map((isEvent, i) => entry(i + 1, isEvent ? 'access.granted' : 'visit.arrived'));
          for (const e of all) {
            box.offer(e);
            if (e.seq % 3 === 0) {
              box.linkDown();
              box.linkUp();
            }
          }
          for (let i = 0; i < 200 && box.backlog > 0; i++) {
            box.linkUp();
            await new Promise((r) => setImmediate(r));
          }
          expect(published).toEqual(all.filter((e) => e.type === 'access.granted').map((e) => e.seq));
          await box.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps at most max waiting (the oldest go first, counted), and replays from the journal after a restart', async () => {
    const journal = Array.from({ length: 30 }, (_, i) => entry(i + 1));
    const sent: number[] = [];
    let up = false;
    const first = make(
      journal.slice(0, 0),
      async (e) => {
        if (!up) throw new Error('down');
        sent.push(e.seq);
      },
      10,
    );
    await first.open();
    for (const e of journal.slice(0, 5)) first.offer(e);
    up = true;
    first.linkUp();
    await vi.waitFor(() => expect(sent).toEqual([1, 2, 3, 4, 5]));
    await first.close();
    expect(JSON.parse(await readFile(join(dir, 'cursor.json'), 'utf8'))).toEqual({ cursor: 5 });

    // Restarted with 25 more entries in the journal, never published: the newest 10 wait.
    const second = make(journal, async (e) => void sent.push(e.seq), 10);
    await second.open();
    expect(second.backlog).toBe(10);
    expect(second.dropped).toBe(15);
    second.linkUp();
    await vi.waitFor(() => expect(sent.slice(5)).toEqual(journal.slice(20).map((e) => e.seq)));
    await second.close();
  });

  it("names each event's predecessor, so a reader sees a hole, and sends again what it missed, in order", async () => {
    // Events at odd seqs; the backlog of 3 drops the oldest while the link is down.
    const journal = Array.from({ length: 20 }, (_, i) =>
      entry(i + 1, i % 2 ? 'visit.arrived' : 'access.granted'),
    );
    const sent: Array<[seq: number, prev: number]> = [];
    const box = make([], async (e, prev) => void sent.push([e.seq, prev]), 3);
    await box.open();
    box.linkUp();
    for (const e of journal.slice(0, 4)) box.offer(e);
    await vi.waitFor(() =>
      expect(sent).toEqual([
        [1, 0],
        [3, 1],
      ]),
    );
    box.linkDown();
    for (const e of journal.slice(4, 14)) box.offer(e); // events 5..13: 5 and 7 dropped
    box.linkUp();
    // 9 says 7 came before it: a reader that has 3 sees the hole.
    await vi.waitFor(() =>
      expect(sent.slice(2)).toEqual([
        [9, 7],
        [11, 9],
        [13, 11],
      ]),
    );
    // Asked for everything after 3: read again from the journal (sent ones too), in order.
    const reread = make(journal, async (e, prev) => void sent.push([e.seq, prev]), 3, 'cursor-2.json');
    await reread.open();
    reread.linkUp();
    expect(await reread.replayAfter(3)).toBe(3); // the backlog's room: 5, 7, 9
    await vi.waitFor(() =>
      expect(sent.slice(5)).toEqual([
        [5, 3],
        [7, 5],
        [9, 7],
      ]),
    );
    // Asked again after 9: 11, 13 and the rest of the journal, the chain unbroken.
    expect(await reread.replayAfter(9)).toBe(3);
    await vi.waitFor(() =>
      expect(sent.slice(8)).toEqual([
        [11, 9],
        [13, 11],
        [15, 13],
      ]),
    );
    await box.close();
    await reread.close();
  });

  it('tries a head that failed again at the next connection, not at once', async () => {
    let calls = 0;
    const box = make([], async () => {
      calls++;
      throw new Error('not connected to the broker');
    });
    await box.open();
    box.offer(entry(1));
    box.linkUp();
    // A macrotask runs only once the microtasks are done: before the fix the pump called itself
    // again at once, a chain of microtasks that never ended (this never resolved).
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    box.linkUp();
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    expect(box.backlog).toBe(1);
    await box.close();
  });

  it('passes over what the broker refuses (MQTT 5 reason >= 0x80), by topic, and sends the rest', async () => {
    refusedOn.length = 0;
    const sent: number[] = [];
    const box = make([], async (e) => {
      if (e.seq % 2) throw Object.assign(new Error('Publish error: Not authorized'), { code: 0x87 });
      sent.push(e.seq);
    });
    await box.open();
    box.linkUp();
    for (let i = 1; i <= 6; i++) box.offer(entry(i, i === 5 ? 'door.alarm' : 'access.granted'));
    await vi.waitFor(() => expect(sent).toEqual([2, 4, 6]));
    expect(box.backlog).toBe(0);
    expect(box.cursor).toBe(6);
    expect(refusedOn).toEqual(['pintu/events', 'pintu/events', 'pintu/alerts']);
    expect(box.refused()).toEqual([
      { topic: 'pintu/events', count: 2, code: 0x87, reason: 'Not authorized' },
      { topic: 'pintu/alerts', count: 1, code: 0x87, reason: 'Not authorized' },
    ]);
    expect(box.published).toBe(3);
    await box.close();
  });

  it('starts from the end of the journal the first time (history is not replayed)', async () => {
    await writeFile(join(dir, 'other'), '');
    const box = make([entry(1), entry(2)], async () => {});
    await box.open();
    expect(box.cursor).toBe(2);
    expect(box.backlog).toBe(0);
    await box.close();
  });
});

// ---------------------------------------------------------------- room controllers

describe('room controller commands', () => {
  const metrics = createMetrics().mqtt;
  const sent: Array<{ topic: string; command: RoomCommand }> = [];
  const link: RoomLink & { connected: boolean } = {
    connected: true,
    async publish(topic, payload) {
      sent.push({ topic, command: JSON.parse(payload) });
    },
  };
  let hub: RoomHub;
  beforeEach(() => {
    sent.length = 0;
    hub = new RoomHub({ topics, commandTimeoutMs: 20, retries: 2, log, offlineGraceMs: 50 });
    hub.bind({ metrics, rejections: new Rejections(log, metrics.rejected) });
    hub.linkUp(link);
  });
  afterEach(() => hub.close());
  const ack = (room: string, id: string, ok = true) =>
    hub.handle({ kind: 'room.ack', room }, Buffer.from(JSON.stringify({ id, ok })), false);
  const state = (room: string, s: object, retained = true) =>
    hub.handle({ kind: 'room.state', room }, Buffer.from(JSON.stringify(s)), retained);

  it('an acknowledged pulse unlocks, then relocks; retries reuse the id', () => {
    // The retry and relock timers on a fake clock: on a busy machine a real 30 ms wait could
    // pass every retry (20 ms apart, 2 of them) and the ack would come too late.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const lock = hub.lock('d1', 'r1');
      state('r1', { online: true, locked: true });
      ack('r1', sent.at(-1)!.command.id);
      lock.pulse(60);
      const first = sent.at(-1)!.command;
      expect(first).toMatchObject({ action: 'unlock', ms: 60 });
      expect(first.exp).toBeGreaterThan(Date.now());
      const before = sent.length;
      vi.advanceTimersByTime(20);
      expect(sent.length).toBe(before + 1);
      expect(sent.at(-1)!.command.id).toBe(first.id);
      ack('r1', first.id);
      expect(lock.state()).toEqual({ locked: false });
      vi.advanceTimersByTime(59);
      expect(lock.state().locked).toBe(false);
      vi.advanceTimersByTime(1);
      expect(lock.state().locked).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('no ack: retries, then the no_ack alarm, the door unknown, and a lock behind the lost unlock', async () => {
    const lock = hub.lock('d1', 'r1');
    const alarms: unknown[] = [];
    hub.on('alarm', (a) => alarms.push(a));
    state('r1', { online: true, locked: true });
    ack('r1', sent.at(-1)!.command.id);
    sent.length = 0;
    lock.pulse(1000);
    await vi.waitFor(() =>
      expect(alarms).toEqual([{ doorId: 'd1', room: 'r1', alarm: 'no_ack', active: true }]),
    );
    expect(sent.filter((s) => s.command.action === 'unlock')).toHaveLength(3);
    expect(lock.state().fault).toBe('no_ack');
    expect(sent.at(-1)!.command.action).toBe('lock');
    ack('r1', sent.at(-1)!.command.id);
    expect(alarms.at(-1)).toEqual({ doorId: 'd1', room: 'r1', alarm: 'no_ack', active: false });
    expect(lock.state()).toEqual({ locked: true });
  });

  it('a controller that comes back is told the current state; a pulse from while it was away is never sent', async () => {
    const lock = hub.lock('d1', 'r1');
    state('r1', { online: true, locked: true });
    ack('r1', sent.at(-1)!.command.id);
    state('r1', { online: false });
    sent.length = 0;
    lock.pulse(3000);
    expect(sent).toEqual([]);
    state('r1', { online: true, locked: true });
    expect(sent.map((s) => s.command.action)).toEqual(['lock']);
    lock.unlock();
    ack('r1', sent.at(-1)!.command.id);
    state('r1', { online: false });
    state('r1', { online: true, locked: true });
    expect(sent.map((s) => s.command.action)).toEqual(['lock', 'hold', 'hold']);
  });

  it('not connected: a command is dropped at once, never queued', () => {
    const lock = hub.lock('d1', 'r1');
    state('r1', { online: true, locked: true });
    sent.length = 0;
    link.connected = false;
    try {
      lock.pulse(3000);
      expect(sent).toEqual([]);
    } finally {
      link.connected = true;
    }
  });

  it('a controller never heard of is reported offline after the grace time', async () => {
    const lock = hub.lock('d1', 'r9');
    const alarms: unknown[] = [];
    hub.on('alarm', (a) => alarms.push(a));
    await vi.waitFor(() =>
      expect(alarms).toEqual([{ doorId: 'd1', room: 'r9', alarm: 'offline', active: true }]),
    );
    expect(lock.controllerOnline).toBe(false);
  });

  it('taps reach the reader of their room only; unknown rooms and retained taps are refused', async () => {
    const reader = hub.reader('r1-in', 'r1');
    const reads: unknown[] = [];
    reader.onRead((r) => reads.push(r));
    await reader.start();
    hub.handle(
      { kind: 'room.tap', room: 'r1' },
      Buffer.from('{"credential":"04AB01CD","kind":"nfc"}'),
      false,
    );
    hub.handle({ kind: 'room.tap', room: 'r1' }, Buffer.from('{"credential":"04AB01CD","kind":"nfc"}'), true);
    hub.handle(
      { kind: 'room.tap', room: 'r2' },
      Buffer.from('{"credential":"04AB01CD","kind":"nfc"}'),
      false,
    );
    expect(reads).toEqual([{ readerId: 'r1-in', kind: 'nfc', credential: '04AB01CD' }]);
    const { values } = await metrics.rejected.get();
    expect(values.map((v) => v.labels.reason).sort()).toEqual(
      expect.arrayContaining(['retained', 'unknown_room']),
    );
  });
});

describe('MQTT users', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-users-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps passwords only as scrypt hashes, verifies, notices changes on disk', async () => {
    const file = join(dir, 'mqtt-users.json');
    const a = await MqttUsers.open(file);
    await a.add({ username: 'ctl-101', role: 'room', room: 'r101', password: 'a long password 1' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('a long password 1');
    expect(text).toMatch(/scrypt\$/);
    expect(await a.verify('ctl-101', 'a long password 1')).toEqual({
      role: 'room',
      username: 'ctl-101',
      room: 'r101',
    });
    expect(await a.verify('ctl-101', 'a long password 1')).toBeDefined(); // cached
    expect(await a.verify('ctl-101', 'wrong')).toBeUndefined();
    expect(await a.verify('nobody', 'a long password 1')).toBeUndefined();
    // Another process (the CLI) removes the user: the broker's copy notices.
    const b = await MqttUsers.open(file);
    expect(await b.remove('ctl-101')).toBe(true);
    expect(await a.reload()).toEqual(['ctl-101']);
    expect(await a.verify('ctl-101', 'a long password 1')).toBeUndefined();
    await expect(a.add({ username: 'f', role: 'facilities', password: 'short' })).rejects.toThrow(
      MqttUserError,
    );
    await expect(a.add({ username: 'r', role: 'room', password: 'a long password 1' })).rejects.toThrow(
      /--room/,
    );
    await expect(
      a.add({ username: '$x', role: 'facilities', password: 'a long password 1' }),
    ).rejects.toThrow(/user name/);
  });
});

describe('refusal log', () => {
  it('counts every refusal and logs at most once per interval and kind', () => {
    const metrics = createMetrics().mqtt;
    const warn = vi.fn();
    let now = 0;
    const r = new Rejections({ warn } as unknown as pino.Logger, metrics.rejected, 10_000, () => now);
    for (let i = 0; i < 100; i++) r.reject('schema', 'room.tap');
    r.reject('acl', 'room.tap');
    expect(warn).toHaveBeenCalledTimes(2);
    now = 10_001;
    r.reject('schema', 'room.tap');
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn.mock.calls[2]![0]).toMatchObject({ suppressedSinceLast: 99 });
  });
});

describe('configuration of room controllers', () => {
  const base = {
    doors: [
      { id: 'lobby', name: 'Lobby', kind: 'entrance' },
      { id: 'r1', name: 'Ruang 1', kind: 'room', lock: { driver: 'mqtt', room: 'ctl-1' } },
      { id: 'r2', name: 'Ruang 2', kind: 'room', lock: { driver: 'mqtt' } },
    ],
    readers: [
      { id: 'r1-in', role: 'door', door: 'r1', direction: 'in', driver: { type: 'mqtt' } },
      { id: 'r2-in', role: 'door', door: 'r2', direction: 'in', keypad: true, driver: { type: 'mqtt' } },
    ],
    hosts: [{ id: 'h', name: 'H', unit: 'U', rooms: ['r1', 'r2'] }],
  };

  it('a controller reader takes the room of its door lock, else the door id', () => {
    const { config, problems } = checkConfig(base);
    expect(problems).toEqual([]);
    expect(config.readers.map((r) => r.driver)).toEqual([
      { type: 'mqtt', room: 'ctl-1' },
      { type: 'mqtt', room: 'r2' },
    ]);
    expect(config.doors[2]!.lock).toEqual({ driver: 'mqtt', room: 'r2' });
  });

  it('refuses a controller reader without MQTT, on the desk, or two on one controller', () => {
    const paths = (doc: unknown) => checkConfig(doc).problems.map((p) => `${p.path}: ${p.message}`);
    expect(paths({ ...base, mqtt: { mode: 'off' } })).toEqual(
      expect.arrayContaining([
        'readers[0].driver.type: "mqtt" needs MQTT, but mqtt.mode is "off"',
        'doors[1].lock.driver: "mqtt" needs MQTT, but mqtt.mode is "off"',
      ]),
    );
    expect(
      paths({
        ...base,
        readers: [...base.readers, { id: 'desk', role: 'desk', driver: { type: 'mqtt', room: 'x' } }],
      }),
    ).toContain('readers[2].role: a room controller reader must be a door reader');
    expect(
      paths({
        ...base,
        readers: [
          ...base.readers,
          { id: 'r1-out', role: 'door', door: 'r1', direction: 'out', driver: { type: 'mqtt' } },
        ],
      }),
    ).toContain(
      'readers[2].driver.room: room controller "ctl-1" already reads for readers[0] (one reader per controller)',
    );
  });

  it('the drivers of mqtt doors and readers come from the room hub; without one the start stops', () => {
    const { config } = checkConfig(base);
    expect(() => createDrivers(config)).toThrow(/doors\[r1\]\.lock\.driver: "mqtt" needs MQTT/);
    const hub = new RoomHub({ topics, commandTimeoutMs: 100, retries: 0, log });
    const d = createDrivers(config, { rooms: hub });
    expect(d.locks.get('r1')).toBe(hub.lockOfRoom('ctl-1'));
    expect(d.readers.get('r2-in')).toMatchObject({ id: 'r2-in', room: 'r2' });
    expect(d.inputs.get('r1')).toMatchObject({ doorId: 'r1', hasContact: true });
    expect(d.locks.get('lobby')!.constructor.name).toBe('SimLock');
    hub.close();
  });
});

describe('CommandRate (mqtt.limits.commandsPerMinute)', () => {
  it('lets a burst of a tenth of a minute through, then one per 60/perMinute s, per key', () => {
    const clock = { now: 0 };
    const rate = new CommandRate(60, () => clock.now);
    const burst = Array.from({ length: 10 }, () => rate.take('user:fac'));
    expect(burst.filter(Boolean)).toHaveLength(6);
    expect(rate.take('user:ha')).toBe(true);
    clock.now += 999;
    expect(rate.take('user:fac')).toBe(false);
    clock.now += 1;
    expect(rate.take('user:fac')).toBe(true);
    expect(rate.take('user:fac')).toBe(false);
    // Idle for long: back to a full burst, never more.
    clock.now += 3_600_000;
    expect(Array.from({ length: 10 }, () => rate.take('user:fac')).filter(Boolean)).toHaveLength(6);
  });

  it('keeps a bounded number of keys', () => {
    const rate = new CommandRate(1, () => 0, 3);
    for (const k of ['a', 'b', 'c', 'd']) expect(rate.take(k)).toBe(true);
    // "a" was forgotten (with a full bucket); "d" was not.
    expect(rate.take('a')).toBe(true);
    expect(rate.take('d')).toBe(false);
  });
});

describe('mqtt.limits of the edge', () => {
  it('refuses bad values, naming the key', () => {
    const paths = checkConfig({
      mqtt: { limits: { maxPacketBytes: 10, connectionsPerUser: 0, commandsPerMinute: 0.5 } },
    }).problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'mqtt.limits.maxPacketBytes',
        'mqtt.limits.connectionsPerUser',
        'mqtt.limits.commandsPerMinute',
      ]),
    );
  });
});
