// Survey links carry a signed token naming the case and the survey; the workflow accepts one
// rating per survey, which makes the link single-use. No personal data in the token.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config';

/** What a survey token names. */
export interface SurveyClaim {
  caseId: string;
  surveyId: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** Signs a survey token. */
export function signSurveyToken(secret: string, claim: SurveyClaim): string {
  const body = b64(JSON.stringify({ c: claim.caseId, s: claim.surveyId }));
  const sig = createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${sig}`;
}

/** Verifies a survey token; null when forged or malformed. */
export function verifySurveyToken(secret: string, token: string): SurveyClaim | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('base64url'));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { c?: unknown; s?: unknown };
    if (typeof parsed.c !== 'string' || typeof parsed.s !== 'string') return null;
    return { caseId: parsed.c, surveyId: parsed.s };
  } catch {
    return null;
  }
}

/** The signed survey link a CSAT e-mail carries (built on the worker side, opened at the API's /csat/:token). */
export function surveyLink(
  config: Pick<Config, 'publicBaseUrl' | 'csatSecret'>,
  caseId: string,
  surveyId: string,
): string {
  return `${config.publicBaseUrl}/csat/${signSurveyToken(config.csatSecret, { caseId, surveyId })}`;
}
