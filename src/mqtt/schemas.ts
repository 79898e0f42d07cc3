// The payload of every topic of the contract, as ONE TypeBox definition per topic: the
// TypeScript type, the Ajv check of what comes in, and the JSON Schema files shipped in
// src/mqtt/schemas/ (`npm run mqtt:schemas` rewrites them; a test keeps them equal). What
// comes in is checked in payload-check.ts.
//
// JSON topics carry UTF-8 JSON; "text" topics carry the bare value (`online`, `UNLOCK`,
// `3`), and their schema describes that value.
import Type, { type Static, type TSchema } from 'typebox';
import { eventTypesOf, WATCHLIST_SOURCES } from '../domain/events.js';
import { DENY_REASONS } from '../domain/types.js';

const Enum = <const V extends readonly string[]>(values: V, description: string) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], description });
const Nullable = <T extends TSchema>(t: T, description: string) =>
  Type.Union([t, Type.Null()], { description });
const EpochMs = (description: string) => Type.Integer({ minimum: 0, description });
const Counter = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });
const Mac = (description: string) => Type.String({ pattern: '^[0-9a-f]{32}$', description });

export const ALARMS = [
  'held_open',
  'forced_open',
  'offline',
  'no_ack',
  'reader_offline',
  'command_refused',
] as const;
export type AlarmKind = (typeof ALARMS)[number];
const Alarm = Enum(
  ALARMS,
  "held_open: open too long after a grant; forced_open: opened while locked; offline: the room controller is gone; no_ack: the room controller did not acknowledge a command; reader_offline: a reader of the door lost its device (pcscd gone, reader or serial cable unplugged; the event's actor names the reader); command_refused: the room controller refused a copy of a command as forged, replayed or late (door.alarm events only, never a door state: it does not clear).",
);

export const FACILITIES_COMMANDS = ['UNLOCK', 'LOCK', 'LOCKDOWN', 'RELEASE'] as const;
export type FacilitiesCommand = (typeof FACILITIES_COMMANDS)[number];
/** Home Assistant's lock entity (OPEN, UNLOCK, LOCK) and lockdown buttons (LOCKDOWN). */
export const HA_COMMANDS = ['OPEN', 'UNLOCK', 'LOCK', 'LOCKDOWN', 'RELEASE'] as const;
export type HaCommand = (typeof HA_COMMANDS)[number];

// ---------------------------------------------------------------- gateway -> everyone

export const StatusPayload = Type.Unsafe<'online' | 'offline'>({
  $id: 'status',
  title: 'pintu/status',
  type: 'string',
  enum: ['online', 'offline'],
  description:
    'Text. Retained. "online" when the gateway connects; "offline" when it stops, or as its last will.',
});

export const DoorStatePayload = Type.Object(
  {
    locked: Nullable(
      Type.Boolean(),
      'true locked, false unlocked, null unknown (controller offline or silent).',
    ),
    open: Nullable(Type.Boolean(), 'Door contact: true open, false closed, null no contact or unknown.'),
    alarm: Nullable(Alarm, 'The most recent active alarm, or null.'),
    alarms: Type.Array(Alarm, { uniqueItems: true, description: 'Every active alarm, oldest first.' }),
    lockdown: Type.Boolean({
      description: 'The door (or the whole site) is in lockdown: every badge is refused.',
    }),
    held: Type.Boolean({
      description:
        "Unlocked and held so by a command (Home Assistant's UNLOCK) until LOCK; false when locked or during a pulse (a grant, OPEN, facilities UNLOCK).",
    }),
    at: EpochMs('When this state began (epoch milliseconds).'),
  },
  {
    $id: 'door-state',
    title: 'pintu/doors/<door>/state',
    description: 'JSON. Retained. The state of one door, republished on every change.',
    additionalProperties: false,
  },
);

export const DoorSetPayload = Type.Unsafe<FacilitiesCommand>({
  $id: 'door-set',
  title: 'pintu/doors/<door>/set',
  type: 'string',
  enum: [...FACILITIES_COMMANDS],
  description:
    'Text. Never retained (a retained command is refused), never a last will. From facilities clients: UNLOCK (one pulse of the door\'s pulseMs), LOCK (lock now), LOCKDOWN (refuse every badge and lock), RELEASE (end the lockdown; only when access.lockdown.facilitiesMayRelease). <door> "*" addresses every door (LOCKDOWN and RELEASE only).',
});

export const DoorHaSetPayload = Type.Unsafe<HaCommand>({
  $id: 'door-ha-set',
  title: 'pintu/doors/<door>/ha/set',
  type: 'string',
  enum: [...HA_COMMANDS],
  description:
    'Text. Never retained, never a last will. From Home Assistant (its lock entity and lockdown buttons): OPEN (one pulse of the door\'s pulseMs), UNLOCK (hold unlocked until LOCK; only with mqtt.homeAssistant.mayHoldUnlocked, else refused and journaled as door.command_refused), LOCK (lock now), LOCKDOWN (refuse every badge and lock). RELEASE is refused and journaled: Home Assistant may set a lockdown, never release it. <door> "*" addresses every door (LOCKDOWN only).',
});

export const LockdownPayload = Type.Unsafe<'ON' | 'OFF'>({
  $id: 'lockdown',
  title: 'pintu/lockdown',
  type: 'string',
  enum: ['ON', 'OFF'],
  description:
    'Text. Retained. The site-wide lockdown (every door, set with <door> "*"): ON while in force, OFF otherwise. A lockdown of one door is in that door\'s state.',
});

export const VisitorsInsidePayload = Type.Integer({
  $id: 'visitors-inside',
  title: 'pintu/visitors/inside',
  minimum: 0,
  description:
    "Text (a JSON number). Retained. How many visits are in an area inside the perimeter (the roll call's length).",
});

export const VisitorsListPayload = Type.Object(
  {
    at: EpochMs('When the list was made.'),
    count: Type.Integer({ minimum: 0, description: 'Length of visitors.' }),
    visitors: Type.Array(
      Type.Object(
        {
          visitId: Type.String({ description: 'The visit.' }),
          guest: Type.Optional(
            Type.String({ description: 'The guest as display.guestName shapes it; absent when "none".' }),
          ),
          badge: Type.Optional(Type.String({ description: 'Label of the badge issued (e.g. TAMU-01).' })),
          host: Type.Optional(Type.String({ description: 'Id of the host visited.' })),
          area: Type.String({
            description: 'Id of the one area the visit is in (doors[].areas): the building, a room.',
          }),
          areaName: Type.String({ description: 'Name of that area (areas[].name, else derived).' }),
          gateway: Type.Optional(
            Type.String({
              description:
                'On the desk of a fleet: the door gateway (fleet.gateways[].id) that last let the visit in; absent: this gateway.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  {
    $id: 'visitors-list',
    title: 'pintu/visitors/inside/list',
    description: 'JSON. Retained. Facilities only (the broker ACL): the evacuation roll call.',
    additionalProperties: false,
  },
);

/** Journal entry types published on pintu/events: every access and door event. */
export const EVENT_TYPES = eventTypesOf('access.', 'door.');

/** Journal entry types published on pintu/alerts (facilities only, for security). */
export const ALERT_TYPES = eventTypesOf('watchlist.matched');

export const EventPayload = Type.Object(
  {
    seq: Type.Integer({
      minimum: 1,
      description: 'Journal sequence number: increasing, a consumer drops a seq it has seen.',
    }),
    at: EpochMs('When it happened.'),
    type: Type.String({ description: `Journal event type: ${EVENT_TYPES.join(', ')}.` }),
    door: Type.Optional(Type.String()),
    reader: Type.Optional(Type.String()),
    direction: Type.Optional(Enum(['in', 'out'] as const, 'Entry or exit.')),
    kind: Type.Optional(Enum(['nfc', 'pin'] as const, 'Badge or keypad code.')),
    reason: Type.Optional(Enum(DENY_REASONS, 'Why a tap was refused.')),
    visitId: Type.Optional(Type.String()),
    guest: Type.Optional(
      Type.String({
        description: 'The guest as display.guestName shapes it; absent when "none" or unknown.',
      }),
    ),
    badge: Type.Optional(Type.String({ description: 'Label of the badge (not its UID).' })),
    escort: Type.Optional(
      Type.String({
        description:
          "Escort doors: the escort card's name (its id once revoked; never its UID), on the tap that completed a guest's pair, an escort card's own tap, or its wait (awaiting_guest).",
      }),
    ),
    alarm: Type.Optional(Alarm),
    cleared: Type.Optional(Type.Array(Alarm, { description: 'door.closed: the alarms this closing ended.' })),
    ms: Type.Optional(
      Type.Integer({ description: 'door.unlocked: pulse length; absent when the door is held unlocked.' }),
    ),
    command: Type.Optional(
      Enum(HA_COMMANDS, 'door.command_refused: the door command refused (the actor says who sent it).'),
    ),
    global: Type.Optional(Type.Boolean({ description: 'door.lockdown / door.released for every door.' })),
    refusal: Type.Optional(
      Enum(
        ['bad_mac', 'replayed', 'expired'] as const,
        'door.alarm command_refused: what the room controller answered to the copy it refused.',
      ),
    ),
    suppressed: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'access.denied (credential_invalid) and door.alarm (command_refused): this event stands for so many refusals of the room not published one by one (over mqtt.rooms.refusalsJournaledPerMinute).',
      }),
    ),
    actor: Type.Object(
      { kind: Enum(['user', 'token', 'device', 'system'] as const, 'Who acted.'), id: Type.String() },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'event',
    title: 'pintu/events',
    description:
      "JSON. Not retained, QoS 2 (from a publish-only persistent session: the broker takes each event once, even across a reconnect). One message per access event and alarm, in journal order; replayed from the journal after an outage. No personal data but the visit id and the guest's display name as configured.",
    additionalProperties: false,
  },
);

export const AlertPayload = Type.Object(
  {
    seq: Type.Integer({
      minimum: 1,
      description:
        'Journal sequence number of the match: increasing, a consumer drops a seq it has seen (a copy resent after a reconnect).',
    }),
    at: EpochMs('When the guest was compared (epoch milliseconds).'),
    kind: Enum(['watchlist'] as const, 'watchlist: a guest matched the watchlist (daftar perhatian).'),
    visitId: Type.String({ description: 'The visit (arrival) of the guest who matched.' }),
    source: Enum(
      WATCHLIST_SOURCES,
      "Where the guest was compared: arrival (at the desk), appointment (an expected guest's arrival), sync (a visit pushed by the desk application), group (a person of a group's arrival), collateral (the identity document handed in when the badge was issued).",
    ),
    desk: Type.Optional(
      Type.String({
        description:
          'The login or token that recorded the step (the desk); absent on matches journaled before it was kept.',
      }),
    ),
    matches: Type.Array(
      Type.Object(
        {
          entryId: Type.String({
            description: "The watchlist entry's id (its content is for security and admin in the panel).",
          }),
          by: Enum(
            ['document', 'name'] as const,
            'document: the keyed hash of the document number; name: a close name with the same institution.',
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  {
    $id: 'alert',
    title: 'pintu/alerts',
    description:
      "JSON. Not retained, QoS 1 (from the events session, in journal order, replayed from the journal after an outage: a consumer drops a seq it has seen). Facilities only (the broker ACL), for security's desk: a guest matched the watchlist and security screens them (SOP step 2); the decision stays with security. Never the entry's name or reason, the guest's name or a document (number or hash).",
    additionalProperties: false,
  },
);

// ---------------------------------------------------------------- room controllers

export const RoomTapPayload = Type.Object(
  {
    credential: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Badge UID in hex (separators allowed) or keypad digits.',
    }),
    kind: Enum(['nfc', 'pin'] as const, 'nfc: a badge; pin: a keypad code.'),
    ctr: Type.Optional(
      Counter(
        'Tap counter of the controller: greater than every one it sent before, reboots included. With a room key, required: the gateway refuses a tap whose counter is not greater than the last it accepted from the room (replayed).',
      ),
    ),
    mac: Type.Optional(
      Mac(
        'With a room key, required: HMAC-SHA256 with the room key over "pintu-tap-1\\n<room>\\n<kind>\\n<credential>\\n<ctr>", first 16 bytes in lower-case hex. A tap without it, or with a wrong one, is refused (bad_mac) and grants nothing.',
      ),
    ),
  },
  {
    $id: 'room-tap',
    title: 'pintu/rooms/<room>/tap',
    description:
      'JSON. Controller -> gateway, QoS 0, never retained and never queued while offline: a tap decided late would open late.',
    additionalProperties: false,
  },
);

export const RoomCommandPayload = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'Command id: repeated unchanged on a retry; a controller runs an id once and acknowledges every copy.',
    }),
    action: Enum(
      ['unlock', 'lock', 'hold'] as const,
      'unlock: pulse the relay for ms; lock: lock now; hold: stay unlocked until lock.',
    ),
    ms: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 60000, description: 'unlock: pulse length in milliseconds.' }),
    ),
    exp: EpochMs(
      "Deadline on the gateway's clock (epoch ms): a controller drops a copy that reaches it after this, by its own notion of the gateway's time (see at).",
    ),
    at: EpochMs(
      "The gateway's clock when this copy was sent (epoch ms; a retry has a later one). A controller learns the gateway's time from these with its own clock (elapsed time only), so its own clock may be off or unset: now ~ at of the reference copy + time elapsed since it arrived, the reference being the copy that implies the latest time, taken anew from each connection and from a copy found late.",
    ),
    ctr: Type.Optional(
      Counter(
        "Present when the room has a key: the gateway's command counter for the room, greater for every copy (a retry too), restarts included. A controller refuses a copy whose counter is not greater than the last it accepted (ack error replayed).",
      ),
    ),
    mac: Type.Optional(
      Mac(
        'Present when the room has a key: HMAC-SHA256 with the room key over "pintu-cmd-1\\n<room>\\n<id>\\n<action>\\n<ms or empty>\\n<exp>\\n<at>\\n<ctr>", first 16 bytes in lower-case hex. A controller with a key refuses a copy without it or with a wrong one (ack error bad_mac), before anything else.',
      ),
    ),
  },
  {
    $id: 'room-command',
    title: 'pintu/rooms/<room>/command',
    description:
      'JSON. Gateway -> controller, QoS 0, never retained (a retained command is refused by the broker and ignored by controllers).',
    additionalProperties: false,
  },
);

export const RoomAckPayload = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: 'The id of the command.' }),
    ok: Type.Boolean({ description: 'The relay did what was asked.' }),
    error: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Why not, when ok is false. A controller with a room key refuses a copy with bad_mac (MAC missing or wrong), replayed (counter not greater than the last accepted) or expired (past exp); the gateway counts these.',
      }),
    ),
  },
  {
    $id: 'room-ack',
    title: 'pintu/rooms/<room>/ack',
    description: 'JSON. Controller -> gateway, QoS 0. Sent for every copy of a command it received.',
    additionalProperties: false,
  },
);

export const RoomStatePayload = Type.Object(
  {
    online: Type.Boolean({ description: 'true as birth message, false as last will.' }),
    locked: Type.Optional(Type.Boolean({ description: 'Relay state: true locked.' })),
    open: Type.Optional(Type.Boolean({ description: 'Door contact, when the controller has one.' })),
    fw: Type.Optional(Type.String({ maxLength: 64, description: 'Firmware name and version.' })),
  },
  {
    $id: 'room-state',
    title: 'pintu/rooms/<room>/state',
    description:
      'JSON. Retained, by the controller: {"online":true} as birth message, {"online":false} as last will, the full state on every change.',
    additionalProperties: false,
  },
);

export type DoorState = Static<typeof DoorStatePayload>;
export type VisitorsList = Static<typeof VisitorsListPayload>;
export type MqttEvent = Static<typeof EventPayload>;
export type MqttAlert = Static<typeof AlertPayload>;
export type RoomTap = Static<typeof RoomTapPayload>;
export type RoomCommand = Static<typeof RoomCommandPayload>;
export type RoomAck = Static<typeof RoomAckPayload>;
export type RoomState = Static<typeof RoomStatePayload>;

// ---------------------------------------------------------------- the catalogue

/** Who takes part in the contract: the clients of the broker, by what they are. */
export const PARTIES = ['gateway', 'room-controller', 'facilities', 'home-assistant'] as const;
export type Party = (typeof PARTIES)[number];

export interface TopicSpec {
  /** File name of the JSON Schema (without .json). */
  name: string;
  /** With its parameters in braces: `<door>` in the prose is `{door}` here (AsyncAPI's form). */
  topic: string;
  encoding: 'json' | 'text';
  retained: boolean;
  qos: 0 | 1 | 2;
  from: readonly Party[];
  to: readonly Party[];
  /** The broker publishes it for the sender when the sender's connection is lost. */
  lastWill?: true;
  schema: TSchema;
}

export const TOPIC_SPECS: readonly TopicSpec[] = [
  {
    name: 'status',
    topic: 'pintu/status',
    encoding: 'text',
    retained: true,
    qos: 1,
    from: ['gateway'],
    to: ['room-controller', 'facilities', 'home-assistant'],
    lastWill: true,
    schema: StatusPayload,
  },
  {
    name: 'door-state',
    topic: 'pintu/doors/{door}/state',
    encoding: 'json',
    retained: true,
    qos: 1,
    from: ['gateway'],
    to: ['facilities', 'home-assistant'],
    schema: DoorStatePayload,
  },
  {
    name: 'lockdown',
    topic: 'pintu/lockdown',
    encoding: 'text',
    retained: true,
    qos: 1,
    from: ['gateway'],
    to: ['facilities', 'home-assistant'],
    schema: LockdownPayload,
  },
  {
    name: 'door-set',
    topic: 'pintu/doors/{door}/set',
    encoding: 'text',
    retained: false,
    qos: 1,
    from: ['facilities'],
    to: ['gateway'],
    schema: DoorSetPayload,
  },
  {
    name: 'door-ha-set',
    topic: 'pintu/doors/{door}/ha/set',
    encoding: 'text',
    retained: false,
    qos: 1,
    from: ['home-assistant'],
    to: ['gateway'],
    schema: DoorHaSetPayload,
  },
  {
    name: 'visitors-inside',
    topic: 'pintu/visitors/inside',
    encoding: 'text',
    retained: true,
    qos: 1,
    from: ['gateway'],
    to: ['facilities', 'home-assistant'],
    schema: VisitorsInsidePayload,
  },
  {
    name: 'visitors-list',
    topic: 'pintu/visitors/inside/list',
    encoding: 'json',
    retained: true,
    qos: 1,
    from: ['gateway'],
    to: ['facilities'],
    schema: VisitorsListPayload,
  },
  {
    name: 'event',
    topic: 'pintu/events',
    encoding: 'json',
    retained: false,
    qos: 2,
    from: ['gateway'],
    to: ['facilities', 'home-assistant'],
    schema: EventPayload,
  },
  {
    name: 'alert',
    topic: 'pintu/alerts',
    encoding: 'json',
    retained: false,
    qos: 1,
    from: ['gateway'],
    to: ['facilities'],
    schema: AlertPayload,
  },
  {
    name: 'room-tap',
    topic: 'pintu/rooms/{room}/tap',
    encoding: 'json',
    retained: false,
    qos: 0,
    from: ['room-controller'],
    to: ['gateway'],
    schema: RoomTapPayload,
  },
  {
    name: 'room-command',
    topic: 'pintu/rooms/{room}/command',
    encoding: 'json',
    retained: false,
    qos: 0,
    from: ['gateway'],
    to: ['room-controller'],
    schema: RoomCommandPayload,
  },
  {
    name: 'room-ack',
    topic: 'pintu/rooms/{room}/ack',
    encoding: 'json',
    retained: false,
    qos: 0,
    from: ['room-controller'],
    to: ['gateway'],
    schema: RoomAckPayload,
  },
  {
    name: 'room-state',
    topic: 'pintu/rooms/{room}/state',
    encoding: 'json',
    retained: true,
    qos: 1,
    from: ['room-controller'],
    to: ['gateway', 'facilities'],
    lastWill: true,
    schema: RoomStatePayload,
  },
];

/**
 * Where the gateway serves the JSON Schema of a topic, and so its `$id`: a reference relative to
 * the gateway, so the schema fetched from a gateway names the address it was fetched from,
 * whatever that gateway's host name is.
 */
export const schemaPath = (name: string): string => `/schemas/mqtt/${name}.json`;

/** The JSON Schema document of one topic, as shipped in src/mqtt/schemas/<name>.json. */
export function jsonSchemaOf(spec: TopicSpec): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(spec.schema)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...plain,
    $id: schemaPath(spec.name),
  };
}
