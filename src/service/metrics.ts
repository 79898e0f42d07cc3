// Prometheus metrics (prom-client), one registry per gateway so tests can run several.
// Names follow the Prometheus naming guide and pass `promtool check metrics`: the gateway's
// own under pintu_, counters end in _total and nothing else does, units in the name in base
// units (_seconds, _bytes).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * prom-client's gauges named like counters: promtool refuses them, and each is the sum over
 * the `type` label of the gauge without `_total` (nodejs_active_handles and so on).
 */
const COUNTER_NAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createMetrics() {
  const registry = new Registry();
  // The runtime's metrics keep their stock names (process_*, nodejs_*), which stock Node.js
  // dashboards and the process exporter conventions query; a prefix would break them.
  collectDefaultMetrics({ register: registry });
  for (const name of COUNTER_NAMED_GAUGES) registry.removeSingleMetric(name);
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
  const journalAppendFailures = new Counter({
    name: 'pintu_journal_append_failures_total',
    help: 'Journal entries that could not be written (data folder full, I/O error): the change was refused, or the event is only in the log',
    registers: [registry],
  });
  // Read at scrape time from the live gateway (set by openGateway); false until then.
  const probes = {
    storageDegraded: (): boolean => false,
    clockSynchronised: (): boolean => true,
    visitsOpen: (): number => 0,
    visitorsInside: (): number => 0,
  };
  new Gauge({
    name: 'pintu_clock_synchronised',
    help: '1 when the system clock is synchronised (NTP, or clock.synchronised: assume); 0 while it is not: /healthz degraded, decisions use the journal time as a floor',
    registers: [registry],
    collect() {
      this.set(probes.clockSynchronised() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pintu_storage_degraded',
    help: '1 while the gateway cannot write as it should (journal broken or data folder full, state save failed): /healthz degraded; 0 otherwise',
    registers: [registry],
    collect() {
      this.set(probes.storageDegraded() ? 1 : 0);
    },
  });
  const certificateExpiry = new Gauge({
    name: 'pintu_tls_certificate_expiry_timestamp_seconds',
    help: 'notAfter of a TLS certificate the gateway uses (the embedded broker, or its client certificate at an external broker), as a Unix time in seconds, by configuration key',
    labelNames: ['certificate'] as const,
    registers: [registry],
  });
  const visitsOpen = new Gauge({
    name: 'pintu_visits_open',
    help: 'Open visits',
    registers: [registry],
    collect() {
      this.set(probes.visitsOpen());
    },
  });
  const visitorsInside = new Gauge({
    name: 'pintu_visitors_inside',
    help: 'Visits in an area inside the perimeter (the roll call)',
    registers: [registry],
    collect() {
      this.set(probes.visitorsInside());
    },
  });
  const authRefused = new Counter({
    name: 'pintu_auth_refused_total',
    help: 'Password checks refused before any hash (HTTP logins and MQTT connects), by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const loginFailures = new Counter({
    name: 'pintu_login_failures_total',
    help: 'Failed logins',
    registers: [registry],
  });
  const readerIgnored = new Counter({
    name: 'pintu_reader_lines_ignored_total',
    help: 'Reader input ignored (serial lines that do not match, bad UIDs, unreadable cards), by reader and reason',
    labelNames: ['reader', 'reason'] as const,
    registers: [registry],
  });
  const doorAlarms = new Counter({
    name: 'pintu_door_alarms_total',
    help: 'Door alarms raised (held_open, forced_open, offline, no_ack, reader_offline; command_refused: each copy of a command a room controller refused), by door',
    labelNames: ['door', 'alarm'] as const,
    registers: [registry],
  });
  const readerConnected = new Gauge({
    name: 'pintu_reader_connected',
    help: '1 while a reader driver has its device (PC/SC reader present, serial port open), 0 while not; simulated and room controller readers are not listed',
    labelNames: ['reader'] as const,
    registers: [registry],
  });
  return {
    registry,
    decisions,
    decisionSeconds,
    journalAppendSeconds,
    events,
    journalAppendFailures,
    probes,
    certificateExpiry,
    visitsOpen,
    visitorsInside,
    loginFailures,
    authRefused,
    readerIgnored,
    doorAlarms,
    readerConnected,
    mqtt: mqttMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** MQTT: the broker, the gateway's connection, the event backlog, room controller commands. */
function mqttMetrics(registry: Registry) {
  const registers = [registry];
  return {
    rejected: new Counter({
      name: 'pintu_mqtt_rejected_total',
      help: 'MQTT clients and messages refused (credentials, ACL, retained command, malformed payload), by reason and topic kind',
      labelNames: ['reason', 'topic'] as const,
      registers,
    }),
    connected: new Gauge({
      name: 'pintu_mqtt_connected',
      help: '1 while the gateway is connected to its broker',
      registers,
    }),
    brokerClients: new Gauge({
      name: 'pintu_mqtt_broker_clients',
      help: 'Clients connected to the embedded broker',
      registers,
    }),
    backlog: new Gauge({
      name: 'pintu_mqtt_event_backlog',
      help: 'Events journaled but not yet accepted by the broker (bounded by mqtt.backlogMax)',
      registers,
    }),
    backlogMax: new Gauge({
      name: 'pintu_mqtt_event_backlog_max',
      help: 'The bound of pintu_mqtt_event_backlog (mqtt.backlogMax): beyond it the oldest events are dropped from MQTT',
      registers,
    }),
    eventsPublished: new Counter({
      name: 'pintu_mqtt_events_published_total',
      help: 'Events accepted by the broker',
      registers,
    }),
    eventsDropped: new Counter({
      name: 'pintu_mqtt_events_dropped_total',
      help: 'Events never published because the backlog was full (they stay in the journal)',
      registers,
    }),
    publishRefused: new Counter({
      name: 'pintu_mqtt_publications_refused_total',
      help: 'Events and watchlist alerts the broker refused, by topic (MQTT 5 reason code >= 0x80, e.g. 0x87: an ACL without the topic): passed over so that the ones behind them go out; they stay in the journal',
      labelNames: ['topic'] as const,
      registers,
    }),
    commands: new Counter({
      name: 'pintu_mqtt_room_commands_total',
      help: 'Commands to room controllers by outcome: acked, refused (ack ok=false), no_ack (after retries), offline and not_connected (dropped, never queued); copies a controller with a room key refused: bad_mac, replayed, expired (the command is retried)',
      labelNames: ['result'] as const,
      registers,
    }),
    commandSeconds: new Histogram({
      name: 'pintu_mqtt_room_command_seconds',
      help: 'Room controller command to acknowledgement, in seconds',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    controllerAlarm: new Gauge({
      name: 'pintu_mqtt_room_controller_alarm',
      help: '1 while a room controller alarm is active (offline: not heard of or its last will; no_ack: a command not acknowledged after retries), 0 otherwise, by room and alarm',
      labelNames: ['room', 'alarm'] as const,
      registers,
    }),
    facilities: new Counter({
      name: 'pintu_mqtt_facilities_commands_total',
      help: 'pintu/doors/<door>/set commands carried out, by command',
      labelNames: ['command'] as const,
      registers,
    }),
  };
}
