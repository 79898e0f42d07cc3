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
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, Options } from 'ajv';
import { packageFile } from '../package-root.js';

/** Set by the bundle (esbuild's define): schemaHash() of the schema it was built from. */
declare const PINTU_CONFIG_SCHEMA_HASH: string | undefined;

/** The validator that names every problem (a document that failed the fast check). */
export const AJV_OPTIONS = {
  allErrors: true,
  useDefaults: true,
  discriminator: true,
  verbose: true,
  strict: true,
  coerceTypes: false,
} as const satisfies Options;

/**
 * The generated validator: the same answer and defaults for a good document, stopping at the
 * first problem of a bad one and without the schema and data in its errors. Its code is about
 * two thirds the size, and V8 compiles it at every start before the doors (issue 16).
 */
export const AJV_FAST_OPTIONS = {
  ...AJV_OPTIONS,
  allErrors: false,
  verbose: false,
} as const satisfies Options;

export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** What the generated module exports (the build script writes it). */
export interface GeneratedValidator {
  /** Compiled with AJV_FAST_OPTIONS. */
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

export interface ConfigSchemaCheck {
  /** Valid or not, with the defaults filled in; stops at the first problem when generated. */
  validate: SchemaValidator;
  /** The validator that names every problem (AJV_OPTIONS), compiled at its first call. */
  diagnose(): SchemaValidator;
  /** The schema as JSON data: what the environment's overrides walk. */
  schema: object;
}

/** Ajv compiling AJV_OPTIONS, synchronously: loadConfig is synchronous. */
function compiler(schema: object): () => SchemaValidator {
  let full: SchemaValidator | undefined;
  return () => {
    if (!full) {
      const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      full = new Ajv(AJV_OPTIONS).compile(schema);
    }
    return full;
  };
}

/** The validators and the schema they check. */
export async function configSchema(): Promise<ConfigSchemaCheck> {
  const own = await ownSchema();
  try {
    const generated = (await import(
      pathToFileURL(packageFile('dist', 'config', GENERATED_FILE)).href
    )) as GeneratedValidator;
    if (generated.schemaHash === own.hash)
      return { validate: generated.default, diagnose: compiler(generated.schema), schema: generated.schema };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  const schema = own.schema ?? (await import('./schema.js')).ConfigSchema;
  const diagnose = compiler(schema);
  return { validate: diagnose(), diagnose, schema };
}
