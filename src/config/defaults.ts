// The EMBEDDED DEFAULTS: what runs when there is no configuration file at all (`npm start`
// on a laptop): one entrance and one room, both with simulated locks; a desk reader, in/out
// readers at the entrance, a keypad reader at the room; ten guest badges; one host.
//
// They are the schema defaults of `doors`, `readers`, `badges` and `hosts`: a file that
// sets one of these lists replaces it whole (lists are never merged); a file that leaves
// one out keeps the embedded one. Only the keys without a schema default are written here;
// validation fills the rest (pulseMs, failMode, ...).
import { DEFAULT_PURPOSE_CATEGORIES } from '../domain/types.js';
import type { BadgeSeed, DoorConfig, HostSeed, PurposeConfig, ReaderConfig } from './schema.js';

/** A door as written in a file: id, name and kind; the rest has schema defaults. */
export type DoorInput = Pick<DoorConfig, 'id' | 'name' | 'kind'> & Partial<DoorConfig>;
/** A reader as written in a file. */
export type ReaderInput = Pick<ReaderConfig, 'id' | 'role'> & Partial<ReaderConfig>;
/** A host as written in a file. */
export type HostInput = Pick<HostSeed, 'id' | 'name' | 'unit'> & Partial<HostSeed>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_DOORS: readonly DoorInput[] = deepFreeze<DoorInput[]>([
  { id: 'pintu-utama', name: 'Pintu Utama', kind: 'entrance', lock: { driver: 'sim' } },
  { id: 'ruang-kabag', name: 'Ruang Kepala Bagian Umum', kind: 'room', lock: { driver: 'sim' } },
]);

export const DEFAULT_READERS: readonly ReaderInput[] = deepFreeze<ReaderInput[]>([
  { id: 'desk', role: 'desk', driver: { type: 'sim' } },
  { id: 'pintu-utama-in', role: 'door', door: 'pintu-utama', direction: 'in', driver: { type: 'sim' } },
  { id: 'pintu-utama-out', role: 'door', door: 'pintu-utama', direction: 'out', driver: { type: 'sim' } },
  {
    id: 'ruang-kabag-in',
    role: 'door',
    door: 'ruang-kabag',
    direction: 'in',
    keypad: true,
    driver: { type: 'sim' },
  },
]);

/** TAMU-01 .. TAMU-10, UIDs 04A1B2C3D4E501 .. 04A1B2C3D4E50A. */
export const DEFAULT_BADGES: readonly BadgeSeed[] = deepFreeze(
  Array.from({ length: 10 }, (_, i) => ({
    label: `TAMU-${String(i + 1).padStart(2, '0')}`,
    uid: `04A1B2C3D4E5${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`,
  })),
);

export const DEFAULT_HOSTS: readonly HostInput[] = deepFreeze<HostInput[]>([
  { id: 'kabag-umum', name: 'Kepala Bagian Umum', unit: 'Bagian Umum', rooms: ['ruang-kabag'] },
]);

/** Purpose categories of Biro Umum's guests; the last one takes visits without a category. */
export const DEFAULT_PURPOSES: readonly PurposeConfig[] = deepFreeze(
  DEFAULT_PURPOSE_CATEGORIES.map((p) => ({ ...p })),
);
