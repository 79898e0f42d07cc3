// Bad configuration files (issue 6): fast-check takes the shipped example configuration and
// breaks it (keys removed, values replaced by anything JSON can hold, unknown keys added,
// and files that are not YAML at all), thousands of times. Every file is either accepted or
// refused with a ConfigError whose every problem names where (a key path, or the file's
// line) and what is wrong; nothing else is ever thrown.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';

const RUNS = Number(process.env.PINTU_FUZZ_RUNS ?? 1000);
const EXAMPLE = new URL('../../firmware-config/pintu.example.yaml', import.meta.url);
const base = YAML.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'pintu-config-fuzz-'));
const file = join(dir, 'pintu.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Path = Array<string | number>;
/** Every key and index of the example, at every depth. */
function paths(value: unknown, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [
    [...at, k],
    ...paths((value as Record<string | number, unknown>)[k], [...at, k]),
  ]);
}
const ALL = paths(base);

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom('', '25:99', '-1', 'Asia/Nowhere', '0.0.0.0', '/dev/null', 'on', 'yes', '~', 1e308, -0),
  fc.integer(),
  fc.string({ maxLength: 80 }),
);
const mutation = fc.record({
  path: fc.constantFrom(...ALL),
  op: fc.constantFrom('delete', 'replace', 'extra'),
  value: junk,
  key: fc.string({ minLength: 1, maxLength: 20 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(doc: Record<string, unknown>, m: Mutation): void {
  let parent: unknown = doc;
  for (const k of m.path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return;
    parent = (parent as Record<string | number, unknown>)[k];
  }
  if (parent === null || typeof parent !== 'object') return;
  const obj = parent as Record<string | number, unknown>;
  const last = m.path.at(-1)!;
  if (m.op === 'delete') {
    if (Array.isArray(obj)) obj.splice(Number(last), 1);
    else delete obj[last];
  } else if (m.op === 'replace') obj[last] = m.value;
  else if (!Array.isArray(obj)) obj[m.key] = m.value;
}

/** The outcome of loading: 'ok', or the problems of a ConfigError (anything else throws). */
function load(text: string): 'ok' | readonly string[] {
  writeFileSync(file, text);
  try {
    loadConfig({ file, env: { PINTU_DATA_DIR: join(dir, 'data') } });
    return 'ok';
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

/**
 * A clear problem says where, then what: "doors[0].pulseMs: must be >= 100 (got 5)", a key
 * unknown at the top ('unknown key "x"'), the file as a whole, or YAML's line and column.
 * Outside the quoted names and the "got ..." value, no JavaScript leaks into it.
 */
function expectClear(problem: string): void {
  const bare = problem.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\(got .*\)$|, got .*$/s, '');
  expect(bare).toMatch(
    /^([\w.[\]]+: \S|unknown key ""( \(did you mean ""\?\))?$|the file must be |YAML (syntax )?error)/,
  );
  expect(bare).not.toMatch(/\bundefined\b|\[object |\bNaN\b|Error:/);
}

describe(`bad configuration files (${RUNS} each, PINTU_FUZZ_RUNS)`, () => {
  it('the example itself loads', () => {
    expect(load(readFileSync(EXAMPLE, 'utf8'))).toBe('ok');
  });

  it('a broken example is refused naming each key and what is wrong, or loads', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const doc = structuredClone(base);
        for (const m of ms) mutate(doc, m);
        const r = load(YAML.stringify(doc));
        if (r === 'ok') return true;
        refused++;
        expect(r.length).toBeGreaterThan(0);
        for (const p of r) expectClear(p);
        return true;
      }),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(RUNS / 4); // the mutations mostly broke something
  }, 300_000);

  it('a file that is not a configuration at all is refused clearly', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constantFrom('doors: [', ': :', '\t- x', 'a: *b', '%YAML 9.9\n---\na: 1', '---\n---\n'),
        ),
        (text) => {
          const r = load(text);
          if (r !== 'ok') for (const p of r) expectClear(p);
        },
      ),
      { numRuns: RUNS },
    );
  }, 300_000);
});
