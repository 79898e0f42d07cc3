// Checking a configuration document: the JSON Schema (Ajv, with defaults filled in), then
// the cross-field rules, then normalisation. Every problem is collected, none stops the
// others, so one run of `pintu` tells the operator everything to fix.

import { isIP } from 'node:net';
import type { ErrorObject } from 'ajv';
import { normaliseUid } from '../domain/access.js';
import { type AreaDoor, areaProblems, type NamedArea } from '../domain/areas.js';
import { isValidTimeZone } from '../domain/time.js';
import type { CredentialMode } from '../domain/types.js';
import type { ConfigProblem } from './errors.js';
import { PATTERN_HINTS } from './patterns.js';
import type { Config, DoorConfig } from './schema.js';
import { configSchema } from './schema-validator.js';

// Generated at build time when it can be (schema-validator.ts): loadConfig stays synchronous.
const loaded = await configSchema();
/** The configuration's JSON Schema as data (the environment's overrides are read against it). */
export const CONFIG_SCHEMA: object = loaded.schema;

// ---------------------------------------------------------------- paths

/** `['readers', 2, 'door']` -> `readers[2].door`. */
export function joinPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return joinPath(segments);
}

const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

// ---------------------------------------------------------------- schema errors

/** Edit distance counting a swap of neighbours as one edit ("prot" -> "port"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function suggest(key: string, candidates: string[]): string {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(k, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(k.length / 3))
    ? ` (did you mean "${best}"?)`
    : '';
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
};

/** Keys whose values must never appear in a message. */
export function isSecretPath(path: string): boolean {
  return /(^|\.)password$/i.test(path);
}

/** An Ajv error, in words, at a key path. `key` is set for an unknown key. */
function schemaProblem(e: ErrorObject): ConfigProblem & { key?: string } {
  const path = pointerToPath(e.instancePath);
  // Never echo a secret back into a log.
  const got = isSecretPath(path) ? '' : ` (got ${show(e.data)})`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      return { path, key, message: `unknown key ${JSON.stringify(key)}${suggest(key, known)}` };
    }
    case 'required':
      return { path: child(path, String(params.missingProperty)), message: 'is required' };
    case 'type':
      return { path, message: `must be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}${got}` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`,
      };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params.pattern)];
      return { path, message: `${hint ?? `must match ${String(params.pattern)}`}${got}` };
    }
    case 'minLength':
      return params.limit === 1
        ? { path, message: 'must not be empty' }
        : { path, message: `${e.message}${got}` };
    case 'discriminator': {
      const tag = String(params.tag);
      const branches = (
        (e.parentSchema?.oneOf as Array<{ properties: Record<string, { const: unknown }> }>) ?? []
      ).map((b) => JSON.stringify(b.properties[tag]?.const));
      const value = (e.data as Record<string, unknown> | undefined)?.[tag];
      return {
        path: child(path, tag),
        message:
          value === undefined
            ? `is required: one of ${branches.join(', ')}`
            : `must be one of ${branches.join(', ')} (got ${show(value)})`,
      };
    }
    default:
      return {
        path,
        message: `${e.message ?? e.keyword}${['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].includes(e.keyword) ? got : ''}`,
      };
  }
}

// ---------------------------------------------------------------- cross-field rules

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

function checkRegex(source: unknown, path: string, out: ConfigProblem[]): void {
  if (typeof source !== 'string') return;
  try {
    new RegExp(source);
  } catch (err) {
    out.push({
      path,
      message: `invalid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`,
    });
  }
}

/** `min` must not exceed `max` (a backoff's first and longest wait). */
function checkOrder(o: Obj, min: string, max: string, path: string, out: ConfigProblem[]): void {
  const lo = o[min];
  const hi = o[max];
  if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
    out.push({ path: child(path, max), message: `must be at least ${min} (${lo}), got ${hi}` });
  }
}

function checkHours(hours: unknown, path: string, out: ConfigProblem[]): void {
  if (!isObj(hours)) return;
  const open = str(hours.open);
  const close = str(hours.close);
  // A malformed "HH:MM" is already reported by the schema (pattern).
  if (open && close && HHMM.test(open) && HHMM.test(close) && open >= close) {
    out.push({ path: child(path, 'close'), message: `must be after open (${open}), got "${close}"` });
  }
}

/** Reports ids that occur twice: `doors[3].id: duplicate id "x" (also doors[1])`. */
function checkUnique(
  items: unknown[],
  listName: string,
  field: string,
  what: string,
  out: ConfigProblem[],
  key: (v: string) => string = (v) => v,
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const v = isObj(item) ? str(item[field]) : undefined;
    if (v === undefined) return;
    const k = key(v);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else
      out.push({
        path: `${listName}[${i}].${field}`,
        message: `duplicate ${what} "${v}" (also ${listName}[${j}])`,
      });
  });
}

/**
 * The rules between keys. `defaulted` names the lists that came from the embedded
 * defaults, so a reference error there says why the operator sees a list they never wrote.
 */
/** An IPv4/IPv6 address, or one with a prefix length ("10.0.0.0/24", "fd00::/8"). */
export function isAddressOrCidr(v: string): boolean {
  const [addr = '', bits, extra] = v.split('/');
  const family = isIP(addr);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function checkHttp(http: Obj, out: ConfigProblem[]): void {
  const tp = http.trustProxy;
  if (tp === true) {
    out.push({
      path: 'http.trustProxy',
      message:
        'true would believe X-Forwarded-For from anyone (any client could pick its address); list the proxy addresses instead, e.g. ["127.0.0.1"]',
    });
  } else if (Array.isArray(tp)) {
    if (tp.length === 0) out.push({ path: 'http.trustProxy', message: 'an empty list: write false instead' });
    tp.forEach((v, i) => {
      if (typeof v !== 'string' || !isAddressOrCidr(v)) {
        out.push({
          path: `http.trustProxy[${i}]`,
          message: `must be an IP address or CIDR such as "127.0.0.1" or "10.0.0.0/24" (got ${show(v)})`,
        });
      }
    });
  } else if (tp !== undefined && tp !== false) {
    out.push({
      path: 'http.trustProxy',
      message: `must be false or a list of proxy addresses (got ${show(tp)})`,
    });
  }
  const limits = isObj(http.limits) ? http.limits : undefined;
  const headers = limits?.headersTimeoutMs;
  const request = limits?.requestTimeoutMs;
  if (typeof headers === 'number' && typeof request === 'number' && headers > request) {
    out.push({
      path: 'http.limits.requestTimeoutMs',
      message: `must be at least http.limits.headersTimeoutMs (${headers}), got ${request}`,
    });
  }
}

function crossCheck(cfg: Obj, defaulted: ReadonlySet<string>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const why = (listName: string) =>
    defaulted.has(listName)
      ? ` (${listName} is not set in the file, so the embedded default ${listName} apply: set ${listName} too)`
      : '';

  const tz = str(cfg.timezone);
  if (tz !== undefined && tz !== '' && !isValidTimeZone(tz)) {
    out.push({
      path: 'timezone',
      message: `unknown time zone "${tz}" (an IANA name such as "Asia/Jakarta")`,
    });
  }
  const access = isObj(cfg.access) ? cfg.access : {};
  checkHours(access.officeHours, 'access.officeHours', out);

  const mqttMode = isObj(cfg.mqtt) ? str(cfg.mqtt.mode) : undefined;

  if (isObj(cfg.http)) checkHttp(cfg.http, out);
  if (isObj(cfg.visits)) checkUnique(list(cfg.visits.purposes), 'visits.purposes', 'id', 'purpose id', out);

  if (isObj(cfg.gpio)) checkRegex(cfg.gpio.chipLabel, 'gpio.chipLabel', out);
  if (isObj(cfg.pcsc)) checkOrder(cfg.pcsc, 'retryMinMs', 'retryMaxMs', 'pcsc', out);

  // doors
  const doors = list(cfg.doors);
  const doorKind = new Map<string, string | undefined>();
  // First one wins: a duplicate id is reported below, and must not hide the kind of the first.
  for (const d of doors)
    if (isObj(d) && typeof d.id === 'string' && !doorKind.has(d.id)) doorKind.set(d.id, str(d.kind));
  checkUnique(doors, 'doors', 'id', 'door id', out);
  // Every GPIO pin has one use: a relay, a door contact or an exit button.
  const pins = new Map<number, string>();
  const claimPin = (pin: unknown, path: string, what: string) => {
    if (typeof pin !== 'number') return;
    const other = pins.get(pin);
    if (other === undefined) pins.set(pin, `${what} of ${path.replace(/\.[a-zA-Z.]+$/, '')}`);
    else out.push({ path, message: `GPIO ${pin} is already the ${other}` });
  };
  const rooms = new Map<string, number>();
  doors.forEach((d, i) => {
    if (!isObj(d)) return;
    checkHours(d.hours, `doors[${i}].hours`, out);
    const lock = isObj(d.lock) ? d.lock : undefined;
    if (lock?.driver === 'gpio') claimPin(lock.pin, `doors[${i}].lock.pin`, 'lock');
    if (isObj(d.contact)) claimPin(d.contact.pin, `doors[${i}].contact.pin`, 'contact');
    if (isObj(d.exitButton)) claimPin(d.exitButton.pin, `doors[${i}].exitButton.pin`, 'exit button');
    if (lock?.driver === 'mqtt') {
      if (mqttMode === 'off') {
        out.push({ path: `doors[${i}].lock.driver`, message: '"mqtt" needs MQTT, but mqtt.mode is "off"' });
      }
      const room = str(lock.room) ?? str(d.id);
      if (room !== undefined) {
        const j = rooms.get(room);
        if (j === undefined) rooms.set(room, i);
        else
          out.push({
            path: `doors[${i}].lock.room`,
            message: `room controller "${room}" already drives doors[${j}]`,
          });
      }
    }
  });

  checkAreas(doors, list(cfg.areas), out);

  // readers
  const readers = list(cfg.readers);
  checkUnique(readers, 'readers', 'id', 'reader id', out);
  const serialPaths = new Map<string, number>();
  const mqttReaderRooms = new Map<string, number>();
  readers.forEach((r, i) => {
    if (!isObj(r)) return;
    const at = `readers[${i}]`;
    if (r.role === 'door') {
      if (r.door === undefined) out.push({ path: `${at}.door`, message: 'is required for a door reader' });
      else if (typeof r.door === 'string' && !doorKind.has(r.door)) {
        out.push({ path: `${at}.door`, message: `unknown door "${r.door}"${why('readers')}` });
      }
      if (r.direction === undefined)
        out.push({ path: `${at}.direction`, message: 'is required for a door reader ("in" or "out")' });
    } else if (r.role === 'desk') {
      if (r.door !== undefined) out.push({ path: `${at}.door`, message: 'a desk reader has no door' });
      if (r.direction !== undefined)
        out.push({ path: `${at}.direction`, message: 'a desk reader has no direction' });
    }
    const drv = isObj(r.driver) ? r.driver : undefined;
    if (drv?.type === 'pcsc') checkRegex(drv.name, `${at}.driver.name`, out);
    const readsFor =
      r.role === 'door' && typeof r.door === 'string'
        ? doors.find((d) => isObj(d) && d.id === r.door)
        : undefined;
    const mode = isObj(readsFor) ? str(readsFor.credential) : undefined;
    if (drv !== undefined && drv.type !== 'pcsc' && mode === 'secure')
      out.push({
        path: `${at}.driver.type`,
        message: `"${String(drv.type)}" reads only UIDs, but door "${String(r.door)}" has credential "secure": only pcsc readers authenticate badges (set doors[].credential to "uid" or "secure-or-uid", or use a pcsc reader)`,
      });
    if (drv?.type === 'mqtt') {
      if (mqttMode === 'off')
        out.push({ path: `${at}.driver.type`, message: '"mqtt" needs MQTT, but mqtt.mode is "off"' });
      if (r.role !== 'door')
        out.push({ path: `${at}.role`, message: 'a room controller reader must be a door reader' });
      const room = str(drv.room) ?? mqttRoomOf(doors, str(r.door));
      if (room !== undefined) {
        const j = mqttReaderRooms.get(room);
        if (j === undefined) mqttReaderRooms.set(room, i);
        else
          out.push({
            path: `${at}.driver.room`,
            message: `room controller "${room}" already reads for readers[${j}] (one reader per controller)`,
          });
      }
    }
    if (drv?.type === 'serial') {
      checkRegex(drv.pattern, `${at}.driver.pattern`, out);
      checkOrder(drv, 'reopenMinMs', 'reopenMaxMs', `${at}.driver`, out);
      const p = str(drv.path);
      if (p !== undefined) {
        const j = serialPaths.get(p);
        if (j === undefined) serialPaths.set(p, i);
        else out.push({ path: `${at}.driver.path`, message: `${p} is already used by readers[${j}]` });
      }
    }
  });

  // badges: UIDs compare after normalisation, labels without regard to case
  const badges = list(cfg.badges);
  badges.forEach((b, i) => {
    if (isObj(b) && typeof b.uid === 'string' && b.uid !== '' && normaliseUid(b.uid) === null) {
      out.push({
        path: `badges[${i}].uid`,
        message: `must be a hex UID such as "04A1B2C3D4E501" (":", "-" and spaces allowed), got ${show(b.uid)}`,
      });
    }
  });
  checkUnique(badges, 'badges', 'uid', 'badge UID', out, (v) => normaliseUid(v) ?? v);
  checkUnique(badges, 'badges', 'label', 'badge label', out, (v) => v.trim().toUpperCase());

  // hosts
  const hosts = list(cfg.hosts);
  checkUnique(hosts, 'hosts', 'id', 'host id', out);
  hosts.forEach((h, i) => {
    if (!isObj(h)) return;
    list(h.rooms).forEach((room, k) => {
      if (typeof room !== 'string') return;
      const path = `hosts[${i}].rooms[${k}]`;
      if (!doorKind.has(room)) out.push({ path, message: `unknown door "${room}"${why('hosts')}` });
      // (a door of no valid kind has its own problem: nothing more to say here)
      else if (doorKind.get(room) === 'entrance') {
        out.push({
          path,
          message: `door "${room}" is an ${doorKind.get(room)}, not a room (only rooms are granted)`,
        });
      }
    });
  });

  if (isObj(cfg.fleet)) checkFleet(cfg.fleet, out);

  return out;
}

/** A desk lists door gateways and has no desk; a door gateway names its desk and lists none. */
function checkFleet(fleet: Obj, out: ConfigProblem[]): void {
  const role = str(fleet.role);
  const gateways = list(fleet.gateways);
  if (role === 'door') {
    if (!isObj(fleet.desk))
      out.push({
        path: 'fleet.desk',
        message: 'a door gateway (fleet.role: door) needs its desk: url and publicKey',
      });
    if (gateways.length > 0)
      out.push({
        path: 'fleet.gateways',
        message: 'only the desk (fleet.role: desk) lists the door gateways',
      });
  }
  if (role === 'desk' && fleet.desk !== undefined)
    out.push({
      path: 'fleet.desk',
      message: 'the desk (fleet.role: desk) takes visits from nobody: remove fleet.desk',
    });
  checkUnique(gateways, 'fleet.gateways', 'id', 'gateway id', out);
  gateways.forEach((g, i) => {
    if (isObj(g) && str(g.id) !== undefined && str(g.id) === str(fleet.gatewayId))
      out.push({
        path: `fleet.gateways[${i}].id`,
        message: `"${str(g.id)}" is the desk itself (fleet.gatewayId)`,
      });
  });
}

/** The areas doors lead between (domain/areas.ts), once each door and area is well formed. */
function checkAreas(doors: unknown[], areas: unknown[], out: ConfigProblem[]): void {
  const passage = (v: unknown) =>
    isObj(v) && typeof v.from === 'string' && typeof v.to === 'string'
      ? { from: v.from, to: v.to }
      : undefined;
  checkUnique(areas, 'areas', 'id', 'area id', out);
  const wellFormed: AreaDoor[] = [];
  for (const d of doors) {
    if (!isObj(d) || typeof d.id !== 'string' || typeof d.name !== 'string') return;
    if (d.kind !== 'entrance' && d.kind !== 'room') return;
    if (d.areas !== undefined && !passage(d.areas)) return;
    const p = passage(d.areas);
    wellFormed.push({ id: d.id, name: d.name, kind: d.kind, ...(p ? { areas: p } : {}) });
  }
  const named: NamedArea[] = [];
  for (const a of areas) {
    if (!isObj(a) || typeof a.id !== 'string' || typeof a.name !== 'string') return;
    named.push({ id: a.id, name: a.name });
  }
  for (const p of areaProblems(wellFormed, named.length ? named : undefined)) {
    const path = p.door !== undefined ? `doors[${p.door}].areas.${p.field}` : `areas[${p.area}].${p.field}`;
    out.push({ path, message: p.message });
  }
}

// ---------------------------------------------------------------- normalisation

/** The room id of a door's controller: its mqtt lock's room, else the door id. */
function mqttRoomOf(doors: unknown[], doorId: string | undefined): string | undefined {
  if (doorId === undefined) return undefined;
  const door = doors.find((d) => isObj(d) && d.id === doorId);
  const lock = isObj(door) && isObj(door.lock) ? door.lock : undefined;
  return (lock?.driver === 'mqtt' ? str(lock.room) : undefined) ?? doorId;
}

/**
 * What a badge must prove at the door: as configured, else secure when PC/SC readers (which
 * can authenticate a badge) are all the door has, else uid (serial, room controller and
 * simulated readers only read a UID).
 */
export function doorCredential(cfg: Pick<Config, 'readers'>, door: DoorConfig): CredentialMode {
  if (door.credential !== undefined) return door.credential;
  const readers = cfg.readers.filter((r) => r.role === 'door' && r.door === door.id);
  return readers.length > 0 && readers.every((r) => r.driver.type === 'pcsc') ? 'secure' : 'uid';
}

function normalise(cfg: Config): void {
  for (const d of cfg.doors) d.credential = doorCredential(cfg, d);
  for (const b of cfg.badges) b.uid = normaliseUid(b.uid) ?? b.uid;
  for (const d of cfg.doors) if (d.lock.driver === 'mqtt' && d.lock.room === undefined) d.lock.room = d.id;
  for (const r of cfg.readers) {
    if (r.driver.type === 'mqtt' && r.driver.room === undefined && r.door)
      r.driver.room = mqttRoomOf(cfg.doors, r.door);
  }
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---------------------------------------------------------------- entry point

export interface CheckResult {
  /** The document with defaults filled in and values normalised; trustworthy only without problems. */
  config: Config;
  problems: Array<ConfigProblem & { key?: string }>;
}

/**
 * Checks a configuration document (the parsed YAML, after environment overrides). The input
 * is not modified. `defaulted` names the lists that the input leaves out (they come from
 * the embedded defaults); it only improves the wording of reference errors.
 */
export function checkConfig(input: unknown, defaulted: ReadonlySet<string> = new Set()): CheckResult {
  let doc = structuredClone(input);
  const problems: CheckResult['problems'] = [];
  if (!loaded.validate(doc)) {
    // The fast check stopped at the first problem: the full one names them all, on a fresh copy
    // (the first left defaults half filled in).
    const full = loaded.diagnose();
    doc = structuredClone(input);
    full(doc);
    for (const e of full.errors ?? []) problems.push(schemaProblem(e));
  }
  if (isObj(doc)) problems.push(...crossCheck(doc, defaulted));
  // Ajv may say the same thing twice (e.g. a key of a discriminated branch).
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (unique.length === 0) normalise(doc as Config);
  return { config: doc as Config, problems: unique };
}
