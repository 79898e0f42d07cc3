// What only one door gateway may read (README "Fleet", Snapshot): all a snapshot holds beyond its
// header (its visits with their badges, the cards by their UIDs). The snapshot is fetched over
// HTTP, which may be plain on a site's LAN, so it travels encrypted to the gateway that asked: an
// ephemeral X25519 key of the desk with the gateway's X25519 key, HKDF-SHA256, AES-256-GCM. The
// gateway's X25519 key is derived from its Ed25519 key (as libsodium's
// crypto_sign_ed25519_*_to_curve25519), so the desk needs nothing beyond the public key it
// already pins (fleet.gateways[].publicKey). The desk's signature over the whole snapshot says
// the desk sealed it.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import type { SealedBox } from '../domain/fleet.js';

export type { SealedBox };

const P = 2n ** 255n - 19n;

function modPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

const littleEndian = (bytes: Uint8Array): bigint =>
  bytes.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);

function toLittleEndian(n: bigint): Buffer {
  const out = Buffer.alloc(32);
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

const x25519Public = (raw: Buffer): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });

/**
 * The X25519 public key of an Ed25519 public key (base64url, as configuration pins it): the
 * Montgomery u = (1 + y) / (1 - y) of the Edwards point's y.
 */
export function boxPublicKeyOf(ed25519Public: string): KeyObject {
  const raw = Buffer.from(ed25519Public, 'base64url');
  if (raw.length !== 32) throw new Error('not an Ed25519 public key');
  const yBytes = Buffer.from(raw);
  yBytes[31] = (yBytes[31] ?? 0) & 0x7f;
  const y = littleEndian(yBytes);
  if (y >= P || y === 1n) throw new Error('not an Ed25519 public key');
  const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
  return x25519Public(toLittleEndian(u));
}

/** The X25519 private key of an Ed25519 private key: the first half of SHA-512 of its seed. */
export function boxPrivateKeyOf(ed25519Private: KeyObject): KeyObject {
  const jwk = ed25519Private.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string')
    throw new Error('not an Ed25519 private key');
  const scalar = createHash('sha512').update(Buffer.from(jwk.d, 'base64url')).digest().subarray(0, 32);
  // X25519 clamps the scalar itself. PKCS#8 of an X25519 key: this header and the 32 bytes.
  return createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_HEADER, scalar]),
    format: 'der',
    type: 'pkcs8',
  });
}

const X25519_PKCS8_HEADER = Buffer.from('302e020100300506032b656e04220420', 'hex');

const rawPublic = (key: KeyObject): Buffer =>
  Buffer.from(
    (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }).x ?? '',
    'base64url',
  );

/** The AES key: both public keys in the salt, so a box is bound to its two ends. */
function boxKey(shared: Buffer, epk: Buffer, recipient: KeyObject, context: string): Buffer {
  const to = rawPublic(recipient);
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, to]), `pintu-fleet-box:${context}`, 32));
}

/** `text` encrypted to the holder of `recipient`'s private key, bound to `context` (its AAD too). */
export function sealTo(recipient: KeyObject, text: string, context: string): SealedBox {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const epk = rawPublic(publicKey);
  const key = boxKey(diffieHellman({ privateKey, publicKey: recipient }), epk, recipient, context);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return {
    epk: epk.toString('base64url'),
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  };
}

/** The text of a box sealed to this private key for `context`; throws for any other. */
export function openBox(box: SealedBox, own: KeyObject, context: string): string {
  const epk = Buffer.from(box.epk, 'base64url');
  const shared = diffieHellman({ privateKey: own, publicKey: x25519Public(epk) });
  const key = boxKey(shared, epk, own, context);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(box.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(box.ct, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

export function isSealedBox(v: unknown): v is SealedBox {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return ['epk', 'iv', 'ct', 'tag'].every((k) => typeof b[k] === 'string');
}

/** What a snapshot's box is bound to: the gateway, the seq and the moment of that snapshot. */
export function snapshotContext(p: { gateway: string; seq: number; at: number }): string {
  return `snapshot:${p.gateway}:${p.seq}:${p.at}`;
}
