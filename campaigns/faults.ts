// Fault campaign (issue 6): device and broker faults under one running gateway, at random.
// The gateway of test/support/fault-rig.ts (a PC/SC reader on a real pcscd with a virtual
// badge, a serial reader on a socat pty pair, GPIO relays on a fake sysfs tree, a room
// controller on a private Mosquitto) gets a steady stream of badge taps at its two local
// readers; each round breaks one thing for a random while: pcscd killed, the serial device
// unplugged, the broker stopped, the room controller deaf (it never acks), then mends it.
// After every round:
//  - decisions kept coming during the fault at every local reader that still had its device,
//    each the right one (the badge granted, an unknown card refused);
//  - the right alarm was raised during the fault (reader_offline on the door of the reader
//    that lost its device; no_ack on the room door), no other (but see `incidental`), and it
//    was cleared after;
//  - the gateway recovered without a restart: the alarm cleared and no door left with one, the
//    mended reader back, the broker connection back with its backlog drained and pintu/events
//    complete and in journal order, /healthz ok (the time from the mend to all of that is the
//    time to recover); then the mended reader grants again.
//
//   npm run campaign:faults -- --rounds 10 [--seed N]
//   (test/system/fault-devices.test.ts runs each fault once, in order, in CI)
import { parseArgs } from 'node:util';
import { between, pick, rng } from '../bench/lib/fixtures.js';
import type { JournalEntry } from '../src/domain/events.js';
import {
  DOOR,
  FAULTS,
  type Fault,
  FaultRig,
  LOCAL,
  READER,
  type ReaderKind,
  RIG_NEEDS,
  UNKNOWN_UID,
} from '../test/support/fault-rig.js';
import { missing } from '../test/support/lab-tools.js';

export interface FaultCampaignOptions {
  rounds: number;
  seed?: number;
  /** How long each fault lasts, drawn between these (ms); longer than the reader debounce (2 s). */
  minFaultMs?: number;
  maxFaultMs?: number;
  log?: (line: string) => void;
}

export interface FaultCampaignResult {
  seed: number;
  rounds: number;
  /** Taps at the local readers, and what came of them. */
  taps: number;
  granted: number;
  denied: number;
  /** Taps at a reader whose device was away or coming back: no decision expected. */
  tapsAtFaultedReader: number;
  /** Grants at the local readers while a fault was on. */
  grantsDuringFaults: number;
  alarmsRaised: number;
  alarmsCleared: number;
  /** Of those raised: the room controller's offline during a broker outage (see `incidental`). */
  incidentalAlarms: number;
  byFault: Record<Fault, { rounds: number; recoverMs: number[]; alarmMs: number[] }>;
  problems: string[];
}

/** The local reader a fault takes away (none for the broker and the room controller). */
const AFFECTS: Record<Fault, ReaderKind | undefined> = {
  pcscd: 'nfc',
  serial: 'serial',
  broker: undefined,
  no_ack: undefined,
};
/** The alarm a fault must raise: [door, alarm, actor]; none for the broker. */
const EXPECTED: Record<Fault, [string, string, string] | undefined> = {
  pcscd: [DOOR.nfc, 'reader_offline', READER.nfc],
  serial: [DOOR.serial, 'reader_offline', READER.serial],
  broker: undefined,
  no_ack: [DOOR.room, 'no_ack', 'room:r101'],
};

/**
 * An alarm a fault may raise besides its own: with the broker stopped, the room controller
 * is cut off too, and the broker may publish its last will (the offline alarm, which its
 * birth message ends once both are back). It must be cleared by the end of the round.
 */
const incidental = (fault: Fault, [type, door, alarm]: [string, string, string, string]) =>
  fault === 'broker' && type === 'door.alarm' && door === DOOR.room && alarm === 'offline';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TapRecord {
  kind: ReaderKind;
  at: number;
  known: boolean;
  decision: JournalEntry | undefined;
  /** Its reader was the one the fault of the moment took away (at the start or the end of the tap). */
  affected: boolean;
  /** A fault was on (between its injection and its mend) when the tap began. */
  duringFault: boolean;
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function faultCampaign(options: FaultCampaignOptions): Promise<FaultCampaignResult> {
  const lacking = missing(RIG_NEEDS);
  if (lacking.length) throw new Error(`the lab is missing: ${lacking.join('; ')}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  // One stream per actor, so that the faults and their timing follow from the seed alone.
  const plan = rng(seed);
  const tapRand = { nfc: rng(seed + 1), serial: rng(seed + 2), room: rng(seed + 3) };
  const log = options.log ?? (() => {});
  const minFaultMs = options.minFaultMs ?? 3000;
  const maxFaultMs = options.maxFaultMs ?? 6000;
  const problems: string[] = [];
  const taps: TapRecord[] = [];
  const byFault = Object.fromEntries(
    FAULTS.map((f) => [f, { rounds: 0, recoverMs: [] as number[], alarmMs: [] as number[] }]),
  ) as FaultCampaignResult['byFault'];
  let round = 0;
  const problem = (text: string) => {
    problems.push(`round ${round}: ${text}`);
    log(`  PROBLEM round ${round}: ${text}`);
  };

  log(`fault campaign: ${options.rounds} rounds, seed ${seed}`);
  const rig = await FaultRig.start();
  /** When each journal entry arrived (the rig's gateway clock stands still). */
  const arrived = new Map<number, number>();
  rig.g.gateway.core.bus.on('entry', (e) => arrived.set(e.seq, performance.now()));
  /** The fault of the moment: on from its injection until the gateway has recovered from it. */
  let current: Fault | undefined;
  /** Between the end of the injection and the start of the mend. */
  let faultOn = false;
  /** Local readers nobody taps now (their device is away). */
  const away = new Set<ReaderKind>();
  let running = true;
  let alarms: ReturnType<FaultRig['alarms']> = [];
  let incidentalAlarms = 0;

  const tapper = async (kind: ReaderKind) => {
    const r = tapRand[kind];
    while (running) {
      if (away.has(kind)) {
        await sleep(50);
        continue;
      }
      const known = r() >= 0.1; // one tap in ten: a card the gateway does not know
      const at = performance.now();
      const affectedAtStart = current !== undefined && AFFECTS[current] === kind;
      const duringFault = faultOn;
      const decision = await rig.tap(kind, known ? rig.uid : UNKNOWN_UID);
      const affected = affectedAtStart || (current !== undefined && AFFECTS[current] === kind);
      taps.push({ kind, at, known, decision, affected, duringFault });
      if (!affected) {
        if (!decision) problem(`a tap at ${READER[kind]} (its device there) got no decision`);
        else if (decision.type !== (known ? 'access.granted' : 'access.denied'))
          problem(
            `a tap at ${READER[kind]}: ${decision.type} for ${known ? 'the badge' : 'an unknown card'}`,
          );
      }
      await sleep(between(r, 50, 250));
    }
  };
  const tappers = LOCAL.map((k) => tapper(k));

  /** Polls `ok` until it holds; false after timeoutMs. */
  const until = async (ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (await ok()) return true;
      await sleep(20);
    }
    return ok();
  };
  const healthOk = async () => (await rig.health()).status === 'ok';

  try {
    for (round = 1; round <= options.rounds; round++) {
      const fault = pick(plan, FAULTS);
      const before = Math.round(between(plan, 500, 2000));
      const hold = Math.round(between(plan, minFaultMs, maxFaultMs));
      const reader = AFFECTS[fault];
      const expected = EXPECTED[fault];
      byFault[fault].rounds++;
      await sleep(before);
      const from = rig.entries.length;
      const tapsFrom = taps.length;
      const backlogBefore = rig.g.mqtt.health().backlog;

      // Break it.
      current = fault;
      if (reader) away.add(reader);
      const injected = performance.now();
      await rig.inject(fault);
      faultOn = true;
      await sleep(hold);

      // During: the alarm (and nothing else), the health, the MQTT link.
      const raised = rig.alarms(from).filter((a) => a[0] === 'door.alarm' && !incidental(fault, a));
      incidentalAlarms += rig.alarms(from).filter((a) => incidental(fault, a)).length;
      const want = expected ? [['door.alarm', ...expected]] : [];
      if (JSON.stringify(raised) !== JSON.stringify(want))
        problem(`${fault}: alarms raised ${JSON.stringify(raised)}, expected ${JSON.stringify(want)}`);
      const alarm = rig.entries.slice(from).find((e) => e.type === 'door.alarm');
      if (alarm && expected) byFault[fault].alarmMs.push(arrived.get(alarm.seq)! - injected);
      const health = await rig.health();
      if (
        reader &&
        !(
          health.status === 'degraded' &&
          health.problems?.some((p) => p.startsWith(`reader ${READER[reader]}: offline`))
        )
      )
        problem(`${fault}: /api/v1/health ${JSON.stringify(health)} does not name ${READER[reader]}`);
      if (fault === 'broker') {
        const m = rig.g.mqtt.health();
        if (m.connected) problem('broker: MQTT still connected with the broker stopped');
        if (m.backlog <= backlogBefore)
          problem(`broker: the backlog did not grow (${backlogBefore} -> ${m.backlog})`);
      }
      if (fault === 'no_ack' && rig.g.mqtt.doorState(DOOR.room)?.locked !== null)
        problem('no_ack: the room door state is not unknown (locked: null)');
      const during = taps.slice(tapsFrom).filter((t) => t.duringFault && !t.affected);
      for (const kind of LOCAL.filter((k) => k !== reader))
        if (!during.some((t) => t.kind === kind && t.decision))
          problem(`${fault}: no decision at ${READER[kind]} during the fault`);

      // Mend it, and wait for the gateway to be whole again.
      faultOn = false;
      await rig.restore(fault);
      const mended = performance.now();
      if (reader) away.delete(reader);
      const cleared = () =>
        !expected || rig.alarms(from).some((a) => a[0] === 'door.alarm_cleared' && a[1] === expected[0]);
      const readerBack = () =>
        !reader || rig.g.gateway.readers.states().find((r) => r.id === READER[reader])?.connected === true;
      const grantedAgain = () =>
        !reader ||
        taps.some((t) => t.kind === reader && t.at >= mended && t.decision?.type === 'access.granted');
      /** Alarms up now: in the door states, and journaled this round without their end. */
      const doorAlarms = () => {
        const journaled = new Map<string, number>();
        for (const [type, door, alarm] of rig.alarms(from)) {
          const key = `${alarm}@${door}`;
          journaled.set(key, (journaled.get(key) ?? 0) + (type === 'door.alarm' ? 1 : -1));
        }
        const up = new Set([...journaled].filter(([, n]) => n > 0).map(([key]) => key));
        for (const d of Object.values(DOOR))
          for (const a of rig.g.mqtt.doorState(d)?.alarms ?? []) up.add(`${a}@${d}`);
        return [...up];
      };
      let roomTapped = false;
      const recovered = await until(async () => {
        if (fault === 'no_ack' && !cleared() && !roomTapped) {
          roomTapped = true; // the next command to the controller, acknowledged this time
          await rig.tap('room');
        }
        const m = rig.g.mqtt.health();
        return (
          cleared() &&
          doorAlarms().length === 0 &&
          readerBack() &&
          m.connected &&
          m.backlog === 0 &&
          rig.eventsProblem(0) === undefined &&
          (await healthOk())
        );
      }, 20_000);
      const recoverMs = performance.now() - mended;
      if (!recovered) {
        const m = rig.g.mqtt.health();
        problem(
          `${fault}: not recovered 20 s after the mend (alarm cleared ${cleared()}, door alarms [${doorAlarms().join(', ')}], reader back ${readerBack()}, mqtt ${JSON.stringify({ connected: m.connected, backlog: m.backlog })}, events ${rig.eventsProblem(0) ?? 'ok'}, health ${JSON.stringify(await rig.health())})`,
        );
      } else byFault[fault].recoverMs.push(recoverMs);
      // The mended reader decides again (its tapper may have tapped into the dead device first).
      if (!(await until(grantedAgain, 10_000)))
        problem(`${fault}: no grant at ${READER[reader!]} after the mend`);
      current = undefined;
      const roundTaps = taps.slice(tapsFrom);
      log(
        `round ${round}: ${fault.padEnd(6)} ${(hold / 1000).toFixed(1)} s after ${(before / 1000).toFixed(1)} s; ` +
          `${during.filter((t) => t.decision?.type === 'access.granted').length} grants during it; ` +
          `alarms ${
            rig
              .alarms(from)
              .map((a) => `${a[0].replace('door.', '')} ${a[2]}@${a[1]}`)
              .join(', ') || 'none'
          }; ` +
          `recovered in ${recovered ? `${recoverMs.toFixed(0)} ms` : 'NEVER'}; ${roundTaps.length} taps`,
      );
    }
    if (rig.entries.some((e) => e.type.startsWith('system.')))
      problem('the gateway restarted (system.* entries in the journal)');
  } finally {
    running = false;
    await Promise.all(tappers);
    alarms = rig.alarms(0);
    await rig.close();
  }
  const local = taps;
  return {
    seed,
    rounds: options.rounds,
    taps: local.length,
    granted: local.filter((t) => t.decision?.type === 'access.granted').length,
    denied: local.filter((t) => t.decision?.type === 'access.denied').length,
    tapsAtFaultedReader: local.filter((t) => t.affected).length,
    grantsDuringFaults: local.filter((t) => t.duringFault && t.decision?.type === 'access.granted').length,
    alarmsRaised: alarms.filter((a) => a[0] === 'door.alarm').length,
    alarmsCleared: alarms.filter((a) => a[0] === 'door.alarm_cleared').length,
    incidentalAlarms,
    byFault,
    problems,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `npx tsx campaigns/faults.ts -- --rounds 10` passes the `--` on (npm run does not).
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === '--' ? args.slice(1) : args,
    options: {
      rounds: { type: 'string', default: '20' },
      seed: { type: 'string' },
    },
  });
  const started = performance.now();
  faultCampaign({
    rounds: Number(values.rounds),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  }).then(
    (r) => {
      const s = ((performance.now() - started) / 1000).toFixed(0);
      const ms = (x: number) => (Number.isNaN(x) ? '-' : `${x.toFixed(0)} ms`);
      const lines = [
        '',
        `${r.rounds} rounds in ${s} s (seed ${r.seed})`,
        `taps at the local readers: ${r.taps} (${r.granted} granted, ${r.denied} denied, ${r.tapsAtFaultedReader} at a reader while its device was away or coming back)`,
        `grants during faults: ${r.grantsDuringFaults}`,
        `alarms: ${r.alarmsRaised} raised, ${r.alarmsCleared} cleared (of those raised, ${r.incidentalAlarms} the room controller's offline while the broker was down)`,
        'per fault: time from the fault to its alarm; time to recover, from the mend to: no door alarm,',
        '  the reader back, the broker connection back with its backlog drained, /healthz ok',
        ...FAULTS.map((f) => {
          const b = r.byFault[f];
          const max = (xs: number[]) => (xs.length ? Math.max(...xs) : Number.NaN);
          return `  ${f.padEnd(7)} ${String(b.rounds).padStart(3)} rounds  alarm after: median ${ms(median(b.alarmMs)).padStart(8)}, max ${ms(max(b.alarmMs)).padStart(8)}  recovered: median ${ms(median(b.recoverMs)).padStart(8)}, max ${ms(max(b.recoverMs)).padStart(8)}`;
        }),
        `${r.problems.length} problems`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      process.exit(r.problems.length ? 1 : 0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
