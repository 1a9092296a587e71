// An incident's own ladder on the time-skipping server, observed at the PagerDuty, Slack and SMTP
// peers: each rung waits its channel's acknowledgement time (the seed's internal escalation
// response times: PagerDuty 15 minutes, #support-escalations 30), then climbs; an acknowledgement
// stops it.
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import type { SlackStandin } from '../../dev/standins/slack-standin';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { incidentEscalationOf } from '../../src/policy/incidents';
import {
  acknowledgeIncidentUpdate,
  INCIDENT_WORKFLOW_TYPE,
  incidentViewQuery,
  incidentWorkflowId,
  type Actor,
  type IncidentInput,
} from '../../workflows/contracts';
import { startCaseRig, type CaseRig } from '../helpers/cases';

const MINUTE = 60_000;
const engineer: Actor = { id: 'erin-engineer', name: 'Erin Engineer', role: 'engineer' };
const opts = { channel: '#support-escalations', publicBaseUrl: 'http://127.0.0.1:3999' };

describe('incident ladders (time-skipping server, PagerDuty, Slack and SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let slack: SlackStandin;
  let pagerDuty: PagerDutyStandin;

  before(async () => {
    rig = await startCaseRig({ server: 'time-skipping', prefix: 'inc-ladder', slack: true, pagerDuty: true });
    ({ env, inbox } = rig);
    [slack, pagerDuty] = [rig.slack!, rig.pagerDuty!];
  });
  after(() => rig?.stop());

  const open = (incidentId: string, severity: 'P0' | 'P1') =>
    env.client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
      workflowId: incidentWorkflowId(incidentId),
      taskQueue: rig.taskQueue,
      args: [
        {
          incidentId,
          title: 'Checkout fails',
          severity,
          area: { category: 'payment', component: 'payments' },
          openedBy: engineer,
          escalation: incidentEscalationOf(DEFAULT_POLICY, severity, opts)!,
        } satisfies IncidentInput,
      ],
    });

  it('P0: PagerDuty, after 15 minutes the On-call page, then nothing once acknowledged', async () => {
    const handle = await open('INC-LADDERP0', 'P0');
    await pagerDuty.waitFor((e) => e.action === 'trigger' && e.dedupKey === 'incident-INC-LADDERP0:rung-1');
    await env.sleep(14 * MINUTE);
    assert.equal((await handle.query(incidentViewQuery)).ladder?.rungs.length, 1, 'not before 15 minutes');
    await env.sleep(2 * MINUTE);
    const second = await pagerDuty.waitFor(
      (e) => e.action === 'trigger' && e.dedupKey === 'incident-INC-LADDERP0:rung-2',
    );
    assert.match(second.payload?.summary ?? '', /On-call.*Not acknowledged within 15 minutes by PagerDuty/);
    await handle.executeUpdate(acknowledgeIncidentUpdate, { args: [{ actor: engineer }] });
    await pagerDuty.waitFor((e) => e.action === 'acknowledge' && e.dedupKey === 'incident-INC-LADDERP0:rung-2');
    await env.sleep(60 * MINUTE);
    const v = await handle.query(incidentViewQuery);
    assert.equal(v.ladder?.rungs.length, 2, 'an acknowledged ladder stops');
    assert.equal(v.ladder?.acknowledged?.by, 'Erin Engineer');
    assert.equal(
      inbox.messages().filter((m) => m.subject.includes('INC-LADDERP0')).length,
      0,
      'the CTO is never e-mailed',
    );
    const thread = slack.messages.filter((m) => m.text?.includes('INC-LADDERP0') && !m.threadTs);
    assert.equal(thread.length, 1, 'one Slack thread');
    assert.ok(slack.messages.filter((m) => m.threadTs === thread[0].ts).length >= 3, 'rungs and the ack are replies');
  });

  it('P1: #support-escalations waits 30 minutes, the On-call page 15, then the Engineering Lead is e-mailed', async () => {
    const handle = await open('INC-LADDERP1', 'P1');
    await slack.waitFor((m) => !m.threadTs && (m.text ?? '').includes('INC-LADDERP1'));
    await env.sleep(29 * MINUTE);
    assert.equal((await handle.query(incidentViewQuery)).ladder?.rungs.length, 1, 'not before 30 minutes');
    await env.sleep(2 * MINUTE);
    const page = await pagerDuty.waitFor(
      (e) => e.action === 'trigger' && e.dedupKey === 'incident-INC-LADDERP1:rung-2',
    );
    assert.match(page.payload?.summary ?? '', /On-call.*Not acknowledged within 30 minutes by #support-escalations/);
    await env.sleep(16 * MINUTE);
    const mail = await inbox.waitFor((m) => m.subject.includes('INC-LADDERP1'), 10_000);
    assert.deepEqual(mail.to, ['eng-lead@edustream.com']);
    assert.match(mail.text, /Not acknowledged within 15 minutes by On-call/);
  });
});
