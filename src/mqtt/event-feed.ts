// pintu/events and pintu/alerts: the journal's access and door events, and watchlist alerts,
// as their subscribers see them, carried in journal order by the outbox (outbox.ts) on the
// gateway's persistent publish-only session, so a broker outage loses none.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { JournalEntry } from '../domain/events.js';
import { displayName } from '../domain/privacy.js';
import type { Gateway } from '../service/gateway.js';
import type { MqttPublisher } from './link.js';
import { Outbox } from './outbox.js';
import {
  ALERT_TYPES,
  type AlarmKind,
  EVENT_TYPES,
  type HaCommand,
  type MqttAlert,
  type MqttEvent,
} from './schemas.js';
import type { Topics } from './topics.js';

/** An event as published on pintu/events: no personal data but the visit id and the display name. */
export function eventOf(
  entry: JournalEntry,
  lookup: {
    guest(visitId: string): string | undefined;
    badge(badgeId: string): string | undefined;
    /** An escort card's name (absent: revoked since; then its id is published). */
    escort?(escortId: string): string | undefined;
  },
): MqttEvent {
  const e: MqttEvent = {
    seq: entry.seq,
    at: entry.at,
    type: entry.type,
    actor: { kind: entry.actor.kind, id: entry.actor.id },
  };
  if (entry.type === 'access.granted' || entry.type === 'access.denied') {
    const p = entry.payload;
    e.reader = p.readerId;
    e.kind = p.kind;
    if (p.doorId) e.door = p.doorId;
    if (p.direction) e.direction = p.direction;
    if (p.reason) e.reason = p.reason;
    if (p.suppressed) e.suppressed = p.suppressed;
    if (p.badgeId) {
      const label = lookup.badge(p.badgeId);
      if (label) e.badge = label;
    }
    if (p.visitId) {
      e.visitId = p.visitId;
      const guest = lookup.guest(p.visitId);
      if (guest) e.guest = guest;
    }
    if (p.escortId) e.escort = lookup.escort?.(p.escortId) ?? p.escortId;
  } else if (entry.type.startsWith('door.')) {
    const p = entry.payload as {
      doorId: string;
      ms?: number;
      alarm?: AlarmKind;
      global?: boolean;
      cleared?: unknown;
      command?: HaCommand;
      detail?: string;
      suppressed?: number;
    };
    e.door = p.doorId;
    if (p.alarm === 'command_refused') {
      if (p.detail === 'bad_mac' || p.detail === 'replayed' || p.detail === 'expired') e.refusal = p.detail;
      if (p.suppressed) e.suppressed = p.suppressed;
    }
    if (p.ms !== undefined) e.ms = p.ms;
    if (p.command) e.command = p.command;
    if (p.alarm) e.alarm = p.alarm;
    if (p.global) e.global = true;
    if (Array.isArray(p.cleared)) e.cleared = p.cleared as AlarmKind[];
  }
  return e;
}

/**
 * An alert as published on pintu/alerts: what security's subscriber needs to act (the visit,
 * where and by which desk, what matched), never the entry's name or reason, the guest's name or
 * a document.
 */
export function alertOf(entry: JournalEntry & { type: 'watchlist.matched' }): MqttAlert {
  const p = entry.payload;
  return {
    seq: entry.seq,
    at: entry.at,
    kind: 'watchlist',
    visitId: p.visitId,
    // Matches journaled before the source was kept were all arrivals at the desk.
    source: p.source ?? 'arrival',
    ...(p.desk ? { desk: p.desk } : {}),
    matches: p.entryIds.map((entryId, i) => ({ entryId, by: p.by[i] ?? 'name' })),
  };
}

export interface EventOutboxOptions {
  config: Config;
  gateway: Gateway;
  /** The persistent, publish-only session that carries pintu/events. */
  events: MqttPublisher;
  topics: Topics;
  log: Logger;
}

/** The outbox of pintu/events and pintu/alerts (<dataDir>/mqtt-outbox.json, mqtt.backlogMax). */
export function eventOutbox(opts: EventOutboxOptions): Outbox {
  const { config, gateway, topics, log } = opts;
  return new Outbox({
    journal: gateway.core.journal,
    file: join(config.dataDir, 'mqtt-outbox.json'),
    max: config.mqtt.backlogMax,
    types: [...EVENT_TYPES, ...ALERT_TYPES],
    publish: (entry) => publishEvent(entry, opts),
    topicOf: (entry) => (entry.type === 'watchlist.matched' ? topics.alerts : topics.events),
    metrics: {
      ...gateway.core.metrics.mqtt,
      refused: { inc: (topic) => gateway.core.metrics.mqtt.publishRefused.inc({ topic }) },
    },
    log,
  });
}

async function publishEvent(entry: JournalEntry, opts: EventOutboxOptions): Promise<void> {
  const { gateway, config, events, topics, log } = opts;
  if (entry.type === 'watchlist.matched') {
    await events.publish(topics.alerts, JSON.stringify(alertOf(entry)), 1);
    return;
  }
  const state = gateway.core.state;
  const mode = config.display.guestName;
  const event = eventOf(entry, {
    guest: (visitId) => {
      const v = state.visits.get(visitId) ?? state.closedRecently(visitId);
      return v ? displayName(v.guestName, mode) : undefined;
    },
    badge: (badgeId) => state.badges.get(badgeId)?.label,
    escort: (escortId) => state.escorts.get(escortId)?.name,
  });
  await events.publish(topics.events, JSON.stringify(event));
  if (log.isLevelEnabled('debug')) {
    // log.personalData: only then may a log line name the guest.
    const guest = config.log.personalData && event.guest ? { guest: event.guest } : {};
    log.debug(
      { seq: event.seq, type: event.type, ...(event.visitId ? { visitId: event.visitId } : {}), ...guest },
      'mqtt: event published',
    );
  }
}
