// Builds the reader and lock ports that configuration asks for. Only the simulated twins
// exist so far; a configured real driver stops the start with a clear error rather than
// silently running a door on a simulation.
import type { Config } from '../config/schema.js';
import type { LockPort, ReaderPort } from './ports.js';
import { SimLock, SimReader } from './sim.js';

export interface Drivers {
  readers: Map<string, ReaderPort>;
  locks: Map<string, LockPort>;
}

export class DriverError extends Error {
  override readonly name = 'DriverError';
}

export function createDrivers(config: Config): Drivers {
  const readers = new Map<string, ReaderPort>();
  const locks = new Map<string, LockPort>();
  for (const door of config.doors) {
    if (door.lock.driver !== 'sim') {
      throw new DriverError(`doors[${door.id}].lock.driver: "${door.lock.driver}" is not available in this build`);
    }
    locks.set(door.id, new SimLock(door.id));
  }
  for (const reader of config.readers) {
    if (reader.driver.type !== 'sim') {
      throw new DriverError(`readers[${reader.id}].driver.type: "${reader.driver.type}" is not available in this build`);
    }
    readers.set(reader.id, new SimReader(reader.id));
  }
  return { readers, locks };
}
