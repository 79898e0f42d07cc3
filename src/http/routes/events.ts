// The journal to read: paged history, the live feed (Server-Sent Events, resumable with
// Last-Event-ID), the monthly and yearly recaps made from it, and the guest-book register.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { DomainError } from '../../domain/errors.js';
import type { JournalEntry } from '../../domain/events.js';
import type { Role } from '../../domain/types.js';
import { registerFileName } from '../../reports/register-labels.js';
import type { Gateway } from '../../service/gateway.js';
import { exportRegister, REGISTER_CONTENT_TYPES } from '../../service/register.js';
import { principalOf } from '../auth.js';
import * as S from '../schemas.js';
import type { SseStreams } from '../sse.js';

const WATCH: Role[] = ['admin', 'receptionist', 'security', 'facilities'];
const REPORT: Role[] = ['admin', 'receptionist'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody };

function typesOf(param: string | undefined): string[] | undefined {
  const list = param
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return list?.length ? list : undefined;
}

export async function eventRoutes(
  app: FastifyInstance,
  { gateway, streams }: { gateway: Gateway; streams: SseStreams },
) {
  const { journal, bus } = gateway.core;

  app.get<{ Querystring: Static<typeof S.EventsQuery> }>(
    '/events',
    {
      config: { roles: WATCH },
      schema: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'Journal entries, newest first, paged by beforeSeq',
        description:
          '`type` takes a comma-separated list of event types or prefixes ending in ".", e.g. `access.,visit.checked_out`. ' +
          'A tap names its badge by `badgeLabel`, the guest of its visit by `guest` (as display.guestName shapes the name) and an escort card by `escort` (its name); ' +
          'badge UIDs (`uid`) are shown to admin only, and an unknown card ' +
          'appears as its keyed hash (`unk:` and 16 hex).',
        querystring: S.EventsQuery,
        response: { 200: S.EventsPage, ...errors },
      },
    },
    async (req) => {
      const types = typesOf(req.query.type);
      const page = await journal.page({
        limit: req.query.limit,
        ...(req.query.beforeSeq ? { beforeSeq: req.query.beforeSeq } : {}),
        ...(types ? { types } : {}),
      });
      const last = page.entries.at(-1);
      const role = principalOf(req).role;
      return {
        events: page.entries
          .filter((e) => gateway.eventView.visible(e, role))
          .map((e) => gateway.eventView.shown(e, role)),
        ...(page.hasMore && last ? { nextBeforeSeq: last.seq } : {}),
      };
    },
  );

  app.get<{ Querystring: { type?: string } }>(
    '/events/stream',
    {
      config: { roles: WATCH },
      schema: {
        tags: ['events'],
        operationId: 'streamEvents',
        summary: 'Live journal entries as Server-Sent Events (id = seq; resumes after Last-Event-ID)',
        description: 'At most http.limits.sseStreamsPerUser feeds open at once per login (429 above).',
        querystring: {
          type: 'object',
          properties: { type: { type: 'string', maxLength: 200 } },
          additionalProperties: false,
        },
        response: {
          200: S.EventStream,
          400: S.ErrorBody,
          401: S.ErrorBody,
          403: S.ErrorBody,
          429: S.ErrorBody,
        },
      },
    },
    async (req, reply) => {
      // HEAD (fastify adds it to every GET): the headers only, not a stream that never ends.
      if (req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
      const types = typesOf(req.query.type);
      const role = principalOf(req).role;
      const wanted = (e: JournalEntry) =>
        gateway.eventView.visible(e, role) &&
        (!types || types.some((t) => (t.endsWith('.') ? e.type.startsWith(t) : e.type === t)));
      const stream = streams.start(req, reply);
      if (!stream) return reply;
      const raw = stream.raw;
      const send = (e: JournalEntry) => stream.send(e.seq, e.type, gateway.eventView.shown(e, role));
      // Hold live entries while the missed ones are read, so none is lost or sent twice.
      const held: JournalEntry[] = [];
      let replaying = true;
      let lastSent = 0;
      const onEntry = (e: JournalEntry) => {
        if (!wanted(e)) return;
        if (replaying) held.push(e);
        else if (e.seq > lastSent) {
          lastSent = e.seq;
          send(e);
        }
      };
      bus.on('entry', onEntry);
      stream.onClose(() => bus.off('entry', onEntry));
      const lastId = Number(req.headers['last-event-id']);
      if (Number.isInteger(lastId) && lastId > 0) {
        for await (const e of journal.read({ fromSeq: lastId + 1, ...(types ? { types } : {}) })) {
          if (raw.destroyed) break;
          lastSent = e.seq;
          if (gateway.eventView.visible(e, role)) send(e);
        }
      }
      replaying = false;
      for (const e of held) {
        if (e.seq <= lastSent) continue;
        lastSent = e.seq;
        send(e);
      }
    },
  );

  app.get<{ Querystring: Static<typeof S.ReportQuery> }>(
    '/reports/monthly',
    {
      config: { roles: REPORT },
      schema: {
        tags: ['reports'],
        operationId: 'getMonthlyReport',
        summary: 'Monthly recap (SOP step 8), labels in Bahasa Indonesia by default',
        description:
          'format: json (default), csv (RFC 4180, for programs), csv-excel (for Excel set to Indonesian: ' +
          '";" separators, decimal comma, dd/mm/yyyy dates), xlsx (Excel) or pdf (printable, PDF/A-2b, ' +
          "with the Biro Umum heading). Every format ends with the month's satisfaction survey (IKM per " +
          'element, IKM x25, mutu and kinerja, respondents, saran).',
        querystring: {
          ...S.ReportQuery,
          properties: {
            ...S.ReportQuery.properties,
            format: { ...S.ReportQuery.properties.format, default: 'json' },
            lang: { ...S.ReportQuery.properties.lang, default: 'id' },
          },
          required: ['month'],
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req, reply) => {
      const { month, format, lang } = req.query;
      if (format === 'csv' || format === 'csv-excel') {
        const csv = await gateway.reports.render(month, format, lang);
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="rekap-kunjungan-${month}.csv"`);
        return csv;
      }
      if (format === 'xlsx' || format === 'pdf') {
        const recap = await gateway.reports.monthly(month);
        const opts = { generatedAt: gateway.core.now(), survey: await gateway.reports.survey(month) };
        // exceljs and pdfkit are loaded on the first export, not at every start.
        const file =
          format === 'xlsx'
            ? await (await import('../../reports/xlsx.js')).recapToXlsx(recap, lang, opts)
            : await (await import('../../reports/pdf.js')).recapToPdf(recap, lang, opts);
        reply
          .type(
            format === 'xlsx'
              ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
              : 'application/pdf',
          )
          .header('content-disposition', `attachment; filename="rekap-kunjungan-${month}.${format}"`);
        return reply.send(file);
      }
      return gateway.reports.render(month, 'json', lang);
    },
  );

  app.get<{ Querystring: Static<typeof S.YearReportQuery> }>(
    '/reports/yearly',
    {
      config: { roles: REPORT },
      schema: {
        tags: ['reports'],
        operationId: 'getYearlyReport',
        summary: 'Yearly recap: the twelve monthly recaps added up, with one row per month',
        description:
          'Counts are the sums of the monthly recaps (a visit counts in the month it arrived); SOP step ' +
          'times and the mean visit length are over the whole year. format: json (default), csv (RFC 4180) ' +
          "or csv-excel (for Excel set to Indonesian); each ends with the year's satisfaction survey.",
        querystring: {
          ...S.YearReportQuery,
          properties: {
            ...S.YearReportQuery.properties,
            format: { ...S.YearReportQuery.properties.format, default: 'json' },
            lang: { ...S.YearReportQuery.properties.lang, default: 'id' },
          },
          required: ['year'],
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req, reply) => {
      const { year, format, lang } = req.query;
      if (format === 'csv' || format === 'csv-excel') {
        const csv = await gateway.reports.renderYear(year, format, lang);
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="rekap-kunjungan-${year}.csv"`);
        return csv;
      }
      return gateway.reports.renderYear(year, 'json', lang);
    },
  );

  app.get<{ Querystring: Static<typeof S.RegisterQuery> }>(
    '/reports/register',
    {
      config: { roles: REPORT },
      schema: {
        tags: ['reports'],
        operationId: 'getGuestRegister',
        summary: 'Guest-book register: every visit of a day or a month as rows, in arrival order',
        description:
          'Exactly one of day (YYYY-MM-DD) or month (YYYY-MM). format: json (default), csv (RFC 4180), ' +
          'csv-excel (for Excel set to Indonesian), xlsx or pdf ' +
          '(A4 landscape, with the Biro Umum heading). Each row says how the guest came: the appointment code ' +
          '(or none: a walk-in), the group (rombongan: its institution, leader and persons) and the escort at an ' +
          'escort door (name, SOP step 6 minutes); `summary` counts expected, walk-in, no-shows, groups and their ' +
          "persons, escorted visits, and carries the period's IKM with its respondents. " +
          'Names of visits older than the retention period ' +
          '(or of erased guests) are withheld; document numbers are never in it. PDF and XLSX are drawn ' +
          'for at most http.limits.registerPrintRows visits (400 above).',
        querystring: {
          ...S.RegisterQuery,
          properties: {
            ...S.RegisterQuery.properties,
            format: { ...S.RegisterQuery.properties.format, default: 'json' },
            lang: { ...S.RegisterQuery.properties.lang, default: 'id' },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req, reply) => {
      const { day, month, format, lang } = req.query;
      const register = await gateway.register.register({ day, month });
      if (format === 'json') return register;
      // pdfkit and exceljs draw synchronously, on the loop that decides taps: bounded.
      const max = gateway.config.http.limits.registerPrintRows;
      if ((format === 'pdf' || format === 'xlsx') && register.rows.length > max) {
        throw new DomainError(
          'invalid',
          `the register has ${register.rows.length} visits; ${format.toUpperCase()} is drawn for at most ${max} (http.limits.registerPrintRows): ask for one day, or CSV`,
          'format',
        );
      }
      reply
        .type(REGISTER_CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${registerFileName(register.period, format)}"`);
      return reply.send(await exportRegister(register, format, lang));
    },
  );
}
