// Doors that take a badge's UID alone are flagged as weak (issue 12): in the detailed health
// (without making it degraded: the embedded defaults run such doors) and in GET /doors, which
// the panel's door cards read.
import { afterEach, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { healthOf } from '../support/health.js';

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it('lists uid doors as weak, keeps the status ok, and says each door its credential', async () => {
  t = await startTestGateway();
  const health = await healthOf(t.app, t.gateway);
  expect(health.status).toBe('ok');
  expect(health.weak).toEqual([
    "door pintu-utama: credential uid (a badge's UID alone opens it; a UID can be copied)",
    "door ruang-kabag: credential uid (a badge's UID alone opens it; a UID can be copied)",
  ]);
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/doors',
    headers: { cookie: await t.login('security') },
  });
  expect(res.statusCode).toBe(200);
  expect((res.json() as Array<{ id: string; credential: string }>).map((d) => [d.id, d.credential])).toEqual([
    ['pintu-utama', 'uid'],
    ['ruang-kabag', 'uid'],
  ]);
});
