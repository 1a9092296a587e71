// The shape of a case, composed in this one place from what each capability adds: the view agents,
// tests and the Web UI see, the deployment settings a case is opened with, and the state a case
// carries across continue-as-new.
import type { CaseCore, CoreSettings, CoreState } from './case/state';
import type { ClocksSlice, SlaState } from './clocks/state';
import type { CompensationSlice } from './compensation/state';
import type { ConversationSlice, ConversationState } from './conversation/state';
import type { IncidentCaseSlice } from './incidents/state';
import type { EscalationSettings, EscalationSlice, EscalationState } from './escalation/state';
import type { MetricsState } from './metrics/state';

/** The case as agents, tests and the Web UI see it. */
export interface CaseView
  extends CaseCore, ClocksSlice, EscalationSlice, CompensationSlice, ConversationSlice, IncidentCaseSlice {}

/** Deployment settings a case needs; they come from config at open, since workflows never read env. */
export interface CaseSettings extends CoreSettings, EscalationSettings {}

/** Everything a case carries across continue-as-new. */
export interface CaseState extends CoreState {
  view: CaseView;
  sla?: SlaState;
  escalation?: EscalationState;
  conversation?: ConversationState;
  metrics?: MetricsState;
}
