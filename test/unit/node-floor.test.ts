// package.json's engines.node is the Node.js floor README and scripts/install.sh promise: it
// must be inside every engines range of what runs on the Pi (the production tree) and of what
// builds and tests it (tsc, tsx, esbuild, vitest with vite and rolldown). Any Node that
// engines.node admits must be admitted by every one of them, except for the few reviewed below.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));

/** The part of the semver package (a dependency of many in the tree) used here. */
interface Semver {
  subset(sub: string, dom: string): boolean;
  validRange(range: string): string | null;
}
const semver = require('semver') as Semver;

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest & {
  devDependencies: Record<string, string>;
};

/** What the build and the tests run, beside the production tree. */
const TOOLS = ['typescript', 'tsx', 'esbuild', 'vitest', 'vite'];

/**
 * Declared stricter than they are, reviewed: ESM-only packages that declare Node >= 22 (where
 * require(esm) became stable) while their CommonJS dependents load them with require(), which
 * Node has done unflagged since 20.19.0. Checked below by loading them that way on this Node; a
 * new version of either goes through the full check again.
 */
const REVIEWED = new Map([
  ['cookie@2.0.2', { engines: '>=22', from: 'light-my-request' }],
  ['content-disposition@3.1.0', { engines: '>=22', from: '@fastify/static' }],
]);

/** Installed package directory of `name` as seen from `fromDir` (Node's own lookup). */
function locate(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    try {
      readFileSync(candidate);
      return dirname(candidate);
    } catch {
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
  }
}

/** Every installed package reachable from `names` (dependencies and installed optional ones). */
function closure(names: string[]): Map<string, { manifest: Manifest; dir: string }> {
  const found = new Map<string, { manifest: Manifest; dir: string }>();
  const queue: Array<[string, string, boolean]> = names.map((n) => [n, root, false]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [name, from, optional] = next;
    const dir = locate(name, from);
    if (!dir) {
      // optional ones (another platform's binary, nfc-pcsc without libpcsclite) may be absent
      if (optional) continue;
      throw new Error(`${name} (needed from ${from}) is not installed: run npm ci`);
    }
    if ([...found.values()].some((f) => f.dir === dir)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    found.set(`${manifest.name}@${manifest.version}@${dir}`, { manifest, dir });
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push([dep, dir, false]);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) queue.push([dep, dir, true]);
  }
  return found;
}

describe('the Node.js floor (package.json engines.node)', () => {
  const floor = own.engines?.node ?? '';

  it('is a valid range that every dependency, build and test tool accepts', () => {
    expect(semver.validRange(floor), 'engines.node').not.toBeNull();
    const production = [
      ...Object.keys(own.dependencies ?? {}),
      ...Object.keys(own.optionalDependencies ?? {}),
    ];
    for (const tool of TOOLS) expect(own.devDependencies, tool).toHaveProperty(tool);
    const tooNew: string[] = [];
    for (const { manifest } of closure([...production, ...TOOLS]).values()) {
      const needs = manifest.engines?.node;
      if (!needs || semver.validRange(needs) === null) continue;
      const id = `${manifest.name}@${manifest.version}`;
      if (REVIEWED.get(id)?.engines === needs) continue;
      if (!semver.subset(floor, needs)) tooNew.push(`${id} needs Node ${needs}`);
    }
    expect(tooNew, `engines.node is "${floor}"`).toEqual([]);
  });

  it('the reviewed ESM-only packages load through require(), as their dependents do', () => {
    const tree = [...closure(Object.keys(own.dependencies ?? {})).values()];
    for (const [id, { from }] of REVIEWED) {
      const name = id.slice(0, id.lastIndexOf('@'));
      const at = tree.find((f) => `${f.manifest.name}@${f.manifest.version}` === id);
      const dependent = tree.find((f) => f.manifest.name === from && locate(name, f.dir) === at?.dir);
      expect(at, id).toBeDefined();
      expect(dependent, `${from} requiring ${id}`).toBeDefined();
      const loaded = createRequire(join(dependent?.dir ?? root, 'index.js'))(name) as object;
      expect(Object.keys(loaded).length, id).toBeGreaterThan(0);
    }
  });
});
