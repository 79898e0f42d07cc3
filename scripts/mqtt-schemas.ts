// Writes the JSON Schema of every MQTT topic's payload to src/mqtt/schemas/<name>.json from
// the TypeBox definitions in src/mqtt/schemas.ts (test/unit/mqtt.test.ts fails when they
// differ). Run: npx tsx scripts/mqtt-schemas.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaOf, TOPIC_SPECS } from '../src/mqtt/schemas.js';

const dir = join(import.meta.dirname, '../src/mqtt/schemas');
for (const spec of TOPIC_SPECS) {
  const file = join(dir, `${spec.name}.json`);
  writeFileSync(file, `${JSON.stringify(jsonSchemaOf(spec), null, 2)}\n`);
  process.stdout.write(`${file}\n`);
}
