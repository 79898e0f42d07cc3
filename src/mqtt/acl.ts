// Who may publish and read what on the embedded broker: a pure function of the client's
// role and the topic. The same rules, written for Mosquitto, are in
// firmware-config/mosquitto/pintu.acl (external mode).
//
//   gateway        everything under the base topic and the discovery prefix
//   room <R>       publishes pintu/rooms/<R>/{tap,ack,state}; reads pintu/rooms/<R>/#
//   facilities     reads everything under the base topic and the discovery prefix but the raw
//                  taps (they carry keypad codes), pintu/alerts (security's watchlist alerts)
//                  included; publishes only pintu/doors/<door>/set
//   homeassistant  reads pintu/status, events, lockdown, doors, the visitors count and the
//                  discovery prefix (not the roll call, not the alerts); publishes pintu/doors/<door>/ha/set (a topic
//                  of its own, so the gateway knows a command came from Home Assistant,
//                  which may set a lockdown but not release it) and homeassistant/status
//                  (its birth message)
//
// Only the gateway publishes pintu/alerts (an alert from anyone else would send security to a
// guest for nothing). For everyone: no `$`-topic is ever published ($SYS is the broker's), a command
// (`.../set`, `.../ha/set`, `.../command`) is never retained, nor any client's last will.
/** Topics that make the gateway act: never retained, never a last will. */
export const COMMAND_KINDS: ReadonlySet<string> = new Set(['door.set', 'door.ha_set', 'room.command']);

import { filterMatches, filterWithin, type Topics, validFilter } from './topics.js';

export const MQTT_ROLES = ['room', 'facilities', 'homeassistant'] as const;
export type MqttRole = (typeof MQTT_ROLES)[number];

export type Principal =
  | { role: 'gateway'; username: string }
  | { role: 'room'; username: string; room: string }
  | { role: 'facilities' | 'homeassistant'; username: string };

export type Refusal = 'acl' | 'retained' | 'sys' | 'invalid';

export type Verdict = { ok: true } | { ok: false; reason: Refusal };

const OK: Verdict = { ok: true };
const no = (reason: Refusal): Verdict => ({ ok: false, reason });

export class Acl {
  constructor(private readonly topics: Topics) {}

  private get base(): string {
    return this.topics.base;
  }

  /** May this client publish on this topic (with this retain flag)? */
  canPublish(p: Principal, topic: string, retain: boolean): Verdict {
    if (topic.startsWith('$')) return no('sys');
    const route = this.topics.parse(topic);
    if (retain && route && COMMAND_KINDS.has(route.kind)) return no('retained');
    switch (p.role) {
      case 'gateway':
        return topic.startsWith(`${this.base}/`) || topic.startsWith(`${this.topics.discoveryPrefix}/`)
          ? OK
          : no('acl');
      case 'room':
        if (
          (route?.kind === 'room.tap' || route?.kind === 'room.ack' || route?.kind === 'room.state') &&
          route.room === p.room
        ) {
          // Only the controller's own state is kept by the broker; a retained tap or ack would replay.
          return retain && route.kind !== 'room.state' ? no('retained') : OK;
        }
        return no('acl');
      case 'facilities':
        return route?.kind === 'door.set' ? OK : no('acl');
      case 'homeassistant':
        if (route?.kind === 'door.ha_set') return OK;
        return topic === this.topics.homeAssistantStatus ? OK : no('acl');
    }
  }

  /** May this client subscribe with this filter? Every topic the filter can match must be readable. */
  canSubscribe(p: Principal, filter: string): Verdict {
    if (!validFilter(filter)) return no('invalid');
    const inside = (...patterns: string[]) =>
      patterns.some((pt) => filterWithin(filter, pt)) ? OK : no('acl');
    switch (p.role) {
      case 'gateway':
        return inside(`${this.base}/#`, `${this.topics.discoveryPrefix}/#`);
      case 'room':
        return inside(`${this.base}/rooms/${p.room}/#`);
      case 'facilities':
        // Everything (broad filters are narrowed when messages are forwarded, see canReceive).
        return OK;
      case 'homeassistant':
        return inside(
          this.topics.status,
          this.topics.events,
          this.topics.lockdown,
          `${this.base}/doors/#`,
          this.topics.visitorsInside,
          `${this.topics.discoveryPrefix}/#`,
        );
    }
  }

  /** May this client receive a message on this topic (checked for every delivery, retained ones too)? */
  canReceive(p: Principal, topic: string): boolean {
    const route = this.topics.parse(topic);
    switch (p.role) {
      case 'gateway':
        return true;
      case 'room':
        return filterMatches(`${this.base}/rooms/${p.room}/#`, topic);
      case 'facilities':
        // The contract's topics and discovery, not the taps; nothing of the broker's ($SYS) or
        // outside the base topic.
        return (
          (topic.startsWith(`${this.base}/`) || topic.startsWith(`${this.topics.discoveryPrefix}/`)) &&
          route?.kind !== 'room.tap'
        );
      case 'homeassistant':
        return (
          route?.kind === 'status' ||
          route?.kind === 'events' ||
          route?.kind === 'lockdown' ||
          route?.kind === 'door.state' ||
          route?.kind === 'door.set' ||
          route?.kind === 'door.ha_set' ||
          route?.kind === 'visitors.inside' ||
          topic.startsWith(`${this.topics.discoveryPrefix}/`)
        );
    }
  }
}
