// Features plug into a case through its context: they register their own Updates, subscribe to
// case events, add search attributes and run their own timers. Order matters for replay: append.
import type { CaseContext } from '../case-context';
// ---- SLA clocks and escalation (issue 3) ----
import { clocksFeature } from './clocks';
import { escalationFeature } from './escalation';
// ---- compensation (issue 4) ----
import { compensationFeature } from './compensation';
// ---- metrics (issue 5) ----
import { installFacts } from './facts';

/** Features installed on every case, in a fixed order (replay depends on it). */
const FEATURES: ((ctx: CaseContext) => void)[] = [
  // ---- SLA clocks and escalation (issue 3): clocks first, escalation uses them ----
  clocksFeature,
  escalationFeature,
  // ---- compensation (issue 4): stays after the SLA clock and escalation features of issue 3 ----
  compensationFeature,
  // ---- metrics (issue 5): a closed case publishes its facts ----
  installFacts,
];

/** Installs every feature on a case. */
export function installFeatures(ctx: CaseContext): void {
  for (const install of FEATURES) install(ctx);
}
