// The evacuation roll call on MQTT: pintu/visitors/inside (retained count) and
// pintu/visitors/inside/list (retained, facilities only). Who is inside comes from the
// gateway's roll call (service/roll-call.ts), the one place the HTTP roll call asks too.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { displayName } from '../domain/privacy.js';
import type { Gateway } from '../service/gateway.js';
import type { MqttLink } from './link.js';
import type { VisitorsList } from './schemas.js';
import type { Topics } from './topics.js';

export interface RollCallPublisherOptions {
  config: Config;
  gateway: Gateway;
  link: MqttLink;
  topics: Topics;
  log: Logger;
}

export class RollCallPublisher {
  /** The list last sent on this connection ('': none). */
  private sentKey = '';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: RollCallPublisherOptions) {}

  /** The roll call: who is inside, named as display.guestName says. */
  list(): VisitorsList {
    const { gateway, config } = this.opts;
    const state = gateway.core.state;
    const visitors: VisitorsList['visitors'] = [];
    for (const { visit: v, area, gateway: at } of gateway.rollCall.inside()) {
      const guest = displayName(v.guestName, config.display.guestName);
      const badge = v.badgeId ? state.badges.get(v.badgeId)?.label : undefined;
      visitors.push({
        visitId: v.id,
        ...(guest ? { guest } : {}),
        ...(badge ? { badge } : {}),
        host: v.hostId,
        area: area.id,
        areaName: area.name,
        ...(at !== undefined ? { gateway: at } : {}),
      });
    }
    return { at: gateway.core.now(), count: visitors.length, visitors };
  }

  /** A visit changed: publish shortly, once for a burst of entries. */
  schedule(): void {
    // Entries journaled while the service stops (its last flush) schedule nothing.
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, 20);
    this.timer.unref();
  }

  /** The count and the list, if the list changed since it was last sent. */
  publish(): void {
    const { link, topics, log } = this.opts;
    if (!link.connected) return;
    const list = this.list();
    const key = JSON.stringify(list.visitors);
    if (key === this.sentKey) return;
    this.sentKey = key;
    const fail = (err: unknown) => {
      this.sentKey = '';
      log.debug({ err }, 'mqtt: visitors not published');
    };
    link.publish(topics.visitorsInside, String(list.count), { qos: 1, retain: true }).catch(fail);
    link.publish(topics.visitorsList, JSON.stringify(list), { qos: 1, retain: true }).catch(fail);
  }

  /** A new connection: send the roll call whatever was sent before. */
  republish(): void {
    this.sentKey = '';
    this.publish();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
