// The hardware-free lab of ../shared/lab for the hardware tests: what each suite needs, and
// the suite wrappers that skip or fail when it is missing. The tools themselves (pcscd and
// virtual badges, pty pairs, fake sysfs trees) are in lab-tools.ts, re-exported here.
//
// A suite that needs something missing here skips itself and says what is missing, in its
// title and on stderr; under CI=true it fails instead (CI installs everything: .ci/run).
// Services are started idempotently by the tests themselves, so `npx vitest run` works on a
// machine with the packages and nothing started.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { LAB, PYTHON } from './lab-tools.js';

export * from './lab-tools.js';

const root = resolve(import.meta.dirname, '../..');

export type Need =
  | 'lab'
  | 'root'
  | 'pcscd'
  | 'vsmartcard-vpcd'
  | 'python3-virtualsmartcard'
  | 'nfc-pcsc'
  | 'socat'
  | 'unshare'
  | 'python3'
  | 'mosquitto';

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, cmd)));
}

const CHECKS: Record<Need, () => string | undefined> = {
  lab: () => (existsSync(join(LAB, 'start-pcsc-lab.sh')) ? undefined : `the lab scripts (${LAB})`),
  root: () => (process.getuid?.() === 0 ? undefined : 'root (pcscd socket, unshare --mount)'),
  pcscd: () => (existsSync('/usr/sbin/pcscd') ? undefined : 'pcscd (apt package pcscd)'),
  'vsmartcard-vpcd': () =>
    existsSync('/usr/lib/pcsc/drivers/serial/libifdvpcd.so')
      ? undefined
      : 'the vpcd driver (apt package vsmartcard-vpcd)',
  'python3-virtualsmartcard': () =>
    existsSync('/usr/lib/python3/site-packages/virtualsmartcard')
      ? undefined
      : 'the virtualsmartcard library (apt package python3-virtualsmartcard)',
  'nfc-pcsc': () => {
    try {
      createRequire(join(root, 'package.json'))('nfc-pcsc');
      return undefined;
    } catch (err) {
      return `the npm package nfc-pcsc, built against libpcsclite (apt package libpcsclite-dev, then npm install): ${(err as Error).message.split('\n')[0]}`;
    }
  },
  socat: () => (onPath('socat') ? undefined : 'socat (apt package socat)'),
  unshare: () => (onPath('unshare') ? undefined : 'unshare (util-linux)'),
  python3: () => (existsSync(PYTHON) ? undefined : `${PYTHON}`),
  mosquitto: () =>
    onPath('mosquitto') || existsSync('/usr/sbin/mosquitto')
      ? onPath('mosquitto_passwd')
        ? undefined
        : 'mosquitto_passwd (apt package mosquitto)'
      : 'mosquitto (apt package mosquitto)',
};

export function missing(needs: readonly Need[]): string[] {
  return needs.map((n) => CHECKS[n]()).filter((m): m is string => m !== undefined);
}

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
