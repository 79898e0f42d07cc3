// The configuration's validator generated at build time (scripts/build-config-validator.ts)
// answers as the one compiled at start does: the same verdict, a problem the compiled one also
// names for broken documents, the same defaults filled in for good ones; and it is used only
// for the schema it was made from.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { configValidatorModule } from '../../scripts/build-config-validator.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { AJV_OPTIONS, type GeneratedValidator, schemaHash } from '../../src/config/schema-validator.js';

describe('the generated configuration validator', () => {
  // Inside the project (its tmp/ is ignored by git), where the module's require finds ajv.
  const tmp = resolve(import.meta.dirname, '../../tmp');
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(join(tmp, 'validator-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the problems and defaults the compiled one gives', async () => {
    const file = join(dir, 'validator.js');
    writeFileSync(file, configValidatorModule());
    const generated = (await import(pathToFileURL(file).href)) as GeneratedValidator;
    expect(generated.schemaHash).toBe(schemaHash(ConfigSchema));
    expect(generated.schema).toEqual(JSON.parse(JSON.stringify(ConfigSchema)));
    const compiled = new Ajv(AJV_OPTIONS).compile(ConfigSchema);
    const docs: unknown[] = [
      {},
      { http: { port: 0 }, doors: 3, bogus: 1 },
      { doors: [{ id: 'a', name: 'A', kind: 'room', driver: { type: 'gpio' } }] },
      { readers: [{ id: 'r', role: 'door', driver: { type: 'serial', path: '', baudRate: 'x' } }] },
      { log: { level: 'loud' }, mqtt: { mode: 'external' }, access: { officeHours: { open: '25:00' } } },
      'not an object',
    ];
    expect(generated.default(structuredClone(docs[1]))).toBe(false);
    // The generated one stops at the first problem (checkConfig then runs the compiled one for
    // them all): the same answer, its problem among the compiled one's, the same defaults.
    const where = (e: { instancePath: string; keyword: string }) => `${e.instancePath} ${e.keyword}`;
    for (const doc of docs) {
      const [a, b] = [structuredClone(doc), structuredClone(doc)];
      const valid = generated.default(a);
      expect(valid).toBe(compiled(b));
      if (valid) expect(a).toEqual(b);
      else expect(compiled.errors!.map(where)).toContain(where(generated.default.errors![0]!));
    }
  });
});
