// Room controllers' alarms in the journal: a controller offline or not acknowledging
// (door.alarm, then door.alarm_cleared), and the commands it refused (forged, replayed, late),
// journaled within mqtt.rooms.refusalsJournaledPerMinute per room and the rest as a count.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Gateway } from '../service/gateway.js';
import { JournalBudget } from '../service/journal-budget.js';
import type { RoomHub } from './rooms.js';

export interface RoomAlarmsOptions {
  config: Config;
  gateway: Gateway;
  hub: RoomHub;
  /** A door's alarms changed: its state is published again. */
  changed(doorId: string): void;
  log: Logger;
}

export class RoomAlarms {
  /** Command refusals journaled as alarms per room and minute; the rest as a count. */
  private readonly refusalBudget: JournalBudget;

  constructor(private readonly opts: RoomAlarmsOptions) {
    this.refusalBudget = new JournalBudget(
      opts.config.mqtt.rooms.refusalsJournaledPerMinute,
      (room, n) => this.recordCommandRefused(room, { suppressed: n }),
      opts.gateway.core.now,
    );
  }

  /** Listens to the hub; the function returned stops listening. */
  listen(): () => void {
    const { hub, gateway } = this.opts;
    const onAlarm = (a: { doorId: string; room: string; alarm: 'offline' | 'no_ack'; active: boolean }) =>
      this.onRoomAlarm(a);
    const onRefused = (r: { doorId: string; room: string; error: string }) => {
      // Every refusal counted; journaled within the room's budget.
      gateway.core.metrics.doorAlarms.inc({ door: r.doorId, alarm: 'command_refused' });
      if (this.refusalBudget.take(r.room)) this.recordCommandRefused(r.room, { detail: r.error });
    };
    hub.on('alarm', onAlarm);
    hub.on('commandRefused', onRefused);
    return () => {
      hub.off('alarm', onAlarm);
      hub.off('commandRefused', onRefused);
    };
  }

  /** Journals what the budget left out so far (at stop: the journal says how many). */
  flush(): void {
    this.refusalBudget.flush();
  }

  private onRoomAlarm(a: {
    doorId: string;
    room: string;
    alarm: 'offline' | 'no_ack';
    active: boolean;
  }): void {
    const { gateway, log } = this.opts;
    const core = gateway.core;
    if (a.active) {
      core.metrics.doorAlarms.inc({ door: a.doorId, alarm: a.alarm });
      log.warn({ door: a.doorId, room: a.room, alarm: a.alarm }, 'door alarm');
    }
    core
      .record(
        {
          type: a.active ? 'door.alarm' : 'door.alarm_cleared',
          payload: { doorId: a.doorId, alarm: a.alarm },
        },
        { kind: 'device', id: `room:${a.room}` },
      )
      .catch((err) =>
        log.error({ err, door: a.doorId }, 'journal append failed for a room controller alarm'),
      );
    this.opts.changed(a.doorId);
  }

  /**
   * A command the room's controller refused (forged, replayed, late): facilities hear of it as
   * a door alarm on pintu/events. One event, not a state: nothing clears it.
   */
  private recordCommandRefused(room: string, what: { detail: string } | { suppressed: number }): void {
    const { hub, gateway, log } = this.opts;
    const doorId = hub.lockOfRoom(room)?.doorId;
    if (!doorId) return;
    gateway.core
      .record(
        { type: 'door.alarm', payload: { doorId, alarm: 'command_refused', ...what } },
        { kind: 'device', id: `room:${room}` },
      )
      .catch((err) => log.error({ err, door: doorId }, 'journal append failed for a refused command'));
  }
}
