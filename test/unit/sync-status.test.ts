// The desk application's status against the gateway's state (issue 13, item 3): which pairs
// agree (applied, or already there, or the gateway is further along the same path) and which
// are a conflict, answered 409 for that item with the field and the state.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { VisitState } from '../../src/domain/types.js';
import { checkSyncStatus, SYNC_STATUSES, type SyncStatus } from '../../src/domain/visit.js';
import { ALL_STATES } from './fixtures/domain.js';

const CONFLICTS: Record<SyncStatus, VisitState[]> = {
  awaiting_host: [],
  accepted: ['screening_refused', 'host_refused', 'rescheduled', 'cancelled'],
  host_refused: [
    'screening_refused',
    'rescheduled',
    'accepted',
    'badged',
    'checked_out',
    'cancelled',
    'closed',
  ],
  cancelled: ['screening_refused', 'host_refused', 'rescheduled', 'badged', 'checked_out', 'closed'],
};

describe('checkSyncStatus', () => {
  for (const status of SYNC_STATUSES) {
    it.each(ALL_STATES)(`${status} against %s`, (state) => {
      let err: unknown;
      try {
        checkSyncStatus(state, status);
      } catch (e) {
        err = e;
      }
      if (!CONFLICTS[status].includes(state)) {
        expect(err).toBeUndefined();
        return;
      }
      expect(err).toBeInstanceOf(DomainError);
      const e = err as DomainError;
      expect([e.code, e.field, e.detail.state]).toEqual(['conflict', 'status', state]);
      expect(e.message).toContain(status);
    });
  }
});
