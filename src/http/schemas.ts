// JSON schemas of the API (TypeBox): request bodies, params and queries are checked by
// fastify's Ajv before a handler runs; responses are serialised through them, so nothing
// leaves the gateway that is not declared here.
import Type, { type TSchema } from 'typebox';
import { APPOINTMENT_STATUSES } from '../domain/appointment.js';
import {
  DENY_REASONS,
  DOCUMENT_TYPES,
  ROLES,
  SCREENING_REASONS,
  VISIT_STATES,
  type VisitState,
} from '../domain/types.js';
import { SYNC_STATUSES } from '../domain/visit.js';

const Enum = <const V extends readonly string[]>(values: V, description?: string) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const Id = Type.String({ minLength: 1, maxLength: 100 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
const Text = (max: number, description?: string) =>
  Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) });
const Opt = <T extends TSchema>(t: T) => Type.Optional(t);
const Phone = Type.String({ pattern: '^\\+?[0-9 ()-]{6,20}$' });
/** A guest as the desk enters one: name and institution, a phone number, a known guest's id. */
const GuestFields = {
  name: Text(120),
  institution: Text(200),
  phone: Type.Optional(Phone),
  guestId: Type.Optional(Id),
};

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'Machine-readable code' }),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'The input at fault' })),
  state: Type.Optional(
    Type.String({ description: 'conflict: the state of the visit (or thing) the input contradicts' }),
  ),
  rule: Type.Optional(
    Type.String({ description: 'invalid: the rule the value breaks, e.g. nik_province (stable code)' }),
  ),
});

export const Actor = Type.Object({
  kind: Enum(['user', 'token', 'device', 'system'] as const),
  id: Type.String(),
  role: Type.Optional(Enum(ROLES)),
});

const VisitStateEnum = Enum(VISIT_STATES);
/** A type list, not anyOf: fast-json-stringify runs an Ajv check per value to pick an anyOf branch. */
const VisitStateOrNull = Type.Unsafe<VisitState | null>({
  type: ['string', 'null'],
  enum: [...VISIT_STATES, null],
});

export const Visit = Type.Object({
  id: Type.String(),
  watchlist: Opt(
    Type.Boolean({
      description:
        "In the answer to an arrival (a group's too, per person) or a badge issue (the collateral document) only: the guest matched the watchlist, security screens them (SOP step 2); the entry is for security and admin to see",
    }),
  ),
  externalId: Opt(Type.String()),
  guestId: Type.String(),
  guestName: Type.String(),
  institution: Type.String(),
  purpose: Type.String(),
  purposeCategory: Opt(Type.String({ description: 'A category id of config visits.purposes' })),
  appointmentId: Opt(
    Type.String({ description: 'The appointment (expected guest) this visit fulfils; absent: a walk-in' }),
  ),
  hostId: Type.String(),
  group: Opt(
    Type.Object(
      { id: Type.String(), leader: Type.Boolean(), index: Type.Integer({ minimum: 0 }) },
      {
        description:
          "A person of a group visit (rombongan): the group's id, its leader (index 0, holds the group's letter), the badging order",
      },
    ),
  ),
  state: VisitStateEnum,
  createdAt: Type.Integer(),
  screening: Opt(
    Type.Object({
      passed: Type.Boolean(),
      reasons: Type.Array(Enum(SCREENING_REASONS)),
      note: Opt(Type.String()),
    }),
  ),
  guestbook: Opt(Type.Object({ at: Type.Integer(), note: Opt(Type.String()) })),
  decision: Opt(
    Type.Object({
      outcome: Enum(['accepted', 'refused', 'host_absent'] as const),
      reason: Opt(Type.String()),
      proposedDate: Opt(Type.String()),
    }),
  ),
  rooms: Type.Array(Type.String()),
  validUntil: Opt(Type.Integer()),
  badgeId: Opt(Type.String()),
  collateral: Opt(Type.Object({ type: Enum(DOCUMENT_TYPES), masked: Type.String() })),
  badgeReturned: Opt(Type.Boolean()),
  documentReturned: Opt(Type.Boolean()),
  hasAccessCode: Type.Boolean({ description: 'A keypad code is active (its value is shown once, at issue)' }),
  firstEntryAt: Opt(Type.Integer()),
  escortedAt: Opt(
    Type.Integer({
      description: "The first entry an escort's card completed at an escort door: ends SOP step 6",
    }),
  ),
  history: Type.Array(
    Type.Object({
      action: Type.String(),
      from: VisitStateOrNull,
      to: VisitStateEnum,
      at: Type.Integer(),
      actor: Actor,
      doneElsewhere: Opt(
        Type.Boolean({
          description: 'Done in the desk application (sync API), recorded at the push: not timed',
        }),
      ),
      onBehalfOf: Opt(
        Type.String({ description: "Done by a delegate (the actor) for this host (the host's id)" }),
      ),
    }),
  ),
  timings: Type.Array(
    Type.Object({
      step: Type.String(),
      minutes: Type.Number(),
      standard: Type.Number(),
      exceeded: Type.Boolean(),
    }),
  ),
  closedNow: Opt(
    Type.Object(
      {
        reason: Type.Union([Type.Literal('outside_hours'), Type.Literal('visit_expired')]),
        doors: Type.Array(Type.String()),
      },
      {
        description:
          'When a badge is issued that opens no door now: every door the visit may use is shut at this hour (outside_hours) or its time is over (visit_expired)',
      },
    ),
  ),
});

export const VisitWithCode = Type.Object({
  visit: Visit,
  accessCode: Type.Optional(Type.String({ description: 'Keypad code, returned once, when issued' })),
});

export const ArrivalBody = Type.Object(
  {
    guest: Type.Object(
      {
        ...GuestFields,
        documentNumber: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 40,
            description:
              'Identity document number, only to be compared with the watchlist (as its keyed hash); not stored',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    purpose: Text(500),
    purposeCategory: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'A category id of config visits.purposes (GET /panel/bootstrap lists them); 400 when unknown',
      }),
    ),
    hostId: Id,
    externalId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

const DateText = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  description: 'YYYY-MM-DD, site time zone',
});
const TimeText = Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:MM, site time zone' });

export const AppointmentBody = Type.Object(
  {
    guest: Type.Object(GuestFields, { additionalProperties: false }),
    hostId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "A host's own: theirs" })),
    date: DateText,
    from: TimeText,
    until: TimeText,
    purposeCategory: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A category id of config visits.purposes',
    }),
    purpose: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);

export const AppointmentQuery = Type.Object(
  {
    date: Type.Optional(
      Type.Union([Type.Literal('today'), DateText], {
        description: 'Default today; days before today are gone',
      }),
    ),
    hostId: Type.Optional(Id),
  },
  { additionalProperties: false },
);

export const CodeParams = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 40, description: 'The appointment code (TJ-...)' }) },
  { additionalProperties: false },
);

export const AppointmentArrivalBody = Type.Object(
  { phone: Type.Optional(Phone) },
  { additionalProperties: false },
);

export const Appointment = Type.Object({
  id: Type.String({ description: 'The code: shown as a QR, typed by the desk scanner' }),
  guestId: Type.String(),
  guestName: Type.String(),
  institution: Type.String(),
  hostId: Type.String(),
  date: Type.String(),
  from: Type.String(),
  until: Type.String(),
  purposeCategory: Type.String(),
  purpose: Opt(Type.String()),
  preApproved: Type.Boolean({ description: 'Registered by the host: the desk may record the acceptance' }),
  fromVisitId: Opt(Type.String({ description: 'The visit rescheduled at SOP step 5b' })),
  createdAt: Type.Integer(),
  createdBy: Actor,
  visitId: Opt(Type.String()),
  arrivedAt: Opt(Type.Integer()),
  cancelledAt: Opt(Type.Integer()),
  status: Enum(APPOINTMENT_STATUSES, 'no_show: the window is over, no arrival'),
});

export const ScreeningBody = Type.Object(
  {
    passed: Type.Boolean(),
    reasons: Type.Optional(Type.Array(Enum(SCREENING_REASONS), { uniqueItems: true })),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const GuestbookBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    outcome: Enum(['accepted', 'refused', 'host_absent'] as const),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    proposedDate: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description:
          "host_absent: the day to come back, from today to access.rescheduleMaxDays ahead in the site's time zone (400 rule date_past or date_too_far)",
      }),
    ),
    rooms: Type.Optional(Type.Array(Id, { uniqueItems: true, maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const GrantBody = Type.Object(
  { rooms: Type.Array(Id, { minItems: 1, uniqueItems: true, maxItems: 20 }) },
  { additionalProperties: false },
);

export const BadgeBody = Type.Object(
  {
    badge: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'UID, id or label of a pool badge' }),
    ),
    nextTap: Type.Optional(
      Type.Boolean({ description: 'Wait (up to waitSeconds) for the next tap on a desk reader instead' }),
    ),
    reader: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "With nextTap: this desk's own desk reader (may be left out when there is only one)",
      }),
    ),
    waitSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 60 })),
    collateral: Type.Optional(Collateral()),
  },
  { additionalProperties: false },
);

/** The identity document handed over for a badge (a group's leader: the Surat Tugas). */
function Collateral() {
  return Type.Object(
    {
      type: Enum(DOCUMENT_TYPES),
      number: Type.String({
        minLength: 4,
        maxLength: 40,
        description:
          'Checked against the type (NIK: 16 digits, province, regency, district, birth date, serial; ' +
          'SIM: 12 or 14 digits; passport: 6-9 letters and digits), 400 with the rule broken; stored masked only; ' +
          "left out for a group member (the leader's visit holds the group's letter)",
      }),
    },
    { additionalProperties: false },
  );
}

const NAME = Type.String({ minLength: 1, maxLength: 120 });

export const GroupArrivalBody = Type.Object(
  {
    leader: Type.Object(
      {
        name: NAME,
        phone: Type.Optional(Phone),
        guestId: Type.Optional(Id),
      },
      { additionalProperties: false },
    ),
    members: Type.Array(Type.Object({ name: NAME }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 500,
      description: 'The members besides the leader, in badging order; at most visits.maxGroupMembers (400)',
    }),
    institution: Text(200),
    purpose: Text(500),
    purposeCategory: Type.Optional(Type.String({ maxLength: 64 })),
    hostId: Id,
  },
  { additionalProperties: false },
);

export const GroupCheckoutBody = Type.Object(
  {
    documentReturned: Type.Boolean({
      default: true,
      description: "The group's letter goes back to the leader (409 group_badges_out while a badge is out)",
    }),
    lostBadges: Type.Optional(
      Type.Array(Id, {
        maxItems: 500,
        uniqueItems: true,
        description: 'Visit ids whose badge did not come back',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Group = Type.Object({
  groupId: Type.String(),
  visits: Type.Array(Visit),
});

export const CheckoutBody = Type.Object(
  {
    badgeReturned: Type.Boolean({ default: true }),
    documentReturned: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const VisitQuery = Type.Object(
  {
    state: Type.Optional(VisitStateEnum),
    hostId: Type.Optional(Id),
    date: Type.Optional(
      Type.String({
        pattern: '^(today|\\d{4}-\\d{2}-\\d{2})$',
        description:
          'Visits that arrived that local day, closed ones too (from the archive); "today" adds every open visit',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SyncBody = Type.Object(
  {
    visits: Type.Array(
      Type.Object(
        {
          externalId: Id,
          guest: Type.Object(
            {
              name: Text(120),
              institution: Text(200),
              phone: Type.Optional(Phone),
            },
            { additionalProperties: false },
          ),
          purpose: Text(500),
          purposeCategory: Type.Optional(
            Type.String({
              maxLength: 64,
              description:
                'A category id of config visits.purposes (optional; without it the recap counts the visit under the last category); 400 for that item when unknown',
            }),
          ),
          hostId: Id,
          status: Enum(
            SYNC_STATUSES,
            "Where the desk application has the visit; one that contradicts the gateway's state " +
              '(e.g. host_refused for a visit accepted here, cancelled for one that holds a badge) is a ' +
              '409 for that item, with field status and the state',
          ),
          rooms: Type.Optional(Type.Array(Id, { uniqueItems: true })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);

export const SyncResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      externalId: Type.String(),
      status: Type.Integer({
        description:
          "This item's own outcome, as an HTTP status: 200 applied (or already there), 409 its status " +
          "conflicts with the visit's state, 400/403/404 a bad item; `error` says why",
      }),
      visitId: Type.Optional(Type.String({ description: 'Absent when no visit exists for the item' })),
      state: Type.Optional(Type.String({ description: "The visit's state after this push" })),
      changed: Type.Optional(Type.Boolean()),
      accessCode: Type.Optional(Type.String({ description: 'Keypad code issued by this push, shown once' })),
      watchlist: Type.Optional(
        Type.Boolean({
          description:
            'The visit this push created matched the watchlist: security screens the guest (SOP step 2); only on the push that created it',
        }),
      ),
      error: Type.Optional(ErrorBody),
    }),
  ),
});

export const Guest = Type.Object({
  id: Type.String(),
  name: Type.String(),
  institution: Type.String(),
  phone: Type.Optional(Type.String()),
  lastSeenAt: Type.Integer(),
});

export const Badge = Type.Object({
  id: Type.String(),
  label: Type.String(),
  uid: Type.String(),
  status: Enum(['available', 'issued', 'lost'] as const),
  visitId: Type.Optional(Type.String()),
  credential: Type.Optional(
    Enum(
      ['secure'] as const,
      'secure: personalised with the site keys (must prove its key); absent: a UID card',
    ),
  ),
  keyGen: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'Secure badges: the site key generation its keys are diversified from',
    }),
  ),
  oldKey: Type.Optional(
    Type.Boolean({
      description:
        'Secure badges: its keys are of an older site key (it still opens; recycle it at the desk)',
    }),
  ),
});

export const BadgeCreate = Type.Object(
  {
    label: Text(40),
    uid: Type.String({ pattern: '^[0-9A-Fa-f:\\- ]{8,40}$', description: 'Hex UID, 4/7/10 bytes' }),
  },
  { additionalProperties: false },
);

/** The desk reader whose card a badge operation acts on (personalise, recycle). */
export const DeskReaderBody = Type.Object({ readerId: Id }, { additionalProperties: false });

export const EscortCard = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'The staff member; journal and MQTT name the escort by it' }),
  uid: Type.String(),
  opensAlone: Type.Optional(Type.Boolean({ description: 'Opens doors by itself, without a guest' })),
  enrolledAt: Type.Integer({ description: 'Epoch ms' }),
});

export const EscortCreate = Type.Object(
  {
    name: Text(80),
    uid: Type.String({ pattern: '^[0-9A-Fa-f:\\- ]{8,40}$', description: 'Hex UID, 4/7/10 bytes' }),
    opensAlone: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          "The card opens doors by itself (an escort door too), within the door's credential mode; default: it only completes a guest's tap at an escort door",
      }),
    ),
  },
  { additionalProperties: false },
);

export const Host = Type.Object({
  id: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  rooms: Type.Array(Type.String()),
  contact: Type.Optional(Type.String()),
  absent: Type.Optional(Type.Boolean()),
  delegates: Type.Optional(
    Type.Array(Type.String(), {
      description:
        "User ids of the host's delegates: they receive its approval requests and may decide for it",
    }),
  ),
  delegateNames: Type.Optional(Type.Array(Type.String(), { description: "The delegates' user names" })),
});

export const DelegatesBody = Type.Object(
  {
    delegates: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), {
      maxItems: 50,
      description: 'User names of host logins (a secretary, an aide); replaces the list; [] for none',
    }),
  },
  { additionalProperties: false },
);

export const HostBody = Type.Object(
  {
    name: Text(120),
    unit: Text(120),
    rooms: Type.Array(Id, { uniqueItems: true, default: [] }),
    contact: Type.Optional(Type.String({ maxLength: 120 })),
    absent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Door = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Enum(['entrance', 'room'] as const),
  credential: Enum(
    ['uid', 'secure', 'secure-or-uid'] as const,
    'What a badge must prove at this door (config doors[].credential); uid is weak: a UID can be copied',
  ),
  escort: Type.Optional(
    Type.Boolean({ description: "true: a guest enters only with an escort's card (config doors[].escort)" }),
  ),
  locked: Type.Boolean(),
  open: Type.Optional(Type.Boolean()),
  fault: Type.Optional(Type.String()),
  /** A door alarm in progress (door contact): it ends when the door closes. */
  alarm: Type.Optional(Enum(['held_open', 'forced_open'] as const)),
  readersOffline: Type.Optional(
    Type.Array(Type.String(), {
      description: "The door's readers without their device (its reader_offline alarm is up while any is)",
    }),
  ),
  lockdown: Type.Boolean(),
  lockdownBy: Type.Optional(
    Type.Object(
      { kind: Type.String(), id: Type.String(), role: Type.Optional(Type.String()), at: Type.Integer() },
      { description: 'Who set the lockdown in force and when (epoch ms); only admin or security release it' },
    ),
  ),
});

export const UnlockBody = Type.Object(
  { ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })) },
  { additionalProperties: false },
);

export const LockdownBody = Type.Object({ active: Type.Boolean() }, { additionalProperties: false });

export const TapBody = Type.Object(
  {
    reader: Id,
    uid: Type.Optional(Type.String({ minLength: 8, maxLength: 40 })),
    pin: Type.Optional(Type.String({ pattern: '^[0-9]{4,10}$' })),
  },
  { additionalProperties: false },
);

export const TapResponse = Type.Object({
  kind: Enum(
    ['door', 'desk', 'repeat', 'invalid'] as const,
    'repeat: the same card within the debounce time, ignored',
  ),
  granted: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Enum(DENY_REASONS)),
  doorId: Type.Optional(Type.String()),
  direction: Type.Optional(Enum(['in', 'out'] as const)),
  visitId: Type.Optional(Type.String()),
  badgeId: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  seq: Type.Optional(
    Type.Integer({
      description:
        "A door tap's journal entry, durable when this answer is sent (absent: the journal could not take it)",
    }),
  ),
});

export const DeskTapQuery = Type.Object(
  {
    waitSeconds: Type.Integer({ minimum: 1, maximum: 120, default: 30 }),
    reader: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: "The desk's own desk reader (may be left out when there is only one)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const JournalEntryBody = Type.Object({
  seq: Type.Integer(),
  at: Type.Integer(),
  type: Type.String(),
  actor: Actor,
  payload: Type.Record(Type.String(), Type.Unknown()),
  prev: Type.String(),
  hash: Type.String(),
});

export const EventsQuery = Type.Object(
  {
    beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    type: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Comma-separated types or prefixes ending in ".", e.g. "access." or "visit.checked_out"',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventsPage = Type.Object({
  events: Type.Array(JournalEntryBody),
  nextBeforeSeq: Type.Optional(Type.Integer({ description: 'Pass as beforeSeq for the older page' })),
});

export const ReportQuery = Type.Object(
  {
    month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }),
    format: Enum(['json', 'csv', 'csv-excel', 'xlsx', 'pdf'] as const),
    lang: Enum(['id', 'en'] as const),
  },
  { additionalProperties: false },
);

export const YearReportQuery = Type.Object(
  {
    year: Type.String({ pattern: '^(19[7-9]\\d|[2-9]\\d{3})$', description: 'YYYY' }),
    format: Enum(['json', 'csv', 'csv-excel'] as const),
    lang: Enum(['id', 'en'] as const),
  },
  { additionalProperties: false },
);

export const RegisterQuery = Type.Object(
  {
    day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })),
    month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' })),
    format: Enum(['json', 'csv', 'csv-excel', 'xlsx', 'pdf'] as const),
    lang: Enum(['id', 'en'] as const),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { username: Text(64), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const PasswordChange = Type.Object(
  {
    current: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 10, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const Me = Type.Object({
  username: Type.Optional(Type.String()),
  role: Enum(ROLES),
  hostId: Type.Optional(Type.String()),
  mustChangePassword: Type.Optional(Type.Boolean()),
  /** Opened by a one-time host link (a delegate's too): its one visit, nothing else. */
  link: Type.Optional(Type.Boolean({ description: 'A host link session: its one visit only' })),
  actor: Actor,
});

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Enum(ROLES),
  hostId: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
});

export const UserCreate = Type.Object(
  {
    username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,31}$' }),
    displayName: Type.Optional(Text(120)),
    role: Enum(ROLES),
    password: Type.String({ minLength: 10, maxLength: 200 }),
    hostId: Type.Optional(Id),
    temporary: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          "One-time password, to be changed at the first login (the default: a password the admin typed is not the user's); false for an account a machine logs in with",
      }),
    ),
  },
  { additionalProperties: false },
);

export const TokenCreate = Type.Object(
  {
    name: Text(60),
    role: Enum(ROLES),
    hostId: Type.Optional(Type.String({ description: 'Required for role host: the host it acts as' })),
  },
  { additionalProperties: false },
);

export const TokenCreated = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Enum(ROLES),
  hostId: Type.Optional(Type.String()),
  token: Type.String(),
});

export const Ok = Type.Object({ ok: Type.Boolean() });

/**
 * A 200 that is not JSON: a Server-Sent Events stream. Declared by media type so the OpenAPI
 * document says what a client gets; the stream is written to the socket, never serialised.
 */
export const EventStream = {
  description: 'Server-Sent Events: `id` is the journal seq, `data` one JSON object a message',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

/** The Prometheus text exposition format (a string from prom-client, sent as it is). */
export const PrometheusText = {
  description: 'Prometheus text exposition format 0.0.4',
  content: { 'text/plain': { schema: { type: 'string' } } },
} as const;
