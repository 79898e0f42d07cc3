// AES-128 building blocks of the secure badges: CMAC (RFC 4493) and NXP AN10922 key
// diversification. Node's own AES (OpenSSL) does the block cipher; only the CMAC subkeys and
// padding are done here, so the code checked against the published vectors is all there is.
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const AES_BLOCK = 16;
/** The constant of the subkey derivation for a 128-bit block (RFC 4493, 2.3: R_128). */
const RB = 0x87;

function assertKey(key: Buffer): void {
  if (key.length !== AES_BLOCK) throw new RangeError(`an AES-128 key has 16 bytes, not ${key.length}`);
}

/** AES-128-CBC without padding (callers pad as their protocol says). */
export function aesCbc(key: Buffer, iv: Buffer, data: Buffer, direction: 'encrypt' | 'decrypt'): Buffer {
  assertKey(key);
  if (data.length % AES_BLOCK !== 0)
    throw new RangeError(`CBC data of ${data.length} bytes is not whole blocks`);
  const c =
    direction === 'encrypt'
      ? createCipheriv('aes-128-cbc', key, iv)
      : createDecipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** AES-128 of one block (ECB of one block = CBC with a zero IV). */
export function aesBlock(key: Buffer, block: Buffer): Buffer {
  return aesCbc(key, Buffer.alloc(AES_BLOCK), block, 'encrypt');
}

/** One left shift of a 128-bit string, and the conditional XOR with R_128 (RFC 4493, 2.3). */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(AES_BLOCK);
  for (let i = 0; i < AES_BLOCK; i++) {
    out[i] = ((block[i]! << 1) | (i + 1 < AES_BLOCK ? block[i + 1]! >> 7 : 0)) & 0xff;
  }
  if (block[0]! & 0x80) out[AES_BLOCK - 1]! ^= RB;
  return out;
}

/** The CMAC subkeys K1 and K2 of a key (RFC 4493, 2.3: Generate_Subkey). */
export function cmacSubkeys(key: Buffer): { k1: Buffer; k2: Buffer } {
  const l = aesBlock(key, Buffer.alloc(AES_BLOCK));
  const k1 = double(l);
  return { k1, k2: double(k1) };
}

/**
 * CMAC over `message` as if it were padded to `padTo` bytes at least (RFC 4493 pads to the next
 * whole block; AN10922 pads its diversification input to 32 bytes).
 */
function cmacPadded(key: Buffer, message: Buffer, padTo: number): Buffer {
  const { k1, k2 } = cmacSubkeys(key);
  const whole = message.length > 0 && message.length % AES_BLOCK === 0 && message.length >= padTo;
  const length = whole
    ? message.length
    : Math.max(padTo, Math.ceil((message.length + 1) / AES_BLOCK) * AES_BLOCK);
  const m = Buffer.alloc(length);
  message.copy(m);
  if (!whole) m[message.length] = 0x80;
  const sub = whole ? k1 : k2;
  for (let i = 0; i < AES_BLOCK; i++) m[length - AES_BLOCK + i]! ^= sub[i]!;
  return aesCbc(key, Buffer.alloc(AES_BLOCK), m, 'encrypt').subarray(length - AES_BLOCK);
}

/** AES-CMAC (RFC 4493): the 16-byte tag of `message` under `key`. */
export function aesCmac(key: Buffer, message: Buffer): Buffer {
  return cmacPadded(key, message, AES_BLOCK);
}

/** The longest diversification input AN10922 takes for AES-128 (the 32-byte block less the 0x01). */
export const DIVERSIFICATION_INPUT_MAX = 31;

/**
 * An AES-128 key diversified from a master key (NXP AN10922, 2.2: CMAC over 0x01 || M, M padded
 * to 32 bytes): `input` is M (UID and a site identifier), 1 to 31 bytes.
 */
export function diversifyAes128(master: Buffer, input: Buffer): Buffer {
  if (input.length < 1 || input.length > DIVERSIFICATION_INPUT_MAX)
    throw new RangeError(`the diversification input has 1 to 31 bytes, not ${input.length}`);
  return cmacPadded(master, Buffer.concat([Buffer.from([0x01]), input]), 2 * AES_BLOCK);
}
