// What tsc emits, not what tsx runs: the tests run the sources through tsx (esbuild), the Pi
// runs dist/ as tsc wrote it, and the two can differ. tsc dropped the parentheses of
// `new (createRequire(...)('ajv') as T).Ajv()`, so the built gateway called createRequire with
// `new` and crashed at the first MQTT payload it checked, while every tsx test passed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireLab } from '../support/lab.js';
import { ROOT } from '../support/process.js';

const SCHEMAS = join(ROOT, 'dist/mqtt/schemas.js');
const built = requireLab('dist/ (npm run build)', existsSync(SCHEMAS));

describe.runIf(built)('the built gateway', () => {
  it('checks an MQTT payload against its schema (Ajv loaded at the first message)', async () => {
    const m = (await import(pathToFileURL(SCHEMAS).href)) as typeof import('../../src/mqtt/schemas.js');
    const refused = m.decodeJson(m.DoorStatePayload, Buffer.from('{"locked":"yes"}'));
    expect(refused).toMatchObject({ ok: false, reason: 'schema' });
    const lockdown = m.decodeJson(m.LockdownPayload, Buffer.from('"ON"'));
    expect(lockdown.ok).toBe(true);
  });
});
