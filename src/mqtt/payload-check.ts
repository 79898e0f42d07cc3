// Checking what comes in over MQTT: size, UTF-8, JSON, then the topic's JSON Schema (Ajv).
// Apart from the TypeBox definitions (schemas.ts), which a caller may pass as they are, so that
// the room hub, on the door path, checks against the shipped JSON Schema documents
// (src/mqtt/schemas/*.json, equal to the definitions: test/unit/mqtt.test.ts) without TypeBox
// being loaded before the doors (issue 16).
import { createRequire } from 'node:module';
import type { Ajv, ValidateFunction } from 'ajv';

/** Largest payload read on any topic; anything bigger is refused before it is parsed. */
export const MAX_PAYLOAD_BYTES = 4096;

// Ajv loads at the first message to check, not with this module: the room hub imports it on
// the door path, which comes up before anything arrives over MQTT (main.ts, "doors ready").
let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();
function validator(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    // A shipped document names itself and its draft; Ajv checks the schema itself either way.
    const {
      $id: _id,
      $schema: _draft,
      ...rest
    } = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
    if (!ajv) {
      // Two statements: tsc drops the parentheses of `new (require(...) as T).Ajv()`, and the
      // built gateway then called createRequire with `new` (a crash at the first message).
      const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      ajv = new AjvClass({ allErrors: false, strict: true });
    }
    v = ajv.compile(rest);
    compiled.set(schema, v);
  }
  return v;
}

export type Decoded<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'too_large' | 'not_utf8' | 'not_json' | 'schema'; detail: string };

/** Decode a JSON payload and check it against its schema. Never throws. */
export function decodeJson<T>(schema: object, payload: Buffer | Uint8Array): Decoded<T> {
  if (payload.length > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: 'too_large', detail: `${payload.length} bytes` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { ok: false, reason: 'not_utf8', detail: 'payload is not UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'not_json', detail: (err as Error).message.slice(0, 100) };
  }
  const check = validator(schema);
  if (!check(value)) {
    const e = check.errors?.[0];
    return {
      ok: false,
      reason: 'schema',
      detail: `${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`.slice(0, 200),
    };
  }
  return { ok: true, value: value as T };
}

/** Decode a text payload (`UNLOCK`, `online`) and check it against its schema. Never throws. */
export function decodeText<T extends string>(schema: object, payload: Buffer | Uint8Array): Decoded<T> {
  if (payload.length > 64) return { ok: false, reason: 'too_large', detail: `${payload.length} bytes` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload).trim();
  } catch {
    return { ok: false, reason: 'not_utf8', detail: 'payload is not UTF-8' };
  }
  const check = validator(schema) as (v: unknown) => boolean;
  if (!check(text))
    return { ok: false, reason: 'schema', detail: `"${text.slice(0, 20)}" is not one of the allowed values` };
  return { ok: true, value: text as T };
}

/** Check an outgoing value (tests, and a debug guard): throws with the first problem. */
export function assertValid(schema: object, value: unknown): void {
  const check = validator(schema);
  if (!check(value))
    throw new Error(
      `invalid ${String((schema as { title?: string }).title)}: ${JSON.stringify(check.errors)}`,
    );
}
