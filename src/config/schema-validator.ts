// The JSON Schema validator of the configuration (Ajv). Compiling ConfigSchema costs about half
// a second of CPU (more on a Pi), paid at every start before a door could decide a tap, so
// `npm run build` generates its code once (scripts/build-config-validator.ts) into
// dist/config/schema-validator.generated.js (under the package root: the bundle's chunks move),
// and a start only imports it. Where that file is missing (no build yet) or was made from
// another schema (the sources changed since), the validator is compiled here, with the same
// options: same answers.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, Options } from 'ajv';
import { packageFile } from '../package-root.js';
import { ConfigSchema } from './schema.js';

/** One set of options for the compiled and the generated validator. */
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  discriminator: true,
  verbose: true,
  strict: true,
  coerceTypes: false,
} as const satisfies Options;

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** What the generated module exports (the build script writes it). */
export interface GeneratedValidator {
  default: SchemaValidator;
  /** schemaHash() of the schema it was generated from. */
  schemaHash: string;
}

export const GENERATED_FILE = 'schema-validator.generated.js';

/** The schema's identity: a generated validator is used only for the schema it was made from. */
export function schemaHash(): string {
  return createHash('sha256').update(JSON.stringify(ConfigSchema)).digest('hex');
}

export async function configValidator(): Promise<SchemaValidator> {
  try {
    const generated = (await import(
      pathToFileURL(packageFile('dist', 'config', GENERATED_FILE)).href
    )) as GeneratedValidator;
    if (generated.schemaHash === schemaHash()) return generated.default;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  const { Ajv } = await import('ajv');
  return new Ajv(AJV_OPTIONS).compile(ConfigSchema);
}
