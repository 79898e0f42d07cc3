// The fastify application: plugins (cookies, login rate limit, OpenAPI at /docs, auth), the
// error mapping, and the route modules. Built without listening, so tests use inject().
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { ROLES } from '../domain/types.js';
import type { Fleet } from '../fleet/index.js';
import type { Gateway } from '../service/gateway.js';
import auth from './auth.js';
import { DeskWaits } from './desk-wait.js';
import { errorBody, statusOf } from './domain-errors.js';
import { boundJsonBodies, capConnections, notFoundBeforeBody, serverOptions } from './limits.js';
import panel, { PANEL_CSP } from './panel.js';
import { accountRoutes } from './routes/accounts.js';
import { appointmentRoutes } from './routes/appointments.js';
import { type ContractDocuments, contractRoutes } from './routes/contracts.js';
import { directoryRoutes } from './routes/directory.js';
import { doorRoutes } from './routes/doors.js';
import { eventRoutes } from './routes/events.js';
import { fleetRoutes } from './routes/fleet.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { panelRoutes } from './routes/panel.js';
import { surveyRoutes } from './routes/survey.js';
import { visitRoutes } from './routes/visits.js';
import { watchlistRoutes } from './routes/watchlist.js';
import * as S from './schemas.js';
import { SseStreams } from './sse.js';

export interface HttpOptions {
  gateway: Gateway;
  logger: Logger;
  cookieSecure?: boolean;
  loginRateLimit?: { max: number; windowMinutes: number };
  version?: string;
  /** Folder of the built web panel (default: dist/panel of the package). */
  panelDir?: string;
  /** More of GET /api/v1/health: `mqtt` (broker connection, event backlog) when MQTT runs. */
  health?: { mqtt?: () => unknown };
  /** The MQTT contract's AsyncAPI document and JSON Schemas, served beside /docs. */
  mqttContract?: ContractDocuments;
  /** This gateway's part in a fleet: its status route; on a desk, the door gateways' snapshots. */
  fleet?: Fleet;
}

export async function buildHttp(opts: HttpOptions): Promise<FastifyInstance> {
  const { limits, trustProxy } = opts.gateway.config.http;
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    // Only the listed proxies' X-Forwarded-* are believed (configuration refuses `true`).
    trustProxy: trustProxy === false ? false : [...trustProxy],
    // Per-request lines would carry URLs with visit ids on every poll; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    http: serverOptions(limits),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
  });

  app.setErrorHandler((err: FastifyError | DomainError, req, reply) => {
    if (err instanceof DomainError) {
      return reply.code(statusOf(err)).send(errorBody(err));
    }
    if ('validation' in err && err.validation) {
      const first = err.validation[0];
      const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
      const path = first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
      const field = [path, params?.missingProperty ?? params?.additionalProperty].filter(Boolean).join('.');
      const where = [err.validationContext, field].filter(Boolean).join('.') || 'request';
      const what = params?.additionalProperty ? 'is not allowed' : (first?.message ?? 'is invalid');
      return reply.code(400).send({
        error: 'bad_request',
        message: `${where} ${what}`,
        field: field || err.validationContext || 'body',
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({
        error: 'body_too_large',
        message: `the body is larger than http.limits.bodyBytes (${limits.bodyBytes} bytes)`,
      });
    }
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.code ?? 'error', message: err.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  capConnections(app.server, limits, trustProxy);
  notFoundBeforeBody(app);
  boundJsonBodies(app, limits);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  // A POST or PUT without a body is an empty object: `curl -X POST .../unlock` works, and
  // required fields are still named by the schema.
  app.addHook('preValidation', async (req) => {
    if ((req.method === 'POST' || req.method === 'PUT') && req.body === undefined) req.body = {};
  });

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Pintu API',
        version: opts.version ?? '0',
        description: 'Visitor access gateway of Biro Umum (SOP Pelayanan Penerimaan Tamu).',
        license: { name: 'UNLICENSED (proprietary: Biro Umum)' },
      },
      // Relative: the document is served by the gateway it describes, whatever its address
      // (paths carry /api/v1 themselves, beside /healthz and /metrics).
      servers: [{ url: '/', description: 'The gateway serving this document' }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'pintu_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
  });
  // Panel settings (the admin's panel address among them) are read by the cross-site check
  // and changed by the admin routes: the gateway's one store for both.
  const { settings } = opts.gateway;
  await app.register(auth, { accounts: opts.gateway.accounts, publicUrl: () => settings.get().publicUrl });
  // The OpenAPI reference is for anyone logged in; every other route declares its roles.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), roles: ROLES };
  });
  // The reference runs in the same browser as the panel, logged in: the panel's CSP (no inline
  // script, nothing from elsewhere) holds for it too.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
    staticCSP: PANEL_CSP,
  });
  if (opts.mqttContract) await app.register(contractRoutes, { documents: opts.mqttContract });

  // One count of live feeds per login across both feeds (journal and host).
  const streams = new SseStreams(limits.sseStreamsPerUser);
  // One count of waits for a desk tap across both routes that wait (next-tap, badge by tap).
  const deskWaits = new DeskWaits(opts.gateway, limits);
  await app.register(
    async (api) => {
      await api.register(accountRoutes, {
        gateway: opts.gateway,
        cookieSecure: opts.cookieSecure ?? false,
        loginRateLimit: opts.loginRateLimit ?? { max: 5, windowMinutes: 15 },
      });
      await api.register(visitRoutes, { gateway: opts.gateway, deskWaits });
      await api.register(groupRoutes, { gateway: opts.gateway, deskWaits });
      await api.register(appointmentRoutes, { gateway: opts.gateway });
      await api.register(surveyRoutes, { gateway: opts.gateway });
      await api.register(watchlistRoutes, { gateway: opts.gateway });
      await api.register(doorRoutes, { gateway: opts.gateway, deskWaits });
      await api.register(directoryRoutes, { gateway: opts.gateway });
      await api.register(eventRoutes, { gateway: opts.gateway, streams });
      if (opts.fleet) await api.register(fleetRoutes, { fleet: opts.fleet });
      await api.register(panelRoutes, {
        gateway: opts.gateway,
        streams,
        cookieSecure: opts.cookieSecure ?? false,
      });
    },
    { prefix: '/api/v1' },
  );

  // The web panel: static, public assets; its data comes from the API above, behind a login.
  await app.register(panel, opts.panelDir ? { dir: opts.panelDir } : {});

  await app.register(healthRoutes, {
    gateway: opts.gateway,
    ...(opts.health ? { health: opts.health } : {}),
    ...(opts.fleet ? { fleet: opts.fleet.health } : {}),
  });

  app.get(
    '/metrics',
    {
      config: { roles: ['admin', 'facilities', 'security'] },
      schema: {
        tags: ['system'],
        operationId: 'getMetrics',
        summary: 'Metrics in the Prometheus text format',
        hide: false,
        response: { 200: S.PrometheusText, 401: S.ErrorBody, 403: S.ErrorBody },
      },
    },
    async (_req, reply) => {
      const registry = opts.gateway.core.metrics.registry;
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
  return app;
}
