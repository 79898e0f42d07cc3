// Prometheus metrics (prom-client), one registry per gateway so tests can run several.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pintu_' });
  const decisions = new Counter({
    name: 'pintu_access_decisions_total',
    help: 'Access decisions by result and reason',
    labelNames: ['result', 'reason', 'door'] as const,
    registers: [registry],
  });
  const decisionSeconds = new Histogram({
    name: 'pintu_access_decision_seconds',
    help: 'Time from a read to the lock command, in seconds',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01],
    registers: [registry],
  });
  const journalAppendSeconds = new Histogram({
    name: 'pintu_journal_append_seconds',
    help: 'Time from an append to its durable write (fsync), in seconds',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const events = new Counter({
    name: 'pintu_journal_events_total',
    help: 'Journal entries written, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const visitsOpen = new Gauge({ name: 'pintu_visits_open', help: 'Open visits', registers: [registry] });
  const visitorsInside = new Gauge({
    name: 'pintu_visitors_inside',
    help: 'Visits inside at least one door',
    registers: [registry],
  });
  const loginFailures = new Counter({
    name: 'pintu_login_failures_total',
    help: 'Failed logins',
    registers: [registry],
  });
  return { registry, decisions, decisionSeconds, journalAppendSeconds, events, visitsOpen, visitorsInside, loginFailures };
}

export type Metrics = ReturnType<typeof createMetrics>;
