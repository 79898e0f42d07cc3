// Bad input against every HTTP route (issue 6): fast-check builds requests from the gateway's
// own OpenAPI document (every path, method, parameter and body property it declares) and
// fills them with arbitrary JSON: wrong types, missing and unknown keys, huge and odd strings,
// ids that exist and ids that do not, bodies that are not JSON at all. Sent as the admin (so
// that roles do not hide a route), each must get a clear answer: never a 5xx, a 4xx with an
// error code and a message, and a refused request changes nothing (the journal, the single
// writer of all state, does not move).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const RUNS = Number(process.env.PINTU_FUZZ_RUNS ?? 100);

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: string[];
  body: string[] | undefined;
}

/** Waits for something by design (SSE, long polls): not fuzzed here, their schemas are. */
const WAITS = [/\/events\/stream$/, /\/host\/stream$/, /\/desk\/next-tap$/];

let t: TestGateway;
let token: string;
let ops: Operation[] = [];
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestGateway();
  const system = { kind: 'system' as const, id: 'fuzz' };
  token = (await t.gateway.accounts.createToken('fuzz', 'admin', system)).token;
  // Something to find: a visit at every early step, a badge, a user.
  const v = await t.gateway.visits.arrive(
    { guest: { name: 'Tamu Fuzz', institution: 'Uji' }, purpose: 'Uji', hostId: 'kabag-umum' },
    system,
  );
  ids.push(v.id, 'kabag-umum', 'pintu-utama', 'TAMU-01', 'admin', '2026-11', 'pintu-utama-in');
  const spec = t.app.swagger() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Array<{ in: string; name: string }>;
          requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
        }
      >
    >;
  };
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (WAITS.some((w) => w.test(path))) continue;
      const params = op.parameters ?? [];
      const schema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody ? Object.keys(schema?.properties ?? {}) : undefined,
      });
    }
  }
  ops = ops.filter((o) => o.path.startsWith('/api/v1/'));
}, 30_000);

afterAll(async () => t?.close());

const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    'null',
    'true',
    '__proto__',
    '../../etc/passwd',
    '%00',
    '💥',
    'a'.repeat(5000),
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

function request(op: Operation) {
  const idOrJunk = fc.oneof(fc.constantFrom(...ids), fc.uuid(), fc.string({ minLength: 1, maxLength: 60 }));
  const body =
    op.body === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          // the declared keys, some of them, with anything as values; sometimes an extra key
          fc
            .tuple(
              fc
                .subarray(op.body.filter((k) => k !== 'nextTap'))
                .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(fc.constant(k), junk)))),
              fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), junk), { nil: undefined }),
            )
            .map(([pairs, extra]) => Object.fromEntries(extra ? [...pairs, extra] : pairs)),
          junk,
          // not JSON at all
          fc.string({ maxLength: 200 }).map((s) => ({ raw: `{${s}` })),
        );
  return fc.record({
    params: fc.tuple(...op.pathParams.map(() => idOrJunk)),
    query: fc.array(
      fc.tuple(fc.constantFrom(...op.query, 'x', 'limit', 'date'), fc.string({ maxLength: 40 })),
      {
        maxLength: 4,
      },
    ),
    body,
  });
}

describe(`bad input on every route (${RUNS} requests each, PINTU_FUZZ_RUNS)`, () => {
  it('finds the routes in the OpenAPI document', () => {
    expect(ops.length).toBeGreaterThan(40);
  });

  it('answers every request clearly: no 5xx, a coded 4xx, and a refusal changes nothing', async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const op of ops) {
      await fc
        .assert(
          fc.asyncProperty(request(op), async ({ params, query, body }) => {
            let url = op.path;
            op.pathParams.forEach((name, i) => {
              url = url.replace(`{${name}}`, encodeURIComponent(String(params[i])));
            });
            const qs = new URLSearchParams(query).toString();
            if (qs) url += `?${qs}`;
            const raw = body !== null && typeof body === 'object' && 'raw' in (body as object);
            const before = t.gateway.core.journal.lastSeq;
            const res = await t.app.inject({
              method: op.method as 'GET',
              url,
              headers: {
                authorization: `Bearer ${token}`,
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              },
              ...(body !== undefined
                ? { payload: raw ? (body as { raw: string }).raw : JSON.stringify(body) }
                : {}),
            });
            const where =
              `${op.method} ${url} ${raw ? (body as { raw: string }).raw : JSON.stringify(body)}`.slice(
                0,
                400,
              );
            sent++;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            if (res.statusCode >= 500) {
              failures.push(`${res.statusCode} ${where}: ${res.body.slice(0, 200)}`);
              return false;
            }
            if (res.statusCode >= 400) {
              const e = res.json() as { error?: unknown; message?: unknown };
              if (typeof e.error !== 'string' || typeof e.message !== 'string' || !e.message) {
                failures.push(`unclear ${res.statusCode} ${where}: ${res.body.slice(0, 200)}`);
                return false;
              }
              if (t.gateway.core.journal.lastSeq !== before) {
                failures.push(`refused (${res.statusCode}) but journaled ${where}`);
                return false;
              }
            }
            return true;
          }),
          { numRuns: RUNS, endOnFailure: true },
        )
        .catch(() => undefined);
    }
    expect(failures).toEqual([]);
    // The generator reached past the schemas too: some requests were accepted, many refused.
    expect(sent).toBe(ops.length * RUNS);
    expect(statuses.get(200)).toBeGreaterThan(sent / 20);
    expect(statuses.get(400)).toBeGreaterThan(sent / 5);
    expect(statuses.get(404)).toBeGreaterThan(0);
  }, 300_000);
});
