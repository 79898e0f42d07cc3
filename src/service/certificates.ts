// The TLS certificates the gateway uses, by configuration key, and when each expires: for
// pintu_tls_certificate_expiry_timestamp_seconds, so an alert warns before a controller or
// client refuses an expired certificate. Read once at start, as the broker and the MQTT
// client read them (a new certificate takes a restart).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';

/** The certificates in use: the embedded broker's (with its key), or the client's at an external broker. */
export function certificatesInUse(config: Config): Array<{ key: string; file: string }> {
  const { mode, tls } = config.mqtt;
  const used = (mode === 'embedded' && tls.cert && tls.key) || (mode === 'external' && tls.cert);
  return used && tls.cert ? [{ key: 'mqtt.tls.cert', file: tls.cert }] : [];
}

/** notAfter of the first certificate (the leaf) in a PEM file, in ms since the epoch. */
export function notAfterOf(key: string, file: string): number {
  try {
    return Date.parse(new X509Certificate(readFileSync(file)).validTo);
  } catch (err) {
    throw new Error(`${key}: ${file} is not a readable PEM certificate: ${(err as Error).message}`);
  }
}
