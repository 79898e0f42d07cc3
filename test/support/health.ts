// GET /api/v1/health, the details behind the public /healthz (which says ok or degraded only),
// as a facilities token made once per gateway.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../../src/service/gateway.js';

const tokens = new WeakMap<Gateway, Promise<string>>();

export interface HealthDetails {
  status: string;
  problems?: string[];
  weak?: string[];
  journalSeq: number;
  uptimeSeconds: number;
  mqtt?: Record<string, unknown> & { connected: boolean; backlog: number };
}

export async function healthOf(app: FastifyInstance, gateway: Gateway): Promise<HealthDetails> {
  let token = tokens.get(gateway);
  if (!token) {
    token = gateway.accounts
      .createToken('test-health', 'facilities', { kind: 'system', id: 'test' })
      .then((t) => t.token);
    tokens.set(gateway, token);
  }
  const res = await app.inject({
    method: 'GET',
    url: '/api/v1/health',
    headers: { authorization: `Bearer ${await token}` },
  });
  if (res.statusCode !== 200) throw new Error(`GET /api/v1/health: ${res.statusCode} ${res.body}`);
  return res.json();
}
