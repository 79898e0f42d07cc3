// The journal line format: one JSON object per line,
//   {"seq":..,"at":..,"type":..,"actor":..,"payload":..,"prev":..,"hash":..}
// where hash = sha256 hex of the JSON of {seq, at, type, actor, payload, prev} (that key order)
// and prev is the hash of the entry before (64 zeros for the first entry of all).
import { createHash } from 'node:crypto';
import type { DomainEvent, JournalEntry } from '../domain/events.js';
import type { Actor } from '../domain/types.js';

export const ZERO_HASH = '0'.repeat(64);

/** A sha256 in hex (the full check of the chain is verify's job; reading checks the shape). */
const isHash = (v: unknown): v is string => typeof v === 'string' && v.length === 64;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hashedPart(e: Omit<JournalEntry, 'hash'>): string {
  return JSON.stringify({
    seq: e.seq,
    at: e.at,
    type: e.type,
    actor: e.actor,
    payload: e.payload,
    prev: e.prev,
  });
}

/** The hash an entry must carry, computed from its content. */
export function entryHash(e: Omit<JournalEntry, 'hash'>): string {
  return sha256(hashedPart(e));
}

/** Build the entry following `prev`, and its line (newline included). */
export function encodeEntry(
  event: DomainEvent,
  actor: Actor,
  seq: number,
  at: number,
  prev: string,
): { entry: JournalEntry; line: string } {
  const body = hashedPart({ seq, at, type: event.type, actor, payload: event.payload, prev } as JournalEntry);
  const hash = sha256(body);
  // body is a JSON object: splice the hash in as the last key instead of stringifying twice.
  const line = `${body.slice(0, -1)},"hash":"${hash}"}\n`;
  const entry = { seq, at, type: event.type, actor, payload: event.payload, prev, hash } as JournalEntry;
  return { entry, line };
}

export type Decoded = { ok: true; entry: JournalEntry } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse a line and check its shape (not its hash: see entryHash). */
export function decodeLine(text: string): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `unparsable line (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isObject(v)) return { ok: false, reason: 'line is not a JSON object' };
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 1) {
    return { ok: false, reason: 'bad or missing seq' };
  }
  if (typeof v.at !== 'number' || !Number.isFinite(v.at)) return { ok: false, reason: 'bad or missing at' };
  if (typeof v.type !== 'string' || v.type === '') return { ok: false, reason: 'bad or missing type' };
  const actor = v.actor;
  if (!isObject(actor) || typeof actor.kind !== 'string' || typeof actor.id !== 'string') {
    return { ok: false, reason: 'bad or missing actor' };
  }
  if (!isObject(v.payload)) return { ok: false, reason: 'bad or missing payload' };
  if (!isHash(v.prev)) return { ok: false, reason: 'bad or missing prev' };
  if (!isHash(v.hash)) return { ok: false, reason: 'bad or missing hash' };
  return { ok: true, entry: v as unknown as JournalEntry };
}

/** Parse, check the shape and the entry's own hash. */
export function decodeVerified(text: string): Decoded {
  const d = decodeLine(text);
  if (d.ok && entryHash(d.entry) !== d.entry.hash) {
    return { ok: false, reason: 'hash does not match content' };
  }
  return d;
}

const SEQ_PREFIX = /^\{"seq":(\d+),/;
const TYPE_PREFIX = /^\{"seq":\d+,"at":[0-9.eE+-]+,"type":"([^"\\]+)"/;

/**
 * The type of a line, read from its fixed prefix (`{"seq":..,"at":..,"type":"..."`) without
 * parsing the rest; undefined when the line does not start that way.
 */
export function typeOf(text: string): string | undefined {
  return TYPE_PREFIX.exec(text)?.[1];
}

/** The seq of a line, read from its prefix without parsing the whole line where possible. */
export function seqOf(text: string): number | undefined {
  const m = SEQ_PREFIX.exec(text);
  if (m) return Number(m[1]);
  const d = decodeLine(text);
  return d.ok ? d.entry.seq : undefined;
}
