// The hardware-free lab of ../shared/lab for the hardware tests: the suite wrappers that skip
// or fail when something a suite needs is missing. The tools themselves (pcscd and virtual
// badges, pty pairs, fake sysfs trees) and the checks of what is missing are in lab-tools.ts,
// re-exported here.
//
// A suite that needs something missing here skips itself and says what is missing, in its
// title and on stderr; under CI=true it fails instead (CI installs everything: .ci/run).
// Services are started idempotently by the tests themselves, so `npx vitest run` works on a
// machine with the packages and nothing started.
import { describe, it } from 'vitest';
import { missing, type Need } from './lab-tools.js';

export * from './lab-tools.js';

/**
 * `describe` for a suite that needs lab packages: runs when all are here; otherwise skipped
 * with the missing ones named, or failed when CI=true.
 */
export function labSuite(name: string, needs: readonly Need[], body: () => void): void {
  const lacking = missing(needs);
  if (lacking.length === 0) {
    describe(name, body);
    return;
  }
  const why = `missing: ${lacking.join('; ')}`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`has what it needs (${why})`, () => {
        throw new Error(`${name}: ${why}. CI must install and start these (see .ci/run).`);
      });
    });
    return;
  }
  process.stderr.write(`[lab] skipping "${name}": ${why}\n`);
  describe.skip(`${name} [skipped, ${why}]`, body);
}

/**
 * For one need outside the Need list, or inside a test file's top level: true when
 * `present`; otherwise false with the reason on stderr (the caller skips), or, under
 * CI=true, an error that fails the file naming what is missing.
 */
export function requireLab(what: string, present: boolean): boolean {
  if (present) return true;
  if (process.env.CI === 'true') throw new Error(`missing: ${what}. CI must install it (see .ci/run).`);
  process.stderr.write(`[lab] skipping: missing ${what}\n`);
  return false;
}
