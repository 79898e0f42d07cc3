// Group visits (rombongan) through the API: one arrival for a leader and N members, the host's
// one decision, badges bound one after another (each desk tap to the next person), and the whole
// group's checkout. Each person stays a visit of their own under /visits (screening, guest book,
// a member's own checkout).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { closedNow } from '../../domain/access.js';
import { DomainError } from '../../domain/errors.js';
import type { Role, Visit } from '../../domain/types.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf } from '../auth.js';
import type { DeskWaits } from '../desk-wait.js';
import * as S from '../schemas.js';
import { collateralFlag, deskOf, reaches, visitBody } from './visits.js';

const DESK: Role[] = ['admin', 'receptionist'];
const READ: Role[] = ['admin', 'receptionist', 'security', 'host'];
const DECIDE: Role[] = ['admin', 'receptionist', 'host'];

const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };
const GroupParams = S.IdParams;

export async function groupRoutes(
  app: FastifyInstance,
  { gateway, deskWaits }: { gateway: Gateway; deskWaits: DeskWaits },
) {
  const { groups } = gateway;
  const now = () => gateway.core.now();
  const body = (groupId: string, visits: Visit[]) => ({
    groupId,
    visits: visits.map((v) => visitBody(v, now())),
  });
  /** The group's open visits, when the caller may see them (a host: visits to them). */
  const visible = (req: FastifyRequest<{ Params: { id: string } }>): Visit[] => {
    const p = principalOf(req);
    const all = groups.get(req.params.id);
    // A host link speaks for one visit, never for a group.
    if (p.visitId || !all.every((v) => reaches(gateway, p, v))) {
      throw new DomainError('not_found', `group ${req.params.id} not found or closed`);
    }
    return all;
  };

  app.post<{ Body: Static<typeof S.GroupArrivalBody> }>(
    '/groups',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'createGroupVisit',
        summary: 'A group (rombongan) arrives: a visit per person, the leader first (SOP step 1)',
        body: S.GroupArrivalBody,
        response: { 201: S.Group, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const desk = deskOf(gateway, p);
      const r = await groups.arrive(req.body, p.actor);
      // Each person as at the desk (the group's institution, each name): one flag per person.
      // One person's check is up to ~10 ms at watchlist.maxEntries (1000) on a desktop CPU, and
      // nothing here waits on I/O: the event loop is let go between persons, so that a tap is
      // decided between two of them rather than after the whole group.
      const flagged = new Set<string>();
      for (const v of r.visits) {
        if ((await gateway.watchlist.screen(v, { source: 'group', desk })).length > 0) flagged.add(v.id);
        await yieldToLoop();
      }
      const answer = body(r.groupId, r.visits);
      return reply.code(201).send({
        ...answer,
        visits: answer.visits.map((v) => (flagged.has(v.id) ? { ...v, watchlist: true } : v)),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/groups/:id',
    {
      config: { roles: READ },
      schema: {
        tags: ['visits'],
        operationId: 'getGroupVisit',
        summary: "A group's open visits in badging order",
        params: GroupParams,
        response: { 200: S.Group, ...errors },
      },
    },
    async (req) => body(req.params.id, visible(req)),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.DecisionBody> }>(
    '/groups/:id/decision',
    {
      config: { roles: DECIDE },
      schema: {
        tags: ['visits'],
        operationId: 'recordGroupDecision',
        summary: "The host's one decision for the group, recorded on each person's visit (SOP step 4)",
        description:
          'Every person still in the visit must have passed screening and the guest book (409 group_not_ready); ' +
          'persons refused at screening or cancelled are left out. No keypad code is issued: each person has a badge.',
        params: GroupParams,
        body: S.DecisionBody,
        response: { 200: S.Group, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const [leader] = visible(req);
      const onBehalfOf =
        p.role === 'host' && leader && leader.hostId !== p.hostId ? leader.hostId : undefined;
      const decided = await groups.decide(
        req.params.id,
        { ...req.body, ...(onBehalfOf ? { onBehalfOf } : {}) },
        p.actor,
      );
      return body(req.params.id, decided);
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.BadgeBody> }>(
    '/groups/:id/badge',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'issueGroupBadge',
        summary:
          'Bind a badge to the next person of the group: the leader first (against the letter), then each member',
        description:
          'As POST /visits/{id}/badge, for the next accepted person in badging order: `badge`, or `nextTap: true` ' +
          "to bind the next tap on the desk reader. The leader's badge needs `collateral` (the group's letter, " +
          'e.g. surat_tugas); a member gives none. 409 when every person has a badge.',
        params: GroupParams,
        body: S.BadgeBody,
        response: { 200: S.Visit, 408: S.ErrorBody, 429: S.ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      visible(req);
      // Refuse before waiting, so a group with nobody left to badge does not swallow the next tap.
      groups.next(req.params.id);
      let badge = req.body.badge;
      if (!badge) {
        if (!req.body.nextTap) throw new DomainError('invalid', 'give badge, or nextTap: true', 'badge');
        const read = await deskWaits.next(req, reply, req.body.reader, req.body.waitSeconds ?? 60);
        if (!read) return reply;
        badge = read.uid;
      }
      const badged = await groups.badgeNext(
        req.params.id,
        { badge, ...(req.body.collateral ? { collateral: req.body.collateral } : {}) },
        principalOf(req).actor,
      );
      const flagged = await collateralFlag(
        gateway,
        badged,
        req.body.collateral?.number,
        deskOf(gateway, principalOf(req)),
      );
      const closed = closedNow(gateway.core.state, badged, now());
      return { ...visitBody(badged, now()), ...(closed ? { closedNow: closed } : {}), ...flagged };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.GroupCheckoutBody> }>(
    '/groups/:id/checkout',
    {
      config: { roles: DESK },
      schema: {
        tags: ['visits'],
        operationId: 'checkOutGroup',
        summary: 'The whole group leaves (SOP step 7): every badge stops at once, the letter goes back last',
        description:
          'Members first, then the leader; a leader checked out earlier gets the letter back here. ' +
          '`lostBadges`: visit ids whose badge did not come back (marked lost).',
        params: GroupParams,
        body: S.GroupCheckoutBody,
        response: { 200: S.Group, ...errors },
      },
    },
    async (req) => {
      visible(req);
      const left = await groups.checkout(
        req.params.id,
        {
          documentReturned: req.body.documentReturned ?? true,
          ...(req.body.lostBadges ? { lostBadges: req.body.lostBadges } : {}),
        },
        principalOf(req).actor,
      );
      return body(req.params.id, left);
    },
  );
}
