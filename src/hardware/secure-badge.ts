// Secure badges (NTAG 424 DNA): the site master key, the per-card keys diversified from it,
// the proof a door reader asks of a card, and the personalisation of a factory card.
//
// Key use on the card's application: key 0 (application master key) changes keys and is only
// used at the desk; doors authenticate with key 1, so a door session can never change a key.
// Every key is diversified (AN10922) from the site master key with UID || key number || site
// id: a key read out of one card opens nothing else.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialMode, CredentialProof } from '../domain/types.js';
import { diversifyAes128 } from './aes-cmac.js';
import { authenticateEv2First, CardAuthError, changeKey, SELECT_NDEF_APP, type Transmit } from './ntag424.js';

/** The key a door reader authenticates with. */
export const DOOR_KEY_NO = 1;
/** The application keys of an NTAG 424 DNA. */
export const APP_KEY_NOS = [0, 1, 2, 3, 4] as const;
/** Key version written with the site's keys (factory keys are version 0). */
export const SITE_KEY_VERSION = 0x01;
const FACTORY_KEY = Buffer.alloc(16);

/** The site key file in the data folder (0600; the folder keys/ 0700). */
export const SITE_KEY_FILE = join('keys', 'site.key');

/**
 * The site master key and site identifier. Never logged, never on MQTT or HTTP: its JSON and
 * inspection forms say only that it is there.
 */
export class SiteKey {
  private constructor(
    private readonly master: Buffer,
    private readonly siteId: Buffer,
    /** Which site key this is: 1 the first, one more at every rotation (site-keys.ts). */
    readonly generation = 1,
  ) {}

  /**
   * Reads `<dataDir>/keys/site.key`, or makes it at first start (16 random bytes of master key,
   * 8 of site identifier, as hex on one line). A file others can read is refused: it would
   * let anyone on the machine mint badges.
   */
  static open(dataDir: string, generation = 1): SiteKey {
    const file = join(dataDir, SITE_KEY_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
      const made = SiteKey.newText();
      // wx: two starts racing cannot both make one (the loser fails instead of overwriting it).
      writeFileSync(file, made, { mode: 0o600, flag: 'wx' });
      text = made;
    }
    return SiteKey.read(file, text, generation);
  }

  /** A new site key file's text: 16 random bytes of master key, 8 of site identifier. */
  static newText(): string {
    return `pintu-site-key-1 ${randomBytes(16).toString('hex')} ${randomBytes(8).toString('hex')}\n`;
  }

  /** The key of `file` (its `text`), refused when others may read the file. */
  static read(file: string, text: string, generation: number): SiteKey {
    if ((statSync(file).mode & 0o077) !== 0)
      throw new Error(`${file}: readable by others; chmod 600 it (it is the key of every badge)`);
    const m = /^pintu-site-key-1 ([0-9a-f]{32}) ([0-9a-f]{16})\s*$/.exec(text);
    if (!m) throw new Error(`${file}: not a site key file ("pintu-site-key-1 <32 hex> <16 hex>")`);
    return new SiteKey(Buffer.from(m[1]!, 'hex'), Buffer.from(m[2]!, 'hex'), generation);
  }

  /** For tests: a key from its parts. */
  static of(master: Buffer, siteId: Buffer, generation = 1): SiteKey {
    return new SiteKey(Buffer.from(master), Buffer.from(siteId), generation);
  }

  /** The card's key `keyNo`: AN10922 over UID || key number || site id. */
  cardKey(uid: Buffer, keyNo: number): Buffer {
    return diversifyAes128(this.master, Buffer.concat([uid, Buffer.from([keyNo]), this.siteId]));
  }

  /** Whether `other` is the same key (a restore over an existing key). */
  equals(other: SiteKey): boolean {
    return this.master.equals(other.master) && this.siteId.equals(other.siteId);
  }

  toJSON(): string {
    return '[site key]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SiteKey [hidden]';
  }
}

function sw(answer: Buffer): number {
  return answer.length >= 2 ? answer.readUInt16BE(answer.length - 2) : 0;
}

/**
 * What a card proves at a door in `mode` (not uid): SELECT of the application, then
 * AuthenticateEV2First with the card's door key and a fresh RndA. Three round trips.
 * A card without the application is `uid` in secure-or-uid, `invalid` at a secure door; a
 * failed challenge is `invalid`. A transmission error (the card left) is thrown: no tap.
 */
export async function proveCard(
  transmit: Transmit,
  uid: Buffer,
  keys: SiteKey,
  mode: Exclude<CredentialMode, 'uid'>,
): Promise<CredentialProof> {
  const selected = await transmit(SELECT_NDEF_APP);
  if (sw(selected) !== 0x9000) return mode === 'secure-or-uid' ? 'uid' : 'invalid';
  try {
    await authenticateEv2First(transmit, DOOR_KEY_NO, keys.cardKey(uid, DOOR_KEY_NO));
    return 'secure';
  } catch (err) {
    if (err instanceof CardAuthError) return 'invalid';
    throw err;
  }
}

/**
 * Personalises a card: every application key from `from` (factory: all zero; or the site's
 * keys of another site key, for a rotation) to the site's diversified keys. Key 0 last: the
 * session was opened with it and ends when it changes. Nine round trips with the UID read.
 */
export async function personaliseCard(
  transmit: Transmit,
  uid: Buffer,
  keys: SiteKey,
  from: SiteKey | 'factory',
): Promise<void> {
  const old = (n: number) => (from === 'factory' ? FACTORY_KEY : from.cardKey(uid, n));
  const selected = await transmit(SELECT_NDEF_APP);
  if (sw(selected) !== 0x9000)
    throw new CardAuthError(
      `not an NTAG 424 DNA (SELECT: ${selected.toString('hex').toUpperCase()})`,
      sw(selected),
    );
  const session = await authenticateEv2First(transmit, 0, old(0));
  for (const n of APP_KEY_NOS.filter((k) => k !== 0))
    await changeKey(transmit, session, n, keys.cardKey(uid, n), SITE_KEY_VERSION, old(n));
  await changeKey(transmit, session, 0, keys.cardKey(uid, 0), SITE_KEY_VERSION);
}
