// The MAC of room commands and taps: HMAC-SHA256 with the room controller's own 32-byte key
// over a canonical text of the message's fields and a counter, truncated to 16 bytes (32 hex).
// 128 bits leave a forger one chance in 2^128 per try, and every try is an MQTT message the
// controller refuses and the gateway counts; the full 32 bytes would only lengthen a payload a
// controller parses on a small heap. The texts start with a version and the message kind, so a
// command's MAC is never a valid tap's, nor one of a later format's.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ROOM_KEY_BYTES = 32;
export const MAC_HEX_CHARS = 32;

/** What a command's MAC covers (schemas.ts RoomCommandPayload). */
export interface CommandFields {
  id: string;
  action: string;
  ms?: number | undefined;
  exp: number;
  at: number;
  ctr: number;
}

/** What a tap's MAC covers (schemas.ts RoomTapPayload). */
export interface TapFields {
  kind: string;
  credential: string;
  ctr: number;
}

/** One line per field, in this order; a field absent is an empty line. */
export function commandText(room: string, c: CommandFields): string {
  return ['pintu-cmd-1', room, c.id, c.action, c.ms ?? '', c.exp, c.at, c.ctr].join('\n');
}

export function tapText(room: string, t: TapFields): string {
  return ['pintu-tap-1', room, t.kind, t.credential, t.ctr].join('\n');
}

export function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key)
    .update(text, 'utf8')
    .digest()
    .subarray(0, MAC_HEX_CHARS / 2)
    .toString('hex');
}

/** Constant time: a forger learns nothing from how long a refusal took. */
export function macValid(key: Buffer, text: string, given: string | undefined): boolean {
  if (given === undefined || !/^[0-9a-f]{32}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(mac(key, text), 'hex'), Buffer.from(given, 'hex'));
}
