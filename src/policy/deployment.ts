// The policy new cases pin: the seed's, with this deployment's overrides. An override changes the
// version string, so a case's view says exactly which rules it runs under.
import type { Config } from '../config';
import { DEFAULT_POLICY } from './default-policy';
import type { SupportPolicy } from './types';

/** The policy for cases opened by this deployment. */
export function deploymentPolicy(config: Pick<Config, 'policyOverrides'>, base: SupportPolicy = DEFAULT_POLICY): SupportPolicy {
  const delay = config.policyOverrides.csatSurveyDelayMinutes;
  if (delay === undefined || delay === base.csat.surveyDelayMinutes) return base;
  return { ...base, version: `${base.version}+csat-delay-${delay}m`, csat: { ...base.csat, surveyDelayMinutes: delay } };
}
