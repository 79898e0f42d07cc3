import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  describeConfig,
  describeConfigMarkdown,
  EMBEDDED_SOURCE,
  embeddedConfig,
  loadConfig,
} from '../../src/config/index.js';

const EXAMPLE = resolve(import.meta.dirname, '../../firmware-config/pintu.example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'pintu-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(yaml: string): string {
  const f = join(dir, `c${++n}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

/** Loads YAML text with an empty environment. */
function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ file: file(yaml), env });
}

/** The problems of an invalid configuration (fails the test when it is valid). */
function problems(yaml: string | undefined, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadConfig({ file: yaml === undefined ? undefined : file(yaml), env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    for (const p of e.problems) expect(e.message).toContain(p);
    return [...e.problems];
  }
  throw new Error('expected a ConfigError');
}

// Doors, readers and hosts that are consistent, to vary one thing at a time.
const SITE = `
doors:
  - { id: lobby, name: Lobby, kind: entrance }
  - { id: r1, name: Ruang 1, kind: room }
readers:
  - { id: desk, role: desk }
  - { id: lobby-in, role: door, door: lobby, direction: in }
hosts:
  - { id: h1, name: Host 1, unit: Umum, rooms: [r1] }
`;

describe('embedded defaults (no file)', () => {
  const { config, source, overrides } = loadConfig({ env: {} });

  it('comes from the embedded defaults', () => {
    expect(source).toBe(EMBEDDED_SOURCE);
    expect(overrides).toEqual([]);
    expect(embeddedConfig()).toEqual(config);
  });

  it('has the documented scalar defaults', () => {
    expect(config.dataDir).toBe('./data');
    expect(config.timezone).toBe('Asia/Jakarta');
    expect(config.log).toEqual({ level: 'info', format: 'auto', personalData: false });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 8080,
      trustProxy: false,
      cookieSecure: false,
      sessionTtlMinutes: 720,
      maxSessionsPerUser: 20,
      loginRateLimit: { max: 5, windowMinutes: 15 },
      hostLinkHours: 4,
      limits: {
        maxConnections: 256,
        maxConnectionsPerAddress: 32,
        connectionRatePerAddress: { burst: 200, perSecond: 50 },
        headersTimeoutMs: 10000,
        keepAliveTimeoutMs: 5000,
        requestTimeoutMs: 30000,
        bodyBytes: 1048576,
        jsonDepth: 16,
        sseStreamsPerUser: 8,
        deskWaitsPerUser: 4,
        deskWaits: 32,
        registerPrintRows: 3000,
      },
    });
    expect(config.mqtt).toEqual({
      mode: 'embedded',
      host: '127.0.0.1',
      port: 1883,
      baseTopic: 'pintu',
      protocolVersion: 5,
      tls: { port: 8883, rejectUnauthorized: true },
      websocket: { path: '/mqtt', tls: false },
      limits: {
        maxClients: 200,
        connectionsPerUser: 4,
        connectionsPerAddress: 16,
        maxPacketBytes: 16384,
        commandsPerMinute: 60,
        refusedPublishesPerMinute: 30,
        drainTimeoutMs: 10000,
        maxTopicLevels: 16,
        queueLimit: 42,
        connectTimeoutMs: 10000,
        keepaliveLimitSeconds: 300,
      },
      backlogMax: 10000,
      rooms: { commandTimeoutMs: 1000, retries: 2, refusalsJournaledPerMinute: 20 },
      homeAssistant: { enabled: true, prefix: 'homeassistant', mayHoldUnlocked: false },
    });
    expect(config.access).toEqual({
      officeHours: { days: [1, 2, 3, 4, 5], open: '07:30', close: '16:00' },
      maxVisitMinutes: 480,
      endAtOfficeClose: true,
      codeLength: 6,
      keypadLockout: { attempts: 5, windowSeconds: 300, lockSeconds: 600 },
      escortWindowSeconds: 10,
      facilitiesMayReleaseLockdown: false,
      debounceMs: 1500,
      readerOfflineSeconds: 2,
      readerStartGraceSeconds: 5,
      rescheduleMaxDays: 90,
    });
    expect(config.auth).toEqual({
      hashQueueMax: 8,
      hashThreadIdleSeconds: 30,
      perAddressPending: 2,
      addressFailures: { max: 10, windowSeconds: 60 },
      accountFailures: { max: 5, windowMinutes: 15 },
    });
    expect(config.retention).toEqual({ guestDays: 90, sweepHour: 2, saranDays: 400 });
    expect(config.display).toEqual({ guestName: 'initials', noticeSeconds: 8 });
    expect(config.gpio).toEqual({
      backend: 'sysfs',
      sysfsRoot: '/sys/class/gpio',
      chipLabel: '^pinctrl-(bcm2835|bcm2711|rp1)$',
      gpiodPath: '',
    });
    expect(config.pcsc).toEqual({ retryMinMs: 500, retryMaxMs: 10000, recycleAtDesk: true });
    expect(config.admin).toEqual({ username: 'admin' });
  });

  it('has two simulated doors', () => {
    expect(config.doors).toEqual([
      {
        id: 'pintu-utama',
        name: 'Pintu Utama',
        kind: 'entrance',
        lock: { driver: 'sim' },
        pulseMs: 3000,
        failMode: 'fail-secure',
        antiPassback: false,
        heldOpenSeconds: 30,
        credential: 'uid',
        escort: 'none',
      },
      {
        id: 'ruang-kabag',
        name: 'Ruang Kepala Bagian Umum',
        kind: 'room',
        lock: { driver: 'sim' },
        pulseMs: 3000,
        failMode: 'fail-secure',
        antiPassback: false,
        heldOpenSeconds: 30,
        credential: 'uid',
        escort: 'none',
      },
    ]);
  });

  it('has a desk reader, in/out readers at the entrance and a keypad reader at the room', () => {
    expect(config.readers.map((r) => [r.id, r.role, r.door, r.direction, r.keypad, r.driver.type])).toEqual([
      ['desk', 'desk', undefined, undefined, false, 'sim'],
      ['pintu-utama-in', 'door', 'pintu-utama', 'in', false, 'sim'],
      ['pintu-utama-out', 'door', 'pintu-utama', 'out', false, 'sim'],
      ['ruang-kabag-in', 'door', 'ruang-kabag', 'in', true, 'sim'],
    ]);
  });

  it('has ten badges TAMU-01..TAMU-10 and one host', () => {
    expect(config.badges).toHaveLength(10);
    expect(config.badges[0]).toEqual({ label: 'TAMU-01', uid: '04A1B2C3D4E501' });
    expect(config.badges[8]).toEqual({ label: 'TAMU-09', uid: '04A1B2C3D4E509' });
    expect(config.badges[9]).toEqual({ label: 'TAMU-10', uid: '04A1B2C3D4E50A' });
    expect(config.hosts).toEqual([
      { id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: ['ruang-kabag'] },
    ]);
  });

  it('an empty PINTU_CONFIG and an empty file also give the defaults', () => {
    expect(loadConfig({ env: { PINTU_CONFIG: '' } }).config).toEqual(config);
    expect(load('').config).toEqual(config);
    expect(load('# only a comment\n').config).toEqual(config);
  });
});

describe('the example file', () => {
  it('loads, and equals the embedded defaults', () => {
    const { config, source } = loadConfig({ file: EXAMPLE, env: {} });
    expect(source).toBe(EXAMPLE);
    expect(config).toEqual(embeddedConfig());
  });

  it('loads through PINTU_CONFIG', () => {
    expect(loadConfig({ env: { PINTU_CONFIG: EXAMPLE } }).source).toBe(EXAMPLE);
  });

  it('mentions every key of the schema', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    for (const { key } of describeConfig()) {
      const leaf = key.split('.').pop()!.replace(/\[\]$/, '');
      expect(text, key).toMatch(new RegExp(`\\b${leaf}:`));
    }
  });
});

describe('a file', () => {
  it('merges scalar sections with the defaults', () => {
    const { config } = load('http:\n  port: 9090\naccess:\n  officeHours:\n    close: "15:00"\n');
    expect(config.http.port).toBe(9090);
    expect(config.http.host).toBe('127.0.0.1');
    expect(config.access.officeHours).toEqual({ days: [1, 2, 3, 4, 5], open: '07:30', close: '15:00' });
    expect(config.doors.map((d) => d.id)).toEqual(['pintu-utama', 'ruang-kabag']);
  });

  it('replaces lists whole, and keeps the embedded lists it leaves out', () => {
    const { config } = load(`${SITE}badges:\n  - { label: B1, uid: "04:a1:b2:c3" }\n`);
    expect(config.doors.map((d) => d.id)).toEqual(['lobby', 'r1']);
    expect(config.doors[0]).toMatchObject({
      pulseMs: 3000,
      failMode: 'fail-secure',
      lock: { driver: 'sim' },
    });
    expect(config.readers.map((r) => r.id)).toEqual(['desk', 'lobby-in']);
    expect(config.badges).toEqual([{ label: 'B1', uid: '04A1B2C3' }]);
    expect(config.hosts).toEqual([{ id: 'h1', name: 'Host 1', unit: 'Umum', rooms: ['r1'] }]);

    const keep = load(SITE).config;
    expect(keep.badges).toHaveLength(10);
  });

  it('accepts the hardware drivers, with their defaults filled in', () => {
    const { config } = load(`
mqtt: { mode: external, url: "mqtts://broker.lan:8883", username: gw1, password: "123456" }
doors:
  - { id: lobby, name: Lobby, kind: entrance, lock: { driver: gpio, pin: 17 }, failMode: fail-safe }
  - { id: r1, name: Ruang 1, kind: room, lock: { driver: mqtt } }
  - { id: r2, name: Ruang 2, kind: room, lock: { driver: mqtt, room: ctrl-2 },
      hours: { days: [1, 2, 3, 4, 5, 6], open: "08:00", close: "12:00" } }
readers:
  - { id: desk, role: desk, driver: { type: pcsc, name: "ACR122U.* 00 00" } }
  - { id: lobby-in, role: door, door: lobby, direction: in, driver: { type: pcsc, name: "ACR122U.* 01 00" } }
  - id: lobby-out
    role: door
    door: lobby
    direction: out
    driver: { type: serial, path: /dev/ttyUSB0, pattern: "^W26:([0-9]+)$" }
hosts:
  - { id: h1, name: Host 1, unit: Umum, rooms: [r1, r2], contact: "ext. 12" }
`);
    expect(config.mqtt).toMatchObject({
      mode: 'external',
      url: 'mqtts://broker.lan:8883',
      password: '123456',
    });
    expect(config.doors[0]!.lock).toEqual({ driver: 'gpio', pin: 17, activeLow: false });
    expect(config.doors[1]!.lock).toEqual({ driver: 'mqtt', room: 'r1' });
    expect(config.doors[2]!.lock).toEqual({ driver: 'mqtt', room: 'ctrl-2' });
    expect(config.doors[2]!.hours).toEqual({ days: [1, 2, 3, 4, 5, 6], open: '08:00', close: '12:00' });
    expect(config.readers[2]!.driver).toEqual({
      type: 'serial',
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      delimiter: '\r\n',
      pattern: '^W26:([0-9]+)$',
      kind: 'nfc',
      reopenMinMs: 100,
      reopenMaxMs: 5000,
    });
    expect(config.readers[0]!.driver).toEqual({
      type: 'pcsc',
      name: 'ACR122U.* 00 00',
      feedback: false,
      grantCommand: 'FF0040A80402010101',
      denyCommand: 'FF0040540402020301',
      feedbackVia: 'transmit',
    });
  });

  it('accepts door inputs and GPIO settings, with their defaults filled in', () => {
    const { config } = load(`
gpio: { backend: gpiod, gpiodPath: /opt/gpiod/bin }
doors:
  - id: lobby
    name: Lobby
    kind: entrance
    lock: { driver: gpio, pin: 17, activeLow: true, safeState: unlocked }
    contact: { pin: 22 }
    exitButton: { pin: 23, bias: pull-up, debounceMs: 20 }
    heldOpenSeconds: 45
  - { id: r1, name: Ruang 1, kind: room }
readers:
  - { id: desk, role: desk, driver: { type: pcsc, name: "ACR122U", feedback: true, feedbackVia: control } }
  - { id: lobby-in, role: door, door: lobby, direction: in,
      driver: { type: serial, path: /dev/ttyAMA0, kind: pin, reopenMinMs: 50, reopenMaxMs: 50 } }
hosts: []
`);
    expect(config.gpio).toMatchObject({
      backend: 'gpiod',
      gpiodPath: '/opt/gpiod/bin',
      sysfsRoot: '/sys/class/gpio',
    });
    expect(config.doors[0]).toMatchObject({
      lock: { driver: 'gpio', pin: 17, activeLow: true, safeState: 'unlocked' },
      contact: { pin: 22, activeLow: false, bias: 'as-is', debounceMs: 50 },
      exitButton: { pin: 23, activeLow: true, bias: 'pull-up', debounceMs: 20, unlock: true },
      heldOpenSeconds: 45,
    });
    expect(config.doors[1]).not.toHaveProperty('contact');
    expect(config.readers[0]!.driver).toMatchObject({ feedback: true, feedbackVia: 'control' });
    expect(config.readers[1]!.driver).toMatchObject({ kind: 'pin', reopenMinMs: 50 });
  });

  it('accepts YAML anchors and merge keys', () => {
    const { config } = load(
      `access:\n  officeHours: &h { days: [1, 2, 3], open: "08:00", close: "14:00" }\n${SITE.replace(
        '- { id: r1, name: Ruang 1, kind: room }',
        '- { id: r1, name: Ruang 1, kind: room, hours: { <<: *h, close: "12:00" } }',
      )}`,
    );
    expect(config.access.officeHours).toEqual({ days: [1, 2, 3], open: '08:00', close: '14:00' });
    expect(config.doors[1]!.hours).toEqual({ days: [1, 2, 3], open: '08:00', close: '12:00' });
    expect(problems(`a: *nowhere\n`)[0]).toMatch(/^YAML error: .*alias/i);
  });
});

describe('cross-field checks', () => {
  it.each([
    [
      'a reader on an unknown door',
      SITE.replace(
        '\nhosts:',
        '\n  - { id: lobby-out, role: door, door: lobby, direction: out }\n  - { id: x, role: door, door: kantin, direction: in }\nhosts:',
      ),
      'readers[3].door: unknown door "kantin"',
    ],
    [
      'a door reader without door',
      SITE.replace('door: lobby, ', ''),
      'readers[1].door: is required for a door reader',
    ],
    [
      'a door reader without direction',
      SITE.replace(', direction: in', ''),
      'readers[1].direction: is required for a door reader',
    ],
    [
      'a desk reader with a door',
      SITE.replace('role: desk', 'role: desk, door: lobby'),
      'readers[0].door: a desk reader has no door',
    ],
    [
      'a desk reader with a direction',
      SITE.replace('role: desk', 'role: desk, direction: in'),
      'readers[0].direction: a desk reader has no direction',
    ],
    [
      'a duplicate door id',
      SITE.replace('{ id: r1, name: Ruang 1', '{ id: lobby, name: Ruang 1'),
      'doors[1].id: duplicate door id "lobby" (also doors[0])',
    ],
    [
      'a duplicate reader id',
      SITE.replace('id: lobby-in', 'id: desk'),
      'readers[1].id: duplicate reader id "desk" (also readers[0])',
    ],
    [
      'a duplicate badge UID (after normalisation)',
      `${SITE}badges:\n  - { label: A, uid: 04A1B2C3 }\n  - { label: B, uid: "04:a1:b2:c3" }\n`,
      'badges[1].uid: duplicate badge UID "04:a1:b2:c3" (also badges[0])',
    ],
    [
      'a duplicate badge label',
      `${SITE}badges:\n  - { label: TAMU-01, uid: 04A1B2C3 }\n  - { label: tamu-01, uid: 04A1B2C4 }\n`,
      'badges[1].label: duplicate badge label "tamu-01" (also badges[0])',
    ],
    [
      'a badge UID that is not hex',
      `${SITE}badges:\n  - { label: A, uid: "kartu-1" }\n`,
      'badges[0].uid: must be a hex UID',
    ],
    [
      'a duplicate host id',
      `${SITE}  - { id: h1, name: Host 2, unit: Umum }\n`,
      'hosts[1].id: duplicate host id "h1" (also hosts[0])',
    ],
    [
      'a host granting an entrance',
      SITE.replace('rooms: [r1]', 'rooms: [r1, lobby]'),
      'hosts[0].rooms[1]: door "lobby" is an entrance, not a room',
    ],
    [
      'a host granting an unknown door',
      SITE.replace('rooms: [r1]', 'rooms: [r9]'),
      'hosts[0].rooms[0]: unknown door "r9"',
    ],
    [
      'office hours closing before they open',
      `${SITE}access:\n  officeHours: { open: "16:00", close: "07:30" }\n`,
      'access.officeHours.close: must be after open (16:00)',
    ],
    [
      'door hours closing when they open',
      SITE.replace('kind: room }', 'kind: room, hours: { days: [1], open: "09:00", close: "09:00" } }'),
      'doors[1].hours.close: must be after open (09:00)',
    ],
    [
      'a time that is not HH:MM',
      `${SITE}access:\n  officeHours: { open: "7:30" }\n`,
      'access.officeHours.open: must be a time "HH:MM"',
    ],
    [
      'a time past midnight',
      `${SITE}access:\n  officeHours: { close: "24:00" }\n`,
      'access.officeHours.close: must be a time "HH:MM"',
    ],
    ['an unknown time zone', `${SITE}timezone: Asia/Jakrta\n`, 'timezone: unknown time zone "Asia/Jakrta"'],
    [
      'two locks on one GPIO pin',
      SITE.replace('kind: entrance }', 'kind: entrance, lock: { driver: gpio, pin: 17 } }').replace(
        'kind: room }',
        'kind: room, lock: { driver: gpio, pin: 17 } }',
      ),
      'doors[1].lock.pin: GPIO 17 is already the lock of doors[0]',
    ],
    [
      'a door contact on the pin of a lock',
      SITE.replace('kind: entrance }', 'kind: entrance, lock: { driver: gpio, pin: 17 } }').replace(
        'kind: room }',
        'kind: room, contact: { pin: 17 } }',
      ),
      'doors[1].contact.pin: GPIO 17 is already the lock of doors[0]',
    ],
    [
      "an exit button on the pin of the same door's contact",
      SITE.replace('kind: entrance }', 'kind: entrance, contact: { pin: 22 }, exitButton: { pin: 22 } }'),
      'doors[0].exitButton.pin: GPIO 22 is already the contact of doors[0]',
    ],
    [
      'a serial reopen wait whose longest is shorter than its first',
      SITE.replace(
        'role: desk }',
        'role: desk, driver: { type: serial, path: /dev/ttyS0, reopenMinMs: 900, reopenMaxMs: 100 } }',
      ),
      'readers[0].driver.reopenMaxMs: must be at least reopenMinMs (900), got 100',
    ],
    [
      'a pcscd retry whose longest wait is shorter than its first',
      `${SITE}pcsc: { retryMinMs: 5000, retryMaxMs: 1000 }\n`,
      'pcsc.retryMaxMs: must be at least retryMinMs (5000), got 1000',
    ],
    [
      'a chip label that is not a regular expression',
      `${SITE}gpio: { chipLabel: "pinctrl-(" }\n`,
      'gpio.chipLabel: invalid regular expression',
    ],
    [
      'an escape command that is not hex bytes',
      SITE.replace(
        'role: desk }',
        'role: desk, driver: { type: pcsc, name: ACR, grantCommand: "FF 00 40" } }',
      ),
      'readers[0].driver.grantCommand: must be bytes in hex',
    ],
    [
      'an unknown GPIO backend',
      `${SITE}gpio: { backend: libgpiod }\n`,
      'gpio.backend: must be one of "sysfs", "gpiod" (got "libgpiod")',
    ],
    [
      'an MQTT lock without MQTT',
      `${SITE.replace('kind: room }', 'kind: room, lock: { driver: mqtt } }')}mqtt: { mode: "off" }\n`,
      'doors[1].lock.driver: "mqtt" needs MQTT, but mqtt.mode is "off"',
    ],
    [
      'a reader name that is not a regular expression',
      SITE.replace('role: desk }', 'role: desk, driver: { type: pcsc, name: "ACR[" } }'),
      'readers[0].driver.name: invalid regular expression',
    ],
  ])('%s', (_name, yaml, expected) => {
    const list = problems(yaml);
    expect(
      list.some((p) => p.startsWith(expected)),
      `${expected}\n  in: ${list.join('\n      ')}`,
    ).toBe(true);
  });

  it('says why a reader refers to a door the file does not have, when readers are the embedded ones', () => {
    const list = problems('doors:\n  - { id: lobby, name: Lobby, kind: entrance }\n');
    expect(list).toContain(
      'readers[1].door: unknown door "pintu-utama" (readers is not set in the file, so the embedded default readers apply: set readers too)',
    );
    expect(list.some((p) => p.startsWith('hosts[0].rooms[0]: unknown door "ruang-kabag"'))).toBe(true);
  });

  it('lists every problem at once', () => {
    const list = problems(`
htp: {}
http: { port: 70000 }
log: { level: loud }
doors:
  - { id: lobby, name: Lobby, kind: entrance }
readers:
  - { id: desk, role: desk }
  - { id: x, role: door, door: kantin, direction: in }
hosts: []
`);
    expect(list).toEqual([
      'unknown key "htp" (did you mean "http"?)',
      'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace" (got "loud")',
      'http.port: must be <= 65535 (got 70000)',
      'readers[1].door: unknown door "kantin"',
    ]);
  });
});

describe('schema errors name the key', () => {
  it('an unknown key at the top and inside a section', () => {
    expect(problems('htp:\n  port: 1\n')).toEqual(['unknown key "htp" (did you mean "http"?)']);
    expect(problems('http:\n  prot: 1\n')).toEqual(['http: unknown key "prot" (did you mean "port"?)']);
    expect(
      problems(`${SITE.replace('kind: entrance }', 'kind: entrance, lock: { driver: sim, pin: 4 } }')}`),
    ).toEqual(['doors[0].lock: unknown key "pin"']);
    expect(problems('retention:\n  retainDays: 1\n')[0]).toBe('retention: unknown key "retainDays"');
  });

  it('http.trustProxy: a list of proxies; true (anyone) is refused naming the key', () => {
    expect(problems('http:\n  trustProxy: true\n')).toEqual([
      expect.stringMatching(/^http\.trustProxy: true would believe X-Forwarded-For from anyone/),
    ]);
    expect(problems('http:\n  trustProxy: ["10.0.0.0/24", nginx]\n')).toEqual([
      'http.trustProxy[1]: must be an IP address or CIDR such as "127.0.0.1" or "10.0.0.0/24" (got "nginx")',
    ]);
    expect(
      load('http:\n  trustProxy: ["127.0.0.1", "10.0.0.0/24", "fd00::/8"]\n').config.http.trustProxy,
    ).toEqual(['127.0.0.1', '10.0.0.0/24', 'fd00::/8']);
    expect(load('http:\n  trustProxy: false\n').config.http.trustProxy).toBe(false);
  });

  it('http.limits: the request timeout covers the header timeout', () => {
    expect(problems('http:\n  limits: { headersTimeoutMs: 20000, requestTimeoutMs: 10000 }\n')).toEqual([
      'http.limits.requestTimeoutMs: must be at least http.limits.headersTimeoutMs (20000), got 10000',
    ]);
  });

  it('a wrong type', () => {
    expect(problems('http:\n  port: "eighty"\n')).toEqual(['http.port: must be an integer (got "eighty")']);
    expect(problems('http: 8080\n')).toEqual(['http: must be a mapping (got 8080)']);
    expect(problems('log:\n  personalData: "yes"\n')).toEqual([
      'log.personalData: must be true or false (got "yes")',
    ]);
    expect(problems(SITE.replace('kind: entrance }', 'kind: entrance, pulseMs: 1500.5 }'))).toEqual([
      'doors[0].pulseMs: must be an integer (got 1500.5)',
    ]);
  });

  it('a value out of range or not allowed', () => {
    expect(problems('http:\n  port: 70000\n')).toEqual(['http.port: must be <= 65535 (got 70000)']);
    expect(problems('access:\n  codeLength: 3\n')).toEqual(['access.codeLength: must be >= 4 (got 3)']);
    expect(problems('mqtt:\n  mode: on\n')).toEqual([
      'mqtt.mode: must be one of "embedded", "external", "off" (got "on")',
    ]);
    expect(problems(SITE.replace('id: lobby-in', 'id: Lobby_In'))[0]).toMatch(
      /^readers\[1\]\.id: must be a slug/,
    );
  });

  it('a missing key, and a driver that does not exist', () => {
    expect(
      problems(SITE.replace('{ id: lobby, name: Lobby, kind: entrance }', '{ id: lobby, kind: entrance }')),
    ).toEqual(['doors[0].name: is required']);
    expect(problems(SITE.replace('kind: entrance }', 'kind: entrance, lock: { driver: relay } }'))).toEqual([
      'doors[0].lock.driver: must be one of "sim", "gpio", "mqtt" (got "relay")',
    ]);
    expect(problems(SITE.replace('kind: entrance }', 'kind: entrance, lock: { pin: 4 } }'))).toEqual([
      'doors[0].lock.driver: is required: one of "sim", "gpio", "mqtt"',
    ]);
    expect(problems(SITE.replace('kind: entrance }', 'kind: entrance, lock: { driver: gpio } }'))).toEqual([
      'doors[0].lock.pin: is required',
    ]);
  });

  it('a file that is not a mapping', () => {
    expect(problems('- a\n- b\n')[0]).toMatch(/must be a mapping of keys/);
  });
});

describe('environment overrides', () => {
  it('the short variables', () => {
    const { config, overrides } = loadConfig({
      env: {
        PINTU_DATA_DIR: '/var/lib/pintu',
        PINTU_HTTP_HOST: '0.0.0.0',
        PINTU_HTTP_PORT: '9090',
        PINTU_LOG_LEVEL: 'debug',
        PINTU_MQTT_MODE: 'off',
        PINTU_UNRELATED: 'x',
      },
    });
    expect(config.dataDir).toBe('/var/lib/pintu');
    expect(config.http).toMatchObject({ host: '0.0.0.0', port: 9090 });
    expect(config.log.level).toBe('debug');
    expect(config.mqtt.mode).toBe('off');
    expect(overrides.sort()).toEqual(
      ['PINTU_DATA_DIR', 'PINTU_HTTP_HOST', 'PINTU_HTTP_PORT', 'PINTU_LOG_LEVEL', 'PINTU_MQTT_MODE'].sort(),
    );
  });

  it('the generic PINTU_CONFIG_<PATH> form, on top of a file', () => {
    const { config } = load('http:\n  port: 9000\n', {
      PINTU_CONFIG_HTTP__PORT: '9090',
      PINTU_CONFIG_ACCESS__MAX_VISIT_MINUTES: '240',
      PINTU_CONFIG_ACCESS__OFFICE_HOURS__DAYS: '[1, 2, 3, 4, 5, 6]',
      PINTU_CONFIG_ACCESS__END_AT_OFFICE_CLOSE: 'false',
      PINTU_CONFIG_HTTP__LOGIN_RATE_LIMIT__MAX: '3',
      PINTU_CONFIG_MQTT__PASSWORD: '123456',
      PINTU_CONFIG_DOORS__0__PULSE_MS: '5000',
      PINTU_CONFIG_DOORS__1__LOCK: '{driver: gpio, pin: 27}',
      PINTU_CONFIG_TIMEZONE: 'Asia/Makassar',
    });
    expect(config.http.port).toBe(9090);
    expect(config.access.maxVisitMinutes).toBe(240);
    expect(config.access.officeHours.days).toEqual([1, 2, 3, 4, 5, 6]);
    expect(config.access.endAtOfficeClose).toBe(false);
    expect(config.http.loginRateLimit).toEqual({ max: 3, windowMinutes: 15 });
    expect(config.mqtt.password).toBe('123456'); // a string key keeps the text
    expect(config.doors[0]!.pulseMs).toBe(5000);
    expect(config.doors[1]!.lock).toEqual({ driver: 'gpio', pin: 27, activeLow: false });
    expect(config.doors).toHaveLength(2); // the embedded doors, one changed
    expect(config.timezone).toBe('Asia/Makassar');
  });

  it('the short form wins over the generic form', () => {
    const { config } = loadConfig({ env: { PINTU_CONFIG_HTTP__PORT: '9090', PINTU_HTTP_PORT: '9191' } });
    expect(config.http.port).toBe(9191);
  });

  it('a bad value names the variable', () => {
    expect(problems(undefined, { PINTU_HTTP_PORT: 'abc' })).toEqual([
      'http.port: must be an integer (got "abc") (from PINTU_HTTP_PORT="abc")',
    ]);
    expect(problems(undefined, { PINTU_CONFIG_HTTP__PORT: '70000' })).toEqual([
      'http.port: must be <= 65535 (got 70000) (from PINTU_CONFIG_HTTP__PORT="70000")',
    ]);
    expect(problems(undefined, { PINTU_LOG_LEVEL: 'loud' })[0]).toMatch(
      /^log\.level: must be one of .* \(from PINTU_LOG_LEVEL="loud"\)$/,
    );
    expect(problems(undefined, { PINTU_CONFIG_ACCESS__MAX_VISIT_MINUTES: '[1' })[0]).toMatch(
      /^PINTU_CONFIG_ACCESS__MAX_VISIT_MINUTES: cannot read "\[1" as a value/,
    );
    expect(problems(undefined, { PINTU_CONFIG_DOORS__0__LOCK__PIN: '4' })).toEqual([
      'doors[0].lock: unknown key "pin" (from PINTU_CONFIG_DOORS__0__LOCK__PIN="4")',
    ]);
  });

  it('an unknown key or index names the variable', () => {
    expect(problems(undefined, { PINTU_CONFIG_HTP__PORT: '1' })).toEqual([
      'PINTU_CONFIG_HTP__PORT: unknown key "htp"',
    ]);
    expect(problems(undefined, { PINTU_CONFIG_HTTP__PROT: '1' })).toEqual([
      'PINTU_CONFIG_HTTP__PROT: unknown key "prot" in http',
    ]);
    expect(problems(undefined, { PINTU_CONFIG_DOORS__7__PULSE_MS: '1000' })).toEqual([
      'PINTU_CONFIG_DOORS__7__PULSE_MS: cannot set doors[7].pulseMs: doors has no item 7 (it has 2)',
    ]);
    expect(problems(undefined, { PINTU_CONFIG_DOORS__PULSE_MS: '1000' })[0]).toMatch(
      /^PINTU_CONFIG_DOORS__PULSE_MS: doors is a list/,
    );
  });

  it('names the escort keys when they are wrong', () => {
    expect(problems('access:\n  escortWindowSeconds: 0\n')[0]).toMatch(/^access\.escortWindowSeconds: /);
    expect(problems(undefined, { PINTU_CONFIG_DOORS__1__ESCORT: 'always' })[0]).toMatch(
      /^doors\[1\]\.escort: .*(none|required)/,
    );
  });

  it('never echoes a password', () => {
    const list = problems(undefined, { PINTU_CONFIG_MQTT__PASSWORD: 'x', PINTU_CONFIG_MQTT__USERNAME: '' });
    expect(list).toEqual(['mqtt.username: must not be empty (from PINTU_CONFIG_MQTT__USERNAME="")']);
    const bad = problems('mqtt:\n  password: [s3cret]\n');
    expect(bad).toEqual(['mqtt.password: must be a string']);
  });
});

describe('files that cannot be read', () => {
  it('a YAML syntax error gives the line and column', () => {
    const list = problems('http:\n  port: 8080\n  host: [127.0.0.1\nlog:\n  level: info\n');
    expect(list[0]).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    const dup = problems('http:\n  port: 8080\n  port: 9090\n');
    expect(dup[0]).toMatch(/^YAML syntax error at line 3, column 3: .*unique/i);
  });

  it('a missing file given explicitly names the file', () => {
    const missing = join(dir, 'nope.yaml');
    expect(() => loadConfig({ file: missing, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: missing, env: {} })).toThrow(`configuration file not found: ${missing}`);
    expect(() => loadConfig({ env: { PINTU_CONFIG: missing } })).toThrow(
      `configuration file not found: ${missing} (from PINTU_CONFIG)`,
    );
  });

  it('the file argument takes precedence over PINTU_CONFIG', () => {
    const f = file('http:\n  port: 9999\n');
    const r = loadConfig({ file: f, env: { PINTU_CONFIG: join(dir, 'nope.yaml') } });
    expect(r.source).toBe(f);
    expect(r.config.http.port).toBe(9999);
  });
});

describe('the result', () => {
  it('is deeply frozen', () => {
    const { config } = loadConfig({ env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http.loginRateLimit)).toBe(true);
    expect(Object.isFrozen(config.doors)).toBe(true);
    expect(Object.isFrozen(config.doors[0]!.lock)).toBe(true);
    expect(Object.isFrozen(config.access.officeHours.days)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => (config.badges as unknown[]).push({})).toThrow(TypeError);
  });

  it('is a fresh copy each time (defaults are not shared)', () => {
    const a = loadConfig({ env: {} }).config;
    const b = loadConfig({ env: { PINTU_CONFIG_DOORS__0__PULSE_MS: '5000' } }).config;
    expect(a.doors[0]!.pulseMs).toBe(3000);
    expect(b.doors[0]!.pulseMs).toBe(5000);
    expect(a.access.officeHours.days).not.toBe(b.access.officeHours.days);
  });
});

describe('describeConfig', () => {
  const docs = describeConfig();

  it('describes every key with a type and a meaning', () => {
    expect(docs.length).toBeGreaterThan(50);
    for (const d of docs) {
      expect(d.description, d.key).not.toBe('');
      expect(d.type, d.key).not.toBe('');
    }
    expect(new Set(docs.map((d) => d.key)).size).toBe(docs.length);
  });

  it('gives the defaults of the schema', () => {
    const byKey = new Map(docs.map((d) => [d.key, d]));
    expect(byKey.get('http.port')).toMatchObject({ type: 'integer 1..65535', default: 8080 });
    expect(byKey.get('access.officeHours.open')).toMatchObject({ default: '07:30' });
    expect(byKey.get('doors[].lock.driver')).toMatchObject({ default: 'sim' });
    expect(byKey.get('doors[].lock.pin')?.type).toBe('integer 0..27 (required)');
    expect(byKey.get('mqtt.url')?.type).toMatch(/\(optional\)$/);
    expect(byKey.get('readers[].driver.baudRate')).toMatchObject({ default: 9600 });
    // every default in the table is what a config without the key gets
    const cfg = embeddedConfig() as unknown as Record<string, unknown>;
    for (const d of docs) {
      if (d.key.includes('[]') || d.default === undefined) continue;
      if (typeof d.default === 'object' && !Array.isArray(d.default)) continue; // a section: {}
      // An optional section absent by default (fleet): its keys' defaults apply once it is set.
      if (d.key.startsWith('fleet.')) continue;
      const v = d.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
      // lists of objects are filled in further by their items' defaults
      if (Array.isArray(d.default) && typeof d.default[0] === 'object')
        expect(v, d.key).toMatchObject(d.default);
      else expect(v, d.key).toEqual(d.default);
    }
  });

  it('renders a Markdown table', () => {
    const md = describeConfigMarkdown();
    expect(md.split('\n')[0]).toBe('| key | default | meaning |');
    expect(md).toContain(
      '| `http.port` | `8080` | TCP port of the web panel and API. *(integer 1..65535)* |',
    );
    expect(md.split('\n')).toHaveLength(describeConfig().length + 2);
  });
});

describe('doors[].credential (issue 12)', () => {
  const site = (credential: string, driver: string) => `
mqtt: { mode: off }
doors:
  - { id: lobby, name: Lobby, kind: entrance${credential ? `, credential: ${credential}` : ''} }
readers:
  - { id: desk, role: desk }
  - { id: lobby-in, role: door, door: lobby, direction: in, driver: ${driver} }
hosts: []
`;
  it('defaults to secure on a door read only by PC/SC readers, else to uid', () => {
    expect(load(site('', '{ type: pcsc, name: "ACR122U" }')).config.doors[0]!.credential).toBe('secure');
    expect(load(site('', '{ type: sim }')).config.doors[0]!.credential).toBe('uid');
    expect(load(site('', '{ type: serial, path: /dev/ttyUSB0 }')).config.doors[0]!.credential).toBe('uid');
  });
  it('keeps what the file says', () => {
    expect(load(site('secure-or-uid', '{ type: pcsc, name: "ACR122U" }')).config.doors[0]!.credential).toBe(
      'secure-or-uid',
    );
    expect(load(site('uid', '{ type: pcsc, name: "ACR122U" }')).config.doors[0]!.credential).toBe('uid');
  });
  it('refuses secure on a door with a reader that cannot authenticate, naming the key', () => {
    expect(problems(site('secure', '{ type: sim }'))).toEqual([
      'readers[1].driver.type: "sim" reads only UIDs, but door "lobby" has credential "secure": only pcsc readers authenticate badges (set doors[].credential to "uid" or "secure-or-uid", or use a pcsc reader)',
    ]);
    expect(problems(site('strong', '{ type: sim }'))[0]).toMatch(/^doors\[0\]\.credential/);
  });
});

describe('fleet (issue 17)', () => {
  const KEY = 'A'.repeat(43);
  const fleet = (body: string) => `${SITE}mqtt: { mode: off }\nfleet:\n${body}`;
  it('is absent by default: the gateway stands alone', () => {
    expect(loadConfig({ env: {} }).config.fleet).toBeUndefined();
  });
  it('takes a desk with its door gateways, defaults filled in', () => {
    const { config } = load(
      fleet(
        `  role: desk\n  gatewayId: meja\n  broker: { url: "mqtt://127.0.0.1:1883" }\n  gateways:\n    - { id: samping, publicKey: ${KEY}, rooms: [r1] }\n`,
      ),
    );
    expect(config.fleet).toMatchObject({
      role: 'desk',
      gatewayId: 'meja',
      baseTopic: 'pintu/fleet',
      snapshotSkewSeconds: 120,
      snapshotRequestsKept: 1000,
      gateways: [{ id: 'samping', publicKey: KEY, rooms: ['r1'] }],
    });
  });
  it('takes a door gateway with its desk', () => {
    const { config } = load(
      fleet(
        `  role: door\n  gatewayId: samping\n  broker: { url: "mqtt://127.0.0.1:1883" }\n  desk: { url: "http://127.0.0.1:8080", publicKey: ${KEY} }\n`,
      ),
    );
    expect(config.fleet?.desk?.publicKey).toBe(KEY);
  });
  it('refuses a door gateway without its desk, and a desk with one, naming the key', () => {
    expect(
      problems(fleet('  role: door\n  gatewayId: samping\n  broker: { url: "mqtt://127.0.0.1:1883" }\n')),
    ).toEqual(['fleet.desk: a door gateway (fleet.role: door) needs its desk: url and publicKey']);
    expect(
      problems(
        fleet(
          `  role: desk\n  gatewayId: meja\n  broker: { url: "mqtt://127.0.0.1:1883" }\n  desk: { url: "http://x", publicKey: ${KEY} }\n  gateways:\n    - { id: meja, publicKey: ${KEY} }\n    - { id: meja, publicKey: ${KEY} }\n`,
        ),
      ),
    ).toEqual([
      'fleet.desk: the desk (fleet.role: desk) takes visits from nobody: remove fleet.desk',
      'fleet.gateways[1].id: duplicate gateway id "meja" (also fleet.gateways[0])',
      'fleet.gateways[0].id: "meja" is the desk itself (fleet.gatewayId)',
      'fleet.gateways[1].id: "meja" is the desk itself (fleet.gatewayId)',
    ]);
  });
  it('refuses a bound on remembered snapshot requests out of range, naming the key', () => {
    const desk = (kept: number) =>
      fleet(
        `  role: desk\n  gatewayId: meja\n  broker: { url: "mqtt://127.0.0.1:1883" }\n  snapshotRequestsKept: ${kept}\n`,
      );
    expect(problems(desk(5))).toEqual(['fleet.snapshotRequestsKept: must be >= 10 (got 5)']);
    expect(problems(desk(200_000))).toEqual(['fleet.snapshotRequestsKept: must be <= 100000 (got 200000)']);
  });
  it('refuses a public key that is not one, naming the key', () => {
    const out = problems(
      fleet(
        '  role: door\n  gatewayId: samping\n  broker: { url: "mqtt://127.0.0.1:1883" }\n  desk: { url: "http://127.0.0.1:8080", publicKey: "abc" }\n',
      ),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^fleet\.desk\.publicKey: .*Ed25519 public key/);
  });
});
