// Login, logout, who am I; users and machine tokens (admin).
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import { ROLES, type Role } from '../../domain/types.js';
import type { Principal } from '../../service/accounts.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf, SESSION_COOKIE } from '../auth.js';
import * as S from '../schemas.js';

const ADMIN: Role[] = ['admin'];

function meOf(p: Principal): Static<typeof S.Me> {
  return {
    ...(p.username ? { username: p.username } : {}),
    role: p.role,
    ...(p.hostId ? { hostId: p.hostId } : {}),
    ...(p.mustChangePassword ? { mustChangePassword: true } : {}),
    ...(p.visitId ? { link: true } : {}),
    actor: p.actor,
  };
}
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

export async function accountRoutes(
  app: FastifyInstance,
  opts: { gateway: Gateway; cookieSecure: boolean; loginRateLimit: { max: number; windowMinutes: number } },
) {
  const { accounts } = opts.gateway;

  app.post<{ Body: Static<typeof S.LoginBody> }>(
    '/auth/login',
    {
      config: {
        roles: 'public',
        rateLimit: {
          max: opts.loginRateLimit.max * 2,
          timeWindow: opts.loginRateLimit.windowMinutes * 60_000,
        },
      },
      schema: {
        tags: ['auth'],
        operationId: 'login',
        summary: 'Log in: sets the session cookie (rate-limited per address and per user name)',
        body: S.LoginBody,
        response: { 200: S.Me, 400: S.ErrorBody, 401: S.ErrorBody, 429: S.ErrorBody, 503: S.ErrorBody },
      },
    },
    async (req, reply) => {
      const r = await accounts.login(req.body.username, req.body.password, req.ip);
      if (!r) return reply.code(401).send({ error: 'unauthorized', message: 'wrong user name or password' });
      if ('refused' in r) {
        // Refused before any hash: too many failures from here, or too many checks at once.
        reply.header('retry-after', String(r.retryAfterSeconds));
        return r.refused === 'busy'
          ? reply.code(503).send({ error: 'busy', message: 'too many logins at once; try again shortly' })
          : reply.code(429).send({
              error: 'too_many_attempts',
              message: `too many failed logins from this address; try again in ${r.retryAfterSeconds} s`,
            });
      }
      reply.setCookie(SESSION_COOKIE, r.sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.cookieSecure,
        maxAge: Math.floor(opts.gateway.config.http.sessionTtlMinutes * 60),
      });
      return meOf(accounts.fromSession(r.sessionId)!);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'Log out: ends this session and clears its cookie',
        response: { 200: S.Ok, 401: S.ErrorBody },
      },
    },
    async (req, reply) => {
      const sid = req.cookies[SESSION_COOKIE];
      if (sid) await accounts.logout(sid);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  );

  app.get(
    '/auth/me',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['auth'],
        operationId: 'getMe',
        summary: 'Who I am: role, host, actor; whether my password must change',
        response: { 200: S.Me, 401: S.ErrorBody },
      },
    },
    async (req) => meOf(principalOf(req)),
  );

  app.post<{ Body: Static<typeof S.PasswordChange> }>(
    '/auth/password',
    {
      config: { roles: ROLES },
      schema: {
        tags: ['auth'],
        operationId: 'changeMyPassword',
        summary: 'Change my password (required after a one-time password)',
        body: S.PasswordChange,
        response: { 200: S.Ok, 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.actor.kind !== 'user') throw new DomainError('invalid', 'tokens have no password');
      await accounts.changeOwnPassword(
        p.actor.id,
        req.body.current,
        req.body.password,
        req.cookies[SESSION_COOKIE],
      );
      return { ok: true };
    },
  );

  app.get(
    '/users',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'listUsers',
        summary: 'Users of the panel',
        response: { 200: { type: 'array', items: S.User }, ...errors },
      },
    },
    async () => accounts.users(),
  );

  app.post<{ Body: Static<typeof S.UserCreate> }>(
    '/users',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'createUser',
        summary: 'Add a user (a one-time password by default)',
        body: S.UserCreate,
        response: { 201: S.User, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await accounts.addUser(req.body, principalOf(req).actor)),
  );

  app.delete<{ Params: { id: string } }>(
    '/users/:id',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'deleteUser',
        summary: 'Remove a user by user name',
        params: S.IdParams,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await accounts.removeUser(req.params.id, principalOf(req).actor);
      return { ok: true };
    },
  );

  app.post<{ Body: Static<typeof S.TokenCreate> }>(
    '/tokens',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'createToken',
        summary: 'A bearer token for a machine client; its value is shown once',
        body: S.TokenCreate,
        response: { 201: S.TokenCreated, ...errors },
      },
    },
    async (req, reply) => {
      const { token, record } = await accounts.createToken(
        req.body.name,
        req.body.role,
        principalOf(req).actor,
        req.body.hostId,
      );
      return reply.code(201).send({
        id: record.id,
        name: record.name,
        role: record.role,
        ...(record.hostId ? { hostId: record.hostId } : {}),
        token,
      });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'revokeToken',
        summary: 'Revoke a machine token',
        params: S.IdParams,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await accounts.revokeToken(req.params.id, principalOf(req).actor);
      return { ok: true };
    },
  );
}
