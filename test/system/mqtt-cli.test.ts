// `pintu mqtt-user` and `pintu sim-controller` as an operator runs them.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomKeysFile } from '../../src/mqtt/room-keys.js';
import { MqttUsers, mqttUsersFile } from '../../src/mqtt/users.js';
import { USERS } from '../integration/mqtt-contract.js';
import {
  client,
  freePort,
  type MqttGateway,
  startMqttGateway,
  TEST_PASSWORD,
  until,
} from '../support/mqtt.js';
import {
  freePort as freeHttpPort,
  pintu,
  ROOT,
  startGatewayProcess,
  stopProcess,
} from '../support/process.js';

describe('pintu mqtt-user', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pintu-mqtt-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('adds (password shown once, stored hashed), lists and removes MQTT logins', async () => {
    const env = { PINTU_DATA_DIR: dir };
    const add = await pintu(
      env,
      'mqtt-user',
      'add',
      '--username',
      'ctl-kabag',
      '--role',
      'room',
      '--room',
      'ruang-kabag',
    );
    expect(add.code).toBe(0);
    const password = add.stdout.match(/password: (\S+)/)?.[1];
    expect(password).toBeDefined();
    expect(await readFile(mqttUsersFile(dir), 'utf8')).not.toContain(password!);
    expect(add.stderr).toContain('no door or reader of the configuration uses room "ruang-kabag"');
    // The room's command key: printed once for the controller's secrets.yaml, kept 0600 in the
    // data folder apart from the logins (mqtt-user list never shows it).
    const key = add.stdout.match(/room key[^:]*: ([0-9a-f]{64})\n/)?.[1];
    expect(key).toBeDefined();
    const keys = roomKeysFile(dir);
    expect((await stat(keys)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(keys, 'utf8')).rooms['ruang-kabag'].key).toBe(key);
    expect(await readFile(mqttUsersFile(dir), 'utf8')).not.toContain(key!);
    const fac = await pintu(
      env,
      'mqtt-user',
      'add',
      '--username',
      'facilities-1',
      '--role',
      'facilities',
      '--password',
      'a long password 1',
    );
    expect(fac.code).toBe(0);
    expect(fac.stdout).not.toContain('a long password 1');
    const list = await pintu(env, 'mqtt-user', 'list');
    expect(list.stdout).toBe('ctl-kabag\troom\truang-kabag\nfacilities-1\tfacilities\n');
    const bad = await pintu(env, 'mqtt-user', 'add', '--username', 'x', '--role', 'admin');
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--role must be one of room, facilities, homeassistant');
    const twice = await pintu(env, 'mqtt-user', 'add', '--username', 'facilities-1', '--role', 'facilities');
    expect(twice.code).toBe(64);
    expect((await pintu(env, 'mqtt-user', 'remove', '--username', 'ctl-kabag')).code).toBe(0);
    expect((await pintu(env, 'mqtt-user', 'list')).stdout).toBe('facilities-1\tfacilities\n');
    expect((await pintu(env, 'mqtt-user', 'remove', '--username', 'ctl-kabag')).code).toBe(64);
  }, 90_000);
});

describe('pintu sim-controller', () => {
  let g: MqttGateway;
  beforeAll(async () => {
    g = await startMqttGateway({ mqtt: { mode: 'embedded', port: await freePort() }, users: USERS });
  });
  afterAll(() => g.close());

  it('speaks the contract: its taps are decided, the door opens through it', async () => {
    const v = await g.badgedVisit();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'sim-controller',
        '--room',
        'r101',
        '--url',
        g.url,
        '--username',
        'ctl-101',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, PINTU_DATA_DIR: g.dir, PINTU_MQTT_PASSWORD: TEST_PASSWORD },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await until(() => expect(out).toContain('connected to'), 20_000);
      await until(() => expect(out).toContain('command lock'));
      child.stdin.write(`nfc ${v.uid}\n`);
      await until(() => expect(out).toMatch(/command unlock 500 ms/));
      expect(out).toContain('relay: UNLOCKED');
      await until(async () => {
        const entries = [];
        for await (const e of g.gateway.core.journal.read({ types: ['access.granted'] })) entries.push(e);
        expect(entries.map((e) => e.payload)).toContainEqual(
          expect.objectContaining({ readerId: 'r101-in', visitId: v.visitId }),
        );
      });
      child.stdin.write('quit\n');
      await until(() => expect(child.exitCode).toBe(0), 10_000);
      // It left cleanly: the gateway knows the controller is gone.
      await until(() => expect(g.mqtt.doorState('ruang-101')!.alarms).toContain('offline'));
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('pintu start with the embedded broker', () => {
  it('runs the broker, reports it in /api/v1/health, says online, and offline when stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pintu-mqtt-start-'));
    const [httpPort, mqttPort] = [await freeHttpPort(), await freePort()];
    const users = await MqttUsers.open(mqttUsersFile(dir));
    await users.add({ username: 'fac', role: 'facilities', password: TEST_PASSWORD });
    const child = await startGatewayProcess({
      PINTU_DATA_DIR: dir,
      PINTU_HTTP_PORT: String(httpPort),
      PINTU_MQTT_MODE: 'embedded',
      PINTU_CONFIG_MQTT__PORT: String(mqttPort),
    });
    try {
      // The details are behind a role: the CLI's admin token, as `pintu` on the Pi would use it.
      const token = (await readFile(join(dir, 'cli.token'), 'utf8')).trim();
      const health = (await (
        await fetch(`http://127.0.0.1:${httpPort}/api/v1/health`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as {
        mqtt?: Record<string, unknown>;
      };
      expect(health.mqtt).toMatchObject({ mode: 'embedded', connected: true, backlog: 0 });
      const fac = await client(`mqtt://127.0.0.1:${mqttPort}`, {
        username: 'fac',
        password: TEST_PASSWORD,
        subscribe: ['pintu/status', 'pintu/doors/+/state'],
      });
      await until(() => expect(fac.on('pintu/status')).toEqual(['online']));
      await until(() => expect(fac.messages.filter((m) => m.topic.endsWith('/state'))).toHaveLength(2));
      await stopProcess(child);
      expect(child.exitCode).toBe(0);
      await until(() => expect(fac.on('pintu/status').at(-1)).toBe('offline'));
      await fac.end();
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
