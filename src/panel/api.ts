// The gateway's HTTP API from the browser: JSON in and out, the session cookie (SameSite=Strict)
// does the authentication, errors carry the server's code and field.
import type { AppointmentView } from '../domain/appointment.js';
import type { EscortCard, Role } from '../domain/types.js';
import { errorText } from './i18n.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** The rule the value broke, when the server names one (e.g. nik_province). */
    readonly rule?: string,
    /** conflict: the state the request contradicts, a stable word (e.g. no_card). */
    readonly state?: string,
  ) {
    super(message);
  }
}

type Listener = (err: ApiError) => void;
const authListeners: Listener[] = [];
/** Called on 401 (log in again) and 403 password_change_required. */
export function onAuthProblem(fn: Listener): void {
  authListeners.push(fn);
}

export async function api<T = unknown>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  opts: { signal?: AbortSignal; quiet?: boolean } = {},
): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const text = await res.text();
  let data: unknown;
  if (text && res.headers.get('content-type')?.includes('json')) data = JSON.parse(text);
  if (!res.ok) {
    const e = (data ?? {}) as {
      error?: string;
      message?: string;
      field?: string;
      rule?: string;
      state?: string;
    };
    const code = e.error ?? 'error';
    const err = new ApiError(
      res.status,
      code,
      errorText(res.status, code, e.message ?? res.statusText, e.field, e.rule),
      e.field,
      e.rule,
      e.state,
    );
    if (!opts.quiet && (res.status === 401 || e.error === 'password_change_required')) {
      for (const fn of authListeners) fn(err);
    }
    throw err;
  }
  return data as T;
}

const prefetched = new Map<string, { at: number; promise: Promise<unknown> }>();

/** Start a GET early (while the bootstrap call is in flight); a view takes it with `take`. */
export function prefetch(path: string): void {
  const promise = api('GET', path, undefined, { quiet: true });
  promise.catch(() => undefined);
  prefetched.set(path, { at: Date.now(), promise });
}

/** A prefetched GET if one started in the last seconds, else a fresh one. */
export function take<T>(path: string): Promise<T> {
  const hit = prefetched.get(path);
  prefetched.delete(path);
  if (hit && Date.now() - hit.at < 5000) return hit.promise as Promise<T>;
  return api<T>('GET', path);
}

// ---------------------------------------------------------------- shapes (as the API sends them)

export interface Me {
  username?: string;
  role: Role;
  hostId?: string;
  mustChangePassword?: boolean;
  /** A host link session (a delegate's too): its one visit, nothing else. */
  link?: boolean;
  actor: { kind: string; id: string };
}

export interface Host {
  id: string;
  name: string;
  unit: string;
  rooms: string[];
  contact?: string;
  absent?: boolean;
  /** User ids of the host's delegates, and their user names. */
  delegates?: string[];
  delegateNames?: string[];
}

export interface Bootstrap {
  now: number;
  timezone: string;
  /** The gateway's clock is synchronised (NTP); the header warns while it is not. */
  synchronised: boolean;
  me: Me;
  hosts: Host[];
  doors: Array<{ id: string; name: string; kind: string }>;
  readers: Array<{
    id: string;
    role: string;
    doorId?: string;
    direction?: string;
    keypad: boolean;
    simulated: boolean;
  }>;
  officeHours: { days: number[]; open: string; close: string };
  sopStandards: Record<string, number>;
  retentionGuestDays: number;
  noticeSeconds: number;
  /** Lockdowns are released by admin and security (facilities when configured). */
  mayReleaseLockdown: boolean;
  /** Purpose categories of an arrival (config visits.purposes). */
  purposes: Array<{ id: string; name: string; nameEn: string }>;
}

export interface Timing {
  step: string;
  minutes: number;
  standard: number;
  exceeded: boolean;
}

export interface Visit {
  id: string;
  /**
   * In the answer to an arrival (a group's, per person) or a badge issue (the collateral) only:
   * the guest matched the watchlist (security screens them).
   */
  watchlist?: boolean;
  guestId: string;
  guestName: string;
  institution: string;
  purpose: string;
  purposeCategory?: string;
  appointmentId?: string;
  /** A person of a group visit (rombongan): the group, its leader (index 0), the badging order. */
  group?: { id: string; leader: boolean; index: number };
  hostId: string;
  state: string;
  createdAt: number;
  screening?: { passed: boolean; reasons: string[]; note?: string };
  guestbook?: { at: number; note?: string };
  decision?: { outcome: string; reason?: string; proposedDate?: string };
  rooms: string[];
  validUntil?: number;
  badgeId?: string;
  collateral?: { type: string; masked: string };
  badgeReturned?: boolean;
  documentReturned?: boolean;
  hasAccessCode: boolean;
  firstEntryAt?: number;
  history: Array<{
    action: string;
    from: string | null;
    to: string;
    at: number;
    actor: { kind: string; id: string };
  }>;
  timings: Timing[];
  /** Set when a badge was just issued that opens no door now. */
  closedNow?: { reason: 'outside_hours' | 'visit_expired'; doors: string[] };
}

/** An expected guest (tamu terjadwal); `id` is the code the QR carries. */
export type Appointment = AppointmentView;

/** A watchlist entry (GET /watchlist, security and admin): never its document number. */
export interface WatchlistEntry {
  id: string;
  name: string;
  institution: string;
  hasDocument: boolean;
  reason: string;
  validUntil: number;
  createdAt: number;
  createdBy: string;
}

/** An escort card (GET /escorts, admin only). */
export type { EscortCard };

export interface Badge {
  id: string;
  label: string;
  uid: string;
  status: 'available' | 'issued' | 'lost';
  visitId?: string;
  /** secure: personalised with the site keys (AES); absent: its UID alone. */
  credential?: 'secure';
  /** Secure badges: the site key generation of its keys, and whether it is an old one. */
  keyGen?: number;
  oldKey?: boolean;
}

export interface Door {
  id: string;
  name: string;
  kind: string;
  /** uid is weak (a UID can be copied); secure: the badge proves its key. */
  credential: 'uid' | 'secure' | 'secure-or-uid';
  /** A guest enters only with an escort's card. */
  escort?: boolean;
  locked: boolean;
  open?: boolean;
  fault?: string;
  alarm?: 'held_open' | 'forced_open';
  readersOffline?: string[];
  lockdown: boolean;
  /** Who set the lockdown, and when. */
  lockdownBy?: { kind: string; id: string; role?: string; at: number };
}

export interface TapResult {
  kind: 'door' | 'desk' | 'repeat' | 'invalid';
  granted?: boolean;
  reason?: string;
  doorId?: string;
  direction?: string;
  visitId?: string;
  badgeId?: string;
  uid?: string;
}

export interface JournalEntry {
  seq: number;
  at: number;
  type: string;
  actor: { kind: string; id: string; role?: string };
  payload: Record<string, unknown>;
}
