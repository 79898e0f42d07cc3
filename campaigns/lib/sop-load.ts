// The load of the durability campaigns (kill.ts, power.ts): visits walked through the SOP and
// badge taps at the entrance through the API, each acknowledgement noted, and the check after
// a restart that every acknowledged step is still there.

/** The SOP steps the writer walks, in order; a visit's state after each. */
export const STEPS = ['arrived', 'screened', 'awaiting_host', 'accepted', 'badged', 'closed'] as const;
export type Step = (typeof STEPS)[number];
export const UIDS = Array.from(
  { length: 10 },
  (_, i) => `04A1B2C3D4E5${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`,
);

export class Api {
  constructor(
    private readonly port: number,
    private readonly token: string,
  ) {}

  /** The answer's body on 2xx; undefined when the call failed in any way (not acknowledged). */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) return undefined;
      return (await res.json()) as T;
    } catch {
      return undefined;
    }
  }
}

/** What the API acknowledged over a campaign. */
export interface Acked {
  /** Visit id -> the furthest step the API acknowledged. */
  visits: Map<string, Step>;
  /** Tap seq -> the door decision the API answered with. */
  taps: Map<number, 'access.granted' | 'access.denied'>;
}

export function newAcked(): Acked {
  return { visits: new Map(), taps: new Map() };
}

/** Every visit's guest: found again by name after each restart. */
const GUEST_NAME = 'Tamu Uji';

/** Walks visits through the SOP until stopped, noting each acknowledged step. */
export async function writer(api: Api, acked: Acked, rand: () => number, running: () => boolean) {
  while (running()) {
    const v = await api.call<{ id: string }>('POST', '/visits', {
      guest: { name: GUEST_NAME, institution: 'Kampanye Gangguan' },
      purpose: 'Uji ketahanan',
      hostId: 'kabag-umum',
    });
    if (!v) return;
    acked.visits.set(v.id, 'arrived');
    const steps: Array<[Step, string, unknown]> = [
      ['screened', 'screening', { passed: true }],
      ['awaiting_host', 'guestbook', {}],
      ['accepted', 'decision', { outcome: 'accepted' }],
    ];
    for (const [step, path, body] of steps) {
      if (!(await api.call('POST', `/visits/${v.id}/${path}`, body))) return;
      acked.visits.set(v.id, step);
    }
    const badges = await api.call<Array<{ label: string; status: string }>>('GET', '/badges');
    const free = badges?.filter((b) => b.status === 'available') ?? [];
    const badge = free[Math.floor(rand() * free.length)];
    if (!badge) continue; // all out: this visit waits at "accepted"
    const issued = await api.call('POST', `/visits/${v.id}/badge`, {
      badge: badge.label,
      collateral: { type: 'ktp', number: '3578014107900001' },
    });
    if (!issued) continue;
    acked.visits.set(v.id, 'badged');
    if (rand() < 0.5) continue; // half stay inside for the taps
    if (
      !(await api.call('POST', `/visits/${v.id}/checkout`, { badgeReturned: true, documentReturned: true }))
    )
      return;
    acked.visits.set(v.id, 'closed');
  }
}

/** Taps badges at the entrance until stopped, noting each acknowledged journal seq. */
export async function tapper(api: Api, acked: Acked, rand: () => number, running: () => boolean) {
  while (running()) {
    const uid = UIDS[Math.floor(rand() * UIDS.length)]!;
    const reader = rand() < 0.5 ? 'pintu-utama-in' : 'pintu-utama-out';
    const t = await api.call<{ kind: string; granted?: boolean; seq?: number }>('POST', '/taps', {
      reader,
      uid,
    });
    if (t?.kind === 'door' && t.seq !== undefined)
      acked.taps.set(t.seq, t.granted ? 'access.granted' : 'access.denied');
  }
}

/**
 * One round's load: a writer and two tappers through `api` until `kill` takes the gateway down,
 * at a moment drawn between `minMs` and `maxMs` after the start, and not before the round has
 * had `MIN_ROUND_LOAD` acknowledged (a slow or busy machine gets there later, not with less
 * load; after `MAX_WAIT_MS` it is killed anyway, and the caller sees the thin round in its
 * counts). Resolves when the load has stopped, with the moment of the kill (ms).
 */
export async function loadUntilKilled(
  api: Api,
  acked: Acked,
  rand: () => number,
  window: { minMs: number; maxMs: number },
  kill: () => Promise<unknown>,
): Promise<number> {
  let live = true;
  const running = () => live;
  const started = Date.now();
  const visits = acked.visits.size;
  const taps = acked.taps.size;
  const load = Promise.all([
    writer(api, acked, rand, running),
    tapper(api, acked, rand, running),
    tapper(api, acked, rand, running),
  ]);
  const after = Math.round(window.minMs + rand() * (window.maxMs - window.minMs));
  await new Promise((r) => setTimeout(r, after));
  const thin = () =>
    acked.visits.size - visits < MIN_ROUND_LOAD.visits || acked.taps.size - taps < MIN_ROUND_LOAD.taps;
  while (thin() && Date.now() - started < MAX_WAIT_MS) await new Promise((r) => setTimeout(r, 20));
  await kill();
  live = false;
  await load;
  return Date.now() - started;
}

/** What a round acknowledges at least before its kill: new visits, taps. */
export const MIN_ROUND_LOAD = { visits: 2, taps: 10 };
const MAX_WAIT_MS = 60_000;

/** Badged visits left from earlier rounds are checked out, so badges stay available. */
export async function tidy(api: Api, acked: Acked) {
  const open = (await api.call<Array<{ id: string; state: string }>>('GET', '/visits')) ?? [];
  for (const v of open.filter((x) => x.state === 'badged').slice(0, 5)) {
    if (await api.call('POST', `/visits/${v.id}/checkout`, { badgeReturned: true, documentReturned: true }))
      acked.visits.set(v.id, 'closed');
  }
}

/**
 * After a restart: every acknowledged step is there (or a later one). `seen` keeps what was
 * found, so a visit is not asked again until acknowledged further. Returns what is missing.
 */
export async function missingSteps(api: Api, acked: Acked, seen: Map<string, Step>): Promise<string[]> {
  const lost: string[] = [];
  for (const [id, step] of acked.visits) {
    const known = seen.get(id);
    if (known && STEPS.indexOf(known) >= STEPS.indexOf(step)) continue;
    const v = await api.call<{ state: string; guestName?: string }>('GET', `/visits/${id}`);
    if (STEPS.includes(v?.state as Step)) seen.set(id, v!.state as Step);
    const at = STEPS.indexOf(v?.state as Step);
    if (at < STEPS.indexOf(step)) lost.push(`visit ${id} acknowledged as ${step}, found ${v?.state}`);
    // The name comes from the guest book (guests.json and guests.log), not from the journal.
    else if (v?.guestName !== GUEST_NAME)
      lost.push(`visit ${id}: guest name ${JSON.stringify(v?.guestName)} lost`);
  }
  return lost;
}
