// The attacks of issue 11, each as the issue describes it, from loopback only. An attack runs
// from start() until stop(); every loop in it is bounded by a count and by a deadline of its
// own (maxMs), so a stop that never comes cannot leave it running.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import mqtt from 'mqtt';
import type { SimController } from '../../src/mqtt/sim-controller.js';
import { connectOnce, connectPacket, remainingLength, subscribePacket } from '../../test/support/mqtt-raw.js';
import {
  ADMIN,
  BADGES,
  BAIT_BADGE,
  ENTRANCE,
  INTRUDER,
  type MqttMode,
  OTHER_ROOM,
  PASSWORD,
  ROOM,
  type Site,
  sleep,
  within,
} from './site.js';

/** What the attacker's machine knows of the gateway: its ports, and what it was given (a token). */
export interface Target {
  httpPort: number;
  mqttPort: number;
  mqttUrl: string;
  gatewayClientId: string;
  /** An API token (the SSE flood is a logged-in user's). */
  token: string;
}

/** An attack's traffic, running. */
export interface Load {
  /** Stop and release every socket the attack holds. */
  stop(): Promise<void>;
  /** What the attack did and saw (counts), for the log. */
  notes(): string[];
}

export interface Attack {
  name: string;
  description: string;
  mode: MqttMode;
  /**
   * The traffic, from start until stop(), run in the attacker's own process
   * (campaigns/lib/attacker.ts): as another machine on the LAN, it does not share the event
   * loop of the campaign that measures the door path.
   */
  load(target: Target, o: { maxMs: number; scale: number }): Promise<Load>;
  /** Checks made by the campaign while the attack is on (what must still work), each "what: ok|FAILED ...". */
  probe?(site: Site): Promise<string[]>;
  /** Checks made after it stopped, besides /healthz and a granted tap (empty: recovered). */
  recovered?(site: Site): Promise<string[]>;
  /** Made by the campaign before the attack starts (what the attack needs on the site). */
  prepare?(site: Site): Promise<void>;
  /** What the attack achieved, counted by the campaign once it stopped: "what: N ok|FAILED ...". */
  tally?(site: Site): Promise<string[]>;
}

/** Loopback source addresses 127.0.0.2 .. 127.0.0.(1+n). */
const sources = (n: number) => Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);
/**
 * The attacker's one machine: not the desk's address (127.0.0.1, where the campaign's own API
 * client, probes and the admin's login come from), as on a real LAN the attacker is not the
 * receptionist's PC. Per-address limits then bound the attacker, not the desk.
 */
const ATTACKER = '127.0.0.250';

/** Runs `body` in `n` loops until stopped, the deadline passes or `max` iterations in all. */
function loops(n: number, maxMs: number, max: number, body: (i: number) => Promise<void>) {
  let on = true;
  let count = 0;
  const deadline = performance.now() + maxMs;
  const all = Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (on && performance.now() < deadline && count < max) {
        count++;
        await body(i).catch(() => undefined);
      }
    }),
  );
  return {
    get count() {
      return count;
    },
    async stop() {
      on = false;
      await all;
    },
  };
}

/** Open a fresh MQTT connection with a valid login; 'ok' or why not. */
async function mqttConnects(url: string, o: { username: string; clientId: string }, timeoutMs = 5000) {
  // allowRetries false: a close without an error (no CONNACK) rejects instead of pending forever.
  const connecting = mqtt.connectAsync(
    url,
    {
      username: o.username,
      password: PASSWORD,
      clientId: o.clientId,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
    },
    false,
  );
  const late = sleep(timeoutMs + 1000).then(() => {
    throw new Error(`no CONNACK within ${timeoutMs} ms`);
  });
  try {
    const c = await Promise.race([connecting, late]);
    await c.endAsync(true);
    return 'ok';
  } catch (err) {
    connecting.then((c) => c.end(true)).catch(() => undefined);
    return `FAILED (${(err as Error).message})`;
  }
}

/** The answer to a write through the API: 0 is no answer at all (the HTTP side failed). */
const savedText = (status: number) =>
  status === 201 ? 'ok' : status === 0 ? 'FAILED (no HTTP answer)' : `FAILED (HTTP ${status})`;

/** A request on a new connection (no pooled socket); 'ok' or why not. */
function freshRequest(site: Site, path = '/healthz', timeoutMs = 5000): Promise<string> {
  return within(freshRequestOnce(site, path, timeoutMs), timeoutMs + 1000, 'FAILED (no complete answer)');
}

function freshRequestOnce(site: Site, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port: site.httpPort, path, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `FAILED (${res.statusCode})`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`FAILED (${e.message})`));
  });
}

/** A login as the admin on a new connection: the HTTP status, 0 when there was no answer. */
function login(httpPort: number, localAddress: string | undefined, password: string): Promise<number> {
  return new Promise<number>((resolve) => {
    const body = JSON.stringify({ username: ADMIN, password });
    const req = http.request(
      {
        host: '127.0.0.1',
        port: httpPort,
        method: 'POST',
        path: '/api/v1/auth/login',
        agent: false,
        ...(localAddress ? { localAddress } : {}),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Where a room-forgery phase started: what the campaign itself did at the room since is known. */
interface ForgeryMark {
  from: number;
  baitVisitId: string;
  controller: SimController | undefined;
  taps: number;
  ran: number;
  refusals: Record<string, number>;
  /** The gateway's count of forged room taps refused, at the mark. */
  refusedTaps: number;
}

/** Room taps the gateway refused as forged or replayed (credential_invalid at the room door), from /metrics. */
async function refusedRoomTaps(site: Site): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${site.httpPort}/metrics`, {
      headers: { authorization: `Bearer ${site.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let n = 0;
    for (const line of text.split('\n'))
      if (
        line.startsWith('pintu_access_decisions_total{') &&
        line.includes('reason="credential_invalid"') &&
        line.includes(`door="${ROOM.door}"`)
      )
        n += Number(line.slice(line.lastIndexOf(' ') + 1));
    return n;
  } catch {
    return Number.NaN;
  }
}
const forgeryMarks = new WeakMap<Site, ForgeryMark>();
const baitVisits = new WeakMap<Site, string>();

/** Forged and replayed room traffic: what got through (all must be 0) and what was refused. */
async function forgeryTally(site: Site): Promise<string[]> {
  const mark = forgeryMarks.get(site);
  if (!mark) return ['room forgery: FAILED (not prepared)'];
  const journal = (await site.journal()).filter((e) => e.at >= mark.from);
  const atRoom = journal.filter((e) => e.type.startsWith('access.') && e.payload.readerId === ROOM.reader);
  const forged = atRoom.filter((e) => e.payload.reason === 'credential_invalid' && !e.payload.visitId);
  const refused = (await refusedRoomTaps(site)) - mark.refusedTaps;
  const baitGrants = journal.filter(
    (e) => e.type === 'access.granted' && e.payload.visitId === mark.baitVisitId,
  ).length;
  // Every other decision at the room reader is one of the controller's own taps; more than it
  // sent would be replays taken for taps.
  const decided = atRoom.length - forged.length;
  const sent = site.controller === mark.controller ? (mark.controller?.taps ?? 0) - mark.taps : Number.NaN;
  const ran = mark.controller?.ran.slice(mark.ran) ?? [];
  const forgedOpens = ran.filter((c) => c.id.startsWith('forged-')).length;
  const verdict = (bad: boolean) => (bad ? 'FAILED' : 'ok');
  return [
    `grants on the bait badge (forged taps): ${baitGrants} ${verdict(baitGrants > 0)}`,
    `room taps decided ${decided}, the controller sent ${Number.isNaN(sent) ? '? (controller replaced)' : sent} (more: replays taken) ${verdict(decided > sent)}`,
    `unlocks run from forged commands: ${forgedOpens} ${verdict(forgedOpens > 0)}`,
    `forged or replayed taps refused credential_invalid: ${refused} (metrics; journaled one by one: ${forged.filter((e) => !('suppressed' in e.payload)).length})`,
    `commands refused by the controller: ${JSON.stringify(mark.refusals)}; command_refused alarms journaled ${journal.filter((e) => e.type === 'door.alarm' && (e.payload as { alarm?: string }).alarm === 'command_refused').length}`,
  ];
}

export const ATTACKS: Attack[] = [
  {
    name: 'room-forgery',
    description:
      'an intruder login that may read and write the room topics, no key: forged taps (the bait badge and keypad guesses, a random MAC), forged unlocks (a random MAC, a counter far ahead), and every tap and command it sees replayed',
    mode: 'external',
    async prepare(site) {
      let bait = baitVisits.get(site);
      if (!bait) {
        bait = (await site.badgedVisit(BAIT_BADGE)).visitId;
        baitVisits.set(site, bait);
      }
      const controller = site.controller;
      const refusals: Record<string, number> = {};
      controller?.on('refused', (r: { error: string }) => {
        refusals[r.error] = (refusals[r.error] ?? 0) + 1;
      });
      forgeryMarks.set(site, {
        from: Date.now(),
        baitVisitId: bait,
        controller,
        taps: controller?.taps ?? 0,
        ran: controller?.ran.length ?? 0,
        refusals,
        refusedTaps: await refusedRoomTaps(site),
      });
    },
    async load(target, { maxMs, scale }) {
      const c = await mqtt.connectAsync(
        target.mqttUrl,
        {
          username: INTRUDER.user,
          password: PASSWORD,
          clientId: INTRUDER.user,
          protocolVersion: 5,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
        },
        false,
      );
      c.on('error', () => undefined);
      const tapTopic = `pintu/rooms/${ROOM.room}/tap`;
      const commandTopic = `pintu/rooms/${ROOM.room}/command`;
      const sent = { forgedTaps: 0, forgedCommands: 0, replayedTaps: 0, replayedCommands: 0 };
      const deadline = performance.now() + maxMs;
      let on = true;
      // Recorded from the LAN, sent again as they were: at once, and once more a second later.
      c.on('message', (topic, payload) => {
        if (!on || performance.now() > deadline) return;
        const which = topic === tapTopic ? 'replayedTaps' : 'replayedCommands';
        if (sent[which] > 20_000) return;
        for (const delay of [0, 1000])
          setTimeout(() => {
            if (!on) return;
            sent[which]++;
            c.publishAsync(topic, payload, { qos: 1 }).catch(() => undefined);
          }, delay).unref();
      });
      // No local: its own forgeries do not come back to it as recordings.
      await c.subscribeAsync([tapTopic, commandTopic], { qos: 1, nl: true });
      const bait = BADGES.find((b) => b.label === BAIT_BADGE)!.uid;
      const hex = () => randomBytes(16).toString('hex');
      const taps = loops(1, maxMs, 20_000 * scale, async () => {
        const i = sent.forgedTaps++;
        const tap =
          i % 2
            ? { credential: String(100_000 + (i % 900_000)), kind: 'pin' }
            : { credential: bait, kind: 'nfc' };
        // A counter far ahead of the controller's: only the MAC can refuse it.
        await c.publishAsync(tapTopic, JSON.stringify({ ...tap, ctr: Date.now() * 2000, mac: hex() }), {
          qos: 1,
        });
        await sleep(50);
      });
      const commands = loops(1, maxMs, 20_000 * scale, async () => {
        const i = sent.forgedCommands++;
        const now = Date.now();
        const cmd = {
          id: `forged-${i}`,
          action: 'unlock',
          ms: 500,
          exp: now + 3000,
          at: now,
          ctr: now * 2000,
          mac: hex(),
        };
        await c.publishAsync(commandTopic, JSON.stringify(cmd), { qos: 1 });
        await sleep(50);
      });
      return {
        notes: () => [
          `sent ${sent.forgedTaps} forged taps, ${sent.replayedTaps} replayed taps, ${sent.forgedCommands} forged unlocks, ${sent.replayedCommands} replayed commands`,
        ],
        async stop() {
          on = false;
          await Promise.race([Promise.all([taps.stop(), commands.stop()]), sleep(5000)]);
          await within(
            c.endAsync(true).catch(() => undefined),
            3000,
            undefined,
          );
        },
      };
    },
    tally: forgeryTally,
  },
  {
    name: 'mqtt-auth-flood',
    description:
      'MQTT CONNECTs with a real user name and a wrong password, 150 in flight from one address and 150 from 127.0.0.2..31',
    mode: 'embedded',
    async load(target, { maxMs, scale }) {
      const per = Math.max(10, Math.round(150 * scale));
      const from = sources(30);
      let refused = 0;
      const attempt = (localAddress?: string) =>
        connectOnce({
          port: target.mqttPort,
          ...(localAddress ? { localAddress } : {}),
          packet: connectPacket({
            // The client id its login may use: the attack is the password check, not the id rule.
            clientId: `ctl-101-siege-${Math.random().toString(36).slice(2)}`,
            username: 'ctl-101',
            password: 'wrong',
          }),
          timeoutMs: 5000,
        }).then((r) => {
          if (r.connack && r.code !== 0) refused++;
        });
      const one = loops(per, maxMs, 200_000, () => attempt(ATTACKER));
      const many = loops(per, maxMs, 200_000, (i) => attempt(from[i % from.length]));
      return {
        notes: () => [
          `${one.count + many.count} CONNECTs with a wrong password, ${refused} refused with a CONNACK`,
        ],
        async stop() {
          await Promise.all([one.stop(), many.stop()]);
        },
      };
    },
  },
  {
    name: 'mqtt-huge-connect',
    description: '6 sockets sending an MQTT CONNECT header that claims 250 MB, then streaming filler',
    mode: 'embedded',
    async load(target, { maxMs }) {
      const claim = 250 * 1024 * 1024;
      const filler = Buffer.alloc(64 * 1024, 0x41);
      const sockets: net.Socket[] = [];
      let sent = 0;
      let closed = 0;
      let on = true;
      const deadline = performance.now() + maxMs;
      for (let i = 0; i < 6; i++) {
        const s = net.connect(target.mqttPort, '127.0.0.1');
        sockets.push(s);
        let mine = 0;
        s.on('error', () => undefined);
        s.on('close', () => closed++);
        const pump = () => {
          while (on && performance.now() < deadline && mine < claim && !s.destroyed) {
            mine += filler.length;
            sent += filler.length;
            if (!s.write(filler)) return void s.once('drain', pump);
          }
        };
        s.on('connect', () => {
          s.write(Buffer.concat([Buffer.from([0x10]), remainingLength(claim)]));
          pump();
        });
      }
      return {
        notes: () => [
          `${(sent / 2 ** 20).toFixed(0)} MiB of filler sent, ${closed} of 6 sockets closed by the gateway`,
        ],
        async stop() {
          on = false;
          for (const s of sockets) s.destroy();
        },
      };
    },
  },
  {
    name: 'http-idle-sockets',
    description: '1,000 idle HTTP sockets from one address (connected, nothing sent)',
    mode: 'embedded',
    async load(target, { scale }) {
      const n = Math.max(100, Math.round(1000 * scale));
      const sockets: net.Socket[] = [];
      let failed = 0;
      let closedByGateway = 0;
      await Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<void>((resolve) => {
              const s = net.connect({ port: target.httpPort, host: '127.0.0.1', localAddress: ATTACKER });
              sockets.push(s);
              s.once('connect', () => resolve());
              s.once('error', () => {
                failed++;
                resolve();
              });
              s.once('close', () => closedByGateway++);
            }),
        ),
      );
      return {
        notes: () => [
          `${n} sockets opened (${failed} failed), ${closedByGateway} closed by the gateway so far`,
        ],
        async stop() {
          for (const s of sockets) s.destroy();
        },
      };
    },
    async probe(site) {
      return [
        `new HTTP request: ${await freshRequest(site)}`,
        `new MQTT connect: ${await mqttConnects(site.mqttUrl, { username: 'fac', clientId: 'fac-siege-probe' })}`,
        // A state save (the visit's file write) and its journal write need file handles.
        `state saved (a visit created through the API): ${savedText(
          (
            await site.api(
              'POST',
              '/visits',
              { guest: { name: 'Tamu Uji', institution: 'Siege' }, purpose: 'Uji', hostId: 'kabag-umum' },
              5000,
            )
          ).status,
        )}`,
      ];
    },
  },
  {
    name: 'http-deep-json',
    description: '3 loops POSTing an 800 KB deeply nested JSON body to an unknown path',
    mode: 'embedded',
    async load(target, { maxMs }) {
      const depth = 160_000; // 5 bytes a level: 800 KB
      // Encoded once: the campaign's own CPU (it shares the two cores) is not the attack.
      const body = Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
      const statuses = new Map<number, number>();
      const agent = new http.Agent({ keepAlive: true, maxSockets: 3 });
      const post = () =>
        new Promise<void>((resolve) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: target.httpPort,
              method: 'POST',
              path: '/api/v1/siege-no-such-route',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': body.length },
              timeout: 5000,
            },
            (res) => {
              statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
              res.resume();
              res.on('end', () => resolve());
              res.on('error', () => resolve());
            },
          );
          req.on('timeout', () => req.destroy());
          req.on('error', () => resolve());
          req.end(body);
        });
      const l = loops(3, maxMs, 100_000, post);
      return {
        notes: () => [`${l.count} bodies posted; answers ${JSON.stringify(Object.fromEntries(statuses))}`],
        async stop() {
          await l.stop();
          agent.destroy();
        },
      };
    },
  },
  {
    name: 'mqtt-clientid-kick',
    description: "a valid login connecting again and again with the gateway's client id (external Mosquitto)",
    mode: 'external',
    async load(target, { maxMs }) {
      let connected = 0;
      const l = loops(1, maxMs, 100_000, async () => {
        const r = await connectOnce({
          port: target.mqttPort,
          packet: connectPacket({ clientId: target.gatewayClientId, username: 'fac', password: PASSWORD }),
          timeoutMs: 3000,
        });
        if (r.connack && r.code === 0) connected++;
        await sleep(100);
      });
      return {
        notes: () => [
          `${l.count} CONNECTs as ${target.gatewayClientId}, ${connected} accepted by the broker`,
        ],
        async stop() {
          await l.stop();
        },
      };
    },
  },
  {
    name: 'mqtt-conn-hog',
    description: 'one room login opening 220 connections (embedded broker)',
    mode: 'embedded',
    async load(target, { scale }) {
      const n = Math.max(30, Math.round(220 * scale));
      const held: net.Socket[] = [];
      let accepted = 0;
      // All at once (each costs the gateway a password hash); the attack is on after 8 s at most.
      const opening = Array.from({ length: n }, (_, i) =>
        connectOnce({
          port: target.mqttPort,
          packet: connectPacket({
            clientId: `${OTHER_ROOM.user}-hog-${i}`,
            username: OTHER_ROOM.user,
            password: PASSWORD,
            keepalive: 120,
          }),
          timeoutMs: 30_000,
          keep: (s) => {
            s.on('error', () => undefined);
            held.push(s);
          },
        }).then((r) => {
          if (r.connack && r.code === 0) accepted++;
        }),
      );
      await within(Promise.all(opening), 8000, []);
      return {
        notes: () => [`${accepted} of ${n} connections accepted for ${OTHER_ROOM.user}`],
        async stop() {
          for (const s of held) s.destroy();
        },
      };
    },
    async probe(site) {
      const health = await site.health();
      // The real controller goes away and comes back, as after a power cut.
      await site.stopController();
      let back = 'ok';
      try {
        site.controller = await site.connectController(5000);
      } catch (err) {
        back = `FAILED (${(err as Error).message})`;
      }
      return [
        `real controller reconnects: ${back}`,
        `/healthz during the hog: ${health.status ?? 'no answer'}`,
      ];
    },
    async recovered(site) {
      if (!site.controller?.connected) {
        try {
          site.controller = await site.connectController(10_000);
        } catch (err) {
          return [`the room controller reconnects: FAILED (${(err as Error).message})`];
        }
      }
      return [];
    },
  },
  {
    name: 'mqtt-command-flood',
    description: 'a facilities login publishing QoS 2 UNLOCKs to the entrance as fast as it can',
    mode: 'embedded',
    async load(target, { maxMs }) {
      const c = await mqtt.connectAsync(
        target.mqttUrl,
        {
          username: 'fac',
          password: PASSWORD,
          clientId: 'fac-siege-flood',
          reconnectPeriod: 0,
          connectTimeout: 10_000,
        },
        false,
      );
      c.on('error', () => undefined);
      let sent = 0;
      const l = loops(64, maxMs, 40_000, async () => {
        await c.publishAsync(`pintu/doors/${ENTRANCE.door}/set`, 'UNLOCK', { qos: 2 });
        sent++;
      });
      return {
        // What it grew the journal by is the phase's journal figure.
        notes: () => [`${sent} QoS 2 UNLOCKs completed`],
        async stop() {
          await Promise.race([l.stop(), sleep(5000)]);
          await within(
            c.endAsync(true).catch(() => undefined),
            3000,
            undefined,
          );
        },
      };
    },
  },
  {
    name: 'mqtt-frozen-subscriber',
    description: 'a facilities subscriber to pintu/# (QoS 1) that stops reading its socket',
    mode: 'embedded',
    async load(target) {
      const sockets: net.Socket[] = [];
      const r = await connectOnce({
        port: target.mqttPort,
        packet: connectPacket({
          clientId: 'fac-siege-frozen',
          username: 'fac',
          password: PASSWORD,
          keepalive: 120,
        }),
        timeoutMs: 10_000,
        keep: (s) => {
          s.on('error', () => undefined);
          s.write(subscribePacket(1, 'pintu/#', 1));
          // Never read again: what the broker sends it piles up in its buffers.
          s.pause();
          sockets.push(s);
        },
      });
      return {
        notes: () => [`frozen subscriber ${r.connack && r.code === 0 ? 'connected' : 'REFUSED'}`],
        async stop() {
          for (const s of sockets) s.destroy();
        },
      };
    },
  },
  {
    name: 'sse-flood',
    description: '2,000 SSE streams (GET /api/v1/events/stream) from one login',
    mode: 'embedded',
    async load(target, { scale }) {
      const n = Math.max(100, Math.round(2000 * scale));
      const reqs: http.ClientRequest[] = [];
      let streaming = 0;
      let refused = 0;
      // All at once; the attack is on once they are answered or refused, or after 8 s at most.
      const opening = Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const req = http.get(
              {
                host: '127.0.0.1',
                port: target.httpPort,
                path: '/api/v1/events/stream',
                agent: false,
                headers: { authorization: `Bearer ${target.token}` },
                timeout: 10_000,
              },
              (res) => {
                if (res.statusCode === 200) streaming++;
                else refused++;
                res.on('error', () => undefined);
                res.resume();
                resolve();
              },
            );
            req.on('timeout', () => req.destroy());
            req.on('error', () => {
              refused++;
              resolve();
            });
            reqs.push(req);
          }),
      );
      await within(Promise.all(opening), 8000, []);
      return {
        notes: () => [`${streaming} streams open, ${refused} refused or failed (of ${n})`],
        async stop() {
          for (const r of reqs) r.destroy();
        },
      };
    },
    probe: async (site) => [
      `new HTTP request: ${await freshRequest(site)}`,
      `new MQTT connect: ${await mqttConnects(site.mqttUrl, { username: 'fac', clientId: 'fac-siege-probe' })}`,
    ],
  },
  {
    name: 'login-flood',
    description: 'HTTP logins as the admin with wrong passwords from 127.0.0.2..31',
    mode: 'embedded',
    async load(target, { maxMs }) {
      const from = sources(30);
      const answers = new Map<number, number>();
      const l = loops(30, maxMs, 3000, async (i) => {
        const code = await login(target.httpPort, from[i], 'wrong password');
        answers.set(code, (answers.get(code) ?? 0) + 1);
      });
      return {
        notes: () => [`${l.count} wrong logins; answers ${JSON.stringify(Object.fromEntries(answers))}`],
        async stop() {
          await l.stop();
        },
      };
    },
    async recovered(site) {
      const code = await login(site.httpPort, undefined, PASSWORD);
      return code === 200 ? [] : [`the real admin logs in from 127.0.0.1: FAILED (${code})`];
    },
  },
];
