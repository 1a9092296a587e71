// Metrics at the source: when a case closes it publishes its own facts as search attributes
// (CaseClosedAt, CaseFacts), so the metrics summary and the weekly report read them from Temporal
// visibility without a second store. A reopen withdraws them until the case closes again.
import { factsFromView } from '../../src/metrics/facts';
import type { CaseContext } from '../case/context';
import { CaseClosedAtAttr, CaseFactsAttr } from './contract';

/** Installs the facts publisher on a case. */
export function installFacts(ctx: CaseContext): void {
  ctx.addPublisher({
    searchAttributes: () => {
      const closed = ctx.view.status === 'closed';
      return [
        { key: CaseClosedAtAttr, value: closed && ctx.view.times.closedAt ? new Date(ctx.view.times.closedAt) : null },
        { key: CaseFactsAttr, value: closed ? JSON.stringify(factsFromView(ctx.input.policy, ctx.viewNow())) : null },
      ];
    },
  });
}
