// The AsyncAPI 3.0 document of the MQTT contract: shipped in src/mqtt/asyncapi.json equal to
// what the TypeBox definitions make of it (npm run mqtt:schemas rewrites it), and valid for the
// ecosystem's own tool, @asyncapi/parser (its schema checks and its default Spectral rules).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument } from '../../src/mqtt/asyncapi.js';
import { jsonSchemaOf, schemaPath, TOPIC_SPECS } from '../../src/mqtt/schemas.js';
import { asyncApiProblems } from '../support/asyncapi.js';

const FILE = join(import.meta.dirname, '../../src/mqtt/asyncapi.json');

/** A schema as written: without the `x-parser-*` keys the parser adds to every node. */
function withoutParserMarks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutParserMarks);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('x-parser-'))
      .map(([k, v]) => [k, withoutParserMarks(v)]),
  );
}

describe('AsyncAPI document of the MQTT contract', () => {
  it('ships equal to the TypeBox definitions (npm run mqtt:schemas)', () => {
    expect(JSON.parse(readFileSync(FILE, 'utf8'))).toEqual(asyncApiDocument());
  });

  it('is valid AsyncAPI 3.0 for @asyncapi/parser, with no warning but the accepted ones', async () => {
    const { errors, others } = await asyncApiProblems(readFileSync(FILE, 'utf8'));
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
  }, 60_000);

  it('has a channel per topic, with its parameters, and the JSON Schema file as the payload', async () => {
    const { document } = await new Parser().parse(readFileSync(FILE, 'utf8'));
    expect(document).toBeDefined();
    const channels = document!.channels().all();
    expect(channels.map((c) => c.address()).sort()).toEqual(TOPIC_SPECS.map((s) => s.topic).sort());
    for (const spec of TOPIC_SPECS) {
      const channel = channels.find((c) => c.address() === spec.topic)!;
      const params = [...spec.topic.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]);
      expect(
        channel
          .parameters()
          .all()
          .map((p) => p.id()),
        spec.topic,
      ).toEqual(params);
      const payload = channel.messages().all()[0]?.payload();
      expect(payload?.id(), spec.topic).toBe(schemaPath(spec.name));
      // The parser keeps the multi-format wrapper: {schemaFormat, schema}.
      const written = (payload?.json() as { schema?: unknown } | undefined)?.schema;
      expect(withoutParserMarks(written), spec.topic).toEqual(jsonSchemaOf(spec));
      // Who sends and who receives: the gateway's side of it, and every party named.
      const ops = channel.operations().all();
      expect(
        ops.some((o) => o.action() === 'send'),
        spec.topic,
      ).toBe(spec.from.includes('gateway'));
      expect(
        ops.some((o) => o.action() === 'receive'),
        spec.topic,
      ).toBe(spec.to.includes('gateway'));
      for (const op of ops)
        expect(
          op
            .tags()
            .all()
            .map((t) => t.name())
            .sort(),
          spec.topic,
        ).toEqual([...new Set([...spec.from, ...spec.to])].sort());
    }
  }, 60_000);
});
