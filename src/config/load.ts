// Loading the configuration: file (argument or PINTU_CONFIG) or embedded defaults, then
// environment overrides, then the checks of validate.ts. Either a complete, deeply frozen
// Config comes back, or a ConfigError listing every problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError, type ConfigProblem, formatProblem } from './errors.js';
import type { Config } from './schema.js';
import { CONFIG_SCHEMA, checkConfig, deepFreeze, isSecretPath, joinPath } from './validate.js';

export interface LoadOptions {
  /** Configuration file (YAML or JSON); takes precedence over PINTU_CONFIG. */
  file?: string;
  /** Environment to read PINTU_* from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Config;
  /** The absolute path of the file, or "embedded defaults". */
  source: string;
  /** The environment variables that changed a key, in the order applied. */
  overrides: string[];
}

export const EMBEDDED_SOURCE = 'embedded defaults';

/** The short environment variables and the keys they set. */
export const ENV_SHORTCUTS: Readonly<Record<string, readonly string[]>> = {
  PINTU_DATA_DIR: ['dataDir'],
  PINTU_HTTP_HOST: ['http', 'host'],
  PINTU_HTTP_PORT: ['http', 'port'],
  PINTU_LOG_LEVEL: ['log', 'level'],
  PINTU_MQTT_MODE: ['mqtt', 'mode'],
};

/** Generic form: `PINTU_CONFIG_HTTP__PORT=9090`, `PINTU_CONFIG_ACCESS__MAX_VISIT_MINUTES=240`. */
export const ENV_PREFIX = 'PINTU_CONFIG_';

/** The lists whose absence from a file means "use the embedded ones". */
const EMBEDDED_LISTS = ['doors', 'readers', 'badges', 'hosts'] as const;

// ---------------------------------------------------------------- the file

function readDocument(file: string, via: string): { doc: unknown; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT'
        ? 'configuration file not found'
        : `cannot read configuration file (${code ?? (err as Error).message})`;
    throw new ConfigError(file, [`${what}: ${file}${via}`]);
  }
  // prettyErrors adds linePos; its message also carries " at line L, column C:" and a
  // snippet, which are cut here to keep one problem on one line.
  const parsed = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (parsed.errors.length > 0) {
    const problems = parsed.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return `YAML syntax error${where}: ${message}`;
    });
    throw new ConfigError(file, problems);
  }
  let doc: unknown;
  try {
    doc = parsed.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // e.g. an alias used before its anchor, or an alias bomb
    throw new ConfigError(file, [`YAML error: ${(err as Error).message}`]);
  }
  if (doc === null || doc === undefined) return { doc: {}, problems: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(file, [
      `the file must be a mapping of keys (dataDir, http, doors, ...), not ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    ]);
  }
  return { doc, problems: [] };
}

// ---------------------------------------------------------------- the environment

type SchemaNode = {
  type?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  default?: unknown;
};

const squash = (s: string) => s.replace(/_/g, '').toLowerCase();

/** The properties of an object node, of every branch of a tagged union. */
function propertiesOf(node: SchemaNode): Record<string, SchemaNode> | undefined {
  if (node.properties) return node.properties;
  if (node.oneOf)
    return Object.assign({}, ...node.oneOf.map((b) => b.properties ?? {})) as Record<string, SchemaNode>;
  return undefined;
}

interface Override {
  variable: string;
  segments: Array<string | number>;
  target: SchemaNode;
  raw: string;
}

/** `HTTP__PORT` -> ['http', 'port'] against the schema, or a reason why not. */
function resolveEnvPath(rest: string): { segments: Array<string | number>; target: SchemaNode } | string {
  const parts = rest.split('__');
  let node = CONFIG_SCHEMA as SchemaNode;
  const segments: Array<string | number> = [];
  for (const part of parts) {
    if (part === '') return 'empty key (levels are separated by "__")';
    if (node.type === 'array' && node.items) {
      if (!/^\d+$/.test(part)) return `${joinPath(segments)} is a list: expected an index, got "${part}"`;
      segments.push(Number(part));
      node = node.items;
      continue;
    }
    const props = propertiesOf(node);
    const name = props && Object.keys(props).find((k) => squash(k) === squash(part));
    if (!props || !name) {
      const at = joinPath(segments);
      return `unknown key "${part.toLowerCase()}"${at ? ` in ${at}` : ''}`;
    }
    segments.push(name);
    node = props[name]!;
  }
  return { segments, target: node };
}

function collectOverrides(env: NodeJS.ProcessEnv, problems: string[]): Override[] {
  const generic: Override[] = [];
  const short: Override[] = [];
  for (const [variable, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    if (variable.startsWith(ENV_PREFIX)) {
      const r = resolveEnvPath(variable.slice(ENV_PREFIX.length));
      if (typeof r === 'string') problems.push(`${variable}: ${r}`);
      else generic.push({ variable, raw, ...r });
    } else if (variable in ENV_SHORTCUTS) {
      const r = resolveEnvPath(ENV_SHORTCUTS[variable]!.join('__'));
      if (typeof r !== 'string') short.push({ variable, raw, ...r });
    }
  }
  generic.sort((a, b) => a.variable.localeCompare(b.variable));
  // The short names are applied last: they win over the generic form.
  return [...generic, ...short];
}

/** A string key keeps the text as is; anything else is read as YAML (scalar or flow). */
function parseEnvValue(o: Override): { value: unknown } | { error: string } {
  const t = o.target;
  const stringLike = t.type === 'string' || (t.enum?.every((v) => typeof v === 'string') ?? false);
  if (stringLike) return { value: o.raw };
  try {
    return { value: YAML.parse(o.raw) as unknown };
  } catch (err) {
    return {
      error: `cannot read ${JSON.stringify(o.raw)} as a value: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

/** Sets `segments` in `doc`, creating what is missing (a missing list starts as its default). */
function setIn(doc: Record<string, unknown>, o: Override, value: unknown): string | undefined {
  let node = CONFIG_SCHEMA as SchemaNode;
  let container: unknown = doc;
  for (let i = 0; i < o.segments.length; i++) {
    const seg = o.segments[i]!;
    const last = i === o.segments.length - 1;
    const here = joinPath(o.segments.slice(0, i));
    if (typeof seg === 'number') {
      if (!Array.isArray(container)) return `${here} is not a list`;
      if (seg >= container.length) return `${here} has no item ${seg} (it has ${container.length})`;
      node = node.items!;
    } else {
      if (typeof container !== 'object' || container === null || Array.isArray(container)) {
        return `${here} is not a mapping`;
      }
      node = propertiesOf(node)![seg]!;
    }
    const c = container as Record<string | number, unknown>;
    if (last) {
      c[seg] = value;
      return undefined;
    }
    if (c[seg] === undefined) {
      c[seg] = node.type === 'array' ? structuredClone(node.default ?? []) : {};
    }
    container = c[seg];
  }
  return undefined;
}

// ---------------------------------------------------------------- entry point

/**
 * Loads the configuration: `file`, else `PINTU_CONFIG`, else the embedded defaults; then the
 * environment (`PINTU_DATA_DIR`, `PINTU_HTTP_HOST`, `PINTU_HTTP_PORT`, `PINTU_LOG_LEVEL`,
 * `PINTU_MQTT_MODE`, and `PINTU_CONFIG_<KEY>__<KEY>...`). Throws ConfigError.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const fromEnv = !options.file && env.PINTU_CONFIG ? env.PINTU_CONFIG : undefined;
  const given = options.file || fromEnv;

  let doc: Record<string, unknown> = {};
  let source = EMBEDDED_SOURCE;
  if (given) {
    source = resolve(given);
    doc = readDocument(source, fromEnv ? ' (from PINTU_CONFIG)' : '').doc as Record<string, unknown>;
  }
  const defaulted = new Set<string>(EMBEDDED_LISTS.filter((k) => doc[k] === undefined));

  // Environment overrides, remembering which key each variable set.
  const problems: string[] = [];
  const origins: Array<{ path: string; variable: string; raw: string }> = [];
  for (const o of collectOverrides(env, problems)) {
    const parsed = parseEnvValue(o);
    if ('error' in parsed) {
      problems.push(`${o.variable}: ${parsed.error}`);
      continue;
    }
    const err = setIn(doc, o, parsed.value);
    if (err) problems.push(`${o.variable}: cannot set ${joinPath(o.segments)}: ${err}`);
    else origins.push({ path: joinPath(o.segments), variable: o.variable, raw: o.raw });
  }

  const checked = checkConfig(doc, defaulted);
  for (const p of checked.problems) problems.push(withOrigin(p, origins));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return {
    config: deepFreeze(checked.config),
    source,
    overrides: origins.map((o) => o.variable),
  };
}

/** Names the environment variable behind a problem, when one set that key. */
function withOrigin(
  p: ConfigProblem & { key?: string },
  origins: ReadonlyArray<{ path: string; variable: string; raw: string }>,
): string {
  const full = p.key ? (p.path ? `${p.path}.${p.key}` : p.key) : p.path;
  const o = origins.find(
    (x) => full === x.path || full.startsWith(`${x.path}.`) || full.startsWith(`${x.path}[`),
  );
  const text = formatProblem(p);
  if (!o) return text;
  return isSecretPath(o.path)
    ? `${text} (from ${o.variable})`
    : `${text} (from ${o.variable}=${JSON.stringify(o.raw)})`;
}

/**
 * Where a loaded configuration came from, for the start log and `pintu config check`: the file
 * (or the embedded defaults) and the environment variables that changed a key over it.
 */
export function describeSource(loaded: Pick<LoadedConfig, 'source' | 'overrides'>): string {
  if (loaded.overrides.length === 0) return loaded.source;
  return `${loaded.source}, overridden by ${loaded.overrides.join(', ')}`;
}

/** The configuration with no file and no environment: what `npm start` on a laptop runs. */
export function embeddedConfig(): Config {
  return loadConfig({ env: {} }).config;
}
