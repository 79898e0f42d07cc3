// The satisfaction survey through the API: the desk asks for a visit's one-time token (the
// tablet view at checkout opens it, the slip prints it as a QR link); the form behind the token
// is public (the token is its only credential) and anonymous, and takes one answer per visit.
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { SURVEY_ELEMENTS } from '../../domain/survey.js';
import type { Role } from '../../domain/types.js';
import type { Gateway } from '../../service/gateway.js';
import * as S from '../schemas.js';

const DESK: Role[] = ['admin', 'receptionist'];
/** The recaps' readers (routes/events.ts REPORT). */
const REPORT: Role[] = ['admin', 'receptionist'];
const errors = { 400: S.ErrorBody, 401: S.ErrorBody, 403: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody };
const publicErrors = { 400: S.ErrorBody, 404: S.ErrorBody, 409: S.ErrorBody, 429: S.ErrorBody };

const TokenParams = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9_.-]+$' }) },
  { additionalProperties: false },
);
const Rating = Type.Integer({ minimum: 1, maximum: 4 });
const SurveyBody = Type.Object(
  {
    ratings: Type.Object(Object.fromEntries(SURVEY_ELEMENTS.map((e) => [e.id, Rating])), {
      additionalProperties: false,
      description: 'Every element (unsur) rated 1 (tidak baik) to 4 (sangat baik).',
    }),
    saran: Type.Optional(
      Type.String({ maxLength: 5000, description: 'Suggestion, at most survey.saranMaxChars characters' }),
    ),
  },
  { additionalProperties: false },
);
const SurveyToken = Type.Object({
  token: Type.String(),
  path: Type.String({ description: 'Panel path of the form: /#/survey/<token>' }),
  until: Type.Integer({ description: 'Epoch ms: answers are taken until then' }),
});
const SurveyReportQuery = Type.Object(
  {
    period: Type.String({
      pattern: '^\\d{4}(-(0[1-9]|1[0-2]))?$',
      description: 'YYYY-MM (a month) or YYYY (a year)',
    }),
    format: Type.Optional(
      Type.Union(
        [Type.Literal('json'), Type.Literal('csv'), Type.Literal('csv-excel'), Type.Literal('xlsx')],
        {
          default: 'json',
        },
      ),
    ),
    lang: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('en')], { default: 'id' })),
  },
  { additionalProperties: false },
);
const SurveyForm = Type.Object({
  elements: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), nameEn: Type.String() })),
  until: Type.Integer(),
  saranMaxChars: Type.Integer(),
});

export async function surveyRoutes(app: FastifyInstance, { gateway }: { gateway: Gateway }) {
  const { survey } = gateway;
  const rateLimit = { max: gateway.config.survey.requestsPerMinute, timeWindow: 60_000 };

  app.post<{ Params: Static<typeof S.IdParams> }>(
    '/visits/:id/survey-token',
    {
      config: { roles: DESK },
      schema: {
        tags: ['survey'],
        operationId: 'createSurveyToken',
        summary: "A visit's one-time satisfaction survey token (the same for the same visit)",
        description:
          'For the tablet at checkout or the QR link on the slip. Valid survey.tokenDays from the arrival; ' +
          '409 state ended after that.',
        params: S.IdParams,
        response: { 201: SurveyToken, ...errors },
      },
    },
    async (req, reply) => {
      const { token, until } = survey.tokenFor(req.params.id);
      return reply.code(201).send({ token, path: `/#/survey/${token}`, until });
    },
  );

  app.get<{ Params: Static<typeof TokenParams> }>(
    '/survey/:token',
    {
      config: { roles: 'public', rateLimit },
      schema: {
        tags: ['survey'],
        operationId: 'openSurvey',
        summary: 'The survey form behind a token (public; anonymous)',
        description: '404 for a token that is not one; 409 state answered (once per visit) or ended.',
        params: TokenParams,
        response: { 200: SurveyForm, ...publicErrors },
      },
    },
    async (req) => {
      const { until } = survey.check(req.params.token);
      return {
        elements: SURVEY_ELEMENTS.map(({ id, name, nameEn }) => ({ id, name, nameEn })),
        until,
        saranMaxChars: survey.saranMaxChars,
      };
    },
  );

  app.post<{ Params: Static<typeof TokenParams>; Body: Static<typeof SurveyBody> }>(
    '/survey/:token',
    {
      config: { roles: 'public', rateLimit },
      schema: {
        tags: ['survey'],
        operationId: 'answerSurvey',
        summary: 'Answer the survey (public; stored without the visit or the guest)',
        description:
          'Every element rated 1-4 (400 rule survey_rating), saran up to survey.saranMaxChars ' +
          '(400 rule survey_saran_length); 409 state answered for a second answer of the same visit.',
        params: TokenParams,
        body: SurveyBody,
        response: { 204: Type.Null(), ...publicErrors },
      },
    },
    async (req, reply) => {
      await survey.answer(req.params.token, req.body);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof SurveyReportQuery> }>(
    '/reports/survey',
    {
      config: { roles: REPORT },
      schema: {
        tags: ['reports'],
        operationId: 'getSurveyReport',
        summary: 'Satisfaction survey of a month or a year: IKM per element, category, respondents, saran',
        description:
          'The IKM by PermenPAN-RB No. 14 Tahun 2017 (nine elements, mean per element, x 1/9, x 25). ' +
          'format: json (default), csv (RFC 4180) or csv-excel (for Excel set to Indonesian), in the ' +
          "regulation's report shape; xlsx: the regulation's tabulation (respondents x U1..U9, the sum, " +
          'NRR and weighted NRR per element, the IKM, mutu and kinerja; the saran on a second sheet), for ' +
          'at most survey.tabulationMaxRespondents respondents (400 above).',
        querystring: SurveyReportQuery,
        response: { 200: { type: 'object', additionalProperties: true }, ...errors },
      },
    },
    async (req, reply) => {
      const { period, format = 'json', lang = 'id' } = req.query;
      if (format === 'json') return gateway.reports.survey(period);
      if (format === 'xlsx') {
        const tab = await gateway.reports.surveyTabulation(period);
        // exceljs is loaded on the first export, not at every start.
        const { surveyToXlsx } = await import('../../reports/survey-xlsx.js');
        const file = await surveyToXlsx(tab, lang, { generatedAt: gateway.core.now() });
        reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="survei-kepuasan-${period}.xlsx"`);
        return reply.send(file);
      }
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="survei-kepuasan-${period}.csv"`);
      return gateway.reports.renderSurvey(period, format, lang);
    },
  );
}
