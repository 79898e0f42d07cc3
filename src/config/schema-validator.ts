// The JSON Schema validator of the configuration (Ajv). Compiling ConfigSchema costs about half
// a second of CPU (more on a Pi), paid at every start before a door could decide a tap, so
// `npm run build` generates its code once (scripts/build-config-validator.ts) into
// dist/config/schema-validator.generated.js (under the package root: the bundle's chunks move),
// with the schema itself as data, and a start only imports it. Building the schema takes
// TypeBox (hundreds of modules, a large part of a start before bundling), so the bundle does
// not load schema.ts at all: it knows the hash of the schema it was built with (esbuild's
// define, scripts/build-bundle.ts) and takes the generated file when that hash matches. From the
// sources the hash is computed. Where the file is missing or was made from another schema, the
// validator is compiled here, with the same options: same answers.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, Options } from 'ajv';
import { packageFile } from '../package-root.js';

/** Set by the bundle (esbuild's define): schemaHash() of the schema it was built from. */
declare const PINTU_CONFIG_SCHEMA_HASH: string | undefined;

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
  /** That schema, as JSON data. */
  schema: object;
}

export const GENERATED_FILE = 'schema-validator.generated.js';

/** A schema's identity: a generated validator is used only for the schema it was made from. */
export function schemaHash(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

/** The hash of the schema this code means; the schema too when it had to be built for that. */
async function ownSchema(): Promise<{ hash: string; schema?: object }> {
  if (typeof PINTU_CONFIG_SCHEMA_HASH === 'string') return { hash: PINTU_CONFIG_SCHEMA_HASH };
  const { ConfigSchema } = await import('./schema.js');
  return { hash: schemaHash(ConfigSchema), schema: ConfigSchema };
}

/** The validator and the schema it checks (JSON data: what the environment's overrides walk). */
export async function configSchema(): Promise<{ validate: SchemaValidator; schema: object }> {
  const own = await ownSchema();
  try {
    const generated = (await import(
      pathToFileURL(packageFile('dist', 'config', GENERATED_FILE)).href
    )) as GeneratedValidator;
    if (generated.schemaHash === own.hash) return { validate: generated.default, schema: generated.schema };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  const schema = own.schema ?? (await import('./schema.js')).ConfigSchema;
  const { Ajv } = await import('ajv');
  return { validate: new Ajv(AJV_OPTIONS).compile(schema), schema };
}
