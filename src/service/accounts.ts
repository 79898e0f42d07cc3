// People and machines that may use the API: users with roles (scrypt passwords), bearer
// tokens for machine clients, and sessions. Sessions are kept in live state and saved with
// it (only the hash of each id), so a restart or a crash logs no desk out; a login or logout
// is acknowledged once saved, so a session ended before a crash stays ended.
import { randomUUID } from 'node:crypto';
import { isDelegate } from '../domain/delegation.js';
import { DomainError } from '../domain/errors.js';
import type { Actor, ApiToken, Role, Session, User } from '../domain/types.js';
import { ROLES } from '../domain/types.js';
import type { Core } from './core.js';
import type { GateRefusal, PasswordGate } from './password-gate.js';
import { DUMMY_HASH, hashPassword, newSecret, sha256, verifyPassword } from './passwords.js';

export interface Principal {
  actor: Actor;
  role: Role;
  /** For hosts: the host record they act as. */
  hostId?: string;
  username?: string;
  /** Logged in with a one-time password: only changing it is allowed. */
  mustChangePassword?: boolean;
  /** Opened by a host's one-time link: this visit only (see http/auth.ts LINK_ROUTES). */
  visitId?: string;
}

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,31}$/;

const SYSTEM: Actor = { kind: 'system', id: 'pintu' };

export class AccountService {
  constructor(
    private readonly core: Core,
    private readonly sessionTtlMs: number,
    /** Throttles before the hash: per address, per address and user name, and overall. */
    private readonly gate: PasswordGate,
    /** A login beyond this many live sessions of one user ends the oldest (http.maxSessionsPerUser). */
    private readonly maxSessionsPerUser: number,
  ) {}

  /** sha256(session id) -> session, in live state: saved with it. */
  private get sessions(): Map<string, Session> {
    return this.core.state.sessions;
  }

  /** End every session of `userId` but the one whose hash is `keep`. */
  private endSessions(userId: string, keep?: string): void {
    for (const [k, s] of this.sessions) if (s.userId === userId && k !== keep) this.sessions.delete(k);
  }

  users(): User[] {
    return [...this.core.state.users.values()];
  }

  findUser(username: string): User | undefined {
    return this.users().find((u) => u.username === username);
  }

  async addUser(
    input: {
      username: string;
      displayName?: string;
      role: Role;
      password: string;
      hostId?: string;
      /** The password is one-time: the user must change it at first login. */
      temporary?: boolean;
    },
    actor: Actor,
  ): Promise<User> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME_RE.test(username)) {
      throw new DomainError('invalid', 'username: 2-32 of a-z, 0-9, ".", "_", "-"', 'username');
    }
    if (!ROLES.includes(input.role)) throw new DomainError('invalid', `unknown role "${input.role}"`, 'role');
    if (input.password.length < 10)
      throw new DomainError('invalid', 'password: at least 10 characters', 'password');
    if (input.role === 'host' && (!input.hostId || !this.core.state.hosts.has(input.hostId))) {
      throw new DomainError('invalid', 'a host login needs the id of an existing host', 'hostId');
    }
    const passwordHash = await hashPassword(input.password);
    return this.core.transact(actor, (now) => {
      if (this.findUser(username)) throw new DomainError('conflict', `user "${username}" exists`, 'username');
      const user: User = {
        id: randomUUID(),
        username,
        displayName: input.displayName?.trim() || username,
        role: input.role,
        passwordHash,
        ...(input.hostId ? { hostId: input.hostId } : {}),
        ...(input.temporary ? { mustChangePassword: true } : {}),
        createdAt: now,
      };
      this.core.state.users.set(user.id, user);
      return {
        events: [
          {
            type: 'user.added',
            payload: {
              userId: user.id,
              username,
              role: user.role,
              ...(user.hostId ? { hostId: user.hostId } : {}),
            },
          },
        ],
        result: () => user,
      };
    });
  }

  /**
   * Set a password; a temporary one (a reset by an admin) must be changed at the next login.
   * Every session of the user ends, but the one whose hash is `keepSession`.
   */
  async setPassword(
    username: string,
    password: string,
    actor: Actor,
    temporary = false,
    keepSession?: string,
  ): Promise<void> {
    if (password.length < 10)
      throw new DomainError('invalid', 'password: at least 10 characters', 'password');
    const passwordHash = await hashPassword(password);
    await this.core.transact(actor, () => {
      const user = this.findUser(username);
      if (!user) throw new DomainError('not_found', `no user "${username}"`);
      const { mustChangePassword: _was, ...rest } = user;
      this.core.state.users.set(user.id, {
        ...rest,
        passwordHash,
        ...(temporary ? { mustChangePassword: true } : {}),
      });
      // In the same save as the new password: a stolen cookie dies with the old one.
      this.endSessions(user.id, keepSession);
      return {
        events: [{ type: 'user.password_changed', payload: { userId: user.id, username } }],
        result: () => undefined,
      };
    });
  }

  /**
   * A user changes their own password, proving the current one. Every other session of the
   * user ends (a stolen cookie dies with the old password); `currentSessionId`, the session
   * that made the change, stays.
   */
  async changeOwnPassword(
    userId: string,
    current: string,
    next: string,
    currentSessionId?: string,
  ): Promise<void> {
    const user = this.core.state.users.get(userId);
    if (!user || !(await verifyPassword(current, user.passwordHash))) {
      throw new DomainError('forbidden', 'the current password is wrong', 'current');
    }
    if (next === current) throw new DomainError('invalid', 'choose a new password', 'password');
    const key = currentSessionId ? sha256(currentSessionId) : undefined;
    await this.setPassword(user.username, next, { kind: 'user', id: user.id, role: user.role }, false, key);
  }

  async removeUser(username: string, actor: Actor): Promise<void> {
    await this.core.transact(actor, () => {
      const user = this.findUser(username);
      if (!user) throw new DomainError('not_found', `no user "${username}"`);
      const admins = this.users().filter((u) => u.role === 'admin' && !u.disabled);
      if (user.role === 'admin' && admins.length === 1) {
        throw new DomainError('conflict', 'cannot remove the last admin');
      }
      this.core.state.users.delete(user.id);
      this.endSessions(user.id);
      return {
        events: [{ type: 'user.removed', payload: { userId: user.id, username } }],
        result: () => undefined,
      };
    });
  }

  /**
   * A login from `address`: a session id (the cookie value), `null` for wrong credentials, or
   * the gate's refusal (nothing was hashed). Constant work whether or not the user exists.
   */
  async login(
    username: string,
    password: string,
    address: string,
  ): Promise<{ sessionId: string; user: User } | null | { refused: GateRefusal; retryAfterSeconds: number }> {
    const key = username.trim().toLowerCase();
    let user: User | undefined;
    const outcome = await this.gate.attempt(address, key, async () => {
      user = this.findUser(key);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      // The user may have changed while the hash ran: judge the one that is there now.
      user = this.findUser(key);
      return ok && user !== undefined && !user.disabled;
    });
    if (outcome.outcome === 'refused') {
      this.core.metrics.loginFailures.inc();
      return { refused: outcome.reason, retryAfterSeconds: outcome.retryAfterSeconds };
    }
    if (outcome.outcome === 'wrong' || !user) {
      this.core.metrics.loginFailures.inc();
      return null;
    }
    const found = user;
    const sessionId = newSecret();
    const hash = sha256(sessionId);
    // Saved before the cookie is handed out: a session the browser holds survives a crash.
    const opened = await this.core.transact({ kind: 'user', id: found.id, role: found.role }, (now) => {
      // Removed or disabled while the hash ran or the save queue waited: no session.
      const current = this.core.state.users.get(found.id);
      if (!current || current.disabled) return { events: [], result: () => false };
      const mine = [...this.sessions.values()]
        .filter((s) => s.userId === found.id && s.expiresAt > now)
        .sort((a, b) => a.expiresAt - b.expiresAt);
      for (const old of mine.slice(0, Math.max(0, mine.length - this.maxSessionsPerUser + 1)))
        this.sessions.delete(old.hash);
      this.sessions.set(hash, {
        hash,
        userId: found.id,
        role: found.role,
        ...(found.hostId ? { hostId: found.hostId } : {}),
        expiresAt: now + this.sessionTtlMs,
      });
      return { events: [], result: () => true };
    });
    if (!opened) {
      this.core.metrics.loginFailures.inc();
      return null;
    }
    return { sessionId, user: found };
  }

  /**
   * A session for a host who opened a signed one-time link (see service/host-links.ts): it
   * acts for the one visit the link was made for. With `delegateId`: a delegate's link, acting
   * as that user for the host while the delegation lasts.
   */
  async openHostLinkSession(
    hostId: string,
    visitId: string,
    linkId: string,
    ttlMs: number,
    delegateId?: string,
  ): Promise<string> {
    const sessionId = newSecret();
    const hash = sha256(sessionId);
    await this.core.transact(SYSTEM, (now) => {
      this.sessions.set(hash, {
        hash,
        userId: '',
        role: 'host',
        hostId,
        visitId,
        linkId,
        ...(delegateId !== undefined ? { delegateId } : {}),
        expiresAt: now + ttlMs,
      });
      return { events: [], result: () => undefined };
    });
    return sessionId;
  }

  /** End a session; resolves once that is saved (it stays ended after a crash). */
  async logout(sessionId: string): Promise<void> {
    const hash = sha256(sessionId);
    if (!this.sessions.delete(hash)) return;
    await this.core.saveNow();
  }

  fromSession(sessionId: string): Principal | null {
    const key = sha256(sessionId);
    const s = this.sessions.get(key);
    if (!s) return null;
    if (s.expiresAt <= this.core.now()) {
      this.sessions.delete(key);
      return null;
    }
    if (s.linkId && s.delegateId !== undefined) {
      // Checked on every request: taken off the host's list, the delegate's link session ends.
      const user = this.core.state.users.get(s.delegateId);
      const host = s.hostId ? this.core.state.hosts.get(s.hostId) : undefined;
      if (!s.visitId || !user || user.disabled || user.role !== 'host' || !isDelegate(host, user.id)) {
        return null;
      }
      return {
        actor: { kind: 'user', id: user.id, role: 'host' },
        role: 'host',
        username: user.username,
        ...(user.hostId ? { hostId: user.hostId } : {}),
        visitId: s.visitId,
      };
    }
    if (s.linkId) {
      if (!s.hostId || !s.visitId || !this.core.state.hosts.has(s.hostId)) return null;
      return {
        actor: { kind: 'token', id: `link:${s.linkId}`, role: 'host' },
        role: 'host',
        hostId: s.hostId,
        visitId: s.visitId,
      };
    }
    const user = this.core.state.users.get(s.userId);
    if (!user || user.disabled) return null;
    return {
      actor: { kind: 'user', id: user.id, role: user.role },
      role: user.role,
      username: user.username,
      ...(user.hostId ? { hostId: user.hostId } : {}),
      ...(user.mustChangePassword ? { mustChangePassword: true } : {}),
    };
  }

  fromToken(token: string): Principal | null {
    const hash = sha256(token);
    for (const t of this.core.state.tokens.values()) {
      if (t.hash !== hash) continue;
      // A host token from before tokens named their host: read as "every host" by the visit
      // routes, so it is refused rather than widened.
      if (t.role === 'host' && !t.hostId) return null;
      return {
        actor: { kind: 'token', id: t.id, role: t.role },
        role: t.role,
        ...(t.role === 'host' && t.hostId ? { hostId: t.hostId } : {}),
      };
    }
    return null;
  }

  /** A new machine token; its value is returned this once. A host token names its host. */
  createToken(
    name: string,
    role: Role,
    actor: Actor,
    hostId?: string,
  ): Promise<{ token: string; record: ApiToken }> {
    if (role === 'host' && (!hostId || !this.core.state.hosts.has(hostId))) {
      throw new DomainError('invalid', 'a host token needs the id of an existing host', 'hostId');
    }
    if (role !== 'host' && hostId !== undefined) {
      throw new DomainError('invalid', 'only a host token names a host', 'hostId');
    }
    const token = `pintu_${newSecret()}`;
    return this.core.transact(actor, (now) => {
      const record: ApiToken = {
        id: randomUUID(),
        name,
        role,
        hash: sha256(token),
        ...(hostId ? { hostId } : {}),
        createdAt: now,
      };
      this.core.state.tokens.set(record.id, record);
      return {
        events: [
          {
            type: 'token.created',
            payload: { userId: record.id, username: name, role, ...(hostId ? { hostId } : {}) },
          },
        ],
        result: () => ({ token, record }),
      };
    });
  }

  revokeToken(id: string, actor: Actor): Promise<void> {
    return this.core.transact(actor, () => {
      const t = this.core.state.tokens.get(id);
      if (!t) throw new DomainError('not_found', `no token ${id}`);
      this.core.state.tokens.delete(id);
      return {
        events: [{ type: 'token.revoked', payload: { userId: id, username: t.name, role: t.role } }],
        result: () => undefined,
      };
    });
  }

  /** Drop expired sessions (called from a timer); the next save leaves them out. */
  sweep(): void {
    const now = this.core.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
  }
}
