// The fleet's topics and the shapes of what travels on them (README "Fleet").
import type { FleetAccessEvent } from '../domain/events.js';
import {
  type FleetBadge,
  type FleetEscort,
  type FleetPayload,
  type FleetSnapshot,
  type FleetSnapshotState,
  type FleetVisit,
  SNAPSHOT_VERSION,
} from '../domain/fleet.js';
import { DENY_REASONS, type DenyReason } from '../domain/types.js';
import { isSealedBox } from './sealed.js';

export function deskTopics(base: string) {
  return {
    grants: (id: string) => `${base}/${id}/grants`,
    revocations: (id: string) => `${base}/${id}/revocations`,
    head: (id: string) => `${base}/${id}/head`,
    /** Every gateway's events: one subscription. */
    events: `${base}/+/events`,
    gatewayOf: (topic: string): string | undefined => {
      const rest = topic.startsWith(`${base}/`) ? topic.slice(base.length + 1).split('/') : [];
      return rest.length === 2 && rest[1] === 'events' ? rest[0] : undefined;
    },
  };
}

export function doorTopics(base: string, id: string) {
  return {
    /** Everything the desk sends this gateway: grants, revocations, head. */
    inbox: [`${base}/${id}/grants`, `${base}/${id}/revocations`, `${base}/${id}/head`],
    events: `${base}/${id}/events`,
  };
}

/** An access event of a door gateway, as it sends it to the desk (its own journal's seq). */
export interface FleetEventPayload {
  v: 1;
  gateway: string;
  kind: 'event';
  seq: number;
  /**
   * The seq of the access event this gateway sent before it (0: none since its outbox began;
   * absent: a gateway before it was sent). Past the last one recorded: the desk missed some.
   */
  prev?: number;
  at: number;
  type: string;
  payload: unknown;
  /** The door's name, where the gateway's configuration has the door. */
  doorName?: string;
  /** A visit's granted tap: the area it leads into on the gateway's map (outside: it left). */
  area?: { id: string; path: Array<{ id: string; name: string }> };
}

/** A door gateway's progress, sent after each message or snapshot it applied: the desk's lag figure. */
export interface FleetStatusPayload {
  v: 1;
  gateway: string;
  kind: 'status';
  lastSeq: number;
  /** Its last access event the broker took: past the last one the desk recorded, the desk missed some. */
  lastEvent?: number;
  at: number;
  /**
   * Its link to the broker: true as it (re)connects, false as its will (the broker publishes it
   * when the link is lost; its lastSeq is the one at connection time, not news).
   */
  online?: boolean;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function isFleetEvent(v: unknown): v is FleetEventPayload {
  return (
    isObj(v) &&
    v.v === 1 &&
    v.kind === 'event' &&
    typeof v.gateway === 'string' &&
    isSeq(v.seq) &&
    (v.prev === undefined || isSeq(v.prev)) &&
    typeof v.at === 'number' &&
    typeof v.type === 'string'
  );
}

/**
 * An access entry's payload as a door gateway sends it: without the card (a pool card's UID, or
 * an unknown card's keyed hash), which the desk does not keep (fleetAccessOf), so that it stays
 * off the broker's queues and persistence too.
 */
export function wirePayloadOf(payload: unknown): unknown {
  if (!isObj(payload)) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([key]) => key !== 'uid'));
}

const optText = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

/**
 * A fleet event as the desk records it (fleet.access), or undefined when it is not an access
 * entry of a shape the desk knows. Field by field: nothing a gateway adds beyond these (a card's
 * UID included) reaches the desk's journal, which is never erased.
 */
export function fleetAccessOf(m: FleetEventPayload): FleetAccessEvent['payload'] | undefined {
  if (m.type !== 'access.granted' && m.type !== 'access.denied') return undefined;
  const a = m.payload;
  if (!isObj(a) || typeof a.readerId !== 'string') return undefined;
  const { doorId, direction, kind, badgeId, visitId, escortId, reason, suppressed } = a;
  if (!optText(doorId) || !optText(badgeId) || !optText(visitId) || !optText(escortId)) return undefined;
  if (direction !== undefined && direction !== 'in' && direction !== 'out') return undefined;
  if (kind !== undefined && kind !== 'nfc' && kind !== 'pin') return undefined;
  if (reason !== undefined && !DENY_REASONS.includes(reason as DenyReason)) return undefined;
  if (suppressed !== undefined && !isSeq(suppressed)) return undefined;
  const area = m.area;
  const place =
    isObj(area) &&
    typeof area.id === 'string' &&
    Array.isArray(area.path) &&
    area.path.every((p) => isObj(p) && typeof p.id === 'string' && typeof p.name === 'string')
      ? { id: area.id, path: area.path.map((p) => ({ id: p.id, name: p.name })) }
      : undefined;
  return {
    gateway: m.gateway,
    gatewaySeq: m.seq,
    gatewayAt: m.at,
    granted: m.type === 'access.granted',
    access: {
      readerId: a.readerId,
      ...(doorId !== undefined ? { doorId } : {}),
      ...(direction !== undefined ? { direction } : {}),
      ...(kind !== undefined ? { kind } : {}),
      ...(badgeId !== undefined ? { badgeId } : {}),
      ...(visitId !== undefined ? { visitId } : {}),
      ...(escortId !== undefined ? { escortId } : {}),
      ...(reason !== undefined ? { reason: reason as DenyReason } : {}),
      ...(suppressed !== undefined ? { suppressed } : {}),
    },
    ...(typeof m.doorName === 'string' ? { doorName: m.doorName } : {}),
    ...(place ? { area: place } : {}),
  };
}

export function isFleetStatus(v: unknown): v is FleetStatusPayload {
  return (
    isObj(v) &&
    v.v === 1 &&
    v.kind === 'status' &&
    typeof v.gateway === 'string' &&
    isSeq(v.lastSeq) &&
    (v.lastEvent === undefined || isSeq(v.lastEvent)) &&
    typeof v.at === 'number' &&
    (v.online === undefined || typeof v.online === 'boolean')
  );
}

const isFleetVisit = (v: unknown): v is FleetVisit =>
  isObj(v) && typeof v.id === 'string' && Array.isArray(v.rooms);

/**
 * The header of a desk message, and a body of a known kind. The signature says the desk wrote
 * it; this says the desk of this version did (an older or newer desk's kinds are refused). A
 * snapshot is not one: it comes over HTTP only (isFleetSnapshot).
 */
export function isFleetPayload(v: unknown): v is FleetPayload {
  if (!isObj(v) || v.v !== 1 || typeof v.gateway !== 'string' || !isSeq(v.seq) || !isSeq(v.prev))
    return false;
  switch (v.kind) {
    case 'visit':
      return isFleetVisit(v.visit);
    case 'lockdown':
      return typeof v.on === 'boolean';
    case 'badge':
      return (
        isObj(v.badge) &&
        typeof v.badge.label === 'string' &&
        typeof v.badge.uid === 'string' &&
        ['available', 'lost', 'removed'].includes(v.badge.status as string)
      );
    case 'escort':
      return isObj(v.escort) && typeof v.escort.id === 'string' && typeof v.escort.name === 'string';
    case 'head':
      return true;
    case 'resend':
      return isSeq(v.after);
    default:
      return false;
  }
}

const isFleetBadge = (v: unknown): v is FleetBadge =>
  isObj(v) &&
  typeof v.label === 'string' &&
  typeof v.uid === 'string' &&
  (v.status === 'available' || v.status === 'lost') &&
  (v.credential === undefined || v.credential === 'secure') &&
  (v.keyGen === undefined || isSeq(v.keyGen));

const isFleetEscort = (v: unknown): v is FleetEscort =>
  isObj(v) &&
  typeof v.id === 'string' &&
  typeof v.name === 'string' &&
  typeof v.uid === 'string' &&
  (v.opensAlone === undefined || typeof v.opensAlone === 'boolean');

/**
 * Why `v` is not a snapshot of this version's format (SNAPSHOT_VERSION), or undefined when it
 * is one. A peer of another version is named as such, so that its snapshot is refused clearly.
 */
export function snapshotProblem(v: unknown): string | undefined {
  if (!isObj(v) || v.kind !== 'snapshot') return 'not a snapshot';
  if (v.v !== SNAPSHOT_VERSION)
    return `a snapshot of format v${String(v.v)}, this gateway reads v${SNAPSHOT_VERSION}: run the same Pintu version on the desk and its door gateways`;
  const ok =
    typeof v.gateway === 'string' &&
    isSeq(v.seq) &&
    isSeq(v.prev) &&
    typeof v.at === 'number' &&
    isSealedBox(v.sealed);
  return ok ? undefined : 'a snapshot of an unknown shape';
}

export function isFleetSnapshot(v: unknown): v is FleetSnapshot {
  return snapshotProblem(v) === undefined;
}

/** What a snapshot's sealed box holds (the desk's signature covers the box). */
export function isFleetSnapshotState(v: unknown): v is FleetSnapshotState {
  return (
    isObj(v) &&
    Array.isArray(v.visits) &&
    v.visits.every(isFleetVisit) &&
    typeof v.lockdown === 'boolean' &&
    Array.isArray(v.badges) &&
    v.badges.every(isFleetBadge) &&
    Array.isArray(v.escorts) &&
    v.escorts.every(isFleetEscort)
  );
}
