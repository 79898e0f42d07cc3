// Writes the MQTT contract's documents from the TypeBox definitions in src/mqtt/schemas.ts: the
// JSON Schema of every topic's payload to src/mqtt/schemas/<name>.json, and the AsyncAPI 3.0
// document to src/mqtt/asyncapi.json (test/unit/mqtt.test.ts and test/unit/mqtt-asyncapi.test.ts
// fail when they differ), then formats them with biome as `npm run lint` wants them.
// Run: npm run mqtt:schemas
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from '../src/mqtt/asyncapi.js';
import { jsonSchemaOf, TOPIC_SPECS } from '../src/mqtt/schemas.js';

const mqtt = join(import.meta.dirname, '../src/mqtt');
const written: string[] = [];
const write = (file: string, value: unknown) => {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  written.push(file);
};
for (const spec of TOPIC_SPECS) write(join(mqtt, 'schemas', `${spec.name}.json`), jsonSchemaOf(spec));
write(join(mqtt, 'asyncapi.json'), asyncApiDocument());
const biome = join(import.meta.dirname, '../node_modules/.bin/biome');
execFileSync(biome, ['format', '--write', ...written], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write(`${written.join('\n')}\n`);
