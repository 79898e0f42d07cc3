// What the gateway says about its doors: pintu/doors/<door>/state (retained, on every change)
// and pintu/lockdown (retained ON/OFF, the site-wide lockdown). Each is sent again only when
// it changed since the last send on this connection; a new connection sends them all.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Gateway } from '../service/gateway.js';
import type { MqttLink } from './link.js';
import type { RoomHub } from './rooms.js';
import type { AlarmKind, DoorState } from './schemas.js';
import type { Topics } from './topics.js';

export interface DoorStatePublisherOptions {
  config: Config;
  gateway: Gateway;
  hub: RoomHub | undefined;
  link: MqttLink;
  topics: Topics;
  log: Logger;
}

export class DoorStatePublisher {
  private readonly sent = new Map<string, { key: string; at: number }>();
  private lockdownSent: string | undefined;

  constructor(private readonly opts: DoorStatePublisherOptions) {}

  /** The state of one door as pintu/doors/<door>/state carries it. */
  state(doorId: string): DoorState | undefined {
    const { gateway, hub } = this.opts;
    const ds = gateway.access.doorStates().find((d) => d.id === doorId);
    if (!ds) return undefined;
    const roomLock = hub?.lockOfRoom(this.roomOf(doorId) ?? '');
    const alarms: AlarmKind[] = [...(roomLock?.activeAlarms() ?? [])];
    if (gateway.readers.offlineReaders(doorId).length) alarms.push('reader_offline');
    const inputAlarm = (ds as { alarm?: AlarmKind }).alarm;
    if (inputAlarm && !alarms.includes(inputAlarm)) alarms.push(inputAlarm);
    // The room controller's faults (the fault text may carry a door input's fault too).
    const unknown = /\b(offline|no_ack)\b/.test(ds.fault ?? '') || alarms.includes('no_ack');
    return {
      locked: unknown ? null : ds.locked,
      open: ds.open ?? null,
      alarm: alarms.at(-1) ?? null,
      alarms,
      lockdown: ds.lockdown,
      held: ds.held,
      at: gateway.core.now(),
    };
  }

  private roomOf(doorId: string): string | undefined {
    const door = this.opts.config.doors.find((d) => d.id === doorId);
    return door?.lock.driver === 'mqtt' ? (door.lock.room ?? door.id) : undefined;
  }

  /** A door's state, if it changed since it was last sent. */
  publish(doorId: string): void {
    const { link, topics, log } = this.opts;
    if (!link.connected) return;
    const state = this.state(doorId);
    if (!state) return;
    const { at, ...rest } = state;
    const key = JSON.stringify(rest);
    const sent = this.sent.get(doorId);
    if (sent?.key === key) return;
    this.sent.set(doorId, { key, at });
    link.publish(topics.doorState(doorId), JSON.stringify(state), { qos: 1, retain: true }).catch((err) => {
      this.sent.delete(doorId);
      log.debug({ err, door: doorId }, 'mqtt: door state not published');
    });
  }

  /** Every door's state (those that changed). */
  publishDoors(): void {
    for (const d of this.opts.config.doors) this.publish(d.id);
  }

  /** pintu/lockdown: the site-wide lockdown, ON or OFF, on a change and at each connection. */
  publishLockdown(): void {
    const { link, gateway, topics, log } = this.opts;
    if (!link.connected) return;
    const value = gateway.access.inSiteLockdown() ? 'ON' : 'OFF';
    if (value === this.lockdownSent) return;
    this.lockdownSent = value;
    link.publish(topics.lockdown, value, { qos: 1, retain: true }).catch((err) => {
      this.lockdownSent = undefined;
      log.debug({ err }, 'mqtt: lockdown not published');
    });
  }

  /** A new connection: the broker may have lost what was sent (the embedded one forgets at a restart). */
  forget(): void {
    this.sent.clear();
    this.lockdownSent = undefined;
  }
}
