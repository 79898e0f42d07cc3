// Signed, expiring, one-time links for hosts (SOP step 4): the receptionist (or the webhook)
// hands a host a link for one visit; opening it logs the host in for a while, for that visit
// only (see it, decide it), without a password. A delegate who receives the host's approval
// request gets a link of their own: it names the delegate, and opens a session that acts as the
// delegate for the host, only while the delegation lasts (checked on opening and on every request). The token is an HMAC-signed claim (host, visit, issue time, expiry, nonce) under a key derived
// from the data folder's secret; a redeemed nonce is written to `host-links.json` so the link
// cannot be used again, even after a restart.
//
// An unreadable `host-links.json` fails closed: which links were used is lost, so every link
// that could have been redeemed (issued before this start) is refused; the file records that
// start (`notBefore`) so the next start refuses them too, and the broken file is kept aside.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { readTextIfPresent, writeFileAtomic } from '../store/durable-file.js';
import { errnoCode } from '../store/fsync.js';

export interface HostLinkClaims {
  hostId: string;
  visitId: string;
  expiresAt: number;
  nonce: string;
  /** A delegate's link: the delegate's user id (they decide as themselves, for `hostId`). */
  delegateId?: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** What `host-links.json` holds. */
interface Saved {
  /** nonce -> expiry (ms) of links already redeemed. */
  used: Record<string, number>;
  /** Set when the file was lost: links issued before this time (ms) are refused. */
  notBefore?: number;
}

const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The file's content, or why it cannot be used; described without its text (nonces are secret). */
function parseSaved(text: string): Saved | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not valid JSON (${Buffer.byteLength(text)} bytes)`;
  }
  const shape = 'not of the shape {"used": {nonce: expiry ms}, "notBefore"?: ms}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return shape;
  const { used, notBefore } = value as { used?: unknown; notBefore?: unknown };
  if (typeof used !== 'object' || used === null || Array.isArray(used)) return shape;
  if (!Object.values(used).every(isTime)) return shape;
  if (notBefore !== undefined && !isTime(notBefore)) return shape;
  return { used: used as Record<string, number>, ...(notBefore !== undefined ? { notBefore } : {}) };
}

export class HostLinks {
  private readonly key: Buffer;
  /** nonce -> expiry (ms) of links already redeemed. */
  private readonly used: Map<string, number>;
  private readonly notBefore: number | undefined;

  private constructor(
    secret: Buffer,
    private readonly file: string,
    saved: Saved,
    private readonly now: () => number,
  ) {
    this.key = createHmac('sha256', secret).update('pintu host link v1').digest();
    this.used = new Map(Object.entries(saved.used));
    this.notBefore = saved.notBefore;
  }

  /**
   * `secret` is the data folder's key file (secret.key), already created by the gateway. A
   * missing `host-links.json` (first start) means no link was redeemed; an unreadable one is
   * kept aside and replaced by one refusing every link issued before now (see the header).
   */
  static async open(dataDir: string, now: () => number, log: Logger): Promise<HostLinks> {
    const secret = await readFile(join(dataDir, 'secret.key'));
    const file = join(dataDir, 'host-links.json');
    let problem: string;
    try {
      const text = await readTextIfPresent(file);
      if (text === undefined) return new HostLinks(secret, file, { used: {} }, now);
      const saved = parseSaved(text);
      if (typeof saved !== 'string') return new HostLinks(secret, file, saved, now);
      problem = saved;
    } catch (err) {
      problem = `cannot be read (${errnoCode(err) ?? String(err)})`;
    }
    const notBefore = now();
    let keptAs: string | undefined = `${file}.broken-${notBefore}`;
    try {
      // A copy, not a rename: until the new file replaces it, a crash leaves the broken file in
      // place (refused again at the next start), never a missing one (which would accept all).
      await copyFile(file, keptAs, constants.COPYFILE_EXCL);
    } catch (err) {
      problem += `; not kept aside (${errnoCode(err) ?? String(err)})`;
      keptAs = undefined;
    }
    log.error(
      { file, problem, ...(keptAs ? { keptAs } : {}) },
      `${file} is unreadable: ${problem}. Which host links were used is lost, so every link issued before this start is refused; the receptionist can issue a new link`,
    );
    const links = new HostLinks(secret, file, { used: {}, notBefore }, now);
    // If this write fails the start stops: better no links than links that open twice.
    await links.save();
    return links;
  }

  issue(
    hostId: string,
    visitId: string,
    ttlMs: number,
    delegateId?: string,
  ): { token: string; expiresAt: number } {
    const issuedAt = this.now();
    const expiresAt = issuedAt + ttlMs;
    const claims = {
      h: hostId,
      v: visitId,
      i: issuedAt,
      e: expiresAt,
      n: b64(randomBytes(12)),
      ...(delegateId !== undefined ? { d: delegateId } : {}),
    };
    const body = b64(JSON.stringify(claims));
    return { token: `${body}.${this.sign(body)}`, expiresAt };
  }

  /** The claims of a valid, unexpired, unused token; throws `forbidden` otherwise. */
  verify(token: string): HostLinkClaims {
    const [body, sig, extra] = token.split('.');
    if (!body || !sig || extra !== undefined) throw new DomainError('forbidden', 'invalid link');
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got))
      throw new DomainError('forbidden', 'invalid link');
    let c: { h?: unknown; v?: unknown; i?: unknown; e?: unknown; n?: unknown; d?: unknown };
    try {
      c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw new DomainError('forbidden', 'invalid link');
    }
    // A link without a visit (signed before links were scoped) would open the whole host.
    if (
      typeof c.h !== 'string' ||
      typeof c.v !== 'string' ||
      typeof c.e !== 'number' ||
      typeof c.n !== 'string' ||
      (c.i !== undefined && typeof c.i !== 'number') ||
      (c.d !== undefined && typeof c.d !== 'string')
    ) {
      throw new DomainError('forbidden', 'invalid link');
    }
    if (c.e <= this.now()) throw new DomainError('forbidden', 'the link has expired');
    if (this.used.has(c.n)) throw new DomainError('forbidden', 'the link was already used');
    // A link without an issue time was made before links carried one: before any notBefore.
    if (this.notBefore !== undefined && !(typeof c.i === 'number' && c.i >= this.notBefore)) {
      throw new DomainError(
        'forbidden',
        'the link was issued before the gateway lost its record of used links: ask the receptionist for a new link',
      );
    }
    return {
      hostId: c.h,
      visitId: c.v,
      expiresAt: c.e,
      nonce: c.n,
      ...(typeof c.d === 'string' ? { delegateId: c.d } : {}),
    };
  }

  /** Verify and use up a token (durably) before it logs anyone in. */
  async redeem(token: string): Promise<HostLinkClaims> {
    const claims = this.verify(token);
    this.used.set(claims.nonce, claims.expiresAt);
    const now = this.now();
    for (const [n, exp] of this.used) if (exp <= now) this.used.delete(n);
    await this.save();
    return claims;
  }

  private async save(): Promise<void> {
    const saved: Saved = {
      used: Object.fromEntries(this.used),
      ...(this.notBefore !== undefined ? { notBefore: this.notBefore } : {}),
    };
    await writeFileAtomic(this.file, `${JSON.stringify(saved)}\n`, { mode: 0o600 });
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
