// The fleet's signed envelope (README "Fleet"): `{payload, sig}`, an Ed25519 signature over the
// exact payload text, so that nothing has to be canonicalised to be checked. Each gateway has
// one key pair; the others pin its public key from their configuration.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { join } from 'node:path';
import type { Config, FleetConfig } from '../config/schema.js';
import { readTextIfPresent, writeFileAtomic } from '../store/durable-file.js';

export interface Envelope {
  payload: string;
  sig: string;
}

/**
 * Where this gateway's private key is: fleet.keyFile, else fleet.key in the data folder. Here
 * and not in fleet/index.ts, which loads the MQTT client: the CLI (the door path's bundle) needs
 * only this.
 */
export function fleetKeyFile(gateway: { config: Pick<Config, 'dataDir'> }, fleet: FleetConfig): string {
  return fleet.keyFile ?? join(gateway.config.dataDir, 'fleet.key');
}

/** This gateway's private key: read, or made (mode 0600) at the first start. */
export async function openFleetKey(file: string): Promise<KeyObject> {
  const saved = await readTextIfPresent(file);
  if (saved !== undefined) return createPrivateKey(saved);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeFileAtomic(file, pem, { mode: 0o600 });
  return privateKey;
}

/** A public key as configuration writes it: the raw 32 bytes in base64url (a JWK's `x`). */
export function publicKeyText(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 key');
  return jwk.x;
}

export function publicKeyFrom(text: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

export function signText(text: string, key: KeyObject): string {
  return sign(null, Buffer.from(text), key).toString('base64url');
}

export function verifyText(text: string, sig: string, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(text), key, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}

export function seal(payload: object, key: KeyObject): string {
  const text = JSON.stringify(payload);
  return JSON.stringify({ payload: text, sig: signText(text, key) } satisfies Envelope);
}

/**
 * The payload of an envelope signed by `key`, parsed; undefined for anything else (not JSON, not
 * an envelope, a signature by another key or over other text).
 */
export function unseal(raw: string | Buffer, key: KeyObject): unknown {
  let env: unknown;
  try {
    env = JSON.parse(raw.toString());
  } catch {
    return undefined;
  }
  if (typeof env !== 'object' || env === null) return undefined;
  const { payload, sig } = env as Partial<Envelope>;
  if (typeof payload !== 'string' || typeof sig !== 'string') return undefined;
  if (!verifyText(payload, sig, key)) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/**
 * How a badge travels: a hash of its UID, which a door gateway compares with the badges of its own
 * pool. It keeps UIDs out of the broker's queues and logs; it is not a secret (UIDs are few).
 */
export function badgeUidHash(uid: string): string {
  return createHash('sha256').update(`pintu-fleet-badge:${uid}`).digest('hex');
}

/** The text a door gateway signs to ask for its snapshot at `at` (epoch ms). */
export function snapshotRequestText(gatewayId: string, at: number): string {
  return `snapshot:${gatewayId}:${at}`;
}
