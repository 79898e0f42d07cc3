// Expected guests (tamu terjadwal) through the API: a host registers their own, the desk any;
// the desk lists a day's, opens one by its code (the QR scanner types it) and turns it into an
// arrival with one action.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Appointment } from '../../domain/appointment.js';
import { mayActFor } from '../../domain/delegation.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/types.js';
import { isCalendarDate } from '../../domain/visit.js';
import type { Principal } from '../../service/accounts.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf } from '../auth.js';
import * as S from '../schemas.js';
import { deskOf, visitBody } from './visits.js';

const DESK: Role[] = ['admin', 'receptionist'];
const BOOK: Role[] = ['admin', 'receptionist', 'host'];
// Security screens at the entrance (SOP step 2) and reads the day's expected guests on the desk
// view; the list carries no phone number. They neither book nor open one by its code.
const DAY: Role[] = ['admin', 'receptionist', 'security', 'host'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

export async function appointmentRoutes(app: FastifyInstance, { gateway }: { gateway: Gateway }) {
  const { appointments } = gateway;
  const now = () => gateway.core.now();

  /** A host link (one visit) manages no appointment. */
  const hostLogin = (p: Principal): boolean => {
    if (p.role !== 'host') return false;
    if (!p.hostId || p.visitId) throw new DomainError('forbidden', 'a host link cannot manage appointments');
    return true;
  };
  /** A host login acts for their own host, and for the hosts who named them a delegate. */
  const actsFor = (p: Principal, hostId: string): boolean => {
    const host = gateway.core.state.hosts.get(hostId);
    return host !== undefined && p.actor.kind === 'user' && mayActFor(host, p.actor.id, p.hostId);
  };
  const visible = (req: FastifyRequest, a: Appointment | undefined): Appointment => {
    const p = principalOf(req);
    if (!a || (hostLogin(p) && !actsFor(p, a.hostId)))
      throw new DomainError('not_found', 'appointment not found');
    return a;
  };

  app.post<{ Body: Static<typeof S.AppointmentBody> }>(
    '/appointments',
    {
      config: { roles: BOOK },
      schema: {
        tags: ['appointments'],
        operationId: 'createAppointment',
        summary: 'Register an expected guest (a host or their delegate: pre-approved)',
        description:
          'date from today to visits.appointmentMaxDays ahead, window from < until (400 rules date_past, ' +
          'date_too_far, window_order, window_past); 409 when the day holds visits.appointmentsPerDay.',
        body: S.AppointmentBody,
        response: { 201: S.Appointment, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const host = hostLogin(p);
      const hostId = req.body.hostId ?? (host ? p.hostId : undefined);
      if (!hostId) throw new DomainError('invalid', 'hostId is required', 'hostId');
      if (host && !actsFor(p, hostId)) {
        throw new DomainError(
          'forbidden',
          'a host registers their own guests, or those of a host they stand in for',
          'hostId',
        );
      }
      // Registered by the host, or a delegate who may decide for them: the visit is pre-approved.
      const a = await appointments.register({ ...req.body, hostId }, p.actor, host);
      return reply.code(201).send(a);
    },
  );

  app.get<{ Querystring: Static<typeof S.AppointmentQuery> }>(
    '/appointments',
    {
      config: { roles: DAY },
      schema: {
        tags: ['appointments'],
        operationId: 'listAppointments',
        summary: "A day's expected guests (default today), by window start, each with its status",
        querystring: S.AppointmentQuery,
        response: { 200: { type: 'array', items: S.Appointment }, ...errors },
      },
    },
    async (req) => {
      const date = !req.query.date || req.query.date === 'today' ? appointments.today() : req.query.date;
      if (!isCalendarDate(date)) {
        throw new DomainError('invalid', `date ${date} is no calendar date`, 'date', { rule: 'date_format' });
      }
      const p = principalOf(req);
      if (hostLogin(p)) return appointments.ofDay(date, req.query.hostId).filter((a) => actsFor(p, a.hostId));
      return appointments.ofDay(date, req.query.hostId);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/appointments/:code',
    {
      config: { roles: BOOK },
      schema: {
        tags: ['appointments'],
        operationId: 'getAppointment',
        summary: 'One appointment by its code (what the desk scanner types)',
        params: S.CodeParams,
        response: { 200: S.Appointment, ...errors },
      },
    },
    async (req) => appointments.view(visible(req, appointments.get(req.params.code)), now()),
  );

  app.post<{ Params: { code: string }; Body: Static<typeof S.AppointmentArrivalBody> }>(
    '/appointments/:code/arrival',
    {
      config: { roles: DESK },
      schema: {
        tags: ['appointments'],
        operationId: 'arriveAppointment',
        summary: 'The expected guest is here: SOP step 1 with the appointment filled in',
        description:
          "On the appointment's date only (400 rule not_today), once (409 state arrived), not after a cancellation (409 state cancelled).",
        params: S.CodeParams,
        body: S.AppointmentArrivalBody,
        response: { 201: S.Visit, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const v = await appointments.arrive(req.params.code, p.actor, req.body.phone);
      const where = { source: 'appointment', desk: deskOf(gateway, p) } as const;
      const flagged = (await gateway.watchlist.screen(v, where)).length > 0;
      return reply.code(201).send({ ...visitBody(v, now()), ...(flagged ? { watchlist: true } : {}) });
    },
  );

  app.post<{ Params: { code: string }; Body: Static<typeof S.CancelBody> }>(
    '/appointments/:code/cancel',
    {
      config: { roles: BOOK },
      schema: {
        tags: ['appointments'],
        operationId: 'cancelAppointment',
        summary: 'Cancel an appointment that has not turned into a visit',
        params: S.CodeParams,
        body: S.CancelBody,
        response: { 200: S.Appointment, ...errors },
      },
    },
    async (req) => {
      const a = visible(req, appointments.get(req.params.code));
      return appointments.cancel(a.id, req.body.reason, principalOf(req).actor);
    },
  );
}
