import { emailActivities, type Mailer } from './email';
import { stripeActivities, type StripeGateway } from './stripe';

/** What the activities need; the worker builds real clients from config, tests pass peers on loopback. */
export interface ActivityDeps {
  mailer: Mailer;
  stripe: StripeGateway;
  csatLink: (caseId: string, surveyId: string) => string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...emailActivities({ mailer: deps.mailer, csatLink: deps.csatLink }),
    ...stripeActivities(deps.stripe),
  };
}

/** The activity interface workflows proxy. */
export type Activities = ReturnType<typeof createActivities>;
