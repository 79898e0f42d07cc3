// `pintu fleet status` as a person reads it: one line per gateway.
import type { PeerStatus } from './desk.js';
import type { DoorFleetStatus } from './door.js';

type Answer =
  | { role: 'desk'; connected: boolean; gateways: PeerStatus[] }
  | ({ role: 'door' } & DoorFleetStatus);

const when = (at: number | undefined, now: number) =>
  at === undefined ? 'never' : `${Math.round((now - at) / 1000)} s ago`;

export function fleetStatusText(raw: unknown, now = Date.now()): string {
  const a = raw as Answer;
  if (a.role === 'door')
    return (
      `door gateway ${a.gatewayId}: broker ${a.connected ? 'connected' : 'DISCONNECTED'}, ` +
      `applied up to seq ${a.lastSeq}, desk seen at ${a.highestSeen} (lag ${a.lag}); ` +
      `${a.applied} applied, ${a.duplicates} duplicates, ${a.refused} refused, ${a.gaps} gaps, ${a.snapshots} snapshots; ` +
      `taps sent ${a.eventsSent}, waiting ${a.eventBacklog}, dropped ${a.eventsDropped}, asked again ${a.resendsAsked}\n`
    );
  const lines = [`desk: broker ${a.connected ? 'connected' : 'DISCONNECTED'}`];
  for (const g of a.gateways)
    lines.push(
      `  ${g.id}: sent up to seq ${g.lastSentSeq}, applied ${g.appliedSeq ?? 'unknown'}` +
        `${g.lag !== undefined ? ` (lag ${g.lag})` : ''}, last heard ${when(g.lastHeardAt, now)}, ${g.events} events` +
        `, taps recorded up to ${g.recordedSeq ?? 'none'}${g.resends ? ` (asked again ${g.resends} times)` : ''}` +
        `${g.connected === undefined ? '' : g.connected ? ', connected' : ', DISCONNECTED'}`,
    );
  return `${lines.join('\n')}\n`;
}
