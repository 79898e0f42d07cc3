// The fleet's topics and the shapes of what travels on them (README "Fleet").
import type { FleetPayload } from '../domain/fleet.js';

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
  at: number;
  type: string;
  payload: unknown;
}

/** A door gateway's progress, sent after each message or snapshot it applied: the desk's lag figure. */
export interface FleetStatusPayload {
  v: 1;
  gateway: string;
  kind: 'status';
  lastSeq: number;
  at: number;
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
    typeof v.at === 'number' &&
    typeof v.type === 'string'
  );
}

export function isFleetStatus(v: unknown): v is FleetStatusPayload {
  return (
    isObj(v) &&
    v.v === 1 &&
    v.kind === 'status' &&
    typeof v.gateway === 'string' &&
    isSeq(v.lastSeq) &&
    typeof v.at === 'number'
  );
}

/**
 * The header of a desk message, and a body of a known kind. The signature says the desk wrote
 * it; this says the desk of this version did (an older or newer desk's kinds are refused).
 */
export function isFleetPayload(v: unknown): v is FleetPayload {
  if (!isObj(v) || v.v !== 1 || typeof v.gateway !== 'string' || !isSeq(v.seq) || !isSeq(v.prev))
    return false;
  switch (v.kind) {
    case 'visit':
      return isObj(v.visit) && typeof v.visit.id === 'string' && Array.isArray(v.visit.rooms);
    case 'lockdown':
      return typeof v.on === 'boolean';
    case 'head':
      return true;
    case 'snapshot':
      return Array.isArray(v.visits) && typeof v.lockdown === 'boolean';
    default:
      return false;
  }
}
