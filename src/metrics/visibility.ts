// Reads closed cases' facts back from Temporal visibility (their CaseClosedAt and CaseFacts search
// attributes): the one source of the metrics summary and the weekly report.
import type { Client } from '@temporalio/client';
import type { CaseFacts } from './summary';

/** Facts of the cases that closed in [from, to). */
export async function closedCaseFacts(client: Client, from: Date, to: Date): Promise<CaseFacts[]> {
  const query = `WorkflowType = 'supportCaseWorkflow' AND CaseClosedAt >= '${from.toISOString()}' AND CaseClosedAt < '${to.toISOString()}'`;
  const facts: CaseFacts[] = [];
  for await (const wf of client.workflow.list({ query })) {
    const raw = (wf.searchAttributes as Record<string, unknown[] | undefined>).CaseFacts?.[0];
    if (typeof raw === 'string') facts.push(JSON.parse(raw) as CaseFacts);
  }
  return facts;
}
