// The configuration schema: ONE TypeBox definition gives the TypeScript type `Config` and
// the JSON Schema that Ajv checks at start (with `useDefaults`, so every key that has a
// `default` here may be left out of the file). Every key carries a `description`, which
// `describeConfig()` walks to generate the reference table of the README.
//
// Cross-field rules (references between doors, readers and hosts; duplicate ids; office
// hours order; time zone existence) live in validate.ts: JSON Schema cannot say them well.
import Type, { type Static, type TObject, type TSchema, type TUnion } from 'typebox';
import { DEFAULT_BADGES, DEFAULT_DOORS, DEFAULT_HOSTS, DEFAULT_READERS } from './defaults.js';

// ---------------------------------------------------------------- building blocks

/** Lower-case slug: door, reader and host ids (they appear in MQTT topics and URLs). */
export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]*$';
/** Local wall-clock time, 24 h. */
export const HHMM_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
/** An MQTT topic prefix without wildcards, empty levels or leading/trailing slash. */
export const TOPIC_PATTERN = '^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$';

/** Human wording for the schema patterns, used when a value does not match. */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [SLUG_PATTERN]: 'must be a slug: lower-case letters, digits and "-", starting with a letter or digit',
  [HHMM_PATTERN]: 'must be a time "HH:MM" (00:00 to 23:59)',
  [TOPIC_PATTERN]: 'must be a topic prefix such as "pintu" or "site/pintu" (no "+", "#", empty levels)',
  '^(mqtts?|wss?|tcp|ssl)://':
    'must be a broker URL starting with mqtt://, mqtts://, ws://, wss://, tcp:// or ssl://',
};

/** A closed set of strings (`{type: 'string', enum}`): one clear error instead of anyOf noise. */
function StringEnum<const V extends readonly string[]>(
  values: V,
  options: { default?: V[number]; description: string },
) {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object that rejects unknown keys. */
function Section<P extends Record<string, TSchema>>(properties: P, description: string, withDefault = true) {
  return Type.Object(properties, {
    additionalProperties: false,
    description,
    ...(withDefault ? { default: {} } : {}),
  });
}

/**
 * A tagged union, emitted as `oneOf` + `discriminator` (Ajv `discriminator: true`): only the
 * branch named by the tag is checked, so errors are about that branch and its defaults apply.
 */
function Tagged<U extends TUnion<TObject[]>>(
  tag: string,
  union: U,
  options: { default?: unknown; description: string },
) {
  return Type.Unsafe<Static<U>>({
    type: 'object',
    oneOf: [...union.anyOf],
    discriminator: { propertyName: tag },
    ...options,
  });
}

const Slug = (description: string) => Type.String({ pattern: SLUG_PATTERN, description });
const Port = (dflt: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: dflt, description });

const WEEKDAYS = [1, 2, 3, 4, 5];

/** Office hours; `withDefaults` false for a door's own hours, where every field is explicit. */
function Hours(withDefaults: boolean, description: string) {
  const d = <T>(v: T) => (withDefaults ? { default: v } : {});
  return Type.Object(
    {
      days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
        minItems: 1,
        uniqueItems: true,
        description: 'ISO weekdays when open: 1 = Monday ... 7 = Sunday.',
        ...d(WEEKDAYS),
      }),
      open: Type.String({
        pattern: HHMM_PATTERN,
        description: 'Opening time, "HH:MM" local time.',
        ...d('07:30'),
      }),
      close: Type.String({
        pattern: HHMM_PATTERN,
        description: 'Closing time, "HH:MM" local time; must be after the opening time.',
        ...d('16:00'),
      }),
    },
    { additionalProperties: false, description, ...(withDefaults ? { default: {} } : {}) },
  );
}

// ---------------------------------------------------------------- sections

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const LogSchema = Section(
  {
    level: StringEnum(LOG_LEVELS, { default: 'info', description: 'Log level (pino).' }),
    personalData: Type.Boolean({
      default: false,
      description:
        'When true, guest display names (shaped by display.guestName) may appear in logs and MQTT events; when false only visit ids do.',
    }),
  },
  'Logging.',
);

const HttpSchema = Section(
  {
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the web panel and API listen on; 0.0.0.0 to serve the LAN.',
    }),
    port: Port(8080, 'TCP port of the web panel and API.'),
    trustProxy: Type.Boolean({
      default: false,
      description: 'Trust X-Forwarded-* headers (only behind a reverse proxy).',
    }),
    cookieSecure: Type.Boolean({
      default: false,
      description: 'Mark the session cookie Secure (set when the panel is served over HTTPS).',
    }),
    sessionTtlMinutes: Type.Integer({
      minimum: 1,
      maximum: 43200,
      default: 720,
      description: 'Lifetime of a login session, in minutes.',
    }),
    loginRateLimit: Section(
      {
        max: Type.Integer({
          minimum: 1,
          default: 5,
          description: 'Failed logins allowed per client within the window.',
        }),
        windowMinutes: Type.Integer({
          minimum: 1,
          default: 15,
          description: 'Length of the login rate-limit window, in minutes.',
        }),
      },
      'Brute-force protection of the login route.',
    ),
  },
  'Web panel and HTTP API (fastify).',
);

export const MQTT_MODES = ['embedded', 'external', 'off'] as const;

const MqttSchema = Section(
  {
    mode: StringEnum(MQTT_MODES, {
      default: 'embedded',
      description:
        'embedded: run the aedes broker inside the gateway; external: connect to a broker (Mosquitto, EMQX); off: no MQTT (no room controllers, no Home Assistant).',
    }),
    host: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'embedded: address the broker listens on; external: broker host when no url is given.',
    }),
    port: Port(1883, 'embedded: port the broker listens on; external: broker port when no url is given.'),
    baseTopic: Type.String({
      pattern: TOPIC_PATTERN,
      default: 'pintu',
      description: 'Prefix of every topic (pintu/status, pintu/doors/<door>/state, ...).',
    }),
    url: Type.Optional(
      Type.String({
        pattern: '^(mqtts?|wss?|tcp|ssl)://',
        description: 'external: broker URL, e.g. mqtts://broker.lan:8883 (overrides host and port).',
      }),
    ),
    username: Type.Optional(Type.String({ minLength: 1, description: 'external: user name at the broker.' })),
    password: Type.Optional(Type.String({ description: 'external: password at the broker.' })),
  },
  'MQTT: broker, topics, room controllers, Home Assistant.',
);

const AccessSchema = Section(
  {
    officeHours: Hours(
      true,
      'Office hours: guest badges open doors only within them (per door: doors[].hours).',
    ),
    maxVisitMinutes: Type.Integer({
      minimum: 1,
      maximum: 1440,
      default: 480,
      description: 'Access of a visit ends at the latest this many minutes after the host accepted it.',
    }),
    endAtOfficeClose: Type.Boolean({
      default: true,
      description: 'Access also ends at the close of office hours on the day of acceptance.',
    }),
    codeLength: Type.Integer({
      minimum: 4,
      maximum: 10,
      default: 6,
      description: 'Digits of the keypad access code given with a room grant.',
    }),
    keypadLockout: Section(
      {
        attempts: Type.Integer({ minimum: 1, default: 5, description: 'Wrong codes that lock a keypad...' }),
        windowSeconds: Type.Integer({
          minimum: 1,
          default: 300,
          description: '...when entered within this many seconds...',
        }),
        lockSeconds: Type.Integer({ minimum: 1, default: 600, description: '...for this many seconds.' }),
      },
      'Keypad brute-force protection.',
    ),
    debounceMs: Type.Integer({
      minimum: 0,
      maximum: 60000,
      default: 1500,
      description: 'Repeated taps of the same credential on the same reader within this time count once.',
    }),
  },
  'Access policy.',
);

const RetentionSchema = Section(
  {
    guestDays: Type.Integer({
      minimum: 0,
      maximum: 3650,
      default: 90,
      description:
        'Guest identity data is erased this many days after the last visit (UU 27/2022); 0 keeps it forever.',
    }),
    sweepHour: Type.Integer({
      minimum: 0,
      maximum: 23,
      default: 2,
      description: 'Local hour of the daily erasure sweep.',
    }),
  },
  'Retention of personal data.',
);

export const GUEST_NAME_MODES = ['full', 'initials', 'none'] as const;

const DisplaySchema = Section(
  {
    guestName: StringEnum(GUEST_NAME_MODES, {
      default: 'initials',
      description: 'How a guest appears in events and MQTT: full name, initials ("B. S."), or not at all.',
    }),
  },
  'Presentation of guests outside the panel.',
);

// ---------------------------------------------------------------- doors

const LockSchema = Tagged(
  'driver',
  Type.Union([
    Type.Object(
      { driver: Type.Literal('sim', { description: 'Simulated lock (laptop, tests).' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        driver: Type.Literal('gpio', { description: 'Relay on a Raspberry Pi GPIO pin.' }),
        pin: Type.Integer({
          minimum: 0,
          maximum: 27,
          description: 'BCM pin number of the relay (not the header pin).',
        }),
        activeLow: Type.Boolean({ default: false, description: 'The relay energises when the pin is low.' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        driver: Type.Literal('mqtt', {
          description: 'Room controller over MQTT (pintu/rooms/<room>/command).',
        }),
        room: Type.Optional(
          Type.String({
            pattern: SLUG_PATTERN,
            description: 'Room id in the topics; defaults to the door id.',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ]),
  { default: { driver: 'sim' }, description: 'Lock driver: sim, gpio or mqtt.' },
);

export const DoorSchema = Type.Object(
  {
    id: Slug('Door id (slug), used in topics, URLs and reader bindings.'),
    name: Type.String({ minLength: 1, description: 'Name shown in the panel.' }),
    kind: StringEnum(['entrance', 'room'] as const, {
      description: 'entrance: every accepted guest may pass; room: only guests whose host granted it.',
    }),
    lock: LockSchema,
    pulseMs: Type.Integer({
      minimum: 100,
      maximum: 60000,
      default: 3000,
      description: 'How long a grant unlocks the door, in milliseconds.',
    }),
    failMode: StringEnum(['fail-safe', 'fail-secure'] as const, {
      default: 'fail-secure',
      description: 'fail-safe: unlocked without power (escape routes); fail-secure: locked without power.',
    }),
    antiPassback: Type.Boolean({
      default: false,
      description: 'Refuse a second entry without an exit in between.',
    }),
    hours: Type.Optional(Hours(false, 'Opening hours of this door; absent: access.officeHours apply.')),
  },
  { additionalProperties: false, description: 'A door.' },
);

// ---------------------------------------------------------------- readers

const ReaderDriverSchema = Tagged(
  'type',
  Type.Union([
    Type.Object(
      {
        type: Type.Literal('sim', { description: 'Simulated reader: taps come from the panel or the CLI.' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('pcsc', { description: 'PC/SC NFC reader (ACR122U and similar) through pcscd.' }),
        name: Type.String({
          minLength: 1,
          description: 'Regular expression matched against the PC/SC reader name, e.g. "ACR122U.*00 00".',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('serial', { description: 'Serial reader printing one credential per line.' }),
        path: Type.String({
          minLength: 1,
          description: 'Serial device, e.g. /dev/ttyUSB0 or a /dev/serial/by-id/ link.',
        }),
        baudRate: Type.Integer({ minimum: 300, maximum: 4000000, default: 9600, description: 'Baud rate.' }),
        delimiter: Type.String({ minLength: 1, default: '\r\n', description: 'End of one credential.' }),
        pattern: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'Regular expression; its first group (or whole match) is the credential.',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ]),
  { default: { type: 'sim' }, description: 'Reader driver: sim, pcsc or serial.' },
);

export const ReaderSchema = Type.Object(
  {
    id: Slug('Reader id (slug).'),
    role: StringEnum(['door', 'desk'] as const, {
      description: 'door: opens a door; desk: binds and returns badges at the reception.',
    }),
    door: Type.Optional(Type.String({ description: 'door readers: the id of the door it opens.' })),
    direction: Type.Optional(
      StringEnum(['in', 'out'] as const, {
        description: 'door readers: in counts an entry, out an exit.',
      }),
    ),
    keypad: Type.Boolean({ default: false, description: 'The reader also accepts keypad access codes.' }),
    driver: ReaderDriverSchema,
  },
  { additionalProperties: false, description: 'A reader.' },
);

// ---------------------------------------------------------------- people and things

export const BadgeSeedSchema = Type.Object(
  {
    label: Type.String({ minLength: 1, description: 'Label printed on the badge, e.g. "TAMU-01".' }),
    uid: Type.String({
      minLength: 1,
      description: 'Card UID in hex; separators (":", "-", spaces) are dropped and it is upper-cased.',
    }),
  },
  { additionalProperties: false, description: 'A badge of the reception pool.' },
);

export const HostSeedSchema = Type.Object(
  {
    id: Slug('Host id (slug).'),
    name: Type.String({ minLength: 1, description: 'Name and title of the official.' }),
    unit: Type.String({ minLength: 1, description: 'Bagian / subbagian.' }),
    rooms: Type.Array(Type.String(), {
      uniqueItems: true,
      default: [],
      description: 'Ids of the room doors this host may grant to visitors.',
    }),
    contact: Type.Optional(
      Type.String({ description: 'How the receptionist reaches the host (phone, e-mail).' }),
    ),
  },
  { additionalProperties: false, description: 'A host (official who receives visitors).' },
);

// ---------------------------------------------------------------- the whole

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Folder of the state file, the journal and the archive (/var/lib/pintu on a Pi).',
    }),
    timezone: Type.String({
      minLength: 1,
      default: 'Asia/Jakarta',
      description: 'IANA time zone of office hours, retention sweep and reports.',
    }),
    log: LogSchema,
    http: HttpSchema,
    mqtt: MqttSchema,
    access: AccessSchema,
    retention: RetentionSchema,
    display: DisplaySchema,
    doors: Type.Array(DoorSchema, {
      default: DEFAULT_DOORS,
      description: 'Doors. A file that sets doors replaces the embedded list.',
    }),
    readers: Type.Array(ReaderSchema, {
      default: DEFAULT_READERS,
      description: 'Readers. A file that sets readers replaces the embedded list.',
    }),
    badges: Type.Array(BadgeSeedSchema, {
      default: DEFAULT_BADGES,
      description: 'Badge pool, added to the state at start (badges already known keep their status).',
    }),
    hosts: Type.Array(HostSeedSchema, {
      default: DEFAULT_HOSTS,
      description: 'Hosts, created or updated at start.',
    }),
    admin: Section(
      {
        username: Type.String({
          minLength: 1,
          default: 'admin',
          description: 'User name of the first admin account, created when no user exists.',
        }),
      },
      'First administrator.',
    ),
  },
  { additionalProperties: false, description: 'Pintu configuration.' },
);

export type Config = Static<typeof ConfigSchema>;
export type DoorConfig = Static<typeof DoorSchema>;
export type LockConfig = DoorConfig['lock'];
export type ReaderConfig = Static<typeof ReaderSchema>;
export type ReaderDriverConfig = ReaderConfig['driver'];
export type BadgeSeed = Static<typeof BadgeSeedSchema>;
export type HostSeed = Static<typeof HostSeedSchema>;
export type OfficeHoursConfig = Config['access']['officeHours'];
export type LogLevel = Config['log']['level'];
export type MqttMode = Config['mqtt']['mode'];
export type GuestNameMode = Config['display']['guestName'];

/** The JSON Schema as plain JSON (for editors: `yaml-language-server: $schema=...`). */
export function configJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
}

// ---------------------------------------------------------------- documentation

export interface ConfigKeyDoc {
  /** Dotted path; `[]` marks the items of a list, e.g. `doors[].lock.pin`. */
  key: string;
  /** Readable type, with range and `(required)` / `(optional)` where there is no default. */
  type: string;
  /** The schema default; undefined for required and optional keys. */
  default: unknown;
  description: string;
}

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  discriminator?: { propertyName: string };
  default?: unknown;
  description?: string;
};

function typeName(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.oneOf && s.discriminator) {
    const tag = s.discriminator.propertyName;
    return `object by ${tag}: ${s.oneOf.map((b) => JSON.stringify(b.properties?.[tag]?.const)).join(' | ')}`;
  }
  if (s.type === 'array') return `${s.items ? typeName(s.items) : 'unknown'}[]`;
  if (s.type === 'integer' || s.type === 'number') {
    const lo = s.minimum;
    const hi = s.maximum;
    if (lo !== undefined && hi !== undefined) return `${s.type} ${lo}..${hi}`;
    if (lo !== undefined) return `${s.type} >= ${lo}`;
    if (hi !== undefined) return `${s.type} <= ${hi}`;
    return s.type;
  }
  if (s.type === 'string' && s.pattern === HHMM_PATTERN) return 'string "HH:MM"';
  if (s.type === 'string' && s.pattern === SLUG_PATTERN) return 'string (slug)';
  return s.type ?? 'unknown';
}

function walk(
  s: JsonSchema,
  key: string,
  requiredHere: boolean,
  out: ConfigKeyDoc[],
  seen: Set<string>,
): void {
  // The items of a list are described by the list's own row; their keys follow as `list[].key`.
  if (key && !key.endsWith('[]') && !seen.has(key)) {
    seen.add(key);
    let type = typeName(s);
    if (s.default === undefined) type += requiredHere ? ' (required)' : ' (optional)';
    out.push({ key, type, default: s.default, description: s.description ?? '' });
  }
  if (s.type === 'array' && s.items) {
    walk(s.items, `${key}[]`, true, out, seen);
    return;
  }
  if (s.oneOf && s.discriminator) {
    const tag = s.discriminator.propertyName;
    const tags = s.oneOf.map((b) => b.properties?.[tag]?.const);
    const tagKey = `${key}.${tag}`;
    if (!seen.has(tagKey)) {
      seen.add(tagKey);
      const parts = s.oneOf.map(
        (b) => `${JSON.stringify(b.properties?.[tag]?.const)}: ${b.properties?.[tag]?.description ?? ''}`,
      );
      const dflt = s.default as Record<string, unknown> | undefined;
      out.push({
        key: tagKey,
        type: tags.map((t) => JSON.stringify(t)).join(' | '),
        default: dflt?.[tag],
        description: parts.join(' '),
      });
    }
    for (const branch of s.oneOf) {
      const tagValue = String(branch.properties?.[tag]?.const);
      for (const [name, sub] of Object.entries(branch.properties ?? {})) {
        if (name === tag) continue;
        const docs: ConfigKeyDoc[] = [];
        walk(sub, `${key}.${name}`, branch.required?.includes(name) ?? false, docs, seen);
        for (const d of docs) out.push({ ...d, description: `(${tag} ${tagValue}) ${d.description}` });
      }
    }
    return;
  }
  if (s.properties) {
    for (const [name, sub] of Object.entries(s.properties)) {
      walk(sub, key ? `${key}.${name}` : name, s.required?.includes(name) ?? false, out, seen);
    }
  }
}

/** Every key of the configuration, in schema order: for docs and `pintu config --help`. */
export function describeConfig(): Array<ConfigKeyDoc> {
  const out: ConfigKeyDoc[] = [];
  walk(ConfigSchema as unknown as JsonSchema, '', true, out, new Set());
  return out;
}

function formatDefault(d: ConfigKeyDoc): string {
  if (d.default === undefined) return d.type.endsWith('(required)') ? '*required*' : '*unset*';
  const v = d.default;
  if (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)) {
    return `${v.length} item${v.length === 1 ? '' : 's'} (embedded defaults)`;
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    return Object.keys(v).length === 0 ? '' : `\`${JSON.stringify(v)}\``;
  }
  return `\`${JSON.stringify(v)}\``;
}

/** The reference table for the README: key | default | meaning (the type closes the meaning). */
export function describeConfigMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| key | default | meaning |', '| --- | --- | --- |'];
  for (const d of describeConfig()) {
    const type = d.type.replace(/ \((required|optional)\)$/, '');
    const meaning = type === 'object' ? d.description : `${d.description} *(${type})*`;
    lines.push(`| \`${d.key}\` | ${esc(formatDefault(d))} | ${esc(meaning)} |`);
  }
  return lines.join('\n');
}
