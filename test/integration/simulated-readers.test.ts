// "Simulated" has one source, the reader port (ReaderPort.simulated, set by the simulated
// twin): the panel's bootstrap lists as simulated exactly the readers a tap may be simulated on
// (POST /taps). Here the configuration says `sim` for pintu-utama-in but its port is a driver
// of the test's own, as a real one would be: both answers follow the port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReadEvent, ReaderPort } from '../../src/hardware/ports.js';
import { buildHttp } from '../../src/http/app.js';
import type { Gateway } from '../../src/service/gateway.js';
import { openOnDataDir } from '../support/gateway.js';

/** A driver with a device: taps come from the card on it, never from the API. */
class DeviceReader implements ReaderPort {
  constructor(readonly id: string) {}
  onRead(_handler: (read: ReadEvent) => void): void {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

let dir: string;
let gateway: Gateway;
let app: FastifyInstance;
let cookie: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pintu-simulated-'));
  const opened = openOnDataDir(dir, {
    drivers: (d) => d.readers.set('pintu-utama-in', new DeviceReader('pintu-utama-in')),
  });
  gateway = await opened.opening;
  const log = opened.log;
  app = await buildHttp({ gateway, logger: log });
  await app.ready();
  const password = 'correct horse battery';
  await gateway.accounts.addUser(
    { username: 'resepsionis', role: 'receptionist', password },
    { kind: 'system', id: 'test' },
  );
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: 'resepsionis', password },
  });
  cookie = `pintu_session=${res.cookies.find((c) => c.name === 'pintu_session')!.value}`;
});

afterAll(async () => {
  await app?.close();
  await gateway?.close();
  await rm(dir, { recursive: true, force: true });
});

it('bootstrap and POST /taps agree on which readers are simulated', async () => {
  const boot = await app.inject({ method: 'GET', url: '/api/v1/panel/bootstrap', headers: { cookie } });
  expect(boot.statusCode, boot.body).toBe(200);
  const simulated = Object.fromEntries(
    (boot.json().readers as Array<{ id: string; simulated: boolean }>).map((r) => [r.id, r.simulated]),
  );
  expect(simulated).toMatchObject({ desk: true, 'pintu-utama-in': false, 'pintu-utama-out': true });

  const tap = (reader: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/taps',
      headers: { cookie },
      payload: { reader, uid: '04A1B2C3D4E5F6' },
    });
  const refused = await tap('pintu-utama-in');
  expect(refused.statusCode).toBe(409);
  expect(refused.json().message).toBe('reader "pintu-utama-in" is real hardware, not simulated');
  // An unknown badge on a simulated reader: a decision (denied), not a refusal to simulate.
  expect((await tap('pintu-utama-out')).statusCode).toBe(200);
});
