// The watchlist (daftar perhatian) through the API: security and admin only, every read and
// change journaled (service/watchlist.ts). A document number is taken to be hashed, and never
// given back: an entry says only whether it has one.
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Role } from '../../domain/types.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf } from '../auth.js';
import * as S from '../schemas.js';

const GUARD: Role[] = ['admin', 'security'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

const EntryBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    institution: Type.String({ maxLength: 200, default: '' }),
    documentNumber: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          'Kept only as a keyed hash; on a change, left out keeps the one on the entry, empty takes it off',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    validUntil: Type.Integer({ description: 'Epoch ms; at most watchlist.maxDays ahead' }),
  },
  { additionalProperties: false },
);
const Entry = Type.Object({
  id: Type.String(),
  name: Type.String(),
  institution: Type.String(),
  hasDocument: Type.Boolean(),
  reason: Type.String(),
  validUntil: Type.Integer(),
  createdAt: Type.Integer(),
  createdBy: Type.String(),
});

export async function watchlistRoutes(app: FastifyInstance, { gateway }: { gateway: Gateway }) {
  const { watchlist } = gateway;
  const actor = (req: Parameters<typeof principalOf>[0]) => principalOf(req).actor;

  app.get(
    '/watchlist',
    {
      config: { roles: GUARD },
      schema: {
        tags: ['watchlist'],
        operationId: 'listWatchlist',
        summary: 'Watchlist entries, newest first (the read is journaled)',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: Type.Array(Entry), ...errors },
      },
    },
    async (req) => watchlist.list(actor(req)),
  );

  app.post<{ Body: Static<typeof EntryBody> }>(
    '/watchlist',
    {
      config: { roles: GUARD },
      schema: {
        tags: ['watchlist'],
        operationId: 'addWatchlistEntry',
        summary: 'Add a watchlist entry',
        description:
          'A name (not titles only: 400 rule watchlist_name), a reason, a valid-until after now and within ' +
          'watchlist.maxDays (rule watchlist_valid_until); 409 state full at watchlist.maxEntries.',
        body: EntryBody,
        response: { 201: Entry, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(await watchlist.add(req.body, actor(req))),
  );

  app.get<{ Params: Static<typeof S.IdParams> }>(
    '/watchlist/:id',
    {
      config: { roles: GUARD },
      schema: {
        tags: ['watchlist'],
        operationId: 'getWatchlistEntry',
        summary: 'One watchlist entry (the read is journaled)',
        params: S.IdParams,
        response: { 200: Entry, ...errors },
      },
    },
    async (req) => watchlist.get(req.params.id, actor(req)),
  );

  app.put<{ Params: Static<typeof S.IdParams>; Body: Static<typeof EntryBody> }>(
    '/watchlist/:id',
    {
      config: { roles: GUARD },
      schema: {
        tags: ['watchlist'],
        operationId: 'updateWatchlistEntry',
        summary: 'Change a watchlist entry',
        params: S.IdParams,
        body: EntryBody,
        response: { 200: Entry, ...errors },
      },
    },
    async (req) => watchlist.update(req.params.id, req.body, actor(req)),
  );

  app.delete<{ Params: Static<typeof S.IdParams> }>(
    '/watchlist/:id',
    {
      config: { roles: GUARD },
      schema: {
        tags: ['watchlist'],
        operationId: 'removeWatchlistEntry',
        summary: 'Remove a watchlist entry',
        params: S.IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await watchlist.remove(req.params.id, actor(req));
      return reply.code(204).send();
    },
  );
}
