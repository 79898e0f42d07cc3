// Signed, expiring, one-time links for hosts (SOP step 4): the receptionist (or the webhook)
// hands a host a link for one visit; opening it logs the host in for a while, for that visit
// only (see it, decide it), without a password. A delegate who receives the host's approval
// request gets a link of their own: it names the delegate, and opens a session that acts as the
// delegate for the host, only while the delegation lasts (checked on opening and on every request). The token is an HMAC-signed claim (host, visit, expiry, nonce) under a key derived
// from the data folder's secret; a redeemed nonce is written to `host-links.json` so the link
// cannot be used again, even after a restart.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../domain/errors.js';
import { readJsonIfPresent, writeFileAtomic } from '../store/durable-file.js';

export interface HostLinkClaims {
  hostId: string;
  visitId: string;
  expiresAt: number;
  nonce: string;
  /** A delegate's link: the delegate's user id (they decide as themselves, for `hostId`). */
  delegateId?: string;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class HostLinks {
  private readonly key: Buffer;
  /** nonce -> expiry (ms) of links already redeemed. */
  private readonly used: Map<string, number>;

  private constructor(
    secret: Buffer,
    private readonly file: string,
    used: Record<string, number>,
    private readonly now: () => number,
  ) {
    this.key = createHmac('sha256', secret).update('pintu host link v1').digest();
    this.used = new Map(Object.entries(used));
  }

  /** `secret` is the data folder's key file (secret.key), already created by the gateway. */
  static async open(dataDir: string, now: () => number): Promise<HostLinks> {
    const secret = await readFile(join(dataDir, 'secret.key'));
    const file = join(dataDir, 'host-links.json');
    let used: Record<string, number> = {};
    try {
      used = (await readJsonIfPresent<{ used?: Record<string, number> }>(file))?.used ?? {};
    } catch {
      // An unreadable file counts as no link redeemed yet, as a missing one does.
    }
    return new HostLinks(secret, file, used, now);
  }

  issue(
    hostId: string,
    visitId: string,
    ttlMs: number,
    delegateId?: string,
  ): { token: string; expiresAt: number } {
    const expiresAt = this.now() + ttlMs;
    const claims = {
      h: hostId,
      v: visitId,
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
    let c: { h?: unknown; v?: unknown; e?: unknown; n?: unknown; d?: unknown };
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
      (c.d !== undefined && typeof c.d !== 'string')
    ) {
      throw new DomainError('forbidden', 'invalid link');
    }
    if (c.e <= this.now()) throw new DomainError('forbidden', 'the link has expired');
    if (this.used.has(c.n)) throw new DomainError('forbidden', 'the link was already used');
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
    await writeFileAtomic(this.file, `${JSON.stringify({ used: Object.fromEntries(this.used) })}\n`, {
      mode: 0o600,
    });
    return claims;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
