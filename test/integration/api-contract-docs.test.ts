// The MQTT contract's documents as the gateway serves them, beside its OpenAPI document: the
// AsyncAPI document (GET /docs/asyncapi.json, for anyone logged in, like /docs) equal to the
// file in the repository and valid for @asyncapi/parser as served, and every JSON Schema file's
// `$id` resolving, on the gateway, to that file's content.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncApiProblems } from '../support/asyncapi.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const MQTT_DIR = join(import.meta.dirname, '../../src/mqtt');
const SCHEMA_FILES = readdirSync(join(MQTT_DIR, 'schemas')).filter((f) => f.endsWith('.json'));

describe('MQTT contract documents served by the gateway', () => {
  let t: TestGateway;
  let cookie: string;

  beforeAll(async () => {
    t = await startTestGateway();
    cookie = await t.login('facilities');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the AsyncAPI document, equal to src/mqtt/asyncapi.json and valid as served', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/asyncapi.json', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual(JSON.parse(readFileSync(join(MQTT_DIR, 'asyncapi.json'), 'utf8')));
    const { errors, others } = await asyncApiProblems(res.body);
    expect(errors).toEqual([]);
    expect(others).toEqual([]);
  }, 60_000);

  it('resolves every JSON Schema file’s $id to that file’s content', async () => {
    expect(SCHEMA_FILES.length).toBeGreaterThan(10);
    for (const file of SCHEMA_FILES) {
      const shipped = JSON.parse(readFileSync(join(MQTT_DIR, 'schemas', file), 'utf8')) as { $id: string };
      // Relative to the gateway: resolved against any gateway address, it is this path there.
      const url = new URL(shipped.$id, 'http://gateway.invalid/');
      expect(url.origin, file).toBe('http://gateway.invalid');
      const res = await t.app.inject({ method: 'GET', url: url.pathname, headers: { cookie } });
      expect(res.statusCode, `${file}: GET ${url.pathname}`).toBe(200);
      expect(res.headers['content-type'], file).toMatch(/^application\/schema\+json/);
      expect(res.json(), file).toEqual(shipped);
    }
  });

  it('answers 404 for a schema it does not have, and 401 without a login', async () => {
    const missing = await t.app.inject({
      method: 'GET',
      url: '/schemas/mqtt/nothing.json',
      headers: { cookie },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
    for (const url of ['/docs/asyncapi.json', '/schemas/mqtt/event.json']) {
      const anonymous = await t.app.inject({ method: 'GET', url });
      expect(anonymous.statusCode, url).toBe(401);
    }
  });
});
