// Personal data rules (UU No. 27/2022): what may be kept of a guest, how it is shown, and
// when it must go. Pure: the store applies what these functions decide.
import type { Guest } from './types.js';

/**
 * Masks an identity document number so that at least half of it is hidden: from ten
 * characters on, the first two and last four stay (KTP `3578012345670001` ->
 * `35**********0001`, enough to match the card in hand); shorter numbers keep only their
 * last two, and one or two characters are hidden whole.
 */
export function maskDocumentNumber(raw: string): string {
  const v = raw.replace(/[\s.-]/g, '').toUpperCase();
  if (v.length === 0) return '';
  if (v.length <= 2) return '*'.repeat(v.length);
  if (v.length < 10) return '*'.repeat(v.length - 2) + v.slice(-2);
  return v.slice(0, 2) + '*'.repeat(v.length - 6) + v.slice(-4);
}

/** True when a value already looks masked, so it is never masked twice nor stored in full. */
export function isMasked(value: string): boolean {
  return value.includes('*');
}

/** How a guest appears in events and MQTT, as the operator configured. */
export function displayName(name: string, mode: 'full' | 'initials' | 'none'): string | undefined {
  if (mode === 'none' || !name) return undefined;
  if (mode === 'full') return name;
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${w[0]!.toUpperCase()}.`)
    .join(' ');
}

/** Guests whose identity fields are due for erasure (last seen more than `days` ago). */
export function dueForErasure(guests: Iterable<Guest>, now: number, days: number): Guest[] {
  if (days <= 0) return [];
  const limit = now - days * 86_400_000;
  return [...guests].filter((g) => !g.erasedAt && g.lastSeenAt < limit);
}

/** The guest with identity fields erased; ids and counts stay for the recap. */
export function eraseGuest(guest: Guest, now: number): Guest {
  return {
    id: guest.id,
    name: '',
    institution: guest.institution,
    firstSeenAt: guest.firstSeenAt,
    lastSeenAt: guest.lastSeenAt,
    erasedAt: now,
  };
}
