// Health: the public `/healthz` says ok or degraded and nothing more (a probe, the systemd
// watchdog, a load balancer need no more); the details (what is wrong, the journal position,
// uptime, the MQTT link and broker counts) are for the roles that look after the gateway.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../domain/types.js';
import type { FleetHealth } from '../../fleet/health.js';
import type { Gateway } from '../../service/gateway.js';
import * as S from '../schemas.js';

const CARETAKERS: Role[] = ['admin', 'security', 'facilities'];

export interface HealthRouteOptions {
  gateway: Gateway;
  /** `mqtt` (broker connection, event backlog) when MQTT runs. */
  health?: { mqtt?: () => unknown };
  /** This gateway's part in a fleet: its entry, and its problems (degraded). */
  fleet?: () => FleetHealth;
}

const Status = {
  type: 'string',
  enum: ['ok', 'degraded'],
  description: 'ok, or degraded (the details are in GET /api/v1/health)',
} as const;

export async function healthRoutes(app: FastifyInstance, opts: HealthRouteOptions) {
  const { gateway } = opts;
  const problemsNow = () => [...gateway.problems(), ...(opts.fleet?.().problems ?? [])];
  const status = () => (problemsNow().length ? 'degraded' : 'ok');

  app.get(
    '/healthz',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['system'],
        operationId: 'getLiveness',
        summary: 'Liveness: ok or degraded, nothing more (public)',
        response: {
          200: {
            type: 'object',
            properties: { status: Status },
            required: ['status'],
            additionalProperties: false,
          },
        },
      },
    },
    async () => ({ status: status() }),
  );

  app.get(
    '/api/v1/health',
    {
      config: { roles: CARETAKERS },
      schema: {
        tags: ['system'],
        operationId: 'getHealth',
        summary: 'Health in detail: problems, journal position, uptime, MQTT',
        response: {
          200: {
            type: 'object',
            properties: {
              status: Status,
              problems: {
                type: 'array',
                items: { type: 'string' },
                description:
                  'What is wrong: what keeps the gateway from writing (a full data folder, a failed save), readers without their device',
              },
              weak: {
                type: 'array',
                items: { type: 'string' },
                description:
                  'What is weak by configuration, not broken (does not make the status degraded): doors whose badges are read by UID alone (doors[].credential uid or secure-or-uid)',
              },
              journalSeq: { type: 'integer' },
              uptimeSeconds: { type: 'number' },
              mqtt: {
                type: 'object',
                description:
                  'MQTT (absent when mqtt.mode is off): connection and the events waiting for the broker',
                properties: {
                  mode: { type: 'string' },
                  connected: { type: 'boolean' },
                  backlog: {
                    type: 'integer',
                    description: 'events journaled, not yet accepted by the broker',
                  },
                  backlogMax: { type: 'integer' },
                  dropped: {
                    type: 'integer',
                    description: 'events dropped from MQTT (backlog full) since start',
                  },
                  published: { type: 'integer' },
                  refused: {
                    type: 'array',
                    description:
                      'topics the broker refused a publication on since start (MQTT 5 reason code >= 0x80, e.g. 0x87: an ACL without the topic): those events and alerts were passed over (they stay in the journal); absent: none',
                    items: {
                      type: 'object',
                      properties: {
                        topic: { type: 'string' },
                        count: { type: 'integer' },
                        code: { type: 'integer', description: 'the last reason code' },
                        reason: { type: 'string' },
                      },
                    },
                  },
                  connections: { type: 'integer' },
                  weakRooms: {
                    type: 'array',
                    items: { type: 'string' },
                    description:
                      'rooms whose controller has no key (pintu mqtt-user add --role room gives one): their commands and taps are not authenticated, so a device that can publish on their topics can open the door',
                  },
                  broker: { type: 'object', additionalProperties: true },
                },
              },
              fleet: {
                type: 'object',
                additionalProperties: true,
                description:
                  'A fleet\'s gateway (absent without a fleet section). desk: {role, connected, gateways: [{id, lastSeq, lastSentSeq, lag, connected, lastHeardAt, behindSeconds}]}; door: {role, gatewayId, connected, lastSeq, lag, deskReachable, lastDeskMessageAt, lastSnapshot: {at, seq}, snapshotError, behindSeconds}. Degraded past fleet.lagMaxSeconds (README "Fleet")',
              },
            },
          },
          401: S.ErrorBody,
          403: S.ErrorBody,
        },
      },
    },
    async () => {
      const fleet = opts.fleet?.();
      const problems = [...gateway.problems(), ...(fleet?.problems ?? [])];
      const weak = gateway.weaknesses();
      return {
        status: problems.length ? 'degraded' : 'ok',
        ...(problems.length ? { problems } : {}),
        ...(weak.length ? { weak } : {}),
        journalSeq: gateway.core.journal.lastSeq,
        uptimeSeconds: Math.round(process.uptime()),
        ...(opts.health?.mqtt ? { mqtt: opts.health.mqtt() } : {}),
        ...(fleet ? { fleet: fleet.entry } : {}),
      };
    },
  );
}
