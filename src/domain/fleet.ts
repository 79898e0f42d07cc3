// Several entrances (README "Fleet"): what the desk tells a door gateway about a visit, and the
// journal events that bring the door gateway's own copy of it there. Pure: the messages are
// signed, sent and sequenced elsewhere (src/fleet); here is only what they mean.
//
// A message says where a visit stands, not which step happened: applied twice it is applied
// once, and a door gateway that missed steps (away, a snapshot) gets there all the same.
import type { BadgeEvent, EscortEvent, VisitEvent } from './events.js';
import type { Badge, EscortCard, Visit } from './types.js';
import { isTerminal } from './visit.js';

/** accepted: its code-free grant holds; badged: its badge opens too; ended: nothing opens for it. */
export type FleetVisitStatus = 'accepted' | 'badged' | 'ended';

export interface FleetVisit {
  id: string;
  status: FleetVisitStatus;
  /** The visit's rooms that this door gateway drives (the desk narrows them per gateway). */
  rooms: string[];
  validUntil?: number;
  hostId: string;
  institution: string;
  purpose: string;
  /** badged: the badge as the door gateway finds it in its own pool (never the UID itself). */
  badge?: { label: string; uidHash: string };
  /** The keypad code's hash, keyed by the fleet's code key (fleet.codeKeyFile), for these rooms. */
  codeHash?: string;
}

/**
 * A card of the reception's pool as the desk has it now. By its UID: a door gateway must know
 * the card its readers read, and a hash cannot be read back (it goes on that gateway's own
 * topic only, or sealed to it in a snapshot). removed: gone from the pool.
 */
export interface FleetBadge {
  label: string;
  uid: string;
  status: 'available' | 'lost' | 'removed';
  /**
   * Personalised at the desk (issue 12) under site key generation `keyGen` (absent: 1): a door
   * must then refuse its bare UID where its reader can ask for the key (a copy of the UID), and
   * knows which generation's key to try.
   */
  credential?: 'secure';
  keyGen?: number;
}

/** An escort's staff card as the desk has it now (revoked: no uid, nothing opens for it). */
export interface FleetEscort {
  id: string;
  name: string;
  uid?: string;
  opensAlone?: boolean;
  revoked?: true;
}

/** An AES-256-GCM box sealed to one door gateway (src/fleet/sealed.ts), every field base64url. */
export interface SealedBox {
  /** The desk's one-time X25519 public key. */
  epk: string;
  iv: string;
  ct: string;
  tag: string;
}

export type FleetBody =
  | { kind: 'visit'; visit: FleetVisit }
  | { kind: 'badge'; badge: FleetBadge }
  | { kind: 'escort'; escort: FleetEscort }
  /** The desk's fleet-wide lockdown: set (on) or released. */
  | { kind: 'lockdown'; on: boolean }
  /** Retained: the seq of the last message sent to the gateway (`head > lastSeq`: it missed one). */
  | { kind: 'head' }
  /**
   * On the head topic, not retained: the desk missed access events of this gateway after its
   * event seq `after` (a broker's queue dropped them); send them again from the journal.
   */
  | { kind: 'resend'; after: number };

export interface FleetHeader {
  v: 1;
  /** The door gateway it is for. */
  gateway: string;
  /** The desk journal's seq the message comes from. */
  seq: number;
  /** The seq of the message sent to the same gateway before it (0: none). */
  prev: number;
  at: number;
}

export type FleetPayload = FleetHeader & FleetBody;

/**
 * The snapshot's format. 2: everything but the header is sealed to the gateway that asked (1 had
 * the visits, and the cards by UID hash, in clear). A door gateway refuses a snapshot of another
 * format rather than read it otherwise; the messages on the broker keep theirs (FleetHeader.v).
 */
export const SNAPSHOT_VERSION = 2;

/**
 * Everything a door gateway needs now, as a snapshot's sealed box holds it. The cards by their
 * UIDs: a door gateway finds its own by them, adds what the desk added while it was away, takes
 * away what the desk took away (lost badges, the desk's escort cards it no longer has).
 */
export interface FleetSnapshotState {
  visits: FleetVisit[];
  lockdown: boolean;
  /** The pool (available or lost; a card removed at the desk is not in it). */
  badges: FleetBadge[];
  escorts: FleetEscort[];
}

/**
 * A snapshot as the desk signs it, standing at the desk journal's `seq`: in clear only what says
 * whom it is for and what it stands at (the box is bound to it), so that someone who sees it on
 * the LAN learns no card, not even a stable hash of one; the desk's signature covers the box.
 */
export interface FleetSnapshot extends Omit<FleetHeader, 'v'> {
  v: typeof SNAPSHOT_VERSION;
  kind: 'snapshot';
  /** A FleetSnapshotState, as JSON, sealed to the gateway (snapshotContext of this header). */
  sealed: SealedBox;
}

/** What the door gateway does with a message, given the seq it has applied up to. */
export type SeqVerdict = 'apply' | 'duplicate' | 'gap';

/**
 * `prev <= lastSeq < seq`: nothing was sent to this gateway between what it has and this message,
 * so it applies. At or below lastSeq it is a duplicate or a replay. Past a hole it is a gap: the
 * gateway missed a message (away longer than the broker kept them, a lost session).
 */
export function seqVerdict(lastSeq: number, m: Pick<FleetHeader, 'seq' | 'prev'>): SeqVerdict {
  if (m.seq <= lastSeq) return 'duplicate';
  return m.prev <= lastSeq ? 'apply' : 'gap';
}

/** Whether a message takes access away (sent on the revocations topic, applied even out of order). */
export function isRevocation(body: FleetBody): boolean {
  if (body.kind === 'lockdown') return body.on;
  if (body.kind === 'visit') return body.visit.status === 'ended';
  if (body.kind === 'badge') return body.badge.status !== 'available';
  if (body.kind === 'escort') return body.escort.revoked === true;
  return false;
}

/** The id a door gateway files a desk's escort card under (its own cards keep theirs). */
export function fleetEscortId(deskId: string): string {
  return `${FLEET_EXTERNAL_PREFIX}${deskId}`;
}

/**
 * The journal events that bring the door gateway's pool card `local` (found by the UID) to
 * `target`. A card issued here is not removed under its visit (the desk ends the visit first).
 */
export function reconcileBadge(
  local: Badge | undefined,
  target: FleetBadge,
  newId: () => string,
): BadgeEvent[] {
  const card = (b: Badge) => ({ badgeId: b.id, label: b.label, uid: b.uid });
  if (target.status === 'removed')
    return local && local.status !== 'issued' ? [{ type: 'badge.removed', payload: card(local) }] : [];
  if (target.status === 'lost')
    return local && local.status !== 'lost' ? [{ type: 'badge.lost', payload: card(local) }] : [];
  const personalised = (c: BadgeEvent['payload']): BadgeEvent[] =>
    target.credential === 'secure'
      ? [
          {
            type: 'badge.personalised',
            payload: { ...c, ...(target.keyGen !== undefined ? { keyGen: target.keyGen } : {}) },
          },
        ]
      : [];
  if (!local) {
    const added = { badgeId: newId(), label: target.label, uid: target.uid };
    return [{ type: 'badge.added', payload: added }, ...personalised(added)];
  }
  const found: BadgeEvent[] = local.status === 'lost' ? [{ type: 'badge.found', payload: card(local) }] : [];
  const behind =
    target.credential === 'secure' &&
    (local.credential !== 'secure' || (local.keyGen ?? 1) !== (target.keyGen ?? 1));
  return [...found, ...(behind ? personalised(card(local)) : [])];
}

/** The journal events that bring the door gateway's copy `local` of a desk's escort card to `target`. */
export function reconcileEscort(local: EscortCard | undefined, target: FleetEscort): EscortEvent[] {
  const escortId = fleetEscortId(target.id);
  if (target.revoked || target.uid === undefined)
    return local ? [{ type: 'escort.revoked', payload: { escortId, name: local.name } }] : [];
  const same =
    local &&
    local.uid === target.uid &&
    local.name === target.name &&
    (local.opensAlone === true) === (target.opensAlone === true);
  if (same) return [];
  return [
    {
      type: 'escort.enrolled',
      payload: {
        escortId,
        name: target.name,
        uid: target.uid,
        ...(target.opensAlone ? { opensAlone: true } : {}),
      },
    },
  ];
}

/**
 * Where a desk visit stands for the fleet, or undefined when it never reached a grant (its
 * arrival, screening and guest book are the desk's business). `pendingEnd`: a checkout or
 * cancel in force at the desk and still on its way to the journal (deny early there too).
 */
export function fleetVisitOf(
  v: Visit,
  rooms: readonly string[],
  badge: FleetVisit['badge'] | undefined,
  pendingEnd = false,
  /** The fleet shares a code key: the visit's code goes too (never with a visit that has ended). */
  codes = false,
): FleetVisit | undefined {
  if (v.decision?.outcome !== 'accepted') return undefined;
  const status: FleetVisitStatus =
    pendingEnd || v.state === 'checked_out' || isTerminal(v.state)
      ? 'ended'
      : v.state === 'badged'
        ? 'badged'
        : 'accepted';
  const code = codes && status !== 'ended' ? v.accessCode : undefined;
  return {
    id: v.id,
    status,
    rooms: status === 'ended' ? [] : v.rooms.filter((r) => rooms.includes(r)),
    ...(v.validUntil !== undefined ? { validUntil: v.validUntil } : {}),
    hostId: v.hostId,
    institution: v.institution,
    purpose: v.purpose,
    ...(status === 'badged' && badge ? { badge } : {}),
    ...(code?.rooms.some((r) => rooms.includes(r)) ? { codeHash: code.hash } : {}),
  };
}

/** The external id a door gateway files the desk's visits under (and finds them by in a snapshot). */
export const FLEET_EXTERNAL_PREFIX = 'fleet:';

/**
 * The journal events that bring the door gateway's copy `local` of a desk visit to `target`.
 * `badgeId`: the door gateway's pool badge whose UID hash is the target's (undefined: not found
 * or not available here; the visit is then accepted without its badge, which opens nothing).
 * A visit that ended here stays ended: only a newer seq reaches this point, and a visit does not
 * come back from its end at the desk either.
 */
export function reconcileVisit(
  local: Visit | undefined,
  target: FleetVisit,
  badgeId: string | undefined,
): VisitEvent[] {
  const visitId = target.id;
  if (target.status === 'ended') {
    if (!local || isTerminal(local.state) || local.state === 'checked_out') return [];
    if (local.state === 'badged')
      return [
        {
          type: 'visit.checked_out',
          payload: {
            visitId,
            ...(local.badgeId ? { badgeId: local.badgeId } : {}),
            badgeReturned: true,
            documentReturned: true,
          },
        },
      ];
    return [{ type: 'visit.cancelled', payload: { visitId, reason: 'desk' } }];
  }
  if (local && (isTerminal(local.state) || local.state === 'checked_out')) return [];
  const events: VisitEvent[] = [];
  let state = local?.state;
  let rooms = local?.rooms ?? [];
  if (!local) {
    const elsewhere = { doneElsewhere: true } as const;
    events.push(
      {
        type: 'visit.arrived',
        payload: {
          visitId,
          externalId: `${FLEET_EXTERNAL_PREFIX}${visitId}`,
          guestId: `${FLEET_EXTERNAL_PREFIX}${visitId}`,
          institution: target.institution,
          purpose: target.purpose,
          hostId: target.hostId,
          unit: '',
        },
      },
      { type: 'visit.screened', payload: { visitId, passed: true, reasons: [], ...elsewhere } },
      { type: 'visit.guestbook', payload: { visitId, ...elsewhere } },
      {
        type: 'visit.decided',
        payload: {
          visitId,
          outcome: 'accepted',
          rooms: target.rooms,
          ...(target.validUntil !== undefined ? { validUntil: target.validUntil } : {}),
          ...(target.codeHash && target.rooms.length ? { codeHash: target.codeHash } : {}),
          ...elsewhere,
        },
      },
    );
    state = 'accepted';
    rooms = target.rooms;
  } else if (state === 'accepted' || state === 'badged') {
    const gone = rooms.filter((r) => !target.rooms.includes(r));
    const added = target.rooms.filter((r) => !rooms.includes(r));
    if (gone.length) events.push({ type: 'visit.rooms_withdrawn', payload: { visitId, rooms: gone } });
    // A code issued (or issued again) at the desk since: granted with it, on the rooms it has.
    const code = target.codeHash && target.rooms.length && target.codeHash !== local.accessCode?.hash;
    if (added.length || code)
      events.push({
        type: 'visit.granted',
        payload: { visitId, rooms: added, ...(code ? { codeHash: target.codeHash } : {}) },
      });
  } else {
    // Arrived, screened, awaiting its host here: a local visit of the same id is not the desk's.
    return [];
  }
  if (target.status === 'badged' && state === 'accepted' && badgeId)
    events.push({ type: 'visit.badge_issued', payload: { visitId, badgeId } });
  return events;
}
