// Metrics at the source: when a case closes it publishes its own facts as search attributes
// (CaseClosedAt, CaseFacts), so the metrics summary and the weekly report read them from Temporal
// visibility without a second store. A reopen withdraws them until the case closes again.
//
// Cases opened under a policy with `reporting.caseMarks` also publish what happened so far
// (CaseMarks, CaseResolvedAt, the minute figures), so every figure is a visibility count. The flag
// is pinned in the case's input, which makes it as safe on replay as patched() (a case opened
// before it replays its old upserts) without patched()'s marker and change-version upsert on every
// case's history. And the marks are refreshed only when something else the case publishes changes
// (status, category, assignee, severity, an escalation or its ladder's climb, a compensation or its
// status), so they mostly ride in an upsert the case makes anyway: a plain e-mail case's history
// grows by no event (a compensation applied later adds one upsert to its case).
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { factsFromView } from '../../src/metrics/facts';
import { metricsOf, subjectWords, type PublishedMetrics } from '../../src/metrics/marks';
import type { CaseContext } from '../case/context';
import {
  CaseClosedAtAttr,
  CaseFactsAttr,
  CaseFinalResolutionMinsAttr,
  CaseFirstResponseMinsAttr,
  CaseMarksAttr,
  CaseResolutionMinsAttr,
  CaseResolvedAtAttr,
} from './contract';

/** Installs the facts publisher on a case. */
export function installFacts(ctx: CaseContext): void {
  const marks = ctx.input.policy.reporting?.caseMarks === true;
  const latch = (ctx.state.metrics ??= {});
  latch.words ??= subjectWords(ctx.input.policy, ctx.input.subject);
  ctx.on('agentResponse', (e) => {
    if (e.actor.role === 'system') latch.selfService = true;
    else latch.firstHumanResponseAtMs ??= Date.now();
  });
  ctx.on('statusChanged', (e) => {
    if (e.to === 'resolved') latch.firstResolvedAtMs ??= Date.now();
  });
  const everSet = new Set<string>();
  let lastTrigger = '';
  let current: PublishedMetrics | undefined;
  ctx.addPublisher({
    searchAttributes: () => {
      const closed = ctx.view.status === 'closed';
      const facts = [
        { key: CaseClosedAtAttr, value: closed && ctx.view.times.closedAt ? new Date(ctx.view.times.closedAt) : null },
        {
          key: CaseFactsAttr,
          value: closed
            ? JSON.stringify(factsFromView(ctx.input.policy, ctx.viewNow(), { escalationDetails: marks }))
            : null,
        },
      ];
      if (!marks) return facts;
      const v = ctx.view;
      const trigger = JSON.stringify([
        v.status,
        v.category,
        v.assignee?.name,
        v.severity,
        (v.escalations ?? []).map((e) => e.rungs.length),
        (v.compensations ?? []).map((c) => c.status),
        // Flips when CaseBreached does.
        (ctx.viewNow().sla?.breaches ?? 0) > 0,
      ]);
      if (trigger !== lastTrigger || !current) {
        lastTrigger = trigger;
        current = metricsOf(ctx.input.policy, ctx.viewNow(), latch);
      }
      const m = current;
      // An attribute the case never had is left out rather than cleared (history stays small).
      const pairs = [
        { key: CaseMarksAttr, value: m.marks },
        { key: CaseResolvedAtAttr, value: m.resolvedAt },
        { key: CaseFirstResponseMinsAttr, value: m.firstResponseMins },
        { key: CaseResolutionMinsAttr, value: m.resolutionMins },
        { key: CaseFinalResolutionMinsAttr, value: m.finalResolutionMins },
      ].filter((p) => p.value !== null || everSet.has(p.key.name));
      for (const p of pairs) everSet.add(p.key.name);
      return [...facts, ...pairs] as SearchAttributeUpdatePair[];
    },
  });
}
