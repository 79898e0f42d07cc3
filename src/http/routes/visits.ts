// The SOP through the API: arrival, screening, guest book, host decision, badge, checkout,
// and the desk application's sync. Hosts see and decide only their own visits.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { closedNow } from '../../domain/access.js';
import { mayActFor } from '../../domain/delegation.js';
import { DomainError } from '../../domain/errors.js';
import type { Role, Visit } from '../../domain/types.js';
import { isCalendarDate, stepTimings } from '../../domain/visit.js';
import type { Principal } from '../../service/accounts.js';
import type { Gateway } from '../../service/gateway.js';
import { VisitDays } from '../../service/visit-days.js';
import { principalOf } from '../auth.js';
import type { DeskWaits } from '../desk-wait.js';
import { errorBody, statusOf } from '../domain-errors.js';
import * as S from '../schemas.js';

const DESK: Role[] = ['admin', 'receptionist'];
const READ: Role[] = ['admin', 'receptionist', 'security', 'host'];
const SCREEN: Role[] = ['admin', 'receptionist', 'security'];
const DECIDE: Role[] = ['admin', 'receptionist', 'host'];

export function visitBody(v: Visit, now: number): Static<typeof S.Visit> {
  const { accessCode, ...rest } = v;
  return {
    ...rest,
    hasAccessCode: Boolean(accessCode),
    timings: stepTimings(v, v.escortedAt ?? v.firstEntryAt, now),
  };
}

/**
 * A host reaches only visits to themselves or to a host who named them a delegate, and a host
 * link only its one visit (a delegate's link: while still a delegate); everyone else, any visit.
 */
export function reaches(gateway: Gateway, p: Principal, v: Visit): boolean {
  if (p.role !== 'host') return true;
  if (p.visitId && v.id !== p.visitId) return false;
  const host = gateway.core.state.hosts.get(v.hostId);
  return (
    v.hostId === p.hostId ||
    (host !== undefined && p.actor.kind === 'user' && mayActFor(host, p.actor.id, p.hostId))
  );
}

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

/**
 * Who recorded a step, as security's watchlist alert names the desk: the login's user name, or
 * a token's name (a desk application), never an opaque id when a name is known.
 */
export function deskOf(gateway: Gateway, p: Principal): string {
  if (p.username) return p.username;
  if (p.actor.kind === 'token') return gateway.core.state.tokens.get(p.actor.id)?.name ?? p.actor.id;
  return p.actor.id;
}

/**
 * The watchlist check of the identity document handed in as collateral at badge issue (SOP
 * step 5a): `{ watchlist: true }` for the answer when its number matched an entry.
 */
export async function collateralFlag(
  gateway: Gateway,
  visit: Visit,
  documentNumber: string | undefined,
  desk: string,
): Promise<{ watchlist?: true }> {
  if (!documentNumber) return {};
  const matches = await gateway.watchlist.screenCollateral(visit, documentNumber, desk);
  return matches.length > 0 ? { watchlist: true } : {};
}

export async function visitRoutes(
  app: FastifyInstance,
  { gateway, deskWaits }: { gateway: Gateway; deskWaits: DeskWaits },
) {
  const { visits } = gateway;
  const days = new VisitDays(gateway.core);
  const now = () => gateway.core.now();
  const actor = (req: FastifyRequest) => principalOf(req).actor;

  const mine = (p: Principal, v: Visit) => reaches(gateway, p, v);
  /** A delegate deciding for another host: that host, recorded with the step. */
  const behalf = (req: FastifyRequest, v: Visit): { onBehalfOf?: string } => {
    const p = principalOf(req);
    return p.role === 'host' && v.hostId !== p.hostId ? { onBehalfOf: v.hostId } : {};
  };
  const visible = (req: FastifyRequest, v: Visit | undefined): Visit => {
    if (!v || !mine(principalOf(req), v)) throw new DomainError('not_found', 'visit not found');
    return v;
  };
  const open = (req: FastifyRequest<{ Params: { id: string } }>) =>
    visible(req, visits.get(req.params.id) ?? gateway.core.state.closedRecently(req.params.id));

  app.post<{ Body: Static<typeof S.ArrivalBody> }>(
    '/visits',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'createVisit',
        summary: 'Guest arrives (SOP step 1)',
        body: S.ArrivalBody,
        response: { 201: S.Visit, ...errors },
      },
    },
    async (req, reply) => {
      const { documentNumber, ...guest } = req.body.guest;
      const v = await visits.arrive(
        {
          guest,
          purpose: req.body.purpose,
          ...(req.body.purposeCategory !== undefined ? { purposeCategory: req.body.purposeCategory } : {}),
          hostId: req.body.hostId,
          ...(req.body.externalId ? { externalId: req.body.externalId } : {}),
        },
        actor(req),
      );
      const where = { source: 'arrival', desk: deskOf(gateway, principalOf(req)) } as const;
      const flagged = (await gateway.watchlist.screen(v, where, documentNumber)).length > 0;
      return reply.code(201).send({ ...visitBody(v, now()), ...(flagged ? { watchlist: true } : {}) });
    },
  );

  app.get<{ Querystring: Static<typeof S.VisitQuery> }>(
    '/visits',
    {
      config: { roles: READ },
      schema: {
        tags: ['visits'],
        operationId: 'listVisits',
        summary: 'Open visits, newest first (with date: the visits of that day, closed ones too)',
        querystring: S.VisitQuery,
        response: { 200: { type: 'array', items: S.Visit }, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      // A host's list is filtered by `mine` (own visits and those of hosts they stand in for).
      const hostId = p.role === 'host' ? undefined : req.query.hostId;
      if (req.query.date) {
        const today = days.today();
        const date = req.query.date === 'today' ? today : req.query.date;
        // The pattern lets 2026-02-30 and 2026-13-01 through; the month's archive cannot.
        if (!isCalendarDate(date)) {
          throw new DomainError('invalid', `date ${date} is no calendar date`, 'date', {
            rule: 'date_format',
          });
        }
        const list = await days.ofDay(date, { openToo: date === today, ...(hostId ? { hostId } : {}) });
        return list
          .filter((v) => mine(p, v) && (!req.query.state || v.state === req.query.state))
          .map((v) => visitBody(v, now()));
      }
      const list = visits.list({
        ...(req.query.state ? { state: req.query.state } : {}),
        ...(hostId ? { hostId } : {}),
      });
      return list.filter((v) => mine(p, v)).map((v) => visitBody(v, now()));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/visits/:id',
    {
      config: { roles: READ },
      schema: {
        tags: ['visits'],
        operationId: 'getVisit',
        summary: 'One visit with its history and step timings',
        params: S.IdParams,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) => visitBody(visible(req, await visits.find(req.params.id)), now()),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.ScreeningBody> }>(
    '/visits/:id/screening',
    {
      config: { roles: SCREEN },
      schema: {
        tags: ['visits'],
        operationId: 'recordScreening',
        summary: 'Screening: shoes, attire, belongings (SOP step 2); only security refuses',
        params: S.IdParams,
        body: S.ScreeningBody,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (!req.body.passed && p.role !== 'security' && p.role !== 'admin') {
        throw new DomainError('forbidden', 'only security may refuse a guest at screening');
      }
      return visitBody(await visits.screen(req.params.id, req.body, p.actor), now());
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.GuestbookBody> }>(
    '/visits/:id/guestbook',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'recordGuestbook',
        summary: 'Guest book entry (SOP step 3); the host is asked next',
        params: S.IdParams,
        body: S.GuestbookBody,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) => visitBody(await visits.guestbook(req.params.id, req.body, actor(req)), now()),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.DecisionBody> }>(
    '/visits/:id/decision',
    {
      config: { roles: DECIDE },
      schema: {
        tags: ['visits'],
        operationId: 'recordHostDecision',
        summary: "The host's decision (SOP step 4): accepted (with rooms), refused, host_absent (reschedule)",
        params: S.IdParams,
        body: S.DecisionBody,
        response: { 200: S.VisitWithCode, ...errors },
      },
    },
    async (req) => {
      const v = open(req);
      const r = await visits.decide(req.params.id, { ...req.body, ...behalf(req, v) }, actor(req));
      return { visit: visitBody(r.visit, now()), ...(r.accessCode ? { accessCode: r.accessCode } : {}) };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.GrantBody> }>(
    '/visits/:id/grant',
    {
      config: { roles: DECIDE },
      schema: {
        tags: ['visits'],
        operationId: 'grantRooms',
        summary: "Grant rooms (the host's right, SOP step 6)",
        params: S.IdParams,
        body: S.GrantBody,
        response: { 200: S.VisitWithCode, ...errors },
      },
    },
    async (req) => {
      const v = open(req);
      const r = await visits.grant(req.params.id, req.body.rooms, actor(req), behalf(req, v).onBehalfOf);
      return { visit: visitBody(r.visit, now()), ...(r.accessCode ? { accessCode: r.accessCode } : {}) };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.GrantBody> }>(
    '/visits/:id/withdraw',
    {
      config: { roles: DECIDE },
      schema: {
        tags: ['visits'],
        operationId: 'withdrawRooms',
        summary:
          'Take granted rooms back: their doors refuse the badge and the keypad code at once (before the change is journaled)',
        params: S.IdParams,
        body: S.GrantBody,
        response: { 200: S.VisitWithCode, ...errors },
      },
    },
    async (req) => {
      const v = open(req);
      const r = await visits.withdraw(req.params.id, req.body.rooms, actor(req), behalf(req, v).onBehalfOf);
      return { visit: visitBody(r.visit, now()) };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.BadgeBody> }>(
    '/visits/:id/badge',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'issueBadge',
        summary: 'Issue a badge against an identity document (SOP step 5a)',
        description:
          'Give `badge` (UID, id or label), or `nextTap: true` to bind the next badge tapped on the desk reader ' +
          '`reader` (the request waits up to waitSeconds; 408 when none came; 409 reader_busy when another desk ' +
          'waits on that reader, as GET /desk/next-tap). The document number is stored masked.',
        params: S.IdParams,
        body: S.BadgeBody,
        response: { 200: S.Visit, 408: S.ErrorBody, 429: S.ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const visit = open(req);
      let badge = req.body.badge;
      if (!badge) {
        // Refuse before waiting, so a wrong visit does not swallow the next tap.
        if (visit.state !== 'accepted') {
          throw new DomainError(
            'illegal_transition',
            `cannot issue a badge to a visit that is ${visit.state}`,
          );
        }
        if (!req.body.nextTap) throw new DomainError('invalid', 'give badge, or nextTap: true', 'badge');
        const read = await deskWaits.next(req, reply, req.body.reader, req.body.waitSeconds ?? 60);
        if (!read) return reply;
        badge = read.uid;
      }
      const badged = await visits.issueBadge(
        req.params.id,
        { badge, collateral: req.body.collateral },
        actor(req),
      );
      const flagged = await collateralFlag(
        gateway,
        badged,
        req.body.collateral?.number,
        deskOf(gateway, principalOf(req)),
      );
      // A badge that opens nothing now (after office hours) says so, or the guest finds out at the door.
      const closed = closedNow(gateway.core.state, badged, now());
      return { ...visitBody(badged, now()), ...(closed ? { closedNow: closed } : {}), ...flagged };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.CheckoutBody> }>(
    '/visits/:id/checkout',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'checkOutVisit',
        summary: 'Checkout (SOP step 7): access ends at once; badge back, document returned',
        params: S.IdParams,
        body: S.CheckoutBody,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) =>
      visitBody(
        await visits.checkout(
          req.params.id,
          {
            badgeReturned: req.body.badgeReturned ?? true,
            documentReturned: req.body.documentReturned ?? true,
          },
          actor(req),
        ),
        now(),
      ),
  );

  app.post<{ Params: { id: string } }>(
    '/visits/:id/document-returned',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'returnDocument',
        summary: "The guest's identity document was handed back: the visit closes",
        params: S.IdParams,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) => visitBody(await visits.returnDocument(req.params.id, actor(req)), now()),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.CancelBody> }>(
    '/visits/:id/cancel',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'cancelVisit',
        summary: 'The guest left before a badge was issued',
        params: S.IdParams,
        body: S.CancelBody,
        response: { 200: S.Visit, ...errors },
      },
    },
    async (req) => visitBody(await visits.cancel(req.params.id, req.body, actor(req)), now()),
  );

  app.put<{ Body: Static<typeof S.SyncBody> }>(
    '/sync/visits',
    {
      config: { roles: DESK },
      schema: {
        tags: ['sync'],
        operationId: 'syncVisits',
        summary: 'Idempotent batch upsert by external id (desk application)',
        description:
          'Each item is applied on its own and answered with its own `status`: 200 applied or already ' +
          "there; 409 when its status contradicts the visit's state (`error.field` status, " +
          '`error.state` the state); 400/403/404 for a bad item (an unknown host, a room the host may ' +
          'not grant). The other items apply all the same. The answer is 200 when every item is 200, ' +
          'otherwise 207 (multi-status). Only a journal that cannot write (503) stops the batch; the ' +
          'items before it are applied, and a retry is safe.',
        body: S.SyncBody,
        response: { 200: S.SyncResponse, 207: S.SyncResponse, ...errors },
      },
    },
    async (req, reply) => {
      const desk = deskOf(gateway, principalOf(req));
      const check = async (v: Visit) =>
        (await gateway.watchlist.screen(v, { source: 'sync', desk })).length > 0;
      const results = (await visits.sync(req.body.visits, actor(req), check)).map(
        ({ error, state, visitId, accessCode, ...r }) => ({
          ...r,
          status: error ? statusOf(error) : 200,
          ...(visitId ? { visitId } : {}),
          ...(state ? { state } : {}),
          ...(accessCode ? { accessCode } : {}),
          ...(error ? { error: errorBody(error) } : {}),
        }),
      );
      return reply.code(results.every((r) => r.status === 200) ? 200 : 207).send({ results });
    },
  );

  app.get<{ Querystring: { q: string } }>(
    '/guests',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'searchGuests',
        summary: 'Returning guests matching a name or phone prefix',
        querystring: {
          type: 'object',
          properties: { q: { type: 'string', minLength: 2, maxLength: 60 } },
          required: ['q'],
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: S.Guest }, ...errors },
      },
    },
    async (req) =>
      visits.suggestGuests(req.query.q).map((g) => ({
        id: g.id,
        name: g.name,
        institution: g.institution,
        ...(g.phone ? { phone: g.phone } : {}),
        lastSeenAt: g.lastSeenAt,
      })),
  );
}
