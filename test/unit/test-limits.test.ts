// The tests' time limits scale under emulation (PINTU_TEST_TIME_SCALE, test/support/limits.ts):
// unset means as written; a bad value stops the run naming the variable, never a silent 1.
import { afterEach, describe, expect, it } from 'vitest';
import { limit, timeScale } from '../support/limits.js';

describe('test time limits', () => {
  const saved = process.env.PINTU_TEST_TIME_SCALE;
  afterEach(() => {
    if (saved === undefined) delete process.env.PINTU_TEST_TIME_SCALE;
    else process.env.PINTU_TEST_TIME_SCALE = saved;
  });

  it('is 1 when unset or empty, else the factor given', () => {
    expect(timeScale(undefined)).toBe(1);
    expect(timeScale(' ')).toBe(1);
    expect(timeScale('30')).toBe(30);
    expect(timeScale('2.5')).toBe(2.5);
  });

  it('refuses a value that is not a factor from 1 to 1000, naming the variable', () => {
    for (const bad of ['0', '0.5', '-3', 'x30', 'Infinity', 'NaN', '1001'])
      expect(() => timeScale(bad)).toThrow(/^PINTU_TEST_TIME_SCALE must be a number from 1 to 1000/);
  });

  it('multiplies a limit by the variable', () => {
    process.env.PINTU_TEST_TIME_SCALE = '25';
    expect(limit(30_000)).toBe(750_000);
    delete process.env.PINTU_TEST_TIME_SCALE;
    expect(limit(30_000)).toBe(30_000);
  });
});
