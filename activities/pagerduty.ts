import { recentDeploys, type SlackActivitiesOptions } from './slack';
/** PagerDuty's alert severities. */
export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

/** A link shown on the PagerDuty incident. */
export interface PageLink {
  href: string;
  text?: string;
}

/** An Events API v2 event, in PagerDuty's field names, without the routing key the gateway adds. */
export interface PagerDutyEvent {
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PageSeverity;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: PageLink[];
  client?: string;
  client_url?: string;
}

/** The narrow slice of PagerDuty the case activities need; src/integrations/pagerduty-client.ts implements it. */
export interface PagerDutyGateway {
  /**
   * Sends one event. PagerDuty refusing it (4xx other than 429) throws a non-retryable
   * `PagerDutyRejected` failure; throttling, 5xx and network errors throw plain, retryable errors.
   */
  enqueue(event: PagerDutyEvent): Promise<{ dedupKey: string }>;
}

/** A page for one ladder rung. */
export interface PageOnCallInput {
  /** The business idempotency key, e.g. `case-<id>:esc-<n>:rung-<k>`: a retried page folds into one incident. */
  dedupKey: string;
  summary: string;
  severity: PageSeverity;
  source: string;
  customDetails?: Record<string, unknown>;
  links?: PageLink[];
}

const CLIENT = 'EduStream support-case orchestrator';
// PagerDuty truncates longer summaries; clipping here keeps the end visible as an ellipsis.
const SUMMARY_MAX = 1024;

/** The incidents an acknowledge or resolve is for: one dedup key, and any more of the same escalation. */
export interface PageKeys {
  dedupKey: string;
  more?: string[];
}

/** Sends the event for every key, in order; a retry sends them again, which PagerDuty folds. */
async function enqueueEach(
  pd: PagerDutyGateway,
  action: 'acknowledge' | 'resolve',
  input: PageKeys,
): Promise<{ dedupKey: string }> {
  const first = await pd.enqueue({ event_action: action, dedup_key: input.dedupKey });
  for (const key of input.more ?? []) await pd.enqueue({ event_action: action, dedup_key: key });
  return first;
}

/** PagerDuty activities: page a rung, and acknowledge or resolve its incident. */
export function pagerDutyActivities(pd: PagerDutyGateway, opts: Pick<SlackActivitiesOptions, 'deploymentsSince'> = {}) {
  return {
    /**
     * Triggers the rung's incident. The dedup key is derived from case, escalation and rung, so
     * PagerDuty folds a retried or replayed trigger into the open incident instead of paging twice.
     */
    async pageOnCall(input: PageOnCallInput): Promise<{ dedupKey: string }> {
      const summary =
        input.summary.length <= SUMMARY_MAX ? input.summary : `${input.summary.slice(0, SUMMARY_MAX - 1)}…`;
      // The on-call engineer sees the deploys of the last hours with the page (the seed's "Check
      // known issues and recent deployments"); read here, so the case's history is unchanged.
      const deploys = (await recentDeploys(opts)).slice(0, 10);
      const customDetails = deploys.length
        ? {
            ...input.customDetails,
            recentDeployments: deploys.map((d) => `${d.service} ${d.version} at ${d.at}${d.link ? ` ${d.link}` : ''}`),
          }
        : input.customDetails;
      return pd.enqueue({
        event_action: 'trigger',
        dedup_key: input.dedupKey,
        payload: {
          summary,
          source: input.source,
          severity: input.severity,
          ...(customDetails ? { custom_details: customDetails } : {}),
        },
        ...(input.links && input.links.length > 0 ? { links: input.links, client_url: input.links[0]!.href } : {}),
        client: CLIENT,
      });
    },
    /**
     * Acknowledges a rung's incident (and those of `more`: every rung of an escalation in one
     * activity), so PagerDuty stops re-notifying once someone answered through us.
     */
    async acknowledgePage(input: PageKeys): Promise<{ dedupKey: string }> {
      return enqueueEach(pd, 'acknowledge', input);
    },
    /** Resolves a rung's incident (and those of `more`) when its escalation is resolved. */
    async resolvePage(input: PageKeys): Promise<{ dedupKey: string }> {
      return enqueueEach(pd, 'resolve', input);
    },
  };
}
