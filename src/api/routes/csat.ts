// The customer's satisfaction survey: the page behind the signed link of the CSAT e-mail, and the
// rating it posts back. No bearer token: the signed, single-use link is the credential.
import type { z } from 'zod/v4';
import { verifySurveyToken } from '../../security/csat-token';
import { CASE_ID_PATTERN, rateUpdate } from '../../../workflows/contracts';
import { HttpError } from '../errors';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf, runCaseUpdate, type RouteDef, type RouteEnv } from '../route-table';
import * as s from '../schemas';
import { renderSurveyPage, renderSurveyThanks } from '../survey-page';

/** The survey routes. */
export function csatRoutes(env: RouteEnv): RouteDef[] {
  const { config } = env;
  return [
    {
      method: 'get',
      path: '/csat/:token',
      summary: 'The survey page a customer opens from the e-mail',
      permission: null,
      async handle(ctx) {
        if (!verifySurveyToken(config.csatSecret, ctx.params.token))
          throw new HttpError(404, 'not_found', 'this survey link is not valid');
        return { body: null, html: renderSurveyPage(ctx.params.token) };
      },
    },
    {
      method: 'post',
      path: '/csat/:token',
      summary: 'Rate a resolved case (signed, single-use link; no bearer token)',
      permission: null,
      form: true,
      body: s.csatBody,
      headers: [IDEMPOTENCY_KEY_HEADER],
      async handle(ctx) {
        const claim = verifySurveyToken(config.csatSecret, ctx.params.token);
        if (!claim || !CASE_ID_PATTERN.test(claim.caseId))
          throw new HttpError(404, 'not_found', 'this survey link is not valid');
        const body = ctx.body as z.infer<typeof s.csatBody>;
        // The survey link is the caller: a retried rating with the same key is answered, not refused.
        await runCaseUpdate(
          env.handleFor(claim.caseId),
          rateUpdate,
          { surveyId: claim.surveyId, ...body },
          {
            callerId: `survey-${claim.surveyId.replace(/[^A-Za-z0-9-]/g, '-')}`,
            key: idempotencyKeyOf(ctx),
          },
        );
        const wantsHtml = (ctx.header('content-type') ?? '').startsWith('application/x-www-form-urlencoded');
        // The customer sees only their own rating, never the case's internal view.
        return wantsHtml
          ? { body: null, html: renderSurveyThanks(body.rating) }
          : { body: { caseId: claim.caseId, rating: body.rating, thanks: true } };
      },
    },
  ];
}
