// Opens a gateway on a data folder: state, guests, journal and archive; replays what the
// saved state missed; seeds badges and hosts from configuration; creates the first admin; opens
// the panel's settings and host links and starts the approval webhook (the servers only use them).
// Hardware ports come in from the composition root (main.ts), already built.
import { basename, dirname, join } from 'node:path';
import { Low } from 'lowdb';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { doorCredential } from '../config/validate.js';
import { type AreaMap, areaMap } from '../domain/areas.js';
import { localParts, monthOf } from '../domain/time.js';
import type { AccessPolicyConfig, Door, Reader, Visit } from '../domain/types.js';
import { type ClockSyncPort, SimClockSync, TimesyncFlag } from '../hardware/clock-sync.js';
import type { DoorInputsPort, LockPort, ReaderPort } from '../hardware/ports.js';
import { SiteKeyRing } from '../hardware/site-keys.js';
import { Archive } from '../store/archive.js';
import { dataKey } from '../store/data-key.js';
import { DurableJsonFile } from '../store/durable-file.js';
import { mkdirDurable } from '../store/fsync.js';
import { GuestBook } from '../store/guest-book.js';
import { Journal } from '../store/journal.js';
import { SaranFile } from '../store/saran-file.js';
import { AccessService } from './access.js';
import { AccountService } from './accounts.js';
import { AppointmentService } from './appointments.js';
import { certificatesInUse, notAfterOf } from './certificates.js';
import { SafeClock } from './clock.js';
import { Core } from './core.js';
import { DirectoryService } from './directory.js';
import { DoorService } from './doors.js';
import { EnrolmentService } from './enrolment.js';
import { EscortService } from './escorts.js';
import { EventView } from './event-view.js';
import { GroupService } from './groups.js';
import { HostLinks } from './host-links.js';
import { emptyState, LiveState, type PersistedState } from './live-state.js';
import { createMetrics } from './metrics.js';
import { PanelSettingsStore } from './panel-settings.js';
import { gateLimits, PasswordGate } from './password-gate.js';
import { newOneTimePassword, setHashThreadIdle } from './passwords.js';
import { PrivacyService } from './privacy.js';
import { ReaderService, type ReaderWatchOptions } from './readers.js';
import { RegisterService } from './register.js';
import { ReportService } from './reports.js';
import { RollCall } from './roll-call.js';
import { SurveyService } from './survey.js';
import { VisitService } from './visits.js';
import { WatchlistService } from './watchlist.js';
import { ApprovalWebhook } from './webhook.js';

export interface GatewayOptions {
  config: Config;
  readers: ReadonlyMap<string, ReaderPort>;
  locks: ReadonlyMap<string, LockPort>;
  /** Door contacts and exit buttons by door id (absent: none). */
  inputs?: ReadonlyMap<string, DoorInputsPort>;
  log: Logger;
  now?: () => number;
  /** Whether the clock is synchronised (default: from clock.* of the configuration). */
  clockSync?: ClockSyncPort;
  /** Create the first admin when no user exists (the CLI's offline commands do not). */
  createFirstAdmin?: boolean;
  /**
   * Called once taps are decided: readers open, relays at their safe state, the state loaded.
   * Before the first admin (a password hash) and anything of the servers.
   */
  onDoorsUp?: () => void;
  /** When a reader without its device counts as offline (default: access.reader* of the configuration). */
  readerWatch?: Partial<ReaderWatchOptions>;
  /** The site keys the door readers use (createDrivers'); absent: opened when first needed. */
  siteKeys?: SiteKeyRing;
}

export interface Gateway {
  config: Config;
  core: Core;
  visits: VisitService;
  groups: GroupService;
  appointments: AppointmentService;
  survey: SurveyService;
  watchlist: WatchlistService;
  access: AccessService;
  doors: DoorService;
  /** Readers that lost their device (health, reader_offline door alarms). */
  readers: ReaderService;
  accounts: AccountService;
  /** Throttles every password check an unauthenticated client causes (HTTP login, MQTT connect). */
  passwordGate: PasswordGate;
  directory: DirectoryService;
  /** Escort cards (SOP step 6). */
  escorts: EscortService;
  /** Personalising secure badges on a desk reader. */
  enrolment: EnrolmentService;
  privacy: PrivacyService;
  reports: ReportService;
  /** The journal's entries as each role may see them (badge UIDs to admin only). */
  eventView: EventView;
  /** Who is inside, in which area: the roll call, the inside count and its gauge. */
  rollCall: RollCall;
  /** The guest-book register (rows per visit of a day or month). */
  register: RegisterService;
  /** What the admin changes from the panel at run time (public URL, webhook, retention override). */
  settings: PanelSettingsStore;
  /** Hosts' signed one-time links (issued by the desk and the webhook, redeemed once). */
  hostLinks: HostLinks;
  /** The outgoing webhook on approval requests, invitations and watchlist alerts. */
  webhook: ApprovalWebhook;
  /** Set when this start created the first admin: print it once, never log it. */
  firstAdmin?: { username: string; password: string };
  /** The time decisions are made with (raised to the journal's last entry while unsynchronised). */
  clock: SafeClock;
  /** What is wrong now, for /healthz (empty when all is well): storage, readers, doors, clock. */
  problems(): string[];
  /**
   * What is weak by configuration, not broken: doors that take a badge's UID alone. Listed in
   * the detailed health, without making it degraded (the embedded defaults run uid doors).
   */
  weaknesses(): string[];
  close(): Promise<void>;
}

export function policyOf(config: Config): AccessPolicyConfig {
  const a = config.access;
  return {
    timezone: config.timezone,
    officeHours: { days: [...a.officeHours.days], open: a.officeHours.open, close: a.officeHours.close },
    maxVisitMinutes: a.maxVisitMinutes,
    endAtOfficeClose: a.endAtOfficeClose,
    keypadLockout: {
      attempts: a.keypadLockout.attempts,
      windowMs: a.keypadLockout.windowSeconds * 1000,
      lockMs: a.keypadLockout.lockSeconds * 1000,
    },
    escortWindowMs: a.escortWindowSeconds * 1000,
  };
}

export function doorsOf(config: Config): Map<string, Door> {
  return new Map(
    config.doors.map((d) => [
      d.id,
      {
        id: d.id,
        name: d.name,
        kind: d.kind,
        pulseMs: d.pulseMs,
        failMode: d.failMode,
        antiPassback: d.antiPassback,
        credential: doorCredential(config, d),
        ...(d.escort === 'required' ? { escort: 'required' as const } : {}),
        ...(d.hours ? { hours: { days: [...d.hours.days], open: d.hours.open, close: d.hours.close } } : {}),
      },
    ]),
  );
}

/** The areas the doors lead between, as checked at load (config/validate.ts). */
export function areasOf(config: Config): AreaMap {
  return areaMap(config.doors, config.areas);
}

export function readersOf(config: Config): Map<string, Reader> {
  return new Map(
    config.readers.map((r) => [
      r.id,
      {
        id: r.id,
        role: r.role,
        ...(r.door ? { doorId: r.door } : {}),
        ...(r.direction ? { direction: r.direction } : {}),
        keypad: r.keypad,
      },
    ]),
  );
}

function clockSyncOf(config: Config, log: Logger): ClockSyncPort {
  if (config.clock.synchronised === 'assume') return new SimClockSync(true);
  const port = new TimesyncFlag(config.clock.flagFile, config.clock.checkSeconds * 1000, (synced) =>
    synced
      ? log.info('clock synchronised')
      : log.warn(
          { detail: port.detail },
          'clock not synchronised: decisions use the journal time as a floor',
        ),
  );
  if (port.detail === undefined) return port;
  if (port.synchronised()) log.info({ detail: port.detail }, 'clock taken as synchronised');
  else log.warn({ detail: port.detail }, 'clock not synchronised: decisions use the journal time as a floor');
  return port;
}

/** What a failed open closes, in reverse order of opening; the gateway's close() owns them after. */
type Undo = Array<() => Promise<void> | void>;

export async function openGateway(opts: GatewayOptions): Promise<Gateway> {
  const undo: Undo = [];
  try {
    return await assemble(opts, undo);
  } catch (err) {
    // A failed start leaves nothing deciding, listening or ticking: doors to their safe state,
    // readers stopped, the guest book and the journal closed (what was tapped meanwhile is
    // durable). Each in its own try, so one that fails to close does not keep the rest open.
    for (const close of undo.reverse()) {
      try {
        await close();
      } catch (closeErr) {
        opts.log.error({ err: closeErr }, 'failed start: closing a part failed');
      }
    }
    throw err;
  }
}

async function assemble(opts: GatewayOptions, undo: Undo): Promise<Gateway> {
  const { config, log } = opts;
  const rawNow = opts.now ?? Date.now;
  const dir = config.dataDir;
  await mkdirDurable(dir, 0o750);
  const onRecover = (info: { file: string; reason: string }) =>
    log.error(
      { file: info.file, reason: info.reason },
      'state file was damaged: recovered from the last good copy',
    );

  const stateDoc = new Low<PersistedState>(
    new DurableJsonFile<PersistedState>(join(dir, 'state.json'), { onRecover }),
    emptyState(),
  );
  await stateDoc.read();
  const openGuestBook = () =>
    GuestBook.open(dir, {
      onRecover,
      onDamage: (info) => log.error(info, 'guest book log was damaged (power loss mid-write?)'),
      onFoldError: (err) =>
        log.warn({ err }, 'guest book: folding the log into guests.json failed; retried later'),
    });
  const tz = config.timezone;
  const journal = await Journal.open(join(dir, 'journal'), {
    monthOf: (at) => monthOf(at, tz),
    onTornLine: (info) => log.warn(info, 'journal: a torn last line was cut (power loss mid-write)'),
  });
  undo.push(() => journal.close());
  const archive = new Archive<Visit>(join(dir, 'archive'));
  const clockSync = opts.clockSync ?? clockSyncOf(config, log);
  undo.push(() => clockSync.stop());
  const clock = new SafeClock(rawNow, clockSync, () => journal.lastAt);
  const now = clock.now;

  // Guest names come from the guest book, through the core once it exists (names never enter the journal).
  let core: Core | undefined;
  const state = new LiveState(
    policyOf(config),
    doorsOf(config),
    readersOf(config),
    areasOf(config),
    stateDoc.data,
    (id) => core?.guest(id)?.name ?? '',
  );
  // The guest book does not decide a tap: it is read after "doors ready", unless entries are
  // to be replayed (a kill or a power cut), whose arrivals take their guest's name from it.
  const replaying = journal.lastSeq > state.journalSeq;
  const earlyGuests = replaying ? await openGuestBook() : undefined;
  if (earlyGuests) undo.push(() => earlyGuests.close());
  const metrics = createMetrics();
  core = new Core(state, journal, stateDoc, earlyGuests, archive, log, metrics, now, (at) => monthOf(at, tz));
  metrics.probes.storageDegraded = () => core.degraded().length > 0;
  metrics.probes.clockSynchronised = () => clock.synchronised();
  metrics.probes.visitsOpen = () => state.visits.size;
  for (const { key, file } of certificatesInUse(config)) {
    try {
      metrics.certificateExpiry.set({ certificate: key }, notAfterOf(key, file) / 1000);
    } catch (err) {
      // The broker or MQTT client that loads it says so and stops; here it is only unmeasured.
      log.warn({ err }, 'certificate expiry not measured');
    }
  }

  const replayed = await core.replay();
  // A clean stop saves the state at the journal's head (Core.saveAtHead); entries past it are
  // what a kill or a power cut leaves, and a replay is the expected way back from one.
  if (replayed > 0)
    log.info({ replayed }, 'state was behind the journal (no clean stop): replayed the missing entries');

  // A fleet's keypad codes are hashed with the key every gateway of it holds (README "Fleet").
  const codeKeyFile = config.fleet?.codeKeyFile;
  const access = new AccessService(
    core,
    opts.readers,
    opts.locks,
    codeKeyFile
      ? await dataKey(dirname(codeKeyFile), basename(codeKeyFile))
      : await dataKey(dir, 'secret.key'),
    await dataKey(dir, 'badge-uid.key'),
    config.access.debounceMs,
    config.access.facilitiesMayReleaseLockdown ? ['admin', 'security', 'facilities'] : ['admin', 'security'],
    config.mqtt.rooms.refusalsJournaledPerMinute,
  );
  const doors = new DoorService(
    core,
    opts.locks,
    opts.inputs ?? new Map(),
    new Map(
      config.doors.map((d) => [
        d.id,
        {
          heldOpenMs: d.heldOpenSeconds * 1000,
          pulseMs: d.pulseMs,
          exitUnlocks: d.exitButton?.unlock ?? false,
        },
      ]),
    ),
  );
  access.doorInputs = (doorId) => doors.status(doorId);
  const readers = new ReaderService(core, opts.readers, {
    offlineAfterMs: config.access.readerOfflineSeconds * 1000,
    startGraceMs: config.access.readerStartGraceSeconds * 1000,
    ...opts.readerWatch,
  });
  const visitContext = () => ({
    policy: state.policy,
    hosts: state.hosts,
    doors: state.doors,
    rescheduleMaxDays: config.access.rescheduleMaxDays,
    purposeCategories: config.visits.purposes.map((p) => p.id),
    groupOf: (groupId: string) => [...state.visits.values()].filter((v) => v.group?.id === groupId),
  });
  const visits = new VisitService(core, visitContext, access.codeHash, config.access.codeLength);
  const groups = new GroupService(core, visits, visitContext, config.visits.maxGroupMembers);
  const appointments = new AppointmentService(core, visits, {
    maxDays: config.visits.appointmentMaxDays,
    perDay: config.visits.appointmentsPerDay,
    purposeCategories: config.visits.purposes.map((p) => p.id),
    purposeNames: new Map(config.visits.purposes.map((p) => [p.id, p.name])),
  });
  const survey = new SurveyService(core, await dataKey(dir, 'secret.key'), config.survey, {
    file: new SaranFile(join(dir, 'survey')),
    days: config.retention.saranDays,
  });
  const watchlist = new WatchlistService(core, await dataKey(dir, 'secret.key'), config.watchlist);
  setHashThreadIdle(config.auth.hashThreadIdleSeconds * 1000);
  const passwordGate = new PasswordGate(gateLimits(config.auth), now, (reason) =>
    metrics.authRefused.inc({ reason }),
  );
  const accounts = new AccountService(
    core,
    config.http.sessionTtlMinutes * 60_000,
    passwordGate,
    config.http.maxSessionsPerUser,
  );
  const directory = new DirectoryService(core, config.visits.maxDelegates);
  // The door readers challenge each badge with the key of the generation the pool records.
  const track = (ring: SiteKeyRing): SiteKeyRing => {
    ring.trackGenerations((uid) => {
      const badge = core.state.badgesByUid.get(uid);
      return badge?.credential === 'secure' ? (badge.keyGen ?? 1) : undefined;
    });
    return ring;
  };
  let siteKeys = opts.siteKeys ? track(opts.siteKeys) : undefined;
  const enrolment = new EnrolmentService(core, opts.readers, () => {
    siteKeys ??= track(SiteKeyRing.open(dir));
    return siteKeys;
  });
  const stopDeskRecycle = config.pcsc.recycleAtDesk ? enrolment.recycleOnDeskTaps() : () => {};
  undo.push(stopDeskRecycle);
  const reports = new ReportService(
    core,
    config.visits.purposes,
    Math.max(config.visits.appointmentMaxDays, config.access.rescheduleMaxDays),
    survey,
  );
  const rollCall = new RollCall(core);

  await directory.seed({
    badges: config.badges,
    hosts: config.hosts.map((h) => ({
      id: h.id,
      name: h.name,
      unit: h.unit,
      rooms: [...h.rooms],
      ...(h.contact ? { contact: h.contact } : {}),
    })),
  });

  readers.start();
  undo.push(() => readers.stop());
  // Pushed before its start: a start that fails half-way has ports to put back.
  undo.push(() => access.stop());
  await access.start();
  undo.push(() => doors.stop());
  await doors.start();
  opts.onDoorsUp?.();
  // What does not decide a tap comes after the doors: the guest book, the panel's settings and
  // the host links (read at every start: which links were used survives a restart).
  const book = earlyGuests ?? (await openGuestBook());
  if (!earlyGuests) undo.push(() => book.close());
  const settings = await PanelSettingsStore.open(dir);
  const hostLinks = await HostLinks.open(dir, now, log);
  core.guestsOpened(book);
  const privacy = new PrivacyService(
    core,
    config.retention.guestDays,
    () => settings.get().retentionGuestDays,
  );
  const register = new RegisterService(
    core,
    () => privacy.retentionDays,
    config.visits.purposes,
    Math.max(config.visits.appointmentMaxDays, config.access.rescheduleMaxDays),
  );
  const webhook = new ApprovalWebhook(core, () => settings.get(), hostLinks, config.display.guestName, log);

  let firstAdmin: Gateway['firstAdmin'];
  if (opts.createFirstAdmin !== false && accounts.users().length === 0) {
    const password = newOneTimePassword();
    await accounts.addUser(
      {
        username: config.admin.username,
        displayName: 'Administrator',
        role: 'admin',
        password,
        temporary: true,
      },
      { kind: 'system', id: 'setup' },
    );
    firstAdmin = { username: config.admin.username, password };
  }

  await core.record(
    { type: 'system.started', payload: { detail: `replayed ${replayed}` } },
    { kind: 'system', id: 'pintu' },
  );

  const sweep = () =>
    Promise.all([
      privacy.sweep().then(
        (n) => n > 0 && log.info({ erased: n }, 'retention: guest identity data erased'),
        (err) => log.error({ err }, 'retention sweep failed'),
      ),
      survey.sweep().then(
        (n) => n > 0 && log.info({ erased: n }, 'retention: survey suggestions (saran) erased'),
        (err) => log.error({ err }, 'saran retention sweep failed'),
      ),
      watchlist.sweep().then(
        (n) => n > 0 && log.info({ purged: n }, 'retention: watchlist entries past valid-until purged'),
        (err) => log.error({ err }, 'watchlist retention sweep failed'),
      ),
    ]);
  const timers = [
    setInterval(() => accounts.sweep(), 60_000),
    // Hourly check; the sweep runs in the configured local hour (and once at start).
    setInterval(() => {
      if (localParts(now(), tz).hour === config.retention.sweepHour) void sweep();
    }, 60 * 60_000),
  ];
  for (const t of timers) t.unref();
  undo.push(() => {
    for (const t of timers) clearInterval(t);
  });
  void sweep();
  webhook.start();

  let closed = false;
  return {
    config,
    core,
    visits,
    groups,
    appointments,
    survey,
    watchlist,
    access,
    doors,
    readers,
    accounts,
    passwordGate,
    directory,
    escorts: new EscortService(core),
    enrolment,
    privacy,
    reports,
    eventView: new EventView(
      state,
      access.cardHash,
      (visitId) => {
        const v = state.visits.get(visitId) ?? state.closedRecently(visitId);
        // From the guest file, not the visit: an erasure empties it there first.
        return v ? core.guest(v.guestId)?.name : undefined;
      },
      config.display.guestName,
    ),
    rollCall,
    register,
    settings,
    hostLinks,
    webhook,
    ...(firstAdmin ? { firstAdmin } : {}),
    clock,
    problems: () => [
      ...core.degraded(),
      ...readers.problems(),
      // A door whose lock cannot be driven (a room controller that never came or went away,
      // a relay that failed) does not open for anyone: the gateway is not whole.
      ...[...opts.locks.values()].flatMap((lock) => {
        const p = lock.problem ? lock.problem() : lock.state().fault;
        return p ? [`door ${lock.doorId}: ${p}`] : [];
      }),
      // Decisions stay safe meanwhile (service/clock.ts), but times written now may be wrong.
      ...(clock.synchronised() ? [] : ['clock not synchronised']),
    ],
    weaknesses: () =>
      [...state.doors.values()].flatMap((d) =>
        d.credential === 'secure'
          ? []
          : [
              d.credential === 'uid'
                ? `door ${d.id}: credential uid (a badge's UID alone opens it; a UID can be copied)`
                : `door ${d.id}: credential secure-or-uid (cards without a key still pass on their UID)`,
            ],
      ),
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearInterval(t);
      // Its deliveries under way end (or fail) first; it sends nothing more.
      await webhook.stop();
      stopDeskRecycle();
      clockSync.stop();
      await doors.stop();
      readers.stop();
      await access.stop();
      await core.record({ type: 'system.stopped', payload: {} }, { kind: 'system', id: 'pintu' });
      await core.saveAtHead();
      await book.close();
      await journal.close();
    },
  };
}
