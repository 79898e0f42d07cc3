// The outgoing webhook on "approval requested" (SOP step 4): when a visit's guest book entry is
// made, the host must decide; an office plugs its own notifier in here (a WhatsApp gateway, a
// chat bot, e-mail). One JSON POST per visit, signed with HMAC-SHA256 when a secret is set
// (header `x-pintu-signature: sha256=<hex of the body>`), retried twice, never on the tap path.
// With a public URL set, the body carries a one-time approval link for the host, and one for
// each delegate (deciding as the delegate, for the host).
// The same hook gets the invitation of every appointment registered (tamu terjadwal): its code,
// day and window, and the code as a QR (SVG) that the desk's scanner reads when the guest comes.
// And an alert for security when an arrival matches the watchlist: the visit and what matched,
// never the entry or its reason (the notifier routes it to security by `event`).
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { approvers } from '../domain/delegation.js';
import type { JournalEntry, WatchlistMatched, WatchlistSource } from '../domain/events.js';
import { displayName } from '../domain/privacy.js';
import type { Host } from '../domain/types.js';
import { qrSvgText } from '../reports/qr-path.js';
import type { Core } from './core.js';
import type { HostLinks } from './host-links.js';
import type { PanelSettings } from './panel-settings.js';

export const APPROVAL_LINK_TTL_MS = 60 * 60_000;

export interface WebhookStatus {
  sent: number;
  failed: number;
  lastAt?: number;
  lastStatus?: number;
  lastError?: string;
}

export interface ApprovalRequested {
  event: 'approval_requested';
  visitId: string;
  at: string;
  host: { id: string; name: string; unit: string; contact?: string; absent?: boolean };
  guest: { name?: string; institution: string };
  purpose: string;
  /**
   * Who is asked: the host, unless absent (`host.absent`), and the host's delegates, who may
   * decide for the host in the panel (an absent host without delegates is asked all the same).
   * With a public URL set, each delegate has a one-time link of their own: it decides as the
   * delegate for the host, and stops working when the host takes them off the list.
   */
  recipients: {
    host: boolean;
    delegates: Array<{ username: string; name: string; approvalUrl?: string; linkExpiresAt?: string }>;
  };
  approvalUrl?: string;
  linkExpiresAt?: string;
}

/** An appointment's invitation, for the office's notifier to pass on to the guest. */
export interface AppointmentInvitation {
  event: 'appointment_invitation';
  /** The appointment code: what the QR carries and the desk's scanner types. */
  appointmentId: string;
  at: string;
  /** YYYY-MM-DD and HH:MM..HH:MM in `timezone`. */
  date: string;
  from: string;
  until: string;
  timezone: string;
  host: { id: string; name: string; unit: string; contact?: string };
  /** name as display.guestName shapes it; phone as the guest gave it (to reach them). */
  guest: { name?: string; institution: string; phone?: string };
  purpose: string;
  /** Registered by the host themselves. */
  preApproved: boolean;
  /** The visit rescheduled at SOP step 5b that this appointment continues. */
  fromVisitId?: string;
  /** The code as a QR code, a standalone SVG document. */
  qrSvg: string;
}

/** An arrival matched the watchlist: for security's notifier, not the host's. */
export interface WatchlistAlert {
  event: 'watchlist_alert';
  visitId: string;
  at: string;
  /** What matched: the document, or a close name with the same institution. */
  by: Array<'document' | 'name'>;
  /** Where: arrival, appointment, group, sync, or the collateral at badge issue. */
  source: WatchlistSource;
  /** The login or token name that recorded the step (absent on matches journaled before it). */
  desk?: string;
  /** Who is to be told: security (SOP step 2), never the host or the delegates. */
  recipients: { roles: Array<'security' | 'admin'> };
  /** name as display.guestName shapes it. */
  guest: { name?: string; institution: string };
}

export class ApprovalWebhook {
  readonly status: WebhookStatus = { sent: 0, failed: 0 };
  private readonly onEntry = (e: JournalEntry) => {
    if (e.type === 'visit.guestbook') void this.send(this.body(e.payload.visitId));
    else if (e.type === 'appointment.registered') void this.send(this.invitation(e.payload.appointmentId));
    else if (e.type === 'watchlist.matched') void this.send(this.watchlistAlert(e.payload));
  };
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly core: Core,
    private readonly settings: () => Readonly<PanelSettings>,
    private readonly links: HostLinks,
    private readonly guestName: 'full' | 'initials' | 'none',
    private readonly log: Logger,
    private readonly retryDelaysMs: readonly number[] = [1000, 5000],
  ) {}

  start(): void {
    this.core.bus.on('entry', this.onEntry);
  }

  async stop(): Promise<void> {
    this.core.bus.off('entry', this.onEntry);
    await Promise.allSettled([...this.pending]);
  }

  /** The body sent for a visit waiting for its host, or undefined when there is no such visit. */
  body(visitId: string): ApprovalRequested | undefined {
    const v = this.core.state.visits.get(visitId);
    if (v?.state !== 'awaiting_host') return undefined;
    const host = this.core.state.hosts.get(v.hostId);
    const s = this.settings();
    const name = displayName(v.guestName, this.guestName);
    const body: ApprovalRequested = {
      event: 'approval_requested',
      visitId: v.id,
      at: new Date(this.core.now()).toISOString(),
      host: {
        id: v.hostId,
        name: host?.name ?? v.hostId,
        unit: host?.unit ?? '',
        ...(host?.contact ? { contact: host.contact } : {}),
        ...(host?.absent ? { absent: true } : {}),
      },
      guest: { ...(name ? { name } : {}), institution: v.institution },
      purpose: v.purpose,
      recipients: this.recipients(host, v.hostId, v.id),
    };
    if (s.publicUrl) {
      const link = this.links.issue(v.hostId, v.id, APPROVAL_LINK_TTL_MS);
      body.approvalUrl = this.linkUrl(link.token);
      body.linkExpiresAt = new Date(link.expiresAt).toISOString();
    }
    return body;
  }

  private linkUrl(token: string): string | undefined {
    const base = this.settings().publicUrl;
    return base ? `${base.replace(/\/+$/, '')}/#/link/${token}` : undefined;
  }

  private recipients(
    host: Host | undefined,
    hostId: string,
    visitId: string,
  ): ApprovalRequested['recipients'] {
    const who = host ? approvers(host) : { host: true, delegates: [] };
    const delegates = who.delegates.flatMap((id) => {
      const u = this.core.state.users.get(id);
      if (!u || u.disabled) return [];
      const link = this.settings().publicUrl
        ? this.links.issue(hostId, visitId, APPROVAL_LINK_TTL_MS, u.id)
        : undefined;
      const approvalUrl = link ? this.linkUrl(link.token) : undefined;
      return [
        {
          username: u.username,
          name: u.displayName,
          ...(link && approvalUrl
            ? { approvalUrl, linkExpiresAt: new Date(link.expiresAt).toISOString() }
            : {}),
        },
      ];
    });
    return { host: who.host || delegates.length === 0, delegates };
  }

  /** The invitation of an appointment still expected, or undefined when there is none. */
  invitation(appointmentId: string): AppointmentInvitation | undefined {
    const a = this.core.state.appointments.get(appointmentId);
    if (!a || a.visitId !== undefined || a.cancelledAt !== undefined) return undefined;
    const host = this.core.state.hosts.get(a.hostId);
    const name = displayName(a.guestName, this.guestName);
    const phone = a.guestId ? this.core.guest(a.guestId)?.phone : undefined;
    return {
      event: 'appointment_invitation',
      appointmentId: a.id,
      at: new Date(this.core.now()).toISOString(),
      date: a.date,
      from: a.from,
      until: a.until,
      timezone: this.core.state.policy.timezone,
      host: {
        id: a.hostId,
        name: host?.name ?? a.hostId,
        unit: host?.unit ?? '',
        ...(host?.contact ? { contact: host.contact } : {}),
      },
      guest: { ...(name ? { name } : {}), institution: a.institution, ...(phone ? { phone } : {}) },
      purpose: a.purpose ?? a.purposeCategory,
      preApproved: a.preApproved,
      ...(a.fromVisitId ? { fromVisitId: a.fromVisitId } : {}),
      qrSvg: qrSvgText(a.id),
    };
  }

  watchlistAlert(m: WatchlistMatched['payload']): WatchlistAlert | undefined {
    const { visitId, by } = m;
    const v = this.core.state.visits.get(visitId);
    if (!v) return undefined;
    const name = displayName(v.guestName, this.guestName);
    return {
      event: 'watchlist_alert',
      visitId,
      at: new Date(this.core.now()).toISOString(),
      by,
      // Matches journaled before the source was kept were all arrivals at the desk.
      source: m.source ?? 'arrival',
      ...(m.desk ? { desk: m.desk } : {}),
      recipients: { roles: ['security', 'admin'] },
      guest: { ...(name ? { name } : {}), institution: v.institution },
    };
  }

  private send(body: ApprovalRequested | AppointmentInvitation | WatchlistAlert | undefined): Promise<void> {
    const hook = this.settings().webhook;
    if (!hook?.url) return Promise.resolve();
    if (!body) return Promise.resolve();
    const p = this.deliver(hook, body).then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  /** POST `body` to the hook, retrying; resolves with the HTTP status, rejects after the last failure. */
  async deliver(hook: { url: string; secret?: string }, body: object, retry = true): Promise<number> {
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'pintu-webhook',
      'x-pintu-event': (body as { event?: string }).event ?? 'approval_requested',
    };
    if (hook.secret) {
      headers['x-pintu-signature'] = `sha256=${createHmac('sha256', hook.secret).update(text).digest('hex')}`;
    }
    let lastError = '';
    const retries = retry ? this.retryDelaysMs.length : 0;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.retryDelaysMs[attempt - 1]));
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers,
          body: text,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        this.status.lastAt = this.core.now();
        this.status.lastStatus = res.status;
        if (res.ok) {
          this.status.sent++;
          delete this.status.lastError;
          return res.status;
        }
        lastError = `HTTP ${res.status}`;
        if (res.status >= 400 && res.status < 500 && res.status !== 429) break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    this.status.failed++;
    this.status.lastAt = this.core.now();
    this.status.lastError = lastError;
    // The URL may carry a token of the receiving service: log the host only.
    let host = '';
    try {
      host = new URL(hook.url).host;
    } catch {}
    this.log.warn({ webhookHost: host, error: lastError, event: headers['x-pintu-event'] }, 'webhook failed');
    throw new Error(lastError);
  }
}
