// Realistic data for the benchmarks: hosts, badges, users, visits that went through the SOP
// (built by folding generated journal events with the domain's own applyVisitEvent, so their
// shape is what the gateway itself would hold), and whole months of journal traffic.
// Deterministic: every generator takes a seeded PRNG.
import type { DomainEvent, VisitEvent } from '../../src/domain/events.js';
import { monthOf } from '../../src/domain/time.js';
import type { Actor, ApiToken, DocumentType, Host, User, Visit } from '../../src/domain/types.js';
import { applyVisitEvent } from '../../src/domain/visit.js';
import type { Journal } from '../../src/store/journal.js';

export const TZ = 'Asia/Jakarta';
const JAKARTA_OFFSET_MS = 7 * 3_600_000;
const MIN = 60_000;

/** Monday 2026-11-30 09:00 in Asia/Jakarta: inside office hours (07:30-16:00, Mon-Fri). */
export const MONDAY_9AM = Date.UTC(2026, 10, 30, 2, 0, 0);

export const jakartaMonth = (at: number): string => monthOf(at, TZ);

// ---------------------------------------------------------------- randomness

export type Rng = () => number;

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
export const between = (r: Rng, lo: number, hi: number): number => lo + r() * (hi - lo);

// ---------------------------------------------------------------- the building

export const ENTRANCES = ['pintu-utama', 'pintu-samping'] as const;
export const ROOMS = ['ruang-kabag', 'ruang-rapat', 'ruang-tu'] as const;

/** Door and reader configuration (as a config file would say it) for the tap benchmark. */
export function buildingConfig() {
  const doors = [
    { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance', antiPassback: true },
    { id: 'pintu-samping', name: 'Pintu Samping', kind: 'entrance' },
    { id: 'ruang-kabag', name: 'Ruang Kepala Bagian Umum', kind: 'room', antiPassback: true },
    { id: 'ruang-rapat', name: 'Ruang Rapat', kind: 'room' },
    {
      id: 'ruang-tu',
      name: 'Ruang Tata Usaha',
      kind: 'room',
      hours: { days: [1, 2, 3, 4, 5], open: '08:00', close: '15:00' },
    },
  ];
  const readers: Array<Record<string, unknown>> = [{ id: 'desk', role: 'desk' }];
  for (const d of doors) {
    readers.push({ id: `${d.id}-in`, role: 'door', door: d.id, direction: 'in', keypad: d.kind === 'room' });
    readers.push({ id: `${d.id}-out`, role: 'door', door: d.id, direction: 'out' });
  }
  return { doors, readers };
}

export const DOOR_READERS: readonly string[] = [...ENTRANCES, ...ROOMS].flatMap((d) => [
  `${d}-in`,
  `${d}-out`,
]);

// ---------------------------------------------------------------- people and things

const UNITS = [
  'Bagian Umum',
  'Subbagian Tata Usaha',
  'Subbagian Rumah Tangga',
  'Subbagian Perlengkapan',
  'Bagian Protokol',
];
const INSTITUTIONS = Array.from({ length: 200 }, (_, i) =>
  i % 7 === 0
    ? `dinas kominfo kab. ${i}`
    : i % 5 === 0
      ? `PT Nusantara Jaya ${i}`
      : `Universitas Airlangga ${i}`,
);
const PURPOSES = [
  'Koordinasi',
  'Audiensi',
  'Rapat',
  'Pengantaran dokumen',
  'Konsultasi',
  'Kunjungan kerja',
  'Magang',
  'Survei',
  'Undangan',
  'Lainnya',
];
const DOCS: readonly DocumentType[] = ['ktp', 'sim', 'student_card', 'surat_tugas'];

export function makeHosts(n: number): Host[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `host-${i}`,
    name: `Pejabat ${i} S.Sos., M.Si.`,
    unit: UNITS[i % UNITS.length]!,
    rooms: [ROOMS[i % ROOMS.length]!, ...(i % 4 === 0 ? [ROOMS[(i + 1) % ROOMS.length]!] : [])],
    contact: `+62 812 0000 ${String(i).padStart(4, '0')}`,
    ...(i % 9 === 0 ? { absent: true } : {}),
  }));
}

export function makeUsers(): User[] {
  const roles = ['admin', 'receptionist', 'receptionist', 'security', 'host', 'facilities'] as const;
  return roles.map((role, i) => ({
    id: `user-${i}`,
    username: `${role}${i}`,
    displayName: `Petugas ${i}`,
    role,
    // A real scrypt PHC string has this length; its value is irrelevant here.
    passwordHash: `scrypt$16384$8$1$${'c2FsdHNhbHRzYWx0c2FsdA'}$${'A'.repeat(86)}`,
    ...(role === 'host' ? { hostId: 'host-0' } : {}),
    createdAt: MONDAY_9AM - 90 * 86_400_000,
  }));
}

export function makeTokens(): ApiToken[] {
  return [
    {
      id: 'tok-desk',
      name: 'desk app',
      role: 'receptionist',
      hash: 'a'.repeat(64),
      createdAt: MONDAY_9AM - 86_400_000,
    },
    {
      id: 'tok-prom',
      name: 'prometheus',
      role: 'facilities',
      hash: 'b'.repeat(64),
      createdAt: MONDAY_9AM - 86_400_000,
    },
  ];
}

/** A 7-byte NFC UID, normalised (upper-case hex, no separators), distinct per index. */
export function uidOf(i: number): string {
  // Spread the bits a little so that UIDs do not share long prefixes.
  const mixed = (Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `04${mixed}${(i & 0xffff).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A granted entry at the entrance by badge `i` of 10,000, as the tap path journals it. */
export function tapEvent(i: number): DomainEvent {
  return {
    type: 'access.granted',
    payload: {
      readerId: 'pintu-utama-in',
      doorId: 'pintu-utama',
      direction: 'in',
      kind: 'nfc',
      uid: uidOf(i % 10_000),
      badgeId: `badge-${i % 10_000}`,
      visitId: `visit-${i % 10_000}`,
    },
  };
}

// ---------------------------------------------------------------- visits through the SOP

export interface TimedEvent {
  event: DomainEvent;
  actor: Actor;
  at: number;
}

const RECEPTIONIST: Actor = { kind: 'user', id: 'user-1', role: 'receptionist' };
const SECURITY: Actor = { kind: 'user', id: 'user-3', role: 'security' };
const HOST_ACTOR: Actor = { kind: 'user', id: 'user-4', role: 'host' };

export interface VisitPlan {
  visitId: string;
  hostId: string;
  room: string;
  badgeId: string;
  arrivedAt: number;
  /** The SOP events in order, up to and including the step asked for. */
  sop: TimedEvent[];
  badgeAt: number;
  checkoutAt: number;
}

export type SopStage = 'arrived' | 'screened' | 'awaiting_host' | 'accepted' | 'badged' | 'closed';

/**
 * The SOP events of one visit: arrival, screening, guest book, host decision (accepted), badge
 * against a document, and (stage 'closed') checkout with the badge back, the document returned
 * at checkout or, for some, a little later.
 */
export function planVisit(
  r: Rng,
  i: number,
  arrivedAt: number,
  hosts: readonly Host[],
  stage: SopStage = 'closed',
): VisitPlan {
  const host = hosts[i % hosts.length]!;
  const visitId = `visit-${i}`;
  const badgeId = `badge-${i % 10_000}`;
  const room = host.rooms[0]!;
  const sop: TimedEvent[] = [];
  let t = arrivedAt;
  const push = (event: VisitEvent, actor: Actor) => sop.push({ event, actor, at: t });
  push(
    {
      type: 'visit.arrived',
      payload: {
        visitId,
        guestId: `guest-${i}`,
        institution: pick(r, INSTITUTIONS),
        purpose: pick(r, PURPOSES),
        hostId: host.id,
        unit: host.unit,
      },
    },
    RECEPTIONIST,
  );
  const done = (s: SopStage) => s === stage;
  let badgeAt = Number.NaN;
  let checkoutAt = Number.NaN;
  if (!done('arrived')) {
    t += between(r, 0.5, 4) * MIN;
    push({ type: 'visit.screened', payload: { visitId, passed: true, reasons: [] } }, SECURITY);
  }
  if (!done('arrived') && !done('screened')) {
    t += between(r, 0.5, 4) * MIN;
    push({ type: 'visit.guestbook', payload: { visitId } }, RECEPTIONIST);
  }
  if (stage === 'accepted' || stage === 'badged' || stage === 'closed') {
    t += between(r, 0.5, 5) * MIN;
    push(
      {
        type: 'visit.decided',
        payload: { visitId, outcome: 'accepted', rooms: [room], validUntil: t + 6 * 60 * MIN },
      },
      HOST_ACTOR,
    );
  }
  if (stage === 'badged' || stage === 'closed') {
    t += between(r, 0.3, 2) * MIN;
    badgeAt = t;
    push(
      {
        type: 'visit.badge_issued',
        payload: {
          visitId,
          badgeId,
          collateral: { type: pick(r, DOCS), masked: `35**********${String(i % 10_000).padStart(4, '0')}` },
        },
      },
      RECEPTIONIST,
    );
  }
  if (stage === 'closed') {
    t += between(r, 15, 180) * MIN;
    checkoutAt = t;
    const documentReturned = r() >= 0.05;
    push(
      {
        type: 'visit.checked_out',
        payload: { visitId, badgeId, badgeReturned: r() >= 0.01, documentReturned },
      },
      RECEPTIONIST,
    );
    if (!documentReturned) {
      t += between(r, 1, 30) * MIN;
      push({ type: 'visit.document_returned', payload: { visitId } }, RECEPTIONIST);
    }
  }
  return { visitId, hostId: host.id, room, badgeId, arrivedAt, sop, badgeAt, checkoutAt };
}

/** The Visit record the gateway would hold after these events (live state or archive). */
export function foldVisit(plan: VisitPlan, guestName: string): Visit {
  let v: Visit | undefined;
  for (const { event, actor, at } of plan.sop)
    v = applyVisitEvent(v, event as VisitEvent, at, actor, guestName);
  return v!;
}

/**
 * A visit's door traffic between its badge and its checkout: `n` events cycling through entry
 * at the entrance, the room, an exit, door contacts and the odd refusal.
 */
export function doorTraffic(r: Rng, plan: VisitPlan, n: number): TimedEvent[] {
  const uid = uidOf(Number(plan.badgeId.slice('badge-'.length)));
  const entrance = ENTRANCES[0];
  const tap = (readerId: string, doorId: string, direction: 'in' | 'out'): DomainEvent => ({
    type: 'access.granted',
    payload: { readerId, doorId, direction, kind: 'nfc', uid, badgeId: plan.badgeId, visitId: plan.visitId },
  });
  const template: DomainEvent[] = [
    tap(`${entrance}-in`, entrance, 'in'),
    { type: 'door.opened', payload: { doorId: entrance } },
    { type: 'door.closed', payload: { doorId: entrance } },
    tap(`${plan.room}-in`, plan.room, 'in'),
    { type: 'door.opened', payload: { doorId: plan.room } },
    { type: 'door.closed', payload: { doorId: plan.room } },
    {
      type: 'access.denied',
      payload: {
        readerId: 'ruang-rapat-in',
        doorId: 'ruang-rapat',
        direction: 'in',
        kind: 'nfc',
        uid,
        badgeId: plan.badgeId,
        visitId: plan.visitId,
        reason: pick(r, ['door_not_allowed', 'anti_passback', 'outside_hours'] as const),
      },
    },
    tap(`${entrance}-out`, entrance, 'out'),
    { type: 'door.opened', payload: { doorId: entrance } },
    { type: 'door.closed', payload: { doorId: entrance } },
  ];
  const from = plan.badgeAt;
  const span = plan.checkoutAt - plan.badgeAt;
  const out: TimedEvent[] = [];
  for (let k = 0; k < n; k++) {
    const event = template[k % template.length]!;
    const p = event.payload as { readerId?: string; doorId?: string };
    const actor: Actor = { kind: 'device', id: p.readerId ?? `door-${p.doorId}` };
    out.push({ event, actor, at: Math.round(from + ((k + 1) / (n + 1)) * span) });
  }
  return out;
}

/** Working days (Mon-Fri) of a 'YYYY-MM' month, as the instant of their local midnight. */
export function workdays(month: string): number[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const days: number[] = [];
  for (let d = 1; d <= 31; d++) {
    const utcMidnight = Date.UTC(y, m - 1, d);
    if (new Date(utcMidnight).getUTCMonth() !== m - 1) break;
    const wd = new Date(utcMidnight).getUTCDay();
    if (wd >= 1 && wd <= 5) days.push(utcMidnight - JAKARTA_OFFSET_MS);
  }
  return days;
}

export interface MonthTraffic {
  events: TimedEvent[];
  plans: VisitPlan[];
  visitEvents: number;
  doorEvents: number;
}

/**
 * A month of journal traffic: `visits` visits through every SOP step, arriving on working days
 * between 07:30 and 14:30 local time, each with `doorEventsPerVisit` door events; sorted by time.
 */
export function monthTraffic(opts: {
  month: string;
  visits: number;
  doorEventsPerVisit: number;
  hosts: readonly Host[];
  seed: number;
  firstIndex?: number;
  /** Only days whose local midnight is before this instant. */
  before?: number;
}): MonthTraffic {
  const r = rng(opts.seed);
  const days = workdays(opts.month).filter((d) => opts.before === undefined || d < opts.before);
  const events: TimedEvent[] = [];
  const plans: VisitPlan[] = [];
  let visitEvents = 0;
  let doorEvents = 0;
  for (let k = 0; k < opts.visits; k++) {
    const arrivedAt = Math.round(pick(r, days) + between(r, 7.5, 14.5) * 60 * MIN);
    const plan = planVisit(r, (opts.firstIndex ?? 0) + k, arrivedAt, opts.hosts);
    plans.push(plan);
    for (const e of plan.sop) events.push(e);
    visitEvents += plan.sop.length;
    const traffic = doorTraffic(r, plan, opts.doorEventsPerVisit);
    for (const e of traffic) events.push(e);
    doorEvents += traffic.length;
  }
  // Stable sort keeps each visit's same-instant events in SOP order.
  events.sort((a, b) => a.at - b.at);
  return { events, plans, visitEvents, doorEvents };
}

/** Append everything, `batch` appends in flight at a time (group commit does the rest). */
export async function appendAll(
  journal: Journal,
  events: readonly TimedEvent[],
  batch = 4_000,
): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const end = Math.min(events.length, i + batch);
    const pending: Promise<unknown>[] = [];
    for (let k = i; k < end; k++) {
      const e = events[k]!;
      pending.push(journal.append(e.event, e.actor, e.at));
    }
    await Promise.all(pending);
  }
}
