// The configuration schema: ONE TypeBox definition gives the TypeScript type `Config` and
// the JSON Schema that Ajv checks at start (with `useDefaults`, so every key that has a
// `default` here may be left out of the file). Every key carries a `description`, which
// `describeConfig()` walks to generate the reference table of the README.
//
// Cross-field rules (references between doors, readers and hosts; duplicate ids; office
// hours order; time zone existence) live in validate.ts: JSON Schema cannot say them well.
import Type, { type Static, type TObject, type TSchema, type TUnion } from 'typebox';
import {
  DEFAULT_BADGES,
  DEFAULT_DOORS,
  DEFAULT_HOSTS,
  DEFAULT_PURPOSES,
  DEFAULT_READERS,
} from './defaults.js';
import {
  ED25519_PUBLIC_KEY_PATTERN,
  HEX_BYTES_PATTERN,
  HHMM_PATTERN,
  SLUG_PATTERN,
  TOPIC_PATTERN,
} from './patterns.js';

// ---------------------------------------------------------------- building blocks

export {
  ED25519_PUBLIC_KEY_PATTERN,
  HEX_BYTES_PATTERN,
  HHMM_PATTERN,
  PATTERN_HINTS,
  SLUG_PATTERN,
  TOPIC_PATTERN,
} from './patterns.js';

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
    format: StringEnum(['auto', 'json', 'pretty'] as const, {
      default: 'auto',
      description:
        'json: one JSON object a line (journald, log shippers); pretty: coloured lines for a person (pino-pretty, on a thread of its own); auto: pretty when stdout is a terminal and not under systemd, json otherwise.',
    }),
    personalData: Type.Boolean({
      default: false,
      description:
        'Logs only: true lets log lines name the guest (as display.guestName shapes the name) next to the visit id, for troubleshooting; false keeps guest names out of logs. What MQTT carries is display.guestName alone.',
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
    // Checked in validate.ts (a list of IPs/CIDRs, or false): one clear message for `true`
    // instead of the noise of a schema union.
    trustProxy: Type.Unsafe<false | string[]>({
      default: false,
      examples: [false, ['127.0.0.1', '10.0.0.0/24']],
      description:
        'Reverse proxies whose X-Forwarded-For/-Host/-Proto are believed: a list of addresses or CIDRs (e.g. ["127.0.0.1", "10.0.0.0/24"]); false trusts none. true (any sender) is refused.',
    }),
    cookieSecure: Type.Boolean({
      default: false,
      description: 'Mark the session cookie Secure (set when the panel is served over HTTPS).',
    }),
    sessionTtlMinutes: Type.Integer({
      minimum: 1,
      maximum: 43200,
      default: 720,
      description:
        'Lifetime of a login session, in minutes. Sessions are saved with the state (the hash of each id only), so a restart logs nobody out.',
    }),
    maxSessionsPerUser: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 20,
      description:
        "Live sessions one user may hold (desks, phones, browsers); a login beyond it ends that user's oldest session. Keeps the saved state small.",
    }),
    loginRateLimit: Section(
      {
        max: Type.Integer({
          minimum: 1,
          default: 5,
          description:
            'Login requests per address: twice this many within the window (the account lockout is auth.accountFailures).',
        }),
        windowMinutes: Type.Integer({
          minimum: 1,
          default: 15,
          description: 'Length of the login rate-limit window, in minutes.',
        }),
      },
      'Brute-force protection of the login route.',
    ),
    hostLinkHours: Type.Integer({
      minimum: 1,
      maximum: 24,
      default: 4,
      description:
        "Longest life of a host's one-time link (and of the session it opens), in hours; a link is for one visit.",
    }),
    limits: Section(
      {
        maxConnections: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 256,
          description:
            'Open HTTP connections at once, all clients together; one more is closed at once. Keeps sockets (file handles) for the journal and MQTT.',
        }),
        maxConnectionsPerAddress: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 32,
          description:
            'Open HTTP connections from one remote address (a browser uses about 6, plus one per live feed); trusted proxies (http.trustProxy) are not held to it.',
        }),
        connectionRatePerAddress: Section(
          {
            burst: Type.Integer({
              minimum: 1,
              maximum: 100000,
              default: 200,
              description: 'New HTTP connections one address may open at once...',
            }),
            perSecond: Type.Number({
              minimum: 0.1,
              maximum: 100000,
              default: 50,
              description:
                '...and then a second; more are closed as they are accepted (a browser keeps its few connections open; trusted proxies are not held to it).',
            }),
          },
          'New HTTP connections per remote address, as a token bucket.',
        ),
        headersTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 300000,
          default: 10000,
          description:
            'A connection that has not sent complete request headers this long (an idle new socket too) is closed (408).',
        }),
        keepAliveTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 300000,
          default: 5000,
          description:
            'An idle keep-alive connection is closed this long after its last response (Node adds about 1 s).',
        }),
        requestTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600000,
          default: 30000,
          description:
            'Time to receive a whole request (headers and body); not the answer, so live feeds and waits for a tap are not cut. At least headersTimeoutMs.',
        }),
        bodyBytes: Type.Integer({
          minimum: 1024,
          maximum: 16777216,
          default: 1048576,
          description: 'Largest request body, in bytes (413 above; a sync batch of 500 visits fits).',
        }),
        jsonDepth: Type.Integer({
          minimum: 2,
          maximum: 1000,
          default: 16,
          description:
            'Deepest nesting of objects and arrays in a JSON body (400 above), checked before the body is parsed.',
        }),
        sseStreamsPerUser: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 8,
          description:
            'Live feeds (Server-Sent Events) open at once per user, token or host link (429 above): a few browser tabs each.',
        }),
        deskWaitsPerUser: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 4,
          description:
            'Waits for a desk tap (GET /desk/next-tap, a badge bound by nextTap) open at once per user or token (429 above): one per desk that shares the login.',
        }),
        deskWaits: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 32,
          description:
            'Waits for a desk tap open at once, all users together (429 above); a desk reader has at most one anyway.',
        }),
        registerPrintRows: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 3000,
          description:
            'Most visits in a guest-book register the gateway draws as PDF or XLSX (400 above: ask for one day, or CSV or JSON, which have no bound). Drawing holds the event loop taps are decided on, about 0.7 ms a row on a desktop CPU and more on a Pi.',
        }),
      },
      'Bounds of the HTTP edge: connections, timeouts, bodies, live feeds, waits for a desk tap.',
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
    eventsUsername: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "external: user name of the gateway's second connection, the events session (default <username>-events): a broker that binds client ids to logins (the shipped pintu.conf) needs one login per connection.",
      }),
    ),
    eventsPassword: Type.Optional(
      Type.String({ description: 'external: password of mqtt.eventsUsername; default mqtt.password.' }),
    ),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'external: client id at the broker; each gateway needs its own (default: pintu-<host name>-<baseTopic>).',
      }),
    ),
    protocolVersion: Type.Unsafe<4 | 5>({
      type: 'integer',
      enum: [4, 5],
      default: 5,
      description:
        'external: MQTT 5 (commands carry a message expiry) or 4 (3.1.1). The embedded broker speaks 3.1.1.',
    }),
    tls: Section(
      {
        port: Port(8883, 'embedded: port of the TLS listener (opened when cert and key are set).'),
        host: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'embedded: address of the TLS listener; default mqtt.host.',
          }),
        ),
        cert: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'PEM certificate file. embedded: the broker certificate; external: a client certificate.',
          }),
        ),
        key: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key file of cert.' })),
        ca: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'external: PEM file of the CA that signed the broker certificate.',
          }),
        ),
        rejectUnauthorized: Type.Boolean({
          default: true,
          description: 'external: refuse a broker whose certificate does not verify (mqtts://, wss://).',
        }),
      },
      'TLS: the embedded broker listener, or the connection to an external broker.',
    ),
    websocket: Section(
      {
        port: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 65535,
            description: 'embedded: port of MQTT over WebSocket; unset: no WebSocket listener.',
          }),
        ),
        host: Type.Optional(
          Type.String({
            minLength: 1,
            description: 'embedded: address of the WebSocket listener; default mqtt.host.',
          }),
        ),
        path: Type.String({
          pattern: '^/',
          default: '/mqtt',
          description: 'embedded: URL path of the WebSocket.',
        }),
        tls: Type.Boolean({
          default: false,
          description: 'embedded: serve the WebSocket over TLS (wss://) with mqtt.tls.cert and key.',
        }),
      },
      'MQTT over WebSocket (embedded broker).',
    ),
    limits: Section(
      {
        maxClients: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 200,
          description:
            "embedded: client connections accepted at once (the gateway's own are not counted); more are refused (CONNACK 3).",
        }),
        connectionsPerUser: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 4,
          description:
            'embedded: connections one login may hold at once (a controller needs one); more are refused (CONNACK 3), so one login cannot take the slots of the others.',
        }),
        connectionsPerAddress: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 16,
          description:
            'embedded: open connections from one address at once, logged in or not (a controller needs one); more are closed at once, so one machine cannot hold the file handles of the rest.',
        }),
        maxPacketBytes: Type.Integer({
          minimum: 1024,
          maximum: 268435455,
          default: 16384,
          description:
            "embedded: largest MQTT packet a client may send (a tap, an ack or a command is under 1 KB); a fixed header that claims more closes the connection before the body is read. The gateway's own publications (roll call, discovery) are not limited.",
        }),
        commandsPerMinute: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 60,
          description:
            'Door commands (pintu/doors/<door>/set) carried out per minute per login (embedded broker) or per door and topic (external broker, where the publisher is unknown), with bursts of up to a tenth of it; the excess is dropped and counted, never journaled.',
        }),
        refusedPublishesPerMinute: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 30,
          description:
            "embedded: a publication outside a login's rights is acknowledged and dropped (as Mosquitto does), counted and logged; a client id that makes more than this many a minute (as many at once) is disconnected. A device with one stray topic (ESPHome's discover_ip: one a connection) stays far below it.",
        }),
        drainTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 600000,
          default: 10000,
          description:
            'embedded: a client whose socket does not drain within this time is disconnected, so one frozen client cannot stall delivery to the rest.',
        }),
        maxTopicLevels: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 16,
          description: 'embedded: topics and filters with more levels are refused.',
        }),
        queueLimit: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 42,
          description:
            'embedded: packets a client may queue before its session is set up; beyond it is disconnected.',
        }),
        connectTimeoutMs: Type.Integer({
          minimum: 100,
          maximum: 120000,
          default: 10000,
          description:
            'embedded: time a new connection has to send its whole CONNECT and be logged in; then it is closed.',
        }),
        keepaliveLimitSeconds: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 300,
          description: 'embedded: largest keepalive a client may ask for (0: no limit).',
        }),
      },
      'Limits of the embedded broker against frozen or hostile clients.',
    ),
    backlogMax: Type.Integer({
      minimum: 10,
      maximum: 1000000,
      default: 10000,
      description:
        'Events kept for publication while the broker is away (replayed from the journal, in order, when it returns); beyond it the oldest are dropped from MQTT (they stay in the journal).',
    }),
    rooms: Section(
      {
        commandTimeoutMs: Type.Integer({
          minimum: 20,
          maximum: 10000,
          default: 1000,
          description: 'How long the gateway waits for a room controller to acknowledge a command...',
        }),
        retries: Type.Integer({
          minimum: 0,
          maximum: 5,
          default: 2,
          description:
            '...and how often it sends it again (same id) before it raises the no_ack alarm and calls the lock state unknown.',
        }),
        refusalsJournaledPerMinute: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 20,
          description:
            'Refusals journaled one by one per room and minute (a token bucket each for taps with a bad MAC or a replayed counter, and for commands a controller refused): the rest are counted only, and their number is journaled once a minute passes without one, so a flood of forged messages cannot fill the journal.',
        }),
      },
      'Room controllers (doors with lock driver mqtt).',
    ),
    homeAssistant: Section(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Publish Home Assistant discovery (per door: a lock, a door contact, alarms, a lockdown button and state, access events; for the site: a lockdown button and state, visitors inside).',
        }),
        prefix: Type.String({
          pattern: TOPIC_PATTERN,
          default: 'homeassistant',
          description: 'Discovery prefix of Home Assistant.',
        }),
        mayHoldUnlocked: Type.Boolean({
          default: false,
          description:
            "Home Assistant's UNLOCK holds a door unlocked until its LOCK (or a lockdown). Off: that UNLOCK is refused and journaled (door.command_refused); OPEN, one pulse, is always allowed.",
        }),
      },
      'Home Assistant MQTT discovery.',
    ),
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
    rescheduleMaxDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 90,
      description:
        'A host_absent decision proposes a day from today to at most this many days ahead (site time zone); a later one is refused (rule date_too_far).',
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
    escortWindowSeconds: Type.Integer({
      minimum: 1,
      maximum: 120,
      default: 10,
      description:
        "At a door with doors[].escort required, the guest's badge and an escort's card must both be tapped within this many seconds, in either order; the first tap waits, the second opens.",
    }),
    facilitiesMayReleaseLockdown: Type.Boolean({
      default: false,
      description:
        'Facilities (HTTP and MQTT) may release a lockdown; by default only admin and security may. Home Assistant never may.',
    }),
    debounceMs: Type.Integer({
      minimum: 0,
      maximum: 60000,
      default: 1500,
      description: 'Repeated taps of the same credential on the same reader within this time count once.',
    }),
    readerOfflineSeconds: Type.Number({
      minimum: 0,
      maximum: 300,
      default: 2,
      description:
        "A reader without its device this long (pcscd gone, reader or serial cable unplugged) is offline: /healthz degraded, its door's reader_offline alarm.",
    }),
    readerStartGraceSeconds: Type.Number({
      minimum: 0,
      maximum: 600,
      default: 5,
      description: 'A reader that has not found its device this long after the start is offline.',
    }),
  },
  'Access policy.',
);

const AuthSchema = Section(
  {
    hashQueueMax: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 8,
      description:
        'Password checks of unauthenticated clients (HTTP logins, MQTT connects) waiting or running at once; beyond this a login gets 503 and a connect CONNACK 3 at once, without a hash.',
    }),
    hashThreadIdleSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 30,
      description:
        'The password hashing thread (scrypt) starts with the first check and stops after this many seconds without one: an idle gateway holds no thread for it (about 12 MiB).',
    }),
    perAddressPending: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description:
        'Password checks an address that failed within auth.addressFailures.windowSeconds may have waiting or running at once.',
    }),
    addressFailures: Section(
      {
        max: Type.Integer({
          minimum: 1,
          default: 10,
          description: 'Failed password checks (any user name) that throttle an address...',
        }),
        windowSeconds: Type.Integer({
          minimum: 1,
          default: 60,
          description: '...within this many seconds; it is refused without a hash until they age out.',
        }),
      },
      'Per address, whatever the user name (HTTP and MQTT together; IPv6 counts by /64).',
    ),
    accountFailures: Section(
      {
        max: Type.Integer({
          minimum: 1,
          default: 5,
          description: 'Failed logins of one user name from one address that refuse that pair...',
        }),
        windowMinutes: Type.Integer({
          minimum: 1,
          default: 15,
          description:
            '...within this many minutes. Other addresses are not affected: an outsider cannot lock the admin out.',
        }),
      },
      'Per address and user name (the account lockout).',
    ),
  },
  'Password checks: throttled before anything is hashed; scrypt runs on a thread of its own, one at a time.',
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
    saranDays: Type.Integer({
      minimum: 0,
      maximum: 3650,
      default: 400,
      description:
        "Days a satisfaction survey's suggestion (saran, free text that may name someone) is kept, then erased by the daily sweep; the default outlasts the yearly recap made early in the next year. 0 keeps them forever. The ratings are anonymous numbers in the journal and stay.",
    }),
  },
  'Retention of personal data.',
);

export const CLOCK_SYNC_MODES = ['auto', 'assume'] as const;

const ClockSchema = Section(
  {
    synchronised: StringEnum(CLOCK_SYNC_MODES, {
      default: 'auto',
      description:
        'auto: the clock counts as synchronised once clock.flagFile exists (systemd-timesyncd; a Pi without a battery boots at the last saved time); assume: always (an RTC, or chrony).',
    }),
    flagFile: Type.String({
      minLength: 1,
      default: '/run/systemd/timesync/synchronized',
      description: 'File whose existence says the clock is synchronised (systemd-timesyncd).',
    }),
    checkSeconds: Type.Integer({
      minimum: 1,
      maximum: 300,
      default: 5,
      description: 'Seconds between two looks at clock.flagFile (one stat on a timer, off the tap path).',
    }),
  },
  'Whether the system clock can be trusted (a Pi without RTC).',
);

export const GUEST_NAME_MODES = ['full', 'initials', 'none'] as const;

const DisplaySchema = Section(
  {
    guestName: StringEnum(GUEST_NAME_MODES, {
      default: 'initials',
      description:
        'The one setting for guest names that leave the panel and API: on MQTT (pintu/events and the pintu/visitors/inside/list roll call) a guest is named by full name, initials ("B. S."), or not at all (none: visit ids only). Door events in the API and the doors view name the guest the same way.',
    }),
    noticeSeconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 8,
      description:
        "How long the desk highlights a visit's card after its host decided, counted while the desk's page is in view (time in the background does not count).",
    }),
  },
  "Presentation of guests outside the panel, and the desk's notices.",
);

// ---------------------------------------------------------------- hardware (global)

export const GPIO_BACKENDS = ['sysfs', 'gpiod'] as const;
/** The GPIO chip of the 40-pin header: Pi 3 / Zero 2 (bcm2835), Pi 4 (bcm2711), Pi 5 (rp1). */
export const DEFAULT_CHIP_LABEL = '^pinctrl-(bcm2835|bcm2711|rp1)$';

const GpioSchema = Section(
  {
    backend: StringEnum(GPIO_BACKENDS, {
      default: 'sysfs',
      description:
        'sysfs: /sys/class/gpio through onoff (Raspberry Pi OS Bookworm); gpiod: the GPIO character device through the gpioset/gpioget/gpiomon tools of the Debian package "gpiod" (kernels without sysfs GPIO, e.g. Raspberry Pi OS Trixie). Start stops with an error naming what is missing when the chosen one does not work.',
    }),
    sysfsRoot: Type.String({
      minLength: 1,
      default: '/sys/class/gpio',
      description:
        'sysfs: root of the GPIO tree. The sysfs number of a pin is the BCM pin plus the base of the chip (gpiochip*/base) whose label matches chipLabel: 512 on a Pi 4, 571 on a Pi 5 under Bookworm. Another root (a test tree) is driven with plain file writes instead of onoff.',
    }),
    chipLabel: Type.String({
      minLength: 1,
      default: DEFAULT_CHIP_LABEL,
      description:
        'Regular expression matched against GPIO chip labels (sysfs gpiochip*/label, gpiodetect) to find the chip of the 40-pin header.',
    }),
    gpiodPath: Type.String({
      default: '',
      description: 'gpiod: folder of gpiodetect, gpioget, gpioset and gpiomon; empty: found on PATH.',
    }),
  },
  'GPIO (door relays, door contacts, exit buttons) on the Raspberry Pi header; pins are BCM numbers.',
);

const PcscSchema = Section(
  {
    retryMinMs: Type.Integer({
      minimum: 100,
      maximum: 60000,
      default: 500,
      description:
        'First wait before reconnecting to pcscd after it went away (restart, crash); doubled after each failed try.',
    }),
    retryMaxMs: Type.Integer({
      minimum: 100,
      maximum: 600000,
      default: 10000,
      description: 'Longest wait between tries to reconnect to pcscd.',
    }),
    recycleAtDesk: Type.Boolean({
      default: true,
      description:
        "Re-personalise a secure badge whose keys are of an older site key (after pintu keys rotate) as soon as it is tapped on a pcsc desk reader, e.g. at checkout; false: only by the desk's recycle action (POST /badges/recycle).",
    }),
  },
  'PC/SC (pcscd) connection shared by all pcsc readers.',
);

// ---------------------------------------------------------------- doors

export const INPUT_BIASES = ['as-is', 'pull-up', 'pull-down'] as const;

/** A GPIO input of a door (contact or exit button). */
function DoorInput<E extends Record<string, TSchema> = Record<never, never>>(
  description: string,
  activeLow: boolean,
  activeLowText: string,
  extra: E = {} as E,
) {
  return Type.Object(
    {
      pin: Type.Integer({ minimum: 0, maximum: 27, description: 'BCM pin number of the input.' }),
      activeLow: Type.Boolean({ default: activeLow, description: activeLowText }),
      bias: StringEnum(INPUT_BIASES, {
        default: 'as-is',
        description:
          'Pull resistor of the input (gpio.backend gpiod sets it on the line; with sysfs set it in config.txt, e.g. gpio=22=ip,pu).',
      }),
      debounceMs: Type.Integer({
        minimum: 0,
        maximum: 1000,
        default: 50,
        description: 'A change counts once the input has been stable this many milliseconds.',
      }),
      ...extra,
    },
    { additionalProperties: false, description },
  );
}

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
        safeState: Type.Optional(
          StringEnum(['locked', 'unlocked'] as const, {
            description:
              'Relay state while the gateway is not deciding: set at start before anything else, kept until the gateway is ready, set again on a clean stop (and so after a crash, by the restart). Absent: "unlocked" for a fail-safe door, "locked" for a fail-secure one. The relay energised means unlocked.',
          }),
        ),
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
    areas: Type.Optional(
      Type.Object(
        {
          from: Slug('The area on the outer side ("outside" beyond the perimeter).'),
          to: Slug(
            'The area on the inner side: an in-reader moves the guest into it, an out-reader back to from.',
          ),
        },
        {
          additionalProperties: false,
          description:
            'The areas this door joins (the roll call and anti-passback follow them). Absent: an entrance leads from "outside" into "building", a room door from "building" into an area named after the door.',
        },
      ),
    ),
    antiPassback: Type.Boolean({
      default: false,
      description:
        'Refuse an entry when the areas say the guest is already inside (the badge was passed back out) or not on the outer side (a room door while outside the building).',
    }),
    hours: Type.Optional(Hours(false, 'Opening hours of this door; absent: access.officeHours apply.')),
    credential: Type.Optional(
      StringEnum(['uid', 'secure', 'secure-or-uid'] as const, {
        description:
          'What a badge must prove at this door. uid: its UID only (weak: a UID is public and a clone or phone replays it; flagged in /healthz and the panel); secure: AES-128 mutual authentication with the badge (NTAG 424 DNA personalised with the site key; PC/SC readers only); secure-or-uid: secure badges must authenticate, cards without the application pass on their UID (a migration period). Absent: secure when every reader of the door is a PC/SC reader, else uid.',
      }),
    ),
    escort: StringEnum(['none', 'required'] as const, {
      default: 'none',
      description:
        "required: a guest enters only together with an escort's card (POST /escorts) tapped at the same door within access.escortWindowSeconds, in either order (SOP step 6, the two-person rule). Leaving needs no escort.",
    }),
    contact: Type.Optional(
      DoorInput(
        'Door contact (reed switch) on a GPIO pin: door opened and closed, held-open and forced-open alarms.',
        false,
        'The pin reads low when the door is OPEN (false: high when open, as a contact closed to ground with a pull-up when the door is shut).',
      ),
    ),
    exitButton: Type.Optional(
      DoorInput(
        'Request-to-exit button on a GPIO pin: records an exit without a name and excuses the opening that follows.',
        true,
        'The pin reads low while the button is pressed (a button to ground with a pull-up).',
        {
          unlock: Type.Boolean({
            default: true,
            description: 'A press also unlocks the door for pulseMs (egress: even in lockdown).',
          }),
        },
      ),
    ),
    heldOpenSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description:
        'Held-open alarm: the contact reports the door open this long while the lock is locked again.',
    }),
  },
  { additionalProperties: false, description: 'A door.' },
);

export const AreaSchema = Type.Object(
  {
    id: Slug('Area id (slug), as doors[].areas name it.'),
    name: Type.String({ minLength: 1, description: 'Name in the panel and the roll call.' }),
  },
  { additionalProperties: false, description: 'An area (the building, a wing, a room).' },
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
        feedback: Type.Boolean({
          default: false,
          description:
            'Show grant and deny on the reader (LED, buzzer) with grantCommand and denyCommand; for readers that take ACR122U-style escape commands.',
        }),
        grantCommand: Type.String({
          pattern: HEX_BYTES_PATTERN,
          default: 'FF0040A80402010101',
          description: 'Bytes sent after a grant (default: ACR122U green LED blinks once with a short beep).',
        }),
        denyCommand: Type.String({
          pattern: HEX_BYTES_PATTERN,
          default: 'FF0040540402020301',
          description: 'Bytes sent after a denial (default: ACR122U red LED blinks three times with beeps).',
        }),
        feedbackVia: StringEnum(['transmit', 'control'] as const, {
          default: 'transmit',
          description:
            'transmit: as a pseudo-APDU while the card is still on the reader (stock libccid); control: SCardControl escape (IOCTL_CCID_ESCAPE, needs ifdDriverOptions 0x0001 in the libccid Info.plist).',
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
            description:
              'Regular expression a line must match; the named group "credential" (else the first group, else the whole match) is the credential. Absent: the whole line, trimmed. Lines that do not match are ignored, counted (pintu_reader_lines_ignored_total) and logged at a bounded rate.',
          }),
        ),
        kind: StringEnum(['nfc', 'pin'] as const, {
          default: 'nfc',
          description: 'nfc: the credential is a badge UID in hex; pin: a keypad or QR access code (digits).',
        }),
        reopenMinMs: Type.Integer({
          minimum: 10,
          maximum: 60000,
          default: 100,
          description:
            'First wait before reopening the device after it was lost (unplugged); doubled after each failure.',
        }),
        reopenMaxMs: Type.Integer({
          minimum: 10,
          maximum: 600000,
          default: 5000,
          description: 'Longest wait between tries to reopen the device.',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('mqtt', {
          description: 'Reader of a room controller: taps arrive on pintu/rooms/<room>/tap.',
        }),
        room: Type.Optional(
          Type.String({
            pattern: SLUG_PATTERN,
            description:
              "Room id in the topics; defaults to the room of the door's mqtt lock, else the door id.",
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ]),
  { default: { type: 'sim' }, description: 'Reader driver: sim, pcsc, serial or mqtt.' },
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

export const PurposeSchema = Type.Object(
  {
    id: Slug('Category id (slug), stored with each visit (purposeCategory).'),
    name: Type.String({ minLength: 1, maxLength: 80, description: 'Name in Bahasa Indonesia.' }),
    nameEn: Type.String({ minLength: 1, maxLength: 80, description: 'Name in English.' }),
  },
  { additionalProperties: false, description: 'A purpose category of a visit.' },
);

const VisitsSchema = Section(
  {
    purposes: Type.Array(PurposeSchema, {
      minItems: 1,
      default: DEFAULT_PURPOSES,
      description:
        'Purpose categories chosen at arrival (with the free-text purpose); the recap counts visits per category. Ids unique; the last category also takes visits recorded without one (by default Lainnya / Other).',
    }),
    appointmentMaxDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 90,
      description:
        'An appointment (expected guest) is for a day from today to at most this many days ahead (site time zone); a later one is refused (rule date_too_far). The recap looks this far back for appointments of its month.',
    }),
    maxDelegates: Type.Integer({
      minimum: 0,
      maximum: 50,
      default: 5,
      description:
        "Most delegates (secretary, aide: other host logins) a host may name to receive and decide the host's approval requests; 0: none may be named.",
    }),
    maxGroupMembers: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 50,
      description:
        "Most members a group visit (rombongan) has besides its leader (400 above): one arrival records a visit per person in one journal write, so the write and the desk's list stay bounded.",
    }),
    appointmentsPerDay: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 500,
      description:
        'Most appointments one day holds (409 above): the saved state keeps every appointment from today on, so it stays bounded.',
    }),
  },
  'Visits at the desk.',
);

const WatchlistSchema = Section(
  {
    nameMaxEdits: Type.Integer({
      minimum: 0,
      maximum: 3,
      default: 1,
      description:
        'Typing slips (edit distance, a swap of two letters counting one) tolerated per name token of five letters or more when an arrival is compared with the watchlist by name; shorter tokens must match exactly. 0: names must match token for token (after titles, case, accents and old spelling are set aside).',
    }),
    maxDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 365,
      description:
        'Longest validity of a watchlist entry, in days from when it is written (400 rule watchlist_valid_until beyond): entries are personal data, and the retention sweep purges each past its valid-until.',
    }),
    maxEntries: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 1000,
      description:
        'Most watchlist entries kept at once (409 above): every arrival is compared with each, and they are saved with the state.',
    }),
  },
  'Watchlist (daftar perhatian): who security screens in person before they go further.',
);

const SurveySchema = Section(
  {
    tokenDays: Type.Integer({
      minimum: 1,
      maximum: 90,
      default: 7,
      description:
        "Days a visit's one-time satisfaction survey token (the desk tablet or the QR link) can be answered, from the visit's arrival; later it is refused (409, state ended).",
    }),
    saranMaxChars: Type.Integer({
      minimum: 0,
      maximum: 5000,
      default: 500,
      description:
        'Longest suggestion (saran) a survey answer may carry, in characters (400 above); 0: no suggestions taken. Suggestions go into the saran file (retention.saranDays) and the recaps.',
    }),
    tabulationMaxRespondents: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 3000,
      description:
        "Most respondents of a period the regulation's tabulation (GET /reports/survey?format=xlsx: one row per respondent) is drawn for (400 above: ask for a month, or CSV or JSON, which hold totals only). Drawing holds the event loop taps are decided on.",
    }),
    requestsPerMinute: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 30,
      description:
        'Survey form requests (open and answer, public: the token is the only credential) one client address may make per minute (429 above).',
    }),
  },
  'Satisfaction survey (Survei Kepuasan Masyarakat, PermenPAN-RB No. 14 Tahun 2017).',
);

// ---------------------------------------------------------------- the whole

export const FLEET_ROLES = ['desk', 'door'] as const;

const PublicKey = (description: string) => Type.String({ pattern: ED25519_PUBLIC_KEY_PATTERN, description });

/** Several entrances (issue 17, README "Fleet"): absent, the gateway stands alone. */
const FleetSchema = Section(
  {
    role: StringEnum(FLEET_ROLES, {
      description:
        'desk: visits are made and decided here and sent to the door gateways; door: this gateway takes visits from the desk.',
    }),
    gatewayId: Slug(
      'This gateway in the fleet: its topics (<baseTopic>/<id>/...), its broker login (default) and client id pintu-fleet-<id>.',
    ),
    baseTopic: Type.String({
      pattern: TOPIC_PATTERN,
      default: 'pintu/fleet',
      description:
        "Prefix of the fleet's topics (<baseTopic>/<gatewayId>/grants, .../revocations, .../head, .../events).",
    }),
    keyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "This gateway's Ed25519 private key (PKCS#8 PEM, mode 0600); default <dataDir>/fleet.key, made at the first start. `pintu fleet key` prints its public key.",
      }),
    ),
    broker: Section(
      {
        url: Type.String({
          pattern: '^(mqtts?|wss?|tcp|ssl)://',
          description: 'The broker (or the local node of a bridged broker or cluster) the fleet meets on.',
        }),
        username: Type.Optional(
          Type.String({ minLength: 1, description: 'User name at the broker (default: fleet.gatewayId).' }),
        ),
        password: Type.Optional(Type.String({ description: 'Password at the broker.' })),
      },
      "The fleet's broker: a connection of its own, whatever mqtt.* says.",
      false,
    ),
    desk: Type.Optional(
      Section(
        {
          url: Type.String({
            pattern: '^https?://',
            description: "door: the desk's HTTP address, for snapshots (e.g. http://desk.lan:8080).",
          }),
          publicKey: PublicKey(
            "door: the desk's public key (pinned: a message signed by any other key is refused).",
          ),
        },
        'door: the desk this gateway takes visits from.',
        false,
      ),
    ),
    gateways: Type.Array(
      Type.Object(
        {
          id: Slug("A door gateway's fleet.gatewayId."),
          publicKey: PublicKey(
            'Its public key (`pintu fleet key` on that gateway): its snapshot requests and events are checked with it.',
          ),
          rooms: Type.Array(Type.String({ pattern: SLUG_PATTERN }), {
            default: [],
            uniqueItems: true,
            description: "The room doors it drives: a visit's room grants are sent to it narrowed to these.",
          }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'desk: the door gateways of the fleet.' },
    ),
    snapshotSkewSeconds: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 120,
      description:
        "desk: how far a door gateway's snapshot request time may be from the desk's clock (refused beyond it; within it, each request is answered once).",
    }),
    snapshotRequestsKept: Type.Integer({
      minimum: 10,
      maximum: 100_000,
      default: 1000,
      description:
        'desk: snapshot requests remembered so that each is answered once (a replayed one: 409) while fleet.snapshotSkewSeconds would take it; when that many are in their window, new ones get 503 until the oldest leave it.',
    }),
    eventsBacklogMax: Type.Integer({
      minimum: 10,
      maximum: 1_000_000,
      default: 10_000,
      description:
        "door: access events kept for the desk while the broker is away (beyond it the oldest are dropped from the fleet; this gateway's journal keeps them).",
    }),
    syncHoldMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 3000,
      description:
        "door: after each (re)connection to the broker, how long a visit's tap to enter waits refused (syncing) until the desk's news is in (its retained head shows nothing missed, or a snapshot is applied); then it decides from what it has. 0: no hold.",
    }),
    sendWindow: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 256,
      description:
        "desk: journal entries whose messages may be at the broker unacknowledged at once. The desk publishes without waiting for each PUBACK (those wait behind the door gateways' taps on the same connection); past this it waits for the oldest.",
    }),
    statusSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description:
        'door: how often it tells the desk its progress besides after each message (the desk finds there a tap the broker dropped at the end of a burst); desk: how often it asks a door gateway again for the same missing taps.',
    }),
    snapshotsPerMinute: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 30,
      description:
        "desk: snapshot requests one client address may make per minute (429 above): the route takes no login, a door gateway's key is its credential.",
    }),
    snapshotTimeoutMs: Type.Integer({
      minimum: 500,
      maximum: 120_000,
      default: 10_000,
      description: 'door: how long a snapshot request may take before it is tried again (with backoff).',
    }),
    codeKeyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The fleet's keypad code key (32 bytes), the same file on every gateway: codes are hashed with it instead of <dataDir>/secret.key, and travel to the door gateways as hashes. Made where absent (on the desk; copy it to each door gateway). Absent: codes stay at the gateway that issued them.",
      }),
    ),
    lagMaxSeconds: Type.Integer({
      minimum: 5,
      maximum: 86_400,
      default: 60,
      description:
        'GET /api/v1/health is degraded when, this long: the fleet broker is away; desk: a door gateway has messages it has not applied and applied none; door: the desk is ahead of this gateway.',
    }),
  },
  'Several entrances: one desk, door gateways, on an MQTT broker (README "Fleet"). Absent: this gateway stands alone.',
  false,
);

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
    auth: AuthSchema,
    retention: RetentionSchema,
    clock: ClockSchema,
    display: DisplaySchema,
    gpio: GpioSchema,
    pcsc: PcscSchema,
    doors: Type.Array(DoorSchema, {
      default: DEFAULT_DOORS,
      description: 'Doors. A file that sets doors replaces the embedded list.',
    }),
    areas: Type.Array(AreaSchema, {
      default: [],
      description:
        'Named areas (lobby, wings) that doors[].areas refer to; "outside" is built in, and a room door\'s own area (its id) needs no listing. Empty: any area the doors name, called after the room door that leads into it ("building": Gedung).',
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
    visits: VisitsSchema,
    survey: SurveySchema,
    watchlist: WatchlistSchema,
    fleet: Type.Optional(FleetSchema),
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
export type PurposeConfig = Static<typeof PurposeSchema>;
export type OfficeHoursConfig = Config['access']['officeHours'];
export type LogLevel = Config['log']['level'];
export type FleetConfig = NonNullable<Config['fleet']>;
export type MqttMode = Config['mqtt']['mode'];
export type GuestNameMode = Config['display']['guestName'];
export type GpioConfig = Config['gpio'];
export type PcscConfig = Config['pcsc'];
export type DoorInputConfig = NonNullable<DoorConfig['contact']>;
export type ExitButtonConfig = NonNullable<DoorConfig['exitButton']>;
export type InputBias = DoorInputConfig['bias'];

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
  /** An untyped key (checked in validate.ts) shows its kinds of value in the table. */
  examples?: unknown[];
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
  if (s.type === undefined && s.examples) return s.examples.map((v) => JSON.stringify(v)).join(' or ');
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
