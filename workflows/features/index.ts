// Features plug into a case through its context: they register their own Updates, subscribe to
// case events, add search attributes and run their own timers. Order matters for replay: append.
import type { CaseContext } from '../case-context';

/** Features installed on every case, in a fixed order (replay depends on it). */
const FEATURES: ((ctx: CaseContext) => void)[] = [];

/** Installs every feature on a case. */
export function installFeatures(ctx: CaseContext): void {
  for (const install of FEATURES) install(ctx);
}
