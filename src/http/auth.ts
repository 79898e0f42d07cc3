// Who is calling: a session cookie (people, from the login route) or a bearer token (machine
// clients). Every route declares the roles it admits in `config.roles`; a route that
// declares none admits nobody, so a forgotten declaration fails closed.
//
// A browser sends the cookie with any request, whoever's page made it; so a state change
// without a bearer token must come from this gateway's own pages (see `crossSite`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../domain/types.js';
import type { AccountService, Principal } from '../service/accounts.js';

export const SESSION_COOKIE = 'pintu_session';

/** What a user with a one-time password may still do. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/v1/auth/me', '/api/v1/auth/logout', '/api/v1/auth/password']);

/**
 * What a session opened by a host's one-time link may do (method and route): see and decide
 * its one visit (the visit routes check that it is that visit), and what the panel needs to
 * show it. No other host action.
 */
const LINK_ROUTES = new Set([
  'GET /api/v1/auth/me',
  'POST /api/v1/auth/logout',
  'GET /api/v1/panel/bootstrap',
  'GET /api/v1/panel/clock',
  'GET /api/v1/visits',
  'GET /api/v1/visits/:id',
  'POST /api/v1/visits/:id/decision',
  'GET /api/v1/host/stream',
]);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted, or 'public' (health only). */
    roles?: readonly Role[] | 'public';
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Methods that change something; GET and HEAD change nothing (routes keep that promise). */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `host[:port]` as a URL would print it (default ports dropped), or undefined. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Why a request is cross-site, or undefined when it is not. Same-origin means: the Origin's
 * host and port are those the request came to (the Host header, or X-Forwarded-Host from a
 * proxy listed in http.trustProxy), or those of the panel address set by the admin
 * (panel-settings.json publicUrl). Without Origin, Sec-Fetch-Site decides; a request with
 * neither is not from a browser (browsers send Origin with every POST, PUT, PATCH, DELETE),
 * so it carries no cookie it did not mean to.
 */
export function crossSite(req: FastifyRequest, publicUrl: string | undefined): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const from = hostOf(origin);
    const own = [hostOf(`http://${req.host}`), publicUrl ? hostOf(publicUrl) : undefined];
    if (from !== undefined && own.includes(from)) return undefined;
    return `Origin ${origin} is not this gateway`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  return `Sec-Fetch-Site ${site}`;
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route reached without a principal');
  return req.principal;
}

export default fp(
  async (app: FastifyInstance, opts: { accounts: AccountService; publicUrl: () => string | undefined }) => {
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      // No route matched: the 404 handler answers, there is nothing to guard.
      if (req.routeOptions.url === undefined) return;
      const auth = req.headers.authorization;
      // Checked for public routes too (login, host links): a foreign page must not log a
      // browser in as someone else either. A body-less POST gets no exemption.
      if (STATE_CHANGING.has(req.method) && !auth?.startsWith('Bearer ')) {
        const why = crossSite(req, opts.publicUrl());
        if (why) {
          return reply
            .code(403)
            .send({ error: 'cross_site', message: `cross-site request refused (${why})` });
        }
      }
      const roles = req.routeOptions.config?.roles;
      if (roles === 'public') return;
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
      if (
        req.principal.visitId &&
        !LINK_ROUTES.has(`${req.method === 'HEAD' ? 'GET' : req.method} ${req.routeOptions.url}`)
      ) {
        return reply.code(403).send({
          error: 'forbidden',
          message: 'a host link is for deciding its one visit; log in for more',
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
