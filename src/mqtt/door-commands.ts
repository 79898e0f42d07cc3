// Facilities' door commands: pintu/doors/<door>/set (facilities: UNLOCK, LOCK, LOCKDOWN,
// RELEASE) and pintu/doors/<door>/ha/set (Home Assistant: its own words, no release
// authority). Checked (not retained, a known word, a known door, within
// mqtt.limits.commandsPerMinute), carried out by the access service with the publisher as
// actor; a command beyond the publisher's authority is journaled as refused.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Actor } from '../domain/types.js';
import type { Gateway } from '../service/gateway.js';
import type { Principal } from './acl.js';
import type { EmbeddedBroker } from './broker.js';
import { CommandRate } from './command-rate.js';
import type { MqttLink } from './link.js';
import { decodeText } from './payload-check.js';
import type { Rejections } from './rejects.js';
import { DoorHaSetPayload, DoorSetPayload, type HaCommand } from './schemas.js';

export interface DoorCommandsOptions {
  config: Config;
  gateway: Gateway;
  /** The embedded broker, which names a command's publisher (absent: an external broker). */
  broker: EmbeddedBroker | undefined;
  link: MqttLink;
  rejections: Rejections;
  log: Logger;
}

export class DoorCommands {
  private readonly rate: CommandRate;

  constructor(private readonly opts: DoorCommandsOptions) {
    this.rate = new CommandRate(opts.config.mqtt.limits.commandsPerMinute);
  }

  /** A message on a door's set or ha/set topic. */
  async handle(
    topic: string,
    route: { kind: 'door.set' | 'door.ha_set'; door: string },
    payload: Buffer,
    retained: boolean,
  ): Promise<void> {
    const { gateway, broker, link, rejections } = this.opts;
    const door = route.door;
    const text = payload.toString('utf8');
    // In the embedded broker the publisher is known; claim it even for a refused command.
    const who: Principal | undefined = broker?.publisherOf(topic, text);
    if (retained) {
      if (payload.length === 0) return;
      rejections.reject('retained', route.kind, {
        door,
        detail: 'retained command ignored and cleared',
      });
      void link.publish(topic, '', { qos: 1, retain: true }).catch(() => undefined);
      return;
    }
    // Home Assistant's topic has its own words (OPEN); facilities' has not.
    const d =
      route.kind === 'door.ha_set'
        ? decodeText<HaCommand>(DoorHaSetPayload, payload)
        : decodeText<HaCommand>(DoorSetPayload, payload);
    if (!d.ok)
      return rejections.reject(d.reason, route.kind, {
        door,
        detail: d.detail,
        ...(who ? { username: who.username } : {}),
      });
    const command = d.value;
    const actor = this.commandActor(route.kind, who);
    const all = door === '*';
    if (all ? command !== 'LOCKDOWN' && command !== 'RELEASE' : !gateway.core.state.doors.has(door)) {
      return rejections.reject('unknown_door', route.kind, { door, command, actor: actor.id });
    }
    // Per login where the broker says who published; on an external broker per door and
    // topic, so a flood on the facilities topic leaves Home Assistant's allowance alone.
    if (!this.rate.take(who ? `user:${who.username}` : `${route.kind}:${door}`)) {
      return rejections.reject('rate', route.kind, {
        door,
        command,
        actor: actor.id,
        detail: 'over mqtt.limits.commandsPerMinute: dropped',
      });
    }
    try {
      switch (command) {
        case 'OPEN':
          await gateway.access.unlock(door, actor);
          break;
        case 'UNLOCK':
          if (route.kind === 'door.set') await gateway.access.unlock(door, actor);
          else if (this.opts.config.mqtt.homeAssistant.mayHoldUnlocked)
            await gateway.access.hold(door, actor);
          else
            throw new DomainError(
              'forbidden',
              'Home Assistant may not hold a door unlocked (mqtt.homeAssistant.mayHoldUnlocked is false): OPEN pulses it',
            );
          break;
        case 'LOCK':
          await gateway.access.lock(door, actor);
          break;
        case 'LOCKDOWN':
        case 'RELEASE':
          await gateway.access.setLockdown(door, command === 'LOCKDOWN', actor);
          break;
      }
      gateway.core.metrics.mqtt.facilities.inc({ command });
      this.opts.log.info({ door, command, actor: actor.id }, 'facilities command carried out');
    } catch (err) {
      if (err instanceof DomainError) {
        rejections.reject('refused', route.kind, {
          door,
          command,
          actor: actor.id,
          detail: err.message,
        });
        // A command beyond the sender's authority is part of the record, not only of the log.
        if (err.code === 'forbidden') await this.journalRefusal(door, command, err.message, actor);
        return;
      }
      this.opts.log.error({ err, door, command }, 'facilities command failed');
    }
  }

  private async journalRefusal(
    door: string,
    command: HaCommand,
    detail: string,
    actor: Actor,
  ): Promise<void> {
    await this.opts.gateway.core
      .record({ type: 'door.command_refused', payload: { doorId: door, command, detail } }, actor)
      .catch((err) =>
        this.opts.log.error({ err, door, command }, 'journal append failed for a refused command'),
      );
  }

  /**
   * Who a door command is from, for the journal and for the lockdown rule (a release needs a
   * role that may release: AccessService.setLockdown). The topic says the kind of client on
   * both brokers, as their ACLs let only facilities publish .../set and only Home Assistant
   * .../ha/set; the embedded broker also names the login. Home Assistant, and a publisher
   * the embedded broker cannot name, act without a role.
   */
  private commandActor(kind: 'door.set' | 'door.ha_set', who: Principal | undefined): Actor {
    if (this.opts.broker) {
      if (!who) return { kind: 'device', id: 'mqtt:unknown' };
      const id = `mqtt:${who.username}`;
      return who.role === 'facilities' ? { kind: 'device', id, role: 'facilities' } : { kind: 'device', id };
    }
    return kind === 'door.set'
      ? { kind: 'device', id: 'mqtt', role: 'facilities' }
      : { kind: 'device', id: 'mqtt:homeassistant' };
  }
}
