// The HTTP edge under attack from the LAN (issue 11): sockets that take every slot or sit
// idle, bodies sent to no route, bodies too big or too deep. Connection-level attacks use
// real sockets from several loopback addresses; body semantics use fastify.inject. Every wait
// is for a sentinel (an answer, a socket's 'close'), never a sleep.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverHolds } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let port: number;

const LIMITS = {
  PINTU_CONFIG_HTTP__LIMITS__MAX_CONNECTIONS: '5',
  PINTU_CONFIG_HTTP__LIMITS__MAX_CONNECTIONS_PER_ADDRESS: '2',
  PINTU_CONFIG_HTTP__LIMITS__HEADERS_TIMEOUT_MS: '300',
  PINTU_CONFIG_HTTP__LIMITS__KEEP_ALIVE_TIMEOUT_MS: '200',
  PINTU_CONFIG_HTTP__LIMITS__REQUEST_TIMEOUT_MS: '5000',
  PINTU_CONFIG_HTTP__LIMITS__BODY_BYTES: '4096',
  PINTU_CONFIG_HTTP__LIMITS__JSON_DEPTH: '8',
  PINTU_CONFIG_HTTP__TRUST_PROXY: '["127.0.0.10"]',
};

beforeAll(async () => {
  t = await startTestGateway({ env: LIMITS });
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
});
afterAll(() => t?.close());

const opened: Socket[] = [];
afterAll(() => {
  for (const s of opened) s.destroy();
});

/** A socket from `from` (a loopback address), connected. */
function socketFrom(from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from });
    opened.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Whatever comes first on the socket: the start of an answer, or its close without one. */
function firstOf(s: Socket): Promise<{ answer: string } | { closed: true }> {
  return new Promise((resolve) => {
    let got = '';
    s.on('data', (d) => {
      got += String(d);
      if (got.includes('\r\n\r\n')) resolve({ answer: got });
    });
    s.once('close', () => resolve(got ? { answer: got } : { closed: true }));
    s.once('error', () => undefined);
  });
}

const GET_HEALTH = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** A socket that has been answered once and is kept alive: a slot the server counts. */
async function heldSocket(from: string): Promise<Socket> {
  const s = await socketFrom(from);
  const first = firstOf(s);
  s.write(GET_HEALTH);
  const r = await first;
  expect('answer' in r && r.answer.startsWith('HTTP/1.1 200')).toBe(true);
  s.removeAllListeners('data');
  return s;
}

describe('HTTP connections', () => {
  it('keeps one address to maxConnectionsPerAddress, and all to maxConnections', async () => {
    const a1 = await heldSocket('127.0.0.2');
    const a2 = await heldSocket('127.0.0.2');
    // The third from the same address is closed before anything is read from it.
    const a3 = await socketFrom('127.0.0.2');
    const third = firstOf(a3);
    a3.write(GET_HEALTH);
    expect(await third).toEqual({ closed: true });
    // Another address still gets in while the first holds its two slots.
    const b1 = await heldSocket('127.0.0.3');
    const b2 = await heldSocket('127.0.0.3');
    const c1 = await heldSocket('127.0.0.4');
    // Five open: the sixth (from a fresh address) is over maxConnections.
    const d1 = await socketFrom('127.0.0.5');
    const sixth = firstOf(d1);
    d1.write(GET_HEALTH);
    expect(await sixth).toEqual({ closed: true });
    for (const s of [a1, a2, b1, b2, c1]) s.destroy();
    await serverHolds(t.app.server, 0);
  });

  it('does not hold a trusted proxy (many clients on one address) to the per-address cap', async () => {
    await serverHolds(t.app.server, 0);
    const held = [
      await heldSocket('127.0.0.10'),
      await heldSocket('127.0.0.10'),
      await heldSocket('127.0.0.10'),
    ];
    for (const s of held) s.destroy();
    await serverHolds(t.app.server, 0);
  });

  it('closes a socket that never sends a byte (headersTimeoutMs)', async () => {
    const s = await socketFrom('127.0.0.6');
    const r = firstOf(s);
    // Accepted and held (not refused by a cap): then only the timeout can close it.
    await serverHolds(t.app.server, 1);
    // The server speaks first (408) or just closes: either way the slot is freed.
    const got = await r;
    expect('closed' in got || got.answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes a socket whose headers never end (headersTimeoutMs)', async () => {
    await serverHolds(t.app.server, 0);
    const s = await socketFrom('127.0.0.7');
    const r = firstOf(s);
    await serverHolds(t.app.server, 1);
    s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const got = await r;
    expect('closed' in got || got.answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('closes an idle keep-alive socket after its answer (keepAliveTimeoutMs)', async () => {
    const s = await heldSocket('127.0.0.8');
    await new Promise<void>((resolve) => {
      s.resume();
      s.once('close', () => resolve());
    });
  });
});

describe('HTTP bodies', () => {
  it('answers 404 to an unknown path before its body is sent', async () => {
    const s = await socketFrom('127.0.0.9');
    const r = firstOf(s);
    // 800 KB announced, 1 KB sent: the answer must not wait for the rest.
    s.write(
      'POST /api/v1/no-such-route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: 800000\r\n\r\n${'['.repeat(1000)}`,
    );
    const got = await r;
    expect('answer' in got && got.answer.startsWith('HTTP/1.1 404')).toBe(true);
    s.destroy();
  });

  it('refuses a body nested deeper than jsonDepth with 400, without parsing it', async () => {
    // 2 KB: under bodyBytes, so only the depth can refuse it.
    const deep = `{"username":${'['.repeat(1000)}${']'.repeat(1000)},"password":"x"}`;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: deep,
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toContain('http.limits.jsonDepth');
      expect(parse.mock.calls.some(([text]) => text === deep)).toBe(false);
    } finally {
      parse.mockRestore();
    }
  });

  it('still takes a body at the depth limit', async () => {
    // Eight levels: the body object and seven nested arrays; the schema then says no.
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"username":${'['.repeat(7)}${']'.repeat(7)},"password":"x"}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('bad_request');
  });

  it('refuses a body larger than bodyBytes with 413 naming the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x'.repeat(5000), password: 'y' }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toContain('http.limits.bodyBytes (4096 bytes)');
  });
});

describe('HTTP connection rate per address', () => {
  it("closes new connections over the address's rate as they are accepted; other addresses go on", async () => {
    // Its own gateway: a burst of 3 and a refill too slow to matter within the test.
    const g = await startTestGateway({
      env: {
        PINTU_CONFIG_HTTP__LIMITS__CONNECTION_RATE_PER_ADDRESS__BURST: '3',
        PINTU_CONFIG_HTTP__LIMITS__CONNECTION_RATE_PER_ADDRESS__PER_SECOND: '0.1',
      },
    });
    try {
      const p = Number(new URL(await g.app.listen({ host: '127.0.0.1', port: 0 })).port);
      const ask = (from: string) =>
        new Promise<{ answer: string } | { closed: true }>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port: p, localAddress: from });
          opened.push(s);
          s.once('error', reject);
          s.once('connect', () => {
            const r = firstOf(s);
            s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
            void r.then(resolve);
          });
        });
      for (let i = 0; i < 3; i++) expect(await ask('127.0.0.20')).toHaveProperty('answer');
      // The fourth new connection in a row from that address: closed, nothing answered.
      expect(await ask('127.0.0.20')).toEqual({ closed: true });
      expect(await ask('127.0.0.21')).toHaveProperty('answer');
    } finally {
      await g.close();
    }
  });
});
