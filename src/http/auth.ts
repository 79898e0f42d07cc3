// Who is calling: a session cookie (people, from the login route) or a bearer token (machine
// clients). Every route declares the roles it admits in `config.roles`; a route that
// declares none admits nobody, so a forgotten declaration fails closed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../domain/types.js';
import type { AccountService, Principal } from '../service/accounts.js';

export const SESSION_COOKIE = 'pintu_session';

/** What a user with a one-time password may still do. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/v1/auth/me', '/api/v1/auth/logout', '/api/v1/auth/password']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted, or 'public' (health only). */
    roles?: readonly Role[] | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route reached without a principal');
  return req.principal;
}

export default fp(
  async (app: FastifyInstance, opts: { accounts: AccountService }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      // No route matched: the 404 handler answers, there is nothing to guard.
      if (req.routeOptions.url === undefined) return;
      const roles = req.routeOptions.config?.roles;
      if (roles === 'public') return;
      const auth = req.headers.authorization;
      const cookie = req.cookies?.[SESSION_COOKIE];
      req.principal = auth?.startsWith('Bearer ')
        ? opts.accounts.fromToken(auth.slice(7).trim())
        : cookie
          ? opts.accounts.fromSession(cookie)
          : null;
      if (!req.principal) {
        return reply.code(401).send({ error: 'unauthorized', message: 'log in or send a bearer token' });
      }
      if (req.principal.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(req.routeOptions.url)) {
        return reply.code(403).send({
          error: 'password_change_required',
          message: 'change the one-time password first (POST /api/v1/auth/password)',
        });
      }
      if (!roles?.includes(req.principal.role)) {
        return reply
          .code(403)
          .send({ error: 'forbidden', message: `role ${req.principal.role} may not do this` });
      }
    });
  },
  { name: 'pintu-auth', dependencies: ['@fastify/cookie'] },
);
