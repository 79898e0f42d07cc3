// Doors, their lock state, remote unlock and lockdown; simulated taps; the desk reader.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/types.js';
import type { ReadOutcome } from '../../service/access.js';
import type { Gateway } from '../../service/gateway.js';
import { principalOf } from '../auth.js';
import type { DeskWaits } from '../desk-wait.js';
import * as S from '../schemas.js';

const ALL: Role[] = ['admin', 'receptionist', 'security', 'host', 'facilities'];
const CONTROL: Role[] = ['admin', 'security', 'facilities'];
const DESK: Role[] = ['admin', 'receptionist'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

export function tapBody(o: ReadOutcome, seq?: number): Static<typeof S.TapResponse> {
  if (o.kind === 'invalid' || o.kind === 'repeat') return { kind: o.kind };
  if (o.kind === 'desk') {
    return {
      kind: 'desk',
      uid: o.read.uid,
      ...(o.read.badgeId ? { badgeId: o.read.badgeId } : {}),
      ...(o.read.visitId ? { visitId: o.read.visitId } : {}),
    };
  }
  const d = o.decision;
  return {
    kind: 'door',
    granted: d.granted,
    ...(d.granted ? {} : { reason: d.reason }),
    ...(d.doorId ? { doorId: d.doorId } : {}),
    ...(d.direction ? { direction: d.direction } : {}),
    ...(d.visitId ? { visitId: d.visitId } : {}),
    ...(d.badgeId ? { badgeId: d.badgeId } : {}),
    ...(seq !== undefined ? { seq } : {}),
  };
}

export async function doorRoutes(
  app: FastifyInstance,
  { gateway, deskWaits }: { gateway: Gateway; deskWaits: DeskWaits },
) {
  const { access } = gateway;

  app.get(
    '/doors',
    {
      config: { roles: ALL },
      schema: {
        tags: ['doors'],
        operationId: 'listDoors',
        summary: 'Doors with lock state and lockdown',
        response: { 200: { type: 'array', items: S.Door }, ...errors },
      },
    },
    async () =>
      access.doorStates().map((d) => {
        const offline = gateway.readers.offlineReaders(d.id);
        const setter = access.lockdownOf(d.id);
        return {
          ...d,
          ...(offline.length ? { readersOffline: offline } : {}),
          ...(setter ? { lockdownBy: { ...setter.by, at: setter.at } } : {}),
        };
      }),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.UnlockBody> }>(
    '/doors/:id/unlock',
    {
      config: { roles: CONTROL },
      schema: {
        tags: ['doors'],
        operationId: 'unlockDoor',
        summary: 'Remote unlock pulse (journaled with who asked)',
        params: S.IdParams,
        body: S.UnlockBody,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await access.unlock(req.params.id, principalOf(req).actor, req.body?.ms);
      return { ok: true };
    },
  );

  app.post<{ Params: { id: string }; Body: Static<typeof S.LockdownBody> }>(
    '/doors/:id/lockdown',
    {
      config: { roles: CONTROL },
      schema: {
        tags: ['doors'],
        operationId: 'setDoorLockdown',
        summary:
          'Lockdown on or off for one door, or every door with id "*"; in force at once; released only by admin or security (facilities if configured)',
        params: S.IdParams,
        body: S.LockdownBody,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await access.setLockdown(req.params.id, req.body.active, principalOf(req).actor);
      return { ok: true };
    },
  );

  app.post<{ Body: Static<typeof S.TapBody> }>(
    '/taps',
    {
      config: { roles: DESK },
      schema: {
        tags: ['doors'],
        operationId: 'simulateTap',
        summary: 'A tap on a simulated reader (badge uid or keypad pin)',
        body: S.TapBody,
        response: { 200: S.TapResponse, ...errors },
      },
    },
    async (req) => {
      const { reader, uid, pin } = req.body;
      if ((uid === undefined) === (pin === undefined))
        throw new DomainError('invalid', 'give exactly one of uid, pin', 'uid');
      const outcome = access.simulate(reader, uid !== undefined ? 'nfc' : 'pin', (uid ?? pin)!);
      if (outcome.kind === 'invalid')
        throw new DomainError('invalid', 'not a badge uid or code', uid ? 'uid' : 'pin');
      // The door acted at once; the answer waits for the tap's journal entry to be durable.
      return tapBody(outcome, outcome.kind === 'door' ? await outcome.recorded : undefined);
    },
  );

  app.get<{ Querystring: Static<typeof S.DeskTapQuery> }>(
    '/desk/next-tap',
    {
      config: { roles: DESK },
      schema: {
        tags: ['doors'],
        operationId: 'waitForDeskTap',
        summary: "Wait for the next badge tapped on this desk's desk reader (long poll)",
        description:
          'The tap goes to this request alone: another desk waiting on the same reader is refused (409 reader_busy), ' +
          'and this session asking again takes the wait over (the older request answers 409 superseded). ' +
          'Name the reader when there are several desk readers.',
        querystring: S.DeskTapQuery,
        response: { 200: S.TapResponse, 408: S.ErrorBody, 429: S.ErrorBody, ...errors },
      },
    },
    async (req, reply) => {
      const read = await deskWaits.next(req, reply, req.query.reader, req.query.waitSeconds);
      return read ? tapBody({ kind: 'desk', read }) : reply;
    },
  );
}
