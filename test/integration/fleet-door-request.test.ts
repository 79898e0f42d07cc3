// A door gateway never sends the same snapshot request twice (README "Fleet", Snapshot): the
// desk answers each once, so a request sent again would only be refused. A real door gateway on
// an embedded broker (its connection asks for a snapshot) and a desk played by a loopback HTTP
// server that refuses every request as a replay: the door gateway asks again and again, each
// time with a new request, even with its wall clock standing still (a clock stepped back, two
// requests in one millisecond).
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { publicKeyFrom, publicKeyText, snapshotRequestText, verifyText } from '../../src/fleet/envelope.js';
import { type Fleet, startFleet } from '../../src/fleet/index.js';
import { fleetSection } from '../support/fleet-config.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const log = pino({ level: 'silent' });
const listening = (s: net.Server | Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

describe("a door gateway's snapshot requests", () => {
  const doorKey = generateKeyPairSync('ed25519').privateKey;
  const deskKey = generateKeyPairSync('ed25519').privateKey;
  const headers: string[] = [];
  let third: () => void;
  const threeAsked = new Promise<void>((r) => {
    third = r;
  });
  let aedes: Aedes;
  let mqttServer: net.Server;
  let desk: Server;
  let t: TestGateway;
  let fleet: Fleet;

  beforeAll(async () => {
    // The wall clock stands still (timers run): every request is made in the same millisecond.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    aedes = await Aedes.createBroker();
    mqttServer = net.createServer(aedes.handle);
    const mqttPort = await listening(mqttServer);
    desk = createServer((req, res) => {
      headers.push(String(req.headers['x-pintu-fleet']));
      if (headers.length === 3) third();
      res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":"replayed"}');
    });
    const deskPort = await listening(desk);
    t = await startTestGateway();
    const keyFile = `${t.dir}/door.key`;
    const config = fleetSection({
      role: 'door',
      gatewayId: 'samping',
      baseTopic: 'pintu/fleet',
      broker: { url: `mqtt://127.0.0.1:${mqttPort}` },
      desk: { url: `http://127.0.0.1:${deskPort}`, publicKey: publicKeyText(deskKey) },
      keyFile,
      gateways: [],
      snapshotsPerMinute: 12,
    });
    await writeFile(keyFile, doorKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fleet = await startFleet(t.gateway, config, log);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await fleet?.stop();
    await t?.close();
    await new Promise((r) => desk?.close(r));
    await new Promise<void>((r) => (aedes ? aedes.close(() => r()) : r()));
    await new Promise((r) => mqttServer?.close(r));
  });

  it('signs each for a later moment than the one before, after a refusal too', async () => {
    await threeAsked;
    const asked = headers.slice(0, 3).map((h) => h.split('.'));
    const moments = asked.map(([, at]) => Number(at));
    expect(moments[1]).toBeGreaterThan(moments[0]!);
    expect(moments[2]).toBeGreaterThan(moments[1]!);
    expect(new Set(headers).size).toBe(headers.length);
    const pub = publicKeyFrom(publicKeyText(doorKey));
    for (const [id, at, sig] of asked) {
      expect(id).toBe('samping');
      expect(verifyText(snapshotRequestText('samping', Number(at)), sig!, pub)).toBe(true);
    }
    // The refusal is what the door gateway's health names meanwhile.
    expect(fleet.door!.health().entry).toMatchObject({ snapshotError: 'the desk answered 409' });
  });
});
