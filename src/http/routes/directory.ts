// The badge pool, the hosts, and personal data requests.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/types.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf } from '../auth.js';
import * as S from '../schemas.js';

const STAFF: Role[] = ['admin', 'receptionist', 'security'];
const DESK: Role[] = ['admin', 'receptionist'];
const ADMIN: Role[] = ['admin'];
const ALL: Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

export async function directoryRoutes(app: FastifyInstance, { gateway }: { gateway: Gateway }) {
  const { directory, privacy } = gateway;

  app.get(
    '/badges',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['badges'],
        operationId: 'listBadges',
        summary: "The badge pool with each badge's status",
        response: { 200: { type: 'array', items: S.Badge }, ...errors },
      },
    },
    async () => gateway.enrolment.pool(directory.badges()),
  );

  app.post<{ Body: Static<typeof S.BadgeCreate> }>(
    '/badges',
    {
      config: { roles: DESK },
      schema: {
        tags: ['badges'],
        operationId: 'createBadge',
        summary: 'Add a badge to the pool',
        body: S.BadgeCreate,
        response: { 201: S.Badge, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await directory.addBadge(req.body, principalOf(req).actor)),
  );

  app.get(
    '/escorts',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['escorts'],
        operationId: 'listEscorts',
        summary: 'Escort cards: staff cards that accompany guests through escort doors (SOP step 6)',
        response: { 200: { type: 'array', items: S.EscortCard }, ...errors },
      },
    },
    async () => gateway.escorts.list(),
  );

  app.post<{ Body: Static<typeof S.EscortCreate> }>(
    '/escorts',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['escorts'],
        operationId: 'createEscort',
        summary: "Enrol a staff member's card as an escort card",
        body: S.EscortCreate,
        response: { 201: S.EscortCard, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await gateway.escorts.enrol(req.body, principalOf(req).actor)),
  );

  app.delete<{ Params: { id: string } }>(
    '/escorts/:id',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['escorts'],
        operationId: 'revokeEscort',
        summary: 'Revoke an escort card: it completes no pair from now on',
        params: S.IdParams,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await gateway.escorts.revoke(req.params.id, principalOf(req).actor);
      return { ok: true };
    },
  );

  app.post<{ Params: { id: string }; Body: { lost: boolean } }>(
    '/badges/:id/lost',
    {
      config: { roles: DESK },
      schema: {
        tags: ['badges'],
        operationId: 'markBadgeLost',
        summary: 'Mark a badge lost (refused everywhere) or found again',
        params: S.IdParams,
        body: {
          type: 'object',
          properties: { lost: { type: 'boolean' } },
          required: ['lost'],
          additionalProperties: false,
        },
        response: { 200: S.Badge, ...errors },
      },
    },
    async (req) => directory.setBadgeLost(req.params.id, req.body.lost, principalOf(req).actor),
  );

  app.post<{ Body: Static<typeof S.DeskReaderBody> }>(
    '/badges/personalise',
    {
      config: { roles: DESK },
      schema: {
        tags: ['badges'],
        operationId: 'personaliseBadge',
        summary:
          'Personalise the factory NTAG 424 DNA on a desk reader: its keys become the site keys diversified for it (journaled); the badge must be in the pool',
        body: S.DeskReaderBody,
        response: { 200: S.Badge, ...errors },
      },
    },
    async (req) => gateway.enrolment.personalise(req.body.readerId, principalOf(req).actor),
  );

  app.post<{ Body: Static<typeof S.DeskReaderBody> }>(
    '/badges/recycle',
    {
      config: { roles: DESK },
      schema: {
        tags: ['badges'],
        operationId: 'recycleBadge',
        summary:
          "Re-personalise the badge on a desk reader whose keys are of an older site key (after `pintu keys rotate`): its keys become the current site key's (journaled)",
        body: S.DeskReaderBody,
        response: { 200: S.Badge, ...errors },
      },
    },
    async (req) => gateway.enrolment.recycle(req.body.readerId, principalOf(req).actor),
  );

  app.get(
    '/hosts',
    {
      config: { roles: ALL },
      schema: {
        tags: ['hosts'],
        operationId: 'listHosts',
        summary: 'Hosts (officials visited) with their rooms',
        response: { 200: { type: 'array', items: S.Host }, ...errors },
      },
    },
    async () => directory.hosts(),
  );

  app.put<{ Params: { id: string }; Body: Static<typeof S.HostBody> }>(
    '/hosts/:id',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['hosts'],
        operationId: 'upsertHost',
        summary: 'Create or update a host',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 60 } },
          required: ['id'],
        },
        body: S.HostBody,
        response: { 200: S.Host, ...errors },
      },
    },
    async (req) =>
      directory.saveHost(
        { id: req.params.id, ...req.body, rooms: req.body.rooms ?? [] },
        principalOf(req).actor,
      ),
  );

  app.put<{ Params: { id: string }; Body: Static<typeof S.DelegatesBody> }>(
    '/hosts/:id/delegates',
    {
      config: { roles: ['admin', 'host'] },
      schema: {
        tags: ['hosts'],
        operationId: 'setHostDelegates',
        summary: "Name a host's delegates (admin, or the host themselves)",
        description:
          "Delegates are other host logins (a secretary, an aide): they see and may decide the host's visits, " +
          'recorded as themselves with onBehalfOf the host; when the host is absent the approval requests ' +
          'are theirs. 400 (field delegates, rule unknown_user, not_host, own_login, repeat, too_many).',
        params: S.IdParams,
        body: S.DelegatesBody,
        response: { 200: S.Host, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.role === 'host' && (p.visitId || p.hostId !== req.params.id)) {
        throw new DomainError('forbidden', 'a host names their own delegates only');
      }
      return directory.setDelegates(req.params.id, req.body.delegates, p.actor);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/guests/:id/export',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['privacy'],
        operationId: 'exportGuest',
        summary: 'Everything kept about one guest (UU 27/2022 access request)',
        params: S.IdParams,
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req) => privacy.export(req.params.id, principalOf(req).actor),
  );

  app.post<{ Params: { id: string } }>(
    '/guests/:id/erase',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['privacy'],
        operationId: 'eraseGuest',
        summary: "Erase one guest's identity data now (counts stay)",
        params: S.IdParams,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await privacy.erase(req.params.id, principalOf(req).actor);
      return { ok: true };
    },
  );
}
