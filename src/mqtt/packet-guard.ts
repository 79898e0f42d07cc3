// The embedded broker's maximum packet size. mqtt-packet (under aedes) has none: it buffers
// a packet's whole body before parsing it, so a fixed header that claims 250 MB makes the
// broker hold whatever filler follows. This guard reads the fixed headers of what a client
// sends, alongside the broker, and cuts the connection as soon as a header claims more than
// the limit: before the body is buffered.
import type { Readable } from 'node:stream';

/**
 * Watch what `stream` delivers to its reader (aedes calls read(), which emits 'data' with
 * each chunk it returns, so the guard sees every byte without changing the flow) and call
 * `tooLarge` once, with the claimed size, when a packet is longer than `maxBytes`.
 */
export function guardPacketSize(
  stream: Readable,
  maxBytes: number,
  tooLarge: (claimed: number) => void,
): void {
  // The framing of MQTT [MQTT-2.2]: one byte of type and flags, 1-4 bytes of remaining length
  // (7 bits each, high bit = more), then the body.
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let factor = 1;
  let lengthBytes = 0;
  let left = 0;
  let tripped = false;
  const trip = (claimed: number) => {
    tripped = true;
    stream.off('data', onData);
    tooLarge(claimed);
  };
  const onData = (chunk: Buffer | string) => {
    if (tripped || typeof chunk === 'string') return;
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const n = Math.min(left, chunk.length - i);
        left -= n;
        i += n;
        if (left === 0) state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (state === 'type') {
        state = 'length';
        length = 0;
        factor = 1;
        lengthBytes = 0;
        continue;
      }
      length += (byte & 0x7f) * factor;
      factor *= 128;
      lengthBytes++;
      if (byte & 0x80) {
        // A fifth length byte is malformed; mqtt-packet refuses it too.
        if (lengthBytes === 4) return trip(Number.POSITIVE_INFINITY);
        continue;
      }
      if (1 + lengthBytes + length > maxBytes) return trip(1 + lengthBytes + length);
      left = length;
      state = left > 0 ? 'body' : 'type';
    }
  };
  stream.on('data', onData);
}
