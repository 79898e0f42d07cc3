// What the web panel needs beyond the SOP routes: one bootstrap call, who is inside (the
// evacuation roll call), the end-of-day list of badges and documents not returned, the host's
// signed one-time link and live feed, the approval webhook, and the admin's settings, badge
// removal and password resets. Every route declares its roles; every mutating one a schema.
// The services behind them (settings, host links, webhook) are the gateway's: opened, started
// and stopped where it is assembled (service/gateway.ts), not here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { isDelegate } from '../../domain/delegation.js';
import { DomainError } from '../../domain/errors.js';
import type { JournalEntry } from '../../domain/events.js';
import { ROLES, type Role, SOP_STANDARD_MINUTES, type Visit } from '../../domain/types.js';
import type { Gateway } from '../../service/gateway.js';
import type { HostLinkClaims } from '../../service/host-links.js';
import type { PanelSettingsStore } from '../../service/panel-settings.js';
import type { InsideVisit } from '../../service/roll-call.js';
import { principalOf, SESSION_COOKIE } from '../auth.js';
import * as S from '../schemas.js';
import type { SseStreams } from '../sse.js';
import { reaches } from './visits.js';

const ALL: Role[] = [...ROLES];
const DESK: Role[] = ['admin', 'receptionist'];
const STAFF: Role[] = ['admin', 'receptionist', 'security'];
const WATCH: Role[] = ['admin', 'receptionist', 'security', 'facilities'];
const ADMIN: Role[] = ['admin'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };

/** How long a host stays logged in after opening a one-time link (at most http.hostLinkHours). */
const LINK_SESSION_MS = 2 * 60 * 60_000;

// ---------------------------------------------------------------- schemas

const Opt = Type.Optional;

const Bootstrap = Type.Object({
  now: Type.Integer({ description: "The gateway's clock (epoch ms): the panel's timers run from it" }),
  timezone: Type.String(),
  synchronised: Type.Boolean({
    description: "Whether the gateway's clock is synchronised (NTP); the panel warns while it is not",
  }),
  me: S.Me,
  hosts: Type.Array(S.Host),
  doors: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() })),
  readers: Type.Array(
    Type.Object({
      id: Type.String(),
      role: Type.String(),
      doorId: Opt(Type.String()),
      direction: Opt(Type.String()),
      keypad: Type.Boolean(),
      simulated: Type.Boolean(),
    }),
  ),
  officeHours: Type.Object({ days: Type.Array(Type.Integer()), open: Type.String(), close: Type.String() }),
  sopStandards: Type.Record(Type.String(), Type.Number()),
  retentionGuestDays: Type.Integer(),
  noticeSeconds: Type.Integer({
    description: "How long the desk highlights a host's decision once in view (display.noticeSeconds)",
  }),
  mayReleaseLockdown: Type.Boolean({
    description: 'The caller may release a lockdown (admin, security; facilities when configured)',
  }),
  purposes: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), nameEn: Type.String() }), {
    description: 'Purpose categories of an arrival (config visits.purposes), in order',
  }),
});

const PresenceRow = Type.Object({
  visitId: Type.String(),
  guestName: Type.String(),
  institution: Type.String(),
  hostId: Type.String(),
  hostName: Type.String(),
  badgeLabel: Opt(Type.String()),
  area: Opt(
    Type.Object(
      { id: Type.String(), name: Type.String() },
      { description: 'The one area the guest is in (inside only)' },
    ),
  ),
  path: Opt(
    Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), {
      description: 'The areas from the perimeter inward to area: the building, then the room',
    }),
  ),
  gateway: Opt(
    Type.String({
      description:
        'On the desk of a fleet: the door gateway that last let the guest in (absent: this gateway)',
    }),
  ),
  issuedAt: Opt(Type.Integer()),
  firstEntryAt: Opt(Type.Integer()),
});

const Presence = Type.Object({
  at: Type.Integer(),
  inside: Type.Array(PresenceRow, {
    description: 'In an area inside the perimeter, by the last door they were seen at (from door events)',
  }),
  badgedNotInside: Type.Array(PresenceRow, {
    description: 'A badge is out but no entry was seen: on the premises as far as the desk knows',
  }),
});

const Outstanding = Type.Object({
  at: Type.Integer(),
  badgesOut: Type.Array(
    Type.Object({
      visitId: Type.String(),
      guestName: Type.String(),
      institution: Type.String(),
      hostName: Type.String(),
      badgeId: Type.String(),
      badgeLabel: Type.String(),
      issuedAt: Opt(Type.Integer()),
    }),
  ),
  documentsHeld: Type.Array(
    Type.Object({
      visitId: Type.String(),
      guestName: Type.String(),
      institution: Type.String(),
      hostName: Type.String(),
      documentType: Opt(Type.String()),
      masked: Opt(Type.String()),
      checkedOutAt: Opt(Type.Integer()),
    }),
  ),
  lostBadges: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
});

const HostLinkBody = Type.Object(
  {
    ttlMinutes: Type.Optional(
      Type.Integer({ minimum: 5, maximum: 1440, default: 60, description: 'At most http.hostLinkHours' }),
    ),
  },
  { additionalProperties: false },
);
const HostLinkCreated = Type.Object({
  token: Type.String(),
  path: Type.String({ description: 'Path and fragment to open on the gateway: /#/link/<token>' }),
  url: Opt(Type.String({ description: 'Full link, when the public URL is set (admin settings)' })),
  expiresAt: Type.Integer(),
});
const RedeemBody = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 1000 }) },
  { additionalProperties: false },
);

const NullableUrl = Type.Union([Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 500 }), Type.Null()]);
const SettingsBody = Type.Object(
  {
    publicUrl: Opt(NullableUrl),
    webhookUrl: Opt(NullableUrl),
    webhookSecret: Opt(Type.Union([Type.String({ minLength: 8, maxLength: 200 }), Type.Null()])),
    // A type list, not anyOf: with type coercion on, anyOf would turn null into 0 ("forever")
    // in its integer branch, and 0 into null in a null branch.
    retentionGuestDays: Opt(
      Type.Unsafe<number | null>({
        type: ['integer', 'null'],
        minimum: 0,
        maximum: 3650,
        description: 'Days; 0 keeps guest identity data forever; null follows the configuration again',
      }),
    ),
  },
  { additionalProperties: false },
);
const Settings = Type.Object({
  publicUrl: Opt(Type.String()),
  webhook: Type.Object({
    url: Opt(Type.String()),
    hasSecret: Type.Boolean(),
    sent: Type.Integer(),
    failed: Type.Integer(),
    lastAt: Opt(Type.Integer()),
    lastStatus: Opt(Type.Integer()),
    lastError: Opt(Type.String()),
  }),
  retentionGuestDays: Type.Integer({ description: 'In force (the override, else the configuration)' }),
  retentionFromConfig: Type.Integer(),
  retentionOverridden: Type.Boolean(),
  sweepHour: Type.Integer(),
  timezone: Type.String(),
});
const PasswordReset = Type.Object(
  {
    password: Type.String({ minLength: 10, maxLength: 200 }),
    temporary: Type.Boolean({ default: true, description: 'The user must change it at the next login' }),
  },
  { additionalProperties: false },
);
const UsernameParams = Type.Object(
  { username: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{1,31}$' }) },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- helpers

function historyAt(v: Visit, action: Visit['history'][number]['action']): number | undefined {
  return v.history.findLast((h) => h.action === action)?.at;
}

export interface PanelRouteOptions {
  gateway: Gateway;
  streams: SseStreams;
  cookieSecure: boolean;
}

export async function panelRoutes(
  app: FastifyInstance,
  { gateway, streams, cookieSecure }: PanelRouteOptions,
) {
  const { core, config, settings, webhook, hostLinks: links } = gateway;
  const state = core.state;

  const linkMaxMs = config.http.hostLinkHours * 60 * 60_000;
  const hostName = (id: string) => state.hosts.get(id)?.name ?? id;
  const badgeLabel = (id: string | undefined) => (id ? state.badges.get(id)?.label : undefined);

  app.get(
    '/panel/bootstrap',
    {
      config: { roles: ALL },
      schema: {
        tags: ['panel'],
        operationId: 'getPanelBootstrap',
        summary: 'Everything the web panel needs to start: me, hosts, doors, readers, clock, time zone',
        response: { 200: Bootstrap, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return {
        now: core.now(),
        timezone: state.policy.timezone,
        synchronised: gateway.clock.synchronised(),
        me: {
          ...(p.username ? { username: p.username } : {}),
          role: p.role,
          ...(p.hostId ? { hostId: p.hostId } : {}),
          ...(p.mustChangePassword ? { mustChangePassword: true } : {}),
          ...(p.visitId ? { link: true } : {}),
          actor: p.actor,
        },
        hosts: gateway.directory.hosts().map(({ userId: _u, ...h }) => h),
        doors: [...state.doors.values()].map((d) => ({ id: d.id, name: d.name, kind: d.kind })),
        readers: config.readers.map((r) => ({
          id: r.id,
          role: r.role,
          ...(r.door ? { doorId: r.door } : {}),
          ...(r.direction ? { direction: r.direction } : {}),
          keypad: Boolean(r.keypad),
          simulated: gateway.access.isSimulated(r.id),
        })),
        officeHours: state.policy.officeHours,
        sopStandards: { ...SOP_STANDARD_MINUTES },
        retentionGuestDays: gateway.privacy.retentionDays,
        noticeSeconds: config.display.noticeSeconds,
        mayReleaseLockdown: gateway.access.mayReleaseLockdown(p.role),
        purposes: config.visits.purposes,
      };
    },
  );

  app.get(
    '/panel/clock',
    {
      config: { roles: ALL },
      schema: {
        tags: ['panel'],
        operationId: 'getClock',
        summary: "The gateway's clock and time zone (the panel's step timers run from it)",
        response: {
          200: Type.Object({ now: Type.Integer(), timezone: Type.String(), synchronised: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async () => ({
      now: core.now(),
      timezone: state.policy.timezone,
      synchronised: gateway.clock.synchronised(),
    }),
  );

  app.get(
    '/presence',
    {
      config: { roles: WATCH },
      schema: {
        tags: ['panel'],
        operationId: 'getPresence',
        summary: 'Who is inside now and in which area (evacuation roll call); badges out not seen inside',
        response: { 200: Presence, ...errors },
      },
    },
    async () => {
      const row = (v: Visit, where?: InsideVisit) => {
        const label = badgeLabel(v.badgeId);
        const issuedAt = historyAt(v, 'issue_badge');
        return {
          visitId: v.id,
          guestName: v.guestName,
          institution: v.institution,
          hostId: v.hostId,
          hostName: hostName(v.hostId),
          ...(label ? { badgeLabel: label } : {}),
          ...(where ? { area: where.area, path: where.path } : {}),
          ...(where?.gateway !== undefined ? { gateway: where.gateway } : {}),
          ...(issuedAt !== undefined ? { issuedAt } : {}),
          ...(v.firstEntryAt !== undefined ? { firstEntryAt: v.firstEntryAt } : {}),
        };
      };
      const inside = gateway.rollCall.inside().map((w) => row(w.visit, w));
      const badgedNotInside = [];
      for (const v of state.visits.values()) {
        if (v.state === 'badged' && gateway.rollCall.areaOf(v.id) === undefined) badgedNotInside.push(row(v));
      }
      const byName = (a: { guestName: string }, b: { guestName: string }) =>
        a.guestName.localeCompare(b.guestName, 'id');
      return { at: core.now(), inside: inside.sort(byName), badgedNotInside: badgedNotInside.sort(byName) };
    },
  );

  app.get(
    '/desk/outstanding',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['panel'],
        operationId: 'getDeskOutstanding',
        summary: 'End of day: badges still out, identity documents still at the desk, lost badges',
        response: { 200: Outstanding, ...errors },
      },
    },
    async () => {
      const badgesOut = [];
      const documentsHeld = [];
      for (const v of state.visits.values()) {
        if (v.state === 'badged' && v.badgeId) {
          const issuedAt = historyAt(v, 'issue_badge');
          badgesOut.push({
            visitId: v.id,
            guestName: v.guestName,
            institution: v.institution,
            hostName: hostName(v.hostId),
            badgeId: v.badgeId,
            badgeLabel: badgeLabel(v.badgeId) ?? v.badgeId,
            ...(issuedAt !== undefined ? { issuedAt } : {}),
          });
        }
        if (v.state === 'badged' || (v.state === 'checked_out' && !v.documentReturned)) {
          if (!v.collateral) continue;
          const checkedOutAt = historyAt(v, 'checkout');
          documentsHeld.push({
            visitId: v.id,
            guestName: v.guestName,
            institution: v.institution,
            hostName: hostName(v.hostId),
            documentType: v.collateral.type,
            masked: v.collateral.masked,
            ...(checkedOutAt !== undefined ? { checkedOutAt } : {}),
          });
        }
      }
      const lostBadges = gateway.directory
        .badges()
        .filter((b) => b.status === 'lost')
        .map((b) => ({ id: b.id, label: b.label }));
      return { at: core.now(), badgesOut, documentsHeld, lostBadges };
    },
  );

  // ------------------------------------------------------------ hosts: one-time links, live feed

  app.post<{ Params: { id: string }; Body: Static<typeof HostLinkBody> }>(
    '/visits/:id/host-link',
    {
      config: { roles: DESK },
      schema: {
        tags: ['panel'],
        operationId: 'createHostLink',
        summary: 'A signed, expiring, one-time link for the host of this visit (decide without a password)',
        params: S.IdParams,
        body: HostLinkBody,
        response: { 201: HostLinkCreated, ...errors },
      },
    },
    async (req, reply) => {
      const v = state.visits.get(req.params.id);
      if (!v) throw new DomainError('not_found', 'visit not found or already closed');
      const ttlMinutes = req.body.ttlMinutes ?? Math.min(60, linkMaxMs / 60_000);
      if (ttlMinutes * 60_000 > linkMaxMs) {
        throw new DomainError(
          'invalid',
          `ttlMinutes: at most ${linkMaxMs / 60_000} (http.hostLinkHours ${config.http.hostLinkHours})`,
          'ttlMinutes',
        );
      }
      const { token, expiresAt } = links.issue(v.hostId, v.id, ttlMinutes * 60_000);
      const path = `/#/link/${token}`;
      const base = settings.get().publicUrl?.replace(/\/+$/, '');
      return reply.code(201).send({ token, path, ...(base ? { url: `${base}${path}` } : {}), expiresAt });
    },
  );

  app.post<{ Body: Static<typeof RedeemBody> }>(
    '/host-links/redeem',
    {
      config: { roles: 'public', rateLimit: { max: 30, timeWindow: 15 * 60_000 } },
      schema: {
        tags: ['panel'],
        operationId: 'redeemHostLink',
        summary: "Open a host's one-time link: sets a session cookie acting as that host",
        body: RedeemBody,
        response: {
          200: Type.Object({ me: S.Me, visitId: Opt(Type.String()), expiresAt: Type.Integer() }),
          400: S.ErrorBody,
          403: S.ErrorBody,
          429: S.ErrorBody,
        },
      },
    },
    async (req, reply) => {
      // A delegate's link whose delegation has ended is refused before it is used up.
      const delegateGone = (c: HostLinkClaims) => {
        if (c.delegateId === undefined) return false;
        const user = state.users.get(c.delegateId);
        return !user || user.disabled || !isDelegate(state.hosts.get(c.hostId), c.delegateId);
      };
      const checked = links.verify(req.body.token);
      if (!state.hosts.has(checked.hostId)) throw new DomainError('forbidden', 'the host no longer exists');
      if (delegateGone(checked)) throw new DomainError('forbidden', 'the delegation has ended');
      const claims = await links.redeem(req.body.token);
      const sessionMs = Math.min(LINK_SESSION_MS, linkMaxMs);
      const sessionId = await gateway.accounts.openHostLinkSession(
        claims.hostId,
        claims.visitId,
        claims.nonce,
        sessionMs,
        claims.delegateId,
      );
      reply.setCookie(SESSION_COOKIE, sessionId, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: cookieSecure,
        maxAge: sessionMs / 1000,
      });
      const p = gateway.accounts.fromSession(sessionId)!;
      return {
        // A delegate acts as themselves (their own host), for the link's host.
        me: { role: p.role, hostId: p.hostId ?? claims.hostId, link: true, actor: p.actor },
        visitId: claims.visitId,
        expiresAt: core.now() + sessionMs,
      };
    },
  );

  app.get(
    '/host/stream',
    {
      config: { roles: ['host'] },
      schema: {
        tags: ['panel'],
        operationId: 'streamHostVisits',
        summary: "Live changes of the host's own visits (SSE, event `visit`: {type, visitId, seq})",
        response: { 200: S.EventStream, 401: S.ErrorBody, 403: S.ErrorBody, 429: S.ErrorBody },
      },
    },
    async (req: FastifyRequest, reply) => {
      // HEAD (fastify adds it to every GET): the headers only, not a stream that never ends.
      if (req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
      const p = principalOf(req);
      const stream = streams.start(req, reply);
      if (!stream) return reply;
      // A delegate's feed carries the visits of the hosts who named them too, as long as they are
      // named (a link's, its one visit): the same rule as every visit route.
      const onEntry = (e: JournalEntry) => {
        if (!e.type.startsWith('visit.')) return;
        const visitId = (e.payload as { visitId: string }).visitId;
        const v = state.visits.get(visitId) ?? state.closedRecently(visitId);
        if (!v || !reaches(gateway, p, v)) return;
        stream.send(e.seq, 'visit', { type: e.type, visitId, seq: e.seq });
      };
      core.bus.on('entry', onEntry);
      stream.onClose(() => core.bus.off('entry', onEntry));
    },
  );

  // ------------------------------------------------------------ administration

  const settingsBody = (): Static<typeof Settings> => {
    const s = settings.get();
    return {
      ...(s.publicUrl ? { publicUrl: s.publicUrl } : {}),
      webhook: {
        ...(s.webhook?.url ? { url: s.webhook.url } : {}),
        hasSecret: Boolean(s.webhook?.secret),
        ...webhook.status,
      },
      retentionGuestDays: gateway.privacy.retentionDays,
      retentionFromConfig: gateway.privacy.retentionFromConfig,
      retentionOverridden: s.retentionGuestDays !== undefined,
      sweepHour: config.retention.sweepHour,
      timezone: config.timezone,
    };
  };

  app.get(
    '/admin/settings',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'getSettings',
        summary: 'Panel settings: public URL, webhook, retention',
        response: { 200: Settings, ...errors },
      },
    },
    async () => settingsBody(),
  );

  app.put<{ Body: Static<typeof SettingsBody> }>(
    '/admin/settings',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'updateSettings',
        summary: 'Change panel settings (null removes one); kept in the data folder',
        body: SettingsBody,
        response: { 200: Settings, ...errors },
      },
    },
    async (req) => {
      const b = req.body;
      const current = settings.get().webhook;
      const patch: Parameters<PanelSettingsStore['update']>[0] = {};
      if (b.publicUrl !== undefined) patch.publicUrl = b.publicUrl;
      if (b.retentionGuestDays !== undefined) patch.retentionGuestDays = b.retentionGuestDays;
      if (b.webhookUrl !== undefined || b.webhookSecret !== undefined) {
        const url = b.webhookUrl === undefined ? current?.url : (b.webhookUrl ?? undefined);
        const secret = b.webhookSecret === undefined ? current?.secret : (b.webhookSecret ?? undefined);
        if (!url && secret)
          throw new DomainError('invalid', 'a webhook secret needs a webhook URL', 'webhookUrl');
        patch.webhook = url ? { url, ...(secret ? { secret } : {}) } : null;
      }
      // The retention in force is read from the settings (PrivacyService): in force once stored.
      await settings.update(patch);
      req.log.info({ changed: Object.keys(b) }, 'panel settings changed');
      return settingsBody();
    },
  );

  app.post(
    '/admin/webhook/test',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'testWebhook',
        summary: 'Send a test message to the approval webhook',
        response: {
          200: Type.Object({ ok: Type.Boolean(), status: Opt(Type.Integer()), error: Opt(Type.String()) }),
          ...errors,
        },
      },
    },
    async () => {
      const hook = settings.get().webhook;
      if (!hook?.url) throw new DomainError('invalid', 'no webhook URL is set', 'webhookUrl');
      try {
        const status = await webhook.deliver(
          hook,
          { event: 'test', at: new Date(core.now()).toISOString() },
          false,
        );
        return { ok: true, status };
      } catch (err) {
        return { ok: false, error: (err as Error).message };
      }
    },
  );

  app.post(
    '/admin/retention/sweep',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'runRetentionSweep',
        summary:
          'Run the retention sweep now: erase guests last seen longer ago than the retention period, ' +
          'purge watchlist entries past their valid-until',
        response: {
          200: Type.Object({ erased: Type.Integer(), watchlistPurged: Type.Integer() }),
          ...errors,
        },
      },
    },
    async () => ({ erased: await gateway.privacy.sweep(), watchlistPurged: await gateway.watchlist.sweep() }),
  );

  app.delete<{ Params: { id: string } }>(
    '/badges/:id',
    {
      config: { roles: DESK },
      schema: {
        tags: ['badges'],
        operationId: 'deleteBadge',
        summary: 'Remove a badge from the pool (not while it is issued)',
        params: S.IdParams,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await gateway.directory.removeBadge(req.params.id, principalOf(req).actor);
      return { ok: true };
    },
  );

  app.post<{ Params: Static<typeof UsernameParams>; Body: Static<typeof PasswordReset> }>(
    '/users/:username/password',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['admin'],
        operationId: 'resetUserPassword',
        summary: "Reset a user's password (one-time by default: changed at the next login)",
        params: UsernameParams,
        body: PasswordReset,
        response: { 200: S.Ok, ...errors },
      },
    },
    async (req) => {
      await gateway.accounts.setPassword(
        req.params.username,
        req.body.password,
        principalOf(req).actor,
        req.body.temporary ?? true,
      );
      return { ok: true };
    },
  );
}
