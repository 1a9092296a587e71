// What an incident means for one of its linked cases: the case shows the incident, and each
// public update reaches the customer by e-mail once (the Escalation Notice the first time, the
// short incident update after that), however often the incident's fan-out is retried. A case
// opened while its known issue is open starts linked to it (opening.ts); one linked later, or
// proposed a matching incident, has "Check for known issues" completed here. While
// the incident's ladder runs, the case's escalations join it; the incident's acknowledgement stops
// their engineering clocks; the incident's resolution resolves the case (unless an agent opted it
// out) and, for an outage, proposes the seed's compensation.
import { describeMinutes } from '../../src/policy/rules';
import { checkIncidentNotice } from '../../src/policy/signal-checks';
import { SYSTEM, type CaseContext } from '../case/context';
import { KNOWN_ISSUES_STEP } from '../case/opening';
import { incidentNoticeSignal, type IncidentNoticeInput } from './contract';

/** Completes "Check for known issues" with what was found. */
function knownIssueChecked(ctx: CaseContext, note: string): void {
  const step = ctx.view.checklist.find((s) => s.id === KNOWN_ISSUES_STEP && s.state === 'pending');
  if (step) Object.assign(step, { state: 'completed', by: SYSTEM.name, at: ctx.now(), note });
}

/** Links the case to an incident (once); true when it was not linked before. */
function link(ctx: CaseContext, n: IncidentNoticeInput): boolean {
  const linked = (ctx.view.incidents ??= []);
  let entry = linked.find((x) => x.incidentId === n.incidentId);
  const fresh = !entry;
  if (!entry) {
    entry = { incidentId: n.incidentId, title: n.title.slice(0, 200) };
    linked.push(entry);
    knownIssueChecked(ctx, `Known issue: incident ${n.incidentId} (${n.title.slice(0, 120)})`);
    ctx.view.incidentProposals = ctx.view.incidentProposals?.filter((p) => p.incidentId !== n.incidentId);
  }
  if (n.severity) entry.severity = n.severity;
  if (n.active && !entry.active) {
    entry.active = true;
    ctx.emit({ type: 'incidentActive', incidentId: n.incidentId });
  }
  if (n.acknowledged && !entry.acknowledged) {
    entry.acknowledged = n.by ?? 'the incident';
    ctx.emit({ type: 'incidentAcknowledged', incidentId: n.incidentId, by: entry.acknowledged });
  }
  return fresh;
}

/** Installs the incident side of a case. */
export function incidentCaseFeature(ctx: CaseContext): void {
  const { view, input } = ctx;
  ctx.signal(incidentNoticeSignal, 'incident_notice', checkIncidentNotice, (n: IncidentNoticeInput) => {
    const linked = (view.incidents ??= []);
    const entry = () => linked.find((i) => i.incidentId === n.incidentId);
    if (n.kind === 'linked') {
      if (link(ctx, n)) ctx.record(SYSTEM, 'incident_linked', n.incidentId);
    } else if (n.kind === 'unlinked') {
      const at = linked.findIndex((i) => i.incidentId === n.incidentId);
      if (at >= 0) {
        linked.splice(at, 1);
        ctx.record(SYSTEM, 'incident_unlinked', n.incidentId);
      }
    } else if (n.kind === 'proposed') {
      if (entry() || view.incidentProposals?.some((p) => p.incidentId === n.incidentId)) return;
      (view.incidentProposals ??= []).push({ incidentId: n.incidentId, title: n.title.slice(0, 200), at: ctx.now() });
      knownIssueChecked(
        ctx,
        `Open incident ${n.incidentId} (${n.title.slice(0, 120)}) matches: link it with POST /incidents/${n.incidentId}/cases`,
      );
      ctx.record(SYSTEM, 'incident_proposed', n.incidentId);
    } else if (n.kind === 'active') {
      if (!entry()) return;
      link(ctx, { ...n, active: true });
      ctx.record(SYSTEM, 'incident_confirmed', n.incidentId);
    } else if (n.kind === 'acknowledged') {
      if (!entry()) return;
      link(ctx, { ...n, active: true, acknowledged: true });
      ctx.record(SYSTEM, 'incident_acknowledged', `${n.incidentId} by ${n.by ?? 'an engineer'}`);
    } else {
      // Told once per update: the key is the incident and the update's number.
      if (!ctx.claimKey(`incident:${n.incidentId}:${n.n}`, { kind: n.kind, n: n.n })) return;
      const told = (view.incidentNotices ??= 0);
      const workable = view.status !== 'resolved' && view.status !== 'closed';
      if (n.kind === 'resolved' && n.actor && !n.optedOut && workable) {
        // The outage's fix resolves the case, with the seed's Issue Resolved template.
        view.incidentNotices = told + 1;
        ctx.record(SYSTEM, 'incident_resolved_notice_sent', `${n.incidentId} #${n.n}`);
        ctx.emit({
          type: 'resolveRequested',
          actor: n.actor,
          actionTaken: 'checked with our engineers',
          expectedResult: `the problem behind your case is fixed: ${(n.text ?? '').trim().replace(/[.\s]+$/, '')}`,
          specificAction: 'again what did not work before',
        });
        if (n.compensate)
          ctx.emit({ type: 'compensationRequested', actor: n.actor, guideline: n.compensate, issue: n.title });
        ctx.publish();
        return;
      }
      if (told === 0 && n.kind === 'update') {
        const severity = input.policy.severities.find((s) => s.id === (n.severity ?? 'P1'));
        ctx.queueEmail('escalation_notice', {
          agent: 'EduStream Support',
          timeframe: describeMinutes(severity?.responseMinutes ?? 60),
        });
      } else {
        ctx.queueEmail('incident_update', { update: n.text ?? '' });
      }
      view.incidentNotices = told + 1;
      ctx.record(
        SYSTEM,
        n.kind === 'resolved' ? 'incident_resolved_notice_sent' : 'incident_update_sent',
        `${n.incidentId} #${n.n}`,
      );
    }
    ctx.publish();
  });
}
