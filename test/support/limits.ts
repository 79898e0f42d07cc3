// Time limits of the tests (deadlines: a hook's or a test's limit, how long to wait for a
// sentinel), scaled for a slower machine. Under emulation (scripts/pi-check.sh runs the
// hardware tests in an arm64 root under qemu-user, 15-25x slower than this machine) a limit
// written for a real machine runs out before the work is done. PINTU_TEST_TIME_SCALE
// multiplies every limit that goes through here; 1 when unset. Never used for assertions on
// durations: a test proves what it claims by a sentinel, not by how fast it came.

const VARIABLE = 'PINTU_TEST_TIME_SCALE';

/** The factor in `value` (PINTU_TEST_TIME_SCALE): 1 when unset, else a number from 1 to 1000. */
export function timeScale(value: string | undefined = process.env[VARIABLE]): number {
  if (value === undefined || value.trim() === '') return 1;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 1000)
    throw new Error(`${VARIABLE} must be a number from 1 to 1000 (got "${value}")`);
  return n;
}

/** `ms` scaled by PINTU_TEST_TIME_SCALE: for test and hook limits and sentinel deadlines. */
export function limit(ms: number): number {
  return Math.round(ms * timeScale());
}
