// Capabilities plug into a case through its context: each registers its own Updates and signals,
// subscribes to case events, adds search attributes and runs its own timers. The order is part
// of every recorded history: append new capabilities, never reorder.
import type { CaseContext } from './case/context';
import { clocksFeature } from './clocks/handlers';
import { compensationFeature } from './compensation/handlers';
import { conversationFeature } from './conversation/handlers';
import { incidentCaseFeature } from './incidents/case-handlers';
import { escalationFeature } from './escalation/handlers';
import { installFacts } from './metrics/handlers';

/** Capabilities installed on every case, in a fixed order: clocks first (escalation uses them). */
const CAPABILITIES: ((ctx: CaseContext) => void)[] = [
  clocksFeature,
  escalationFeature,
  compensationFeature,
  installFacts,
  conversationFeature,
  incidentCaseFeature,
];

/** Installs every capability on a case. */
export function installCapabilities(ctx: CaseContext): void {
  for (const install of CAPABILITIES) install(ctx);
}
