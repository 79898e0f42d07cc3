// `pintu mqtt-user add|remove|list` and `pintu sim-controller`, called from cli.ts.
import { createInterface } from 'node:readline';
import type { Config } from '../config/schema.js';
import { newOneTimePassword } from '../service/passwords.js';
import { MQTT_ROLES, type MqttRole } from './acl.js';
import { RoomKeys, roomKeysFile } from './room-keys.js';
import { SimController } from './sim-controller.js';
import { MqttUserError, MqttUsers, mqttUsersFile } from './users.js';

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CommandIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** The rooms that configuration gives a controller (lock driver mqtt, reader type mqtt). */
export function configuredRooms(config: Config): string[] {
  const rooms = new Set<string>();
  for (const d of config.doors) if (d.lock.driver === 'mqtt') rooms.add(d.lock.room ?? d.id);
  for (const r of config.readers) if (r.driver.type === 'mqtt' && r.driver.room) rooms.add(r.driver.room);
  return [...rooms].sort();
}

export async function mqttUserCommand(
  sub: string | undefined,
  opts: { username?: string; role?: string; room?: string; password?: string },
  config: Config,
  io: CommandIo = stdio,
): Promise<void> {
  const users = await MqttUsers.open(mqttUsersFile(config.dataDir));
  switch (sub) {
    case 'add': {
      if (!opts.username) throw new MqttUserError('--username is required');
      if (!MQTT_ROLES.includes(opts.role as MqttRole))
        throw new MqttUserError(`--role must be one of ${MQTT_ROLES.join(', ')}`);
      const generated = opts.password ? undefined : newOneTimePassword();
      await users.add({
        username: opts.username,
        role: opts.role as MqttRole,
        ...(opts.room ? { room: opts.room } : {}),
        password: opts.password ?? generated!,
      });
      if (opts.room && !configuredRooms(config).includes(opts.room)) {
        io.err(
          `note: no door or reader of the configuration uses room "${opts.room}" (rooms: ${configuredRooms(config).join(', ') || 'none'})\n`,
        );
      }
      if (config.mqtt.mode !== 'embedded') {
        io.err(
          'note: mqtt.mode is not "embedded": these users are for the embedded broker; an external broker keeps its own\n',
        );
      }
      io.out(
        `MQTT user ${opts.username} (${opts.role}${opts.room ? ` of room ${opts.room}` : ''}) added${generated ? `; password: ${generated}` : ''}\n`,
      );
      if (opts.role === 'room' && opts.room) {
        // A new controller gets a new key (one set up again too): its commands and taps are
        // MACed with it. Shown here once; the gateway reads it from the data folder.
        const key = RoomKeys.generate(roomKeysFile(config.dataDir), opts.room);
        io.out(
          `room key of ${opts.room} (pintu_room_key in the controller's secrets.yaml; shown once, replaces any earlier key of the room): ${key.toString('hex')}\n`,
        );
      }
      return;
    }
    case 'remove': {
      if (!opts.username) throw new MqttUserError('--username is required');
      if (!(await users.remove(opts.username))) throw new MqttUserError(`no MQTT user "${opts.username}"`);
      io.out(`MQTT user ${opts.username} removed (a running broker closes its sessions)\n`);
      return;
    }
    case 'list': {
      for (const u of users.list()) io.out(`${u.username}\t${u.role}${u.room ? `\t${u.room}` : ''}\n`);
      return;
    }
    default:
      throw new MqttUserError('mqtt-user add | remove | list');
  }
}

/** The URL a client on this machine uses for the configured broker. */
export function brokerUrl(config: Config): string {
  const c = config.mqtt;
  if (c.mode === 'external' && c.url) return c.url;
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${c.port}`;
}

/**
 * The simulator's room key: PINTU_ROOM_KEY (hex), else the room's key in the data folder when
 * this user may read it; none: the simulator runs unauthenticated, as a controller before keys.
 */
function roomKeyOf(room: string, config: Config): Buffer | undefined {
  const hex = process.env.PINTU_ROOM_KEY;
  if (hex !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new MqttUserError('PINTU_ROOM_KEY: 64 hex digits (32 bytes)');
    return Buffer.from(hex, 'hex');
  }
  try {
    return new RoomKeys(roomKeysFile(config.dataDir)).get(room);
  } catch {
    return undefined;
  }
}

/**
 * A simulated room controller on the configured broker. Lines on stdin: `nfc <UID>`,
 * `pin <digits>`, `open`, `close`, `quit`. What it receives and does is printed.
 */
export async function simControllerCommand(
  opts: { room?: string; url?: string; username?: string; password?: string },
  config: Config,
  io: CommandIo = stdio,
): Promise<void> {
  if (!opts.room) throw new MqttUserError('--room is required');
  const password = opts.password ?? process.env.PINTU_MQTT_PASSWORD;
  const key = roomKeyOf(opts.room, config);
  const url = opts.url ?? brokerUrl(config);
  const ctl = new SimController({
    room: opts.room,
    url,
    baseTopic: config.mqtt.baseTopic,
    ...(opts.username ? { username: opts.username } : {}),
    ...(password ? { password } : {}),
    ...(key ? { key } : {}),
    fw: 'pintu-sim-controller',
  });
  ctl.on('command', (c) => io.out(`command ${c.action}${c.ms ? ` ${c.ms} ms` : ''} (id ${c.id})\n`));
  ctl.on('ignored', (i) => io.out(`ignored a command (${i.reason})\n`));
  ctl.on('refused', (r) => io.out(`refused a command (${r.error})\n`));
  ctl.on('relay', (r) => io.out(`relay: ${r.locked ? 'locked' : 'UNLOCKED'}\n`));
  ctl.on('close', () => io.err('connection closed (reconnecting)\n'));
  await ctl.start();
  io.out(
    `room controller "${opts.room}" connected to ${url}; type: nfc <UID> | pin <digits> | open | close | quit\n`,
  );
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      lines.close();
      // Let go of stdin, or the process would wait for it.
      process.stdin.destroy();
      ctl.stop().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    lines.on('close', stop);
    lines.on('line', (line) => {
      const [word, arg] = line.trim().split(/\s+/);
      if (word === 'quit' || word === 'exit') return stop();
      if ((word === 'nfc' || word === 'pin') && arg) {
        io.out(
          ctl.tap(word, arg) ? `tap ${word} sent\n` : 'not connected: the tap is dropped (never queued)\n',
        );
      } else if (word === 'open' || word === 'close') ctl.setOpen(word === 'open');
      else if (word) io.err('nfc <UID> | pin <digits> | open | close | quit\n');
    });
  });
}
