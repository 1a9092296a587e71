// Prints a case view (JSON on stdin, as the API returns it) as a few readable lines:
//   curl -s ... | node dist/scripts/show-case.js
import { readFileSync } from 'node:fs';
import type { CaseView } from '../workflows/contracts';

function show(v: CaseView): string {
  const steps = v.checklist.map(
    (s) =>
      `    [${s.state === 'completed' ? 'x' : s.state === 'skipped' ? '-' : ' '}] ${s.id}${s.note ? ` (${s.note})` : ''}`,
  );
  return [
    `${v.caseId}  ${v.status}  ${v.channel}/${v.category ?? 'uncategorized'}  assignee: ${v.assignee?.name ?? '-'}  reopens: ${v.reopens}`,
    `  subject: ${v.subject}`,
    ...(v.payment
      ? [
          `  payment: ${v.payment.paymentIntentId} ${v.payment.status ?? 'not found'}${v.payment.declineCode ? ` (${v.payment.declineCode})` : ''}`,
        ]
      : []),
    '  checklist:',
    ...steps,
    `  e-mails: ${v.emails.map((e) => `#${e.n} ${e.templateId} ${e.status}`).join(', ') || '-'}`,
    ...(v.csat
      ? [`  csat: ${v.csat.rating ? `${v.csat.rating}/5` : `survey sent ${v.csat.surveySentAt ?? '-'}`}`]
      : []),
    `  timeline: ${v.timeline.map((t) => `${t.action}(${t.actor.name})`).join(' > ')}`,
    ...(v.clocks?.length
      ? [
          '  clocks:',
          ...v.clocks.map(
            (c) =>
              `    ${c.id.padEnd(28)} ${c.state.padEnd(8)} deadline ${c.deadline ?? '- (paused)'}  remaining ${minutes(c.remainingMs)}${c.pauses.length ? `  pauses ${c.pauses.length}` : ''}`,
          ),
        ]
      : []),
    ...(v.escalations ?? []).map(
      (e) =>
        `  ${e.id} ${e.severity} ${e.state}: ${e.rungs.map((r) => `${r.k}:${r.via}/${r.target}(${r.state})`).join(' > ')}`,
    ),
  ].join('\n');
}

/** Remaining time as the view gives it (ms), in whole minutes; negative once overdue. */
function minutes(ms: number): string {
  const m = Math.trunc(ms / 60_000);
  return Math.abs(m) >= 120 ? `${(m / 60).toFixed(1)} h` : `${m} min`;
}

const input = JSON.parse(readFileSync(0, 'utf8')) as CaseView | { error: { code: string; message: string } };
console.log('error' in input ? `error ${input.error.code}: ${input.error.message}` : show(input));
