// The attacker as a process of its own: an attack's traffic (attacks.ts `load`) runs here, the
// campaign that measures the door path runs in another. On a LAN the attacker is another
// machine; run in the campaign's own event loop, a flood of thousands of connections a second
// delays the campaign's tap requests and their answers, and the tap latency it measured was
// the attacker's, not the gateway's.
// The attacker runs at the lowest priority (nice 19): sharing this machine's cores, it sends
// what the CPU the gateway and the campaign leave allows, and does not take the gateway's own
// CPU as a machine elsewhere on the LAN could not. (For an attacker with a whole core of its
// own: taskset -c 0 npm run campaign:siege -- --gateway-cpus 1.) Both sides of the IPC:
//   launch()  in the campaign: forks this file, starts the attack, stops it, gets its notes;
//   main      in the child: runs the attack's load until told to stop.
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ATTACKS, type Attack, type Target } from './attacks.js';
import type { Site } from './site.js';

type ToAttacker = { start: string; target: Target; maxMs: number; scale: number } | { stop: true };
type FromAttacker = { started: true } | { stopped: true; notes: string[] } | { error: string };

/** An attack running in its process, with the campaign's own probes of it. */
export interface Running {
  /** Stop the traffic (the attacker's sockets closed, its process gone). */
  stop(): Promise<void>;
  /** What the attack did and saw, once it stopped. */
  notes(): string[];
  probe?(): Promise<string[]>;
  recovered?(): Promise<string[]>;
}

const SELF = fileURLToPath(import.meta.url);
/** How long the attacker has to start its traffic and to stop it. */
const START_MS = 30_000;
const STOP_MS = 15_000;

/** Start `attack` against `site` in an attacker process of its own. */
export async function launch(
  attack: Attack,
  site: Site,
  o: { maxMs: number; scale: number },
): Promise<Running> {
  const child = fork(SELF, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    if (child.pid) setPriority(child.pid, 19);
  } catch {
    // Not permitted here: the attacker then competes at normal priority (a harder siege).
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (ms: number, what: string) =>
    new Promise<FromAttacker>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the attacker did not ${what} within ${ms} ms`));
      }, ms);
      const done = (m?: FromAttacker) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (!m) reject(new Error(`the attacker exited before it could ${what}`));
        else if ('error' in m) reject(new Error(`attacker: ${m.error}`));
        else resolve(m);
      };
      const onMessage = (m: FromAttacker) => done(m);
      const onExit = () => done();
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const target: Target = {
    httpPort: site.httpPort,
    mqttPort: site.mqttPort,
    mqttUrl: site.mqttUrl,
    gatewayClientId: site.gatewayClientId,
    token: site.token,
  };
  const started = next(START_MS, 'start');
  child.send({ start: attack.name, target, maxMs: o.maxMs, scale: o.scale } satisfies ToAttacker);
  await started.catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw err;
  });
  let notes: string[] = [];
  let stopping: Promise<void> | undefined;
  return {
    notes: () => notes,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const stopped = next(STOP_MS, 'stop');
          child.send({ stop: true } satisfies ToAttacker);
          const m = await stopped.catch((err: unknown) => ({ error: (err as Error).message }));
          notes = 'notes' in m ? m.notes : [`attacker: ${'error' in m ? m.error : 'no notes'}`];
        }
        await exited;
      })();
      return stopping;
    },
    ...(attack.probe ? { probe: () => attack.probe!(site) } : {}),
    ...(attack.recovered ? { recovered: () => attack.recovered!(site) } : {}),
  };
}

/** The child: one attack, started and stopped by the campaign; gone with it. */
function attacker(): void {
  const send = (m: FromAttacker) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  let load: Awaited<ReturnType<Attack['load']>> | undefined;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToAttacker) => {
    void (async () => {
      try {
        if ('start' in m) {
          const attack = ATTACKS.find((a) => a.name === m.start);
          if (!attack) throw new Error(`unknown attack ${m.start}`);
          load = await attack.load(m.target, { maxMs: m.maxMs, scale: m.scale });
          await send({ started: true });
        } else {
          await load?.stop();
          await send({ stopped: true, notes: load?.notes() ?? [] });
          process.exit(0);
        }
      } catch (err) {
        await send({ error: (err as Error).message });
        process.exit(1);
      }
    })();
  });
}

if (process.argv[1] === SELF && process.send) attacker();
