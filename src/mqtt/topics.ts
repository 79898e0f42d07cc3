// The MQTT topic contract (DESIGN.md "MQTT topics"), in one place: every topic the gateway
// publishes or reads is built here from the configured base topic, and every incoming
// topic is parsed back into what it addresses. Also the MQTT wildcard arithmetic the ACL
// needs (does a filter match a topic; does a filter stay inside a pattern).
import type { Config } from '../config/schema.js';

/** What an incoming topic addresses. */
export type Route =
  | { kind: 'status' }
  | { kind: 'events' }
  /** Alerts for security (a watchlist match): facilities only. */
  | { kind: 'alerts' }
  /** The site-wide lockdown (every door), for dashboards and Home Assistant. */
  | { kind: 'lockdown' }
  | { kind: 'door.state'; door: string }
  | { kind: 'door.set'; door: string }
  /** Home Assistant's door commands: a topic of its own, so every broker's ACL tells it from facilities. */
  | { kind: 'door.ha_set'; door: string }
  | { kind: 'visitors.inside' }
  | { kind: 'visitors.list' }
  | { kind: 'room.tap' | 'room.command' | 'room.ack' | 'room.state'; room: string };

const ROOM_LEAVES = ['tap', 'command', 'ack', 'state'] as const;
export type RoomLeaf = (typeof ROOM_LEAVES)[number];

/** A door or room id as it may appear in a topic: no wildcard, no separator, not empty. */
const LEVEL_ID = /^[^/+#]{1,64}$/;

export class Topics {
  readonly base: string;
  readonly baseLevels: number;

  constructor(
    base: string,
    /** Home Assistant discovery prefix (`homeassistant`). */
    readonly discoveryPrefix = 'homeassistant',
  ) {
    this.base = base;
    this.baseLevels = base.split('/').length;
  }

  get status(): string {
    return `${this.base}/status`;
  }
  get events(): string {
    return `${this.base}/events`;
  }
  get alerts(): string {
    return `${this.base}/alerts`;
  }
  get lockdown(): string {
    return `${this.base}/lockdown`;
  }
  get visitorsInside(): string {
    return `${this.base}/visitors/inside`;
  }
  get visitorsList(): string {
    return `${this.base}/visitors/inside/list`;
  }
  doorState(door: string): string {
    return `${this.base}/doors/${door}/state`;
  }
  doorSet(door: string): string {
    return `${this.base}/doors/${door}/set`;
  }
  doorHaSet(door: string): string {
    return `${this.base}/doors/${door}/ha/set`;
  }
  room(room: string, leaf: RoomLeaf): string {
    return `${this.base}/rooms/${room}/${leaf}`;
  }
  /** Every room topic of one kind: `pintu/rooms/+/tap`. */
  anyRoom(leaf: RoomLeaf): string {
    return `${this.base}/rooms/+/${leaf}`;
  }
  get anyDoorSet(): string {
    return `${this.base}/doors/+/set`;
  }
  get anyDoorHaSet(): string {
    return `${this.base}/doors/+/ha/set`;
  }
  get homeAssistantStatus(): string {
    return `${this.discoveryPrefix}/status`;
  }

  /** What a topic addresses, or undefined when it is not part of the contract. */
  parse(topic: string): Route | undefined {
    if (!topic.startsWith(`${this.base}/`)) return undefined;
    const rest = topic.slice(this.base.length + 1).split('/');
    const [a, b, c, d] = rest;
    switch (rest.length) {
      case 1:
        if (a === 'status') return { kind: 'status' };
        if (a === 'events') return { kind: 'events' };
        if (a === 'alerts') return { kind: 'alerts' };
        if (a === 'lockdown') return { kind: 'lockdown' };
        return undefined;
      case 2:
        if (a === 'visitors' && b === 'inside') return { kind: 'visitors.inside' };
        return undefined;
      case 3:
        if (a === 'visitors' && b === 'inside' && c === 'list') return { kind: 'visitors.list' };
        if (a === 'doors' && b && LEVEL_ID.test(b)) {
          if (c === 'state') return { kind: 'door.state', door: b };
          if (c === 'set') return { kind: 'door.set', door: b };
        }
        if (a === 'rooms' && b && LEVEL_ID.test(b) && (ROOM_LEAVES as readonly string[]).includes(c ?? '')) {
          return { kind: `room.${c as RoomLeaf}`, room: b };
        }
        return undefined;
      case 4:
        if (a === 'doors' && b && LEVEL_ID.test(b) && c === 'ha' && d === 'set')
          return { kind: 'door.ha_set', door: b };
        return undefined;
      default:
        return undefined;
    }
  }
}

/** Does the MQTT filter (with + and #) match this topic name? `$`-topics only match filters that name them. */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Is every topic the filter can match also matched by the pattern? Used for subscriptions:
 * `pintu/rooms/r1/+` stays inside `pintu/rooms/r1/#`; `pintu/rooms/+/command` does not.
 */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < p.length; i++) {
    const pl = p[i]!;
    if (pl === '#') return true;
    if (i >= f.length) return false;
    const fl = f[i]!;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  return f.length === p.length;
}

/** A syntactically valid filter: `#` only last and alone in its level, `+` alone in its level. */
export function validFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes(String.fromCharCode(0))) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => {
    if (l.includes('#')) return l === '#' && i === levels.length - 1;
    if (l.includes('+')) return l === '+';
    return true;
  });
}

/** The topics of a configuration: its base topic and Home Assistant's discovery prefix. */
export function topicsOf(config: Config): Topics {
  return new Topics(config.mqtt.baseTopic, config.mqtt.homeAssistant.prefix);
}
