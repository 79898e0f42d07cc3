// Builds the reader, lock and door-input ports that configuration asks for: the simulated
// twins, PC/SC and serial readers, GPIO relays and inputs, room controllers over MQTT. A driver that cannot work here
// stops the start with a clear error naming the key, rather than silently running a door on
// a simulation. GPIO relays come first: each takes its safe state the moment it is built.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { doorCredential } from '../config/validate.js';
import { DriverError } from './driver-error.js';
import { type GpioBackend, openGpioBackend } from './gpio.js';
import { gpioDoorInputs, gpioDoorLock } from './gpio-door.js';
import { PcscContext, PcscReader } from './pcsc.js';
import type { DoorInputsPort, LockPort, ReaderPort } from './ports.js';
import { SerialReader } from './serial.js';
import { SimLock, SimReader } from './sim.js';
import { SiteKeyRing } from './site-keys.js';

export { DriverError };

export interface Drivers {
  readers: Map<string, ReaderPort>;
  locks: Map<string, LockPort>;
  /** Door contacts and exit buttons, by door id (doors that have any). */
  inputs: Map<string, DoorInputsPort>;
  /** The site keys the door readers challenge badges with (opened when a door needs them). */
  siteKeys?: SiteKeyRing;
}

export interface DriverOptions {
  log?: Logger;
  /** The GPIO backend; by default the one gpio.* configures, opened when a door needs GPIO. */
  gpio?: GpioBackend;
  /** The PC/SC context of the pcsc readers; by default one made from pcsc.*. */
  pcsc?: PcscContext;
  /** Room controllers over MQTT (src/mqtt/rooms.ts RoomHub), when mqtt.mode is not off. */
  rooms?: RoomControllers;
  /** The site keys of secure badges; by default those of <dataDir>/keys, site.key made when absent. */
  siteKeys?: SiteKeyRing;
}

/** Where the ports of room controllers come from (lock driver mqtt, reader type mqtt). */
export interface RoomControllers {
  lock(doorId: string, room: string): LockPort;
  reader(readerId: string, room: string): ReaderPort;
  /** The door contact the controller reports. */
  inputs(doorId: string, room: string): DoorInputsPort;
}

const NO_ROOMS = 'needs MQTT: mqtt.mode is "off" (or no room controller hub was given)';

export function createDrivers(config: Config, opts: DriverOptions = {}): Drivers {
  const readers = new Map<string, ReaderPort>();
  const locks = new Map<string, LockPort>();
  const inputs = new Map<string, DoorInputsPort>();
  const log = opts.log;
  let gpio = opts.gpio;
  const gpioBackend = (): GpioBackend => {
    if (!gpio) {
      gpio = openGpioBackend(config.gpio, log);
      log?.info({ gpio: gpio.description }, 'GPIO backend ready');
    }
    return gpio;
  };
  const at = (path: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof DriverError && err.message.startsWith('gpio.')) throw err;
      throw new DriverError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  for (const door of config.doors) {
    if (door.lock.driver === 'gpio') {
      at(`doors[${door.id}].lock`, () => locks.set(door.id, gpioDoorLock(door, gpioBackend(), log)));
      continue;
    }
    if (door.lock.driver === 'mqtt') {
      const room = door.lock.room ?? door.id;
      if (!opts.rooms) throw new DriverError(`doors[${door.id}].lock.driver: "mqtt" ${NO_ROOMS}`);
      locks.set(door.id, opts.rooms.lock(door.id, room));
      // The controller's contact, unless a GPIO contact of the door is configured (set below).
      inputs.set(door.id, opts.rooms.inputs(door.id, room));
      continue;
    }
    if (door.lock.driver !== 'sim') {
      const driver = (door.lock as { driver: string }).driver;
      throw new DriverError(`doors[${door.id}].lock.driver: "${driver}" is not available in this build`);
    }
    locks.set(door.id, new SimLock(door.id));
  }
  for (const door of config.doors) {
    if (!door.contact && !door.exitButton) continue;
    at(`doors[${door.id}].contact/exitButton`, () => {
      const ports = gpioDoorInputs(door, gpioBackend());
      if (ports) inputs.set(door.id, ports);
    });
  }
  let pcsc = opts.pcsc;
  let siteKeys: SiteKeyRing | undefined;
  const site = (): SiteKeyRing => {
    if (!siteKeys) {
      try {
        siteKeys = opts.siteKeys ?? SiteKeyRing.open(config.dataDir);
      } catch (err) {
        throw new DriverError(`keys/site.key: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return siteKeys;
  };
  for (const reader of config.readers) {
    const d = reader.driver;
    if (d.type === 'pcsc') {
      pcsc ??= new PcscContext({ ...config.pcsc, ...(log ? { log } : {}) });
      const door = reader.role === 'door' ? config.doors.find((x) => x.id === reader.door) : undefined;
      const mode = door ? doorCredential(config, door) : 'uid';
      const secure = mode === 'uid' ? undefined : { keys: site(), mode };
      readers.set(reader.id, new PcscReader(reader.id, d, pcsc, log, secure));
      continue;
    }
    if (d.type === 'serial') {
      readers.set(reader.id, new SerialReader(reader.id, d, log));
      continue;
    }
    if (d.type === 'mqtt') {
      if (!opts.rooms) throw new DriverError(`readers[${reader.id}].driver.type: "mqtt" ${NO_ROOMS}`);
      readers.set(reader.id, opts.rooms.reader(reader.id, d.room ?? reader.door ?? reader.id));
      continue;
    }
    if (reader.driver.type !== 'sim') {
      throw new DriverError(
        `readers[${reader.id}].driver.type: "${reader.driver.type}" is not available in this build`,
      );
    }
    readers.set(reader.id, new SimReader(reader.id));
  }
  return { readers, locks, inputs, ...(siteKeys ? { siteKeys } : {}) };
}
