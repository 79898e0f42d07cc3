// Live feeds (SSE) capped per login (issue 11: 2,000 streams from one login). Real sockets:
// a stream is a response that never ends, which fastify.inject cannot hold open.
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverHolds } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let port: number;
const held: ClientRequest[] = [];

beforeAll(async () => {
  t = await startTestGateway({ env: { PINTU_CONFIG_HTTP__LIMITS__SSE_STREAMS_PER_USER: '3' } });
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
});
afterAll(async () => {
  for (const r of held) r.destroy();
  await t?.close();
});

/** Opens a feed; resolves with its response once the status line is in. */
function feed(path: string, cookie: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { cookie } }, (res) =>
      resolve({ req, res }),
    );
    held.push(req);
    req.once('error', reject);
    req.end();
  });
}

describe('SSE streams per login', () => {
  it('one login holds at most sseStreamsPerUser feeds; another login is not held back', async () => {
    const security = await t.login('security');
    const open = [];
    for (let i = 0; i < 3; i++) {
      const f = await feed('/api/v1/events/stream', security);
      expect(f.res.statusCode).toBe(200);
      open.push(f);
    }
    const over = await feed('/api/v1/events/stream', security);
    expect(over.res.statusCode).toBe(429);
    over.res.resume();
    // Another user is counted apart.
    const other = await feed('/api/v1/events/stream', await t.login('admin'));
    expect(other.res.statusCode).toBe(200);
    // One closed: a slot is free again once the server has seen it go.
    await serverHolds(t.app.server, 4);
    open[0]?.req.destroy();
    await serverHolds(t.app.server, 3);
    expect((await feed('/api/v1/events/stream', security)).res.statusCode).toBe(200);
  });

  it("counts a host's feed the same way", async () => {
    const host = await t.login('host');
    for (let i = 0; i < 3; i++) expect((await feed('/api/v1/host/stream', host)).res.statusCode).toBe(200);
    const over = await feed('/api/v1/host/stream', host);
    expect(over.res.statusCode).toBe(429);
  });
});
