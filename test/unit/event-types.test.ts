import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventTypesOf } from '../../src/domain/events.js';
import { ALERT_TYPES, EventPayload, EVENT_TYPES as PUBLISHED } from '../../src/mqtt/schemas.js';

describe('the one list of journal entry types', () => {
  it('names each type once', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });

  it('chooses by family or by exact type, in the list order', () => {
    expect(eventTypesOf('access.')).toEqual(['access.granted', 'access.denied']);
    expect(eventTypesOf('desk.tap', 'privacy.')).toEqual(['desk.tap', 'privacy.erased', 'privacy.exported']);
  });

  it('publishes every access and door type on pintu/events, and names them in its schema', () => {
    expect(PUBLISHED).toEqual(EVENT_TYPES.filter((t) => t.startsWith('access.') || t.startsWith('door.')));
    expect(ALERT_TYPES).toEqual(['watchlist.matched']);
    expect((EventPayload.properties.type as { description?: string }).description).toBe(
      'Journal event type: access.granted, access.denied, door.unlocked, door.locked, door.lockdown, door.released, door.opened, door.closed, door.alarm, door.alarm_cleared, door.exit_request, door.command_refused.',
    );
  });
});
