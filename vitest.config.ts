import { defineConfig } from 'vitest/config';
import { limit } from './test/support/limits.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // limit(): scaled by PINTU_TEST_TIME_SCALE for an emulated root (scripts/pi-check.sh)
    testTimeout: limit(20_000),
    hookTimeout: limit(30_000),
    pool: 'forks',
  },
});
