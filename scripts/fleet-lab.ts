// The fleet lab (issue 17, README "Fleet"): a desk and N door gateways as separate `pintu start`
// processes, each with its own data folder, configuration, key and HTTP port, on one private
// Mosquitto with the shipped fleet ACL, or (--bridged) on two, one per building, the desk on A and
// the door gateways on B, A bridged to B with the shipped fleet-bridge.conf; simulated doors and
// readers (test/support/fleet-processes.ts). The desk accepts visits through its API, the guests
// tap at every entrance through each gateway's API (its CLI token), then check out and tap again.
// Prints, per visit, how long each entrance took to open after the badge and to refuse after the
// checkout (wall time, polled every 20 ms: the lab's, not a benchmark's figures;
// `npm run campaign:fleet` measures).
//
//   npx tsx scripts/fleet-lab.ts [--doors 3] [--visits 3] [--bridged] [--keep]
//   (--keep: leave the fleet running, print its addresses, stop on Ctrl-C)

import { parseArgs } from 'node:util';
import { startProcessFleet } from '../test/support/fleet-processes.js';

const { values } = parseArgs({
  options: {
    doors: { type: 'string', default: '3' },
    visits: { type: 'string', default: '3' },
    bridged: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.doors);
const VISITS = Number(values.visits);

async function main(): Promise<void> {
  const fleet = await startProcessFleet({ doors: N, bridged: values.bridged });
  const { desk, doors, brokers } = fleet;
  try {
    process.stdout.write(
      values.bridged
        ? `fleet lab: desk http://127.0.0.1:${desk.port} on broker A ${brokers.a.url}, ${N} door gateways on broker B ${brokers.b.url} (A bridged to B)\n`
        : `fleet lab: desk http://127.0.0.1:${desk.port}, ${N} door gateways, broker ${brokers.a.url}\n`,
    );
    for (let k = 0; k < VISITS; k++) {
      let badged = 0;
      const v = await fleet.visit(k, () => {
        badged = performance.now();
      });
      const open = await Promise.all(doors.map((d) => fleet.until(d, v.uid, true, badged)));
      const out = performance.now();
      await fleet.checkout(v.id);
      const shut = await Promise.all(doors.map((d) => fleet.until(d, v.uid, false, out)));
      process.stdout.write(
        `  visit ${k + 1}: opens every entrance within ${Math.max(...open).toFixed(0)} ms of its badge, refused everywhere within ${Math.max(...shut).toFixed(0)} ms of its checkout\n`,
      );
    }
    const status = await fleet.api(desk, 'GET', '/fleet/status');
    process.stdout.write(`desk's fleet status: ${JSON.stringify(status)}\n`);
    if (values.keep) {
      process.stdout.write('running; Ctrl-C stops the fleet and removes its folders\n');
      await new Promise((r) => process.once('SIGINT', r));
    }
  } finally {
    await fleet.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fleet lab failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
