// What an incident means for one of its linked cases: the case shows the incident, and each
// public update reaches the customer by e-mail once (the Escalation Notice the first time, the
// short incident update after that), however often the incident's fan-out is retried.
import { describeMinutes } from '../../src/policy/rules';
import { checkIncidentNotice } from '../../src/policy/signal-checks';
import { SYSTEM, type CaseContext } from '../case/context';
import { incidentNoticeSignal, type IncidentNoticeInput } from './contract';

/** Installs the incident side of a case. */
export function incidentCaseFeature(ctx: CaseContext): void {
  const { view, input } = ctx;
  ctx.signal(incidentNoticeSignal, 'incident_notice', checkIncidentNotice, (n: IncidentNoticeInput) => {
    const linked = (view.incidents ??= []);
    if (n.kind === 'linked') {
      if (!linked.some((i) => i.incidentId === n.incidentId)) {
        linked.push({ incidentId: n.incidentId, title: n.title.slice(0, 200) });
        ctx.record(SYSTEM, 'incident_linked', n.incidentId);
      }
    } else if (n.kind === 'unlinked') {
      const at = linked.findIndex((i) => i.incidentId === n.incidentId);
      if (at >= 0) {
        linked.splice(at, 1);
        ctx.record(SYSTEM, 'incident_unlinked', n.incidentId);
      }
    } else {
      // Told once per update: the key is the incident and the update's number.
      if (!ctx.claimKey(`incident:${n.incidentId}:${n.n}`, { kind: n.kind, n: n.n })) return;
      const told = (view.incidentNotices ??= 0);
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
