// A gateway's part in a fleet (README "Fleet"), as its configuration says: the desk or a door
// gateway, with this gateway's key (made at the first start).
import type { Logger } from 'pino';
import type { FleetConfig } from '../config/schema.js';
import type { Gateway } from '../service/gateway.js';
import { FleetDesk } from './desk.js';
import { FleetDoor } from './door.js';
import { fleetKeyFile, openFleetKey, publicKeyText } from './envelope.js';
import type { FleetHealth } from './health.js';

export interface Fleet {
  config: FleetConfig;
  desk?: FleetDesk;
  door?: FleetDoor;
  /** The fleet entry of GET /api/v1/health and what makes it degraded. */
  health(): FleetHealth;
  stop(): Promise<void>;
}

export async function startFleet(gateway: Gateway, fleet: FleetConfig, log: Logger): Promise<Fleet> {
  const key = await openFleetKey(fleetKeyFile(gateway, fleet));
  log.info(
    { role: fleet.role, gatewayId: fleet.gatewayId, publicKey: publicKeyText(key) },
    'fleet: starting',
  );
  if (fleet.role === 'desk') {
    const desk = await FleetDesk.start(gateway, fleet, key, log);
    return { config: fleet, desk, health: () => desk.health(), stop: () => desk.stop() };
  }
  const door = await FleetDoor.start(gateway, fleet, key, log);
  return { config: fleet, door, health: () => door.health(), stop: () => door.stop() };
}
