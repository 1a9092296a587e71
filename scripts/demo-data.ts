// Demo data for the README's saved Web UI queries, the metrics summary and the weekly report.
// Start the product with the demo policy (short targets, so clocks breach within minutes):
//   POLICY_FILE=scripts/demo-policy.json npm start
// then, in another terminal:
//   node dist/scripts/demo-data.js            (API_URL, TEMPORAL_ADDRESS override the defaults)
// It opens cases through the API as agents would, waits for the P1's engineering clock to breach,
// and runs the saved queries against Temporal visibility.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec, parseEncryptionKeys } from '../src/codec/encryption-codec';
import type { WeeklyReport } from '../src/metrics/weekly-report';
import { WEEKLY_REPORT_SCHEDULE_ID, WEEKLY_REPORT_WORKFLOW_TYPE } from '../workflows/contracts';

const API = process.env.API_URL ?? 'http://localhost:3000';
const AGENT = { Authorization: 'Bearer demo-agent', 'Content-Type': 'application/json' };

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: AGENT,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
const open = async (key: string, body: Record<string, unknown>) => {
  const res = await fetch(`${API}/cases`, {
    method: 'POST',
    headers: { ...AGENT, 'Idempotency-Key': `demo-${key}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { caseId?: string; error?: unknown };
  if (!json.caseId) throw new Error(`open ${key}: ${res.status} ${JSON.stringify(json)}`);
  // Run twice, the script finds its cases again (Idempotency-Key) and leaves them as they are.
  if (res.status === 200) throw new AlreadySeeded();
  return json.caseId;
};
class AlreadySeeded extends Error {}
async function paymentLooked(caseId: string): Promise<void> {
  for (let i = 0; i < 50 && !(await call('GET', `/cases/${caseId}`)).payment; i++)
    await new Promise((r) => setTimeout(r, 200));
}
/**
 * The customer clicks the survey link of the local inbox (npm start's e-mail stand-in, .data/inbox).
 * It waits for the case's own survey e-mail (X-Case-Id, X-Template-Id csat_survey), and the mail can
 * land before the case has recorded it as sent (the activity's answer is still on its way), so a
 * 409 is asked again until the case takes the rating.
 */
/** Rates the case through its `nth` survey e-mail (a reopened case gets a second one). */
async function rate(caseId: string, rating: number, nth = 1): Promise<void> {
  const dir = path.resolve(process.env.DATA_DIR ?? '.data', 'inbox');
  let link: string | undefined;
  for (let i = 0; i < 300 && !link; i++) {
    const links: string[] = [];
    for (const f of existsSync(dir)
      ? readdirSync(dir)
          .filter((n) => n.endsWith('.json'))
          .sort()
      : []) {
      const mail = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as {
        text: string;
        headers: Record<string, string>;
      };
      if (mail.headers['x-case-id'] === caseId && mail.headers['x-template-id'] === 'csat_survey') {
        const found = /(http\S+\/csat\/[A-Za-z0-9_.-]+)/.exec(mail.text)?.[1];
        if (found) links.push(found);
      }
    }
    link = links[nth - 1];
    if (!link) await new Promise((r) => setTimeout(r, 200));
  }
  if (!link)
    throw new Error(
      `no survey e-mail for ${caseId} in ${dir}: is npm start running with CSAT_SURVEY_DELAY_MINUTES=0 or the demo policy?`,
    );
  for (let i = 0; i < 100; i++) {
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ rating }),
    });
    if (res.ok) return;
    if (res.status !== 409) throw new Error(`rating ${caseId}: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`rating ${caseId}: the case never took the rating`);
}
const customer = (name: string, email: string, stripeCustomerId?: string) => ({
  name,
  email,
  ...(stripeCustomerId ? { stripeCustomerId } : {}),
});
const template = {
  affectedUsers: 'one school, about 40 students',
  issue: 'The problem happens for every account we tried.',
  stepsToReproduce: ['Sign in', 'Open a lesson', 'See the error'],
  userImpact: 'Lessons cannot go ahead',
  whatTried: 'Another browser, a password reset',
};
const resolveBody = {
  actionTaken: 'fixed the problem',
  expectedResult: 'everything works again',
  specificAction: 'trying once more',
};

/** The saved queries of the README: an ops lead's questions as Temporal visibility queries. */
export function savedQueries(now = new Date()): { name: string; query: string }[] {
  const monday = new Date(now);
  monday.setUTCHours(0, 0, 0, 0);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return [
    {
      name: 'Breached P1s this week',
      query: `CaseSeverity = 'P1' AND CaseBreached = true AND StartTime >= '${monday.toISOString()}'`,
    },
    { name: 'Approvals pending over $50', query: 'CasePendingApproval = true AND CaseApprovalCents > 5000' },
    { name: 'Chat cases waiting on an agent', query: "CaseChannel = 'chat' AND CaseStatus IN ('new', 'open')" },
  ];
}

async function main() {
  try {
    await seed();
  } catch (err) {
    if (!(err instanceof AlreadySeeded)) throw err;
    console.log('demo cases exist already; running the saved queries');
  }
  await runSavedQueries();
  await printFigures();
}

/** The live figures and this week's report, as a support lead reads them; `--chart <file>` keeps one chart. */
async function printFigures() {
  const live = await call('GET', '/metrics/live');
  console.log(`\nGET /metrics/live\n${JSON.stringify(live, null, 1).replace(/\n\s*/g, ' ')}`);
  const { isoWeekOf } = await import('../src/metrics/weekly-report');
  const week = isoWeekOf(Date.now(), 'America/New_York');
  // Run the Schedule's own action for this week, so the report e-mail and the Slack upload happen now.
  // npm start seals payloads (the Schedule's arguments too) with the key it keeps in .data.
  const keysFile = path.resolve(process.env.DATA_DIR ?? '.data', 'encryption-keys.json');
  const keys = process.env.ENCRYPTION_KEYS ?? (existsSync(keysFile) ? readFileSync(keysFile, 'utf8') : undefined);
  const client = new Client({
    connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' }),
    ...(keys && process.env.ENCRYPTION !== 'off'
      ? { dataConverter: { payloadCodecs: [new EncryptionCodec(parseEncryptionKeys(keys))] } }
      : {}),
  });
  const schedule = await client.schedule.getHandle(WEEKLY_REPORT_SCHEDULE_ID).describe();
  const action = schedule.action as { args?: unknown[]; taskQueue: string };
  const report = (await client.workflow.execute(WEEKLY_REPORT_WORKFLOW_TYPE, {
    workflowId: `weekly-support-report-demo-${week}-${Date.now()}`,
    taskQueue: action.taskQueue,
    args: [{ ...(action.args?.[0] as object), week }],
  })) as WeeklyReport;
  await client.connection.close();
  console.log(`\nweeklyReportWorkflow ${week} (the same as GET /reports/weekly?week=${week})\n${report.text}`);
  const at = process.argv.indexOf('--chart');
  if (at > 0 && process.argv[at + 1]) {
    const { renderReportCharts } = await import('../src/metrics/charts');
    const charts = await renderReportCharts(report);
    const base = process.argv[at + 1].replace(/\.png$/, '');
    for (const c of charts) writeFileSync(`${base}-${c.name}.png`, c.png);
    console.log(`\ncharts: ${charts.map((c) => `${base}-${c.name}.png`).join(', ')}`);
  }
  console.log(
    '\nThe weekly report e-mail with its charts inline: the newest mail in .data/inbox (npm run -s inbox; the .eml opens in any mail client).',
  );
}

async function seed() {
  const chat1 = await open('chat-1', {
    channel: 'chat',
    customer: customer('Grace Hopper', 'grace@example.com'),
    subject: 'Session not started',
    description: 'My session has not started and the tutor is waiting.',
  });
  const chat2 = await open('chat-2', {
    channel: 'chat',
    customer: customer('Alan Turing', 'alan@example.com'),
    subject: 'Booking not confirmed',
    description: "My booking wasn't confirmed yet.",
  });
  await call('POST', `/cases/${chat2}/assign`, {});
  const p1 = await open('p1', {
    channel: 'email',
    category: 'account',
    customer: customer('Katherine Johnson', 'katherine@example.com'),
    subject: 'Login broken for many users',
    description: 'Nobody in my school can log in since this morning.',
  });
  await call('POST', `/cases/${p1}/escalate`, {
    severity: 'P1',
    title: 'Login system broken',
    affectedUsers: 'a whole school, about 40 students',
    issue: 'Login fails with an error for every account of one school.',
    stepsToReproduce: ['Open the login page', 'Sign in with a school account', 'See "Something went wrong"'],
    userImpact: 'No lessons can start',
    whatTried: 'Password reset, another browser',
  });
  const refund = await open('no-show', {
    channel: 'email',
    customer: customer('Grace Hopper', 'grace@example.com', 'cus_demo_grace'),
    subject: "Tutor didn't show up",
    description: "My tutor didn't show up for my session.",
    paymentIntentId: 'pi_demo_session',
  });
  await paymentLooked(refund); // the case looks its payment up in Stripe at intake; compensation computes from it
  await call('POST', `/cases/${refund}/compensation`, { guideline: 'tutor_no_show' });
  const small = await open('minor', {
    channel: 'email',
    customer: customer('Ada Lovelace', 'ada@example.com', 'cus_demo_ada'),
    subject: 'Late confirmation',
    description: 'My booking confirmation came an hour late.',
  });
  await call('POST', `/cases/${small}/compensation`, { guideline: 'minor_inconvenience', creditCents: 800 });
  // Worked to a rating: every channel, a playbook or none, a reopen, a P0, a P3 and the automatic Technical escalation.
  const worked = [
    ['done-1', 'email', 'Cannot log in', "I can't log in.", 5],
    ['done-2', 'email', 'My payment failed', 'My payment failed at checkout.', 3],
    ['done-3', 'chat', 'Password reset not working', 'The password reset e-mail never arrives.', 5],
    ['done-4', 'in_app', 'Session not started', 'My session has not started.', 4],
    ['done-5', 'email', 'Question about my invoice', 'Where do I find the invoice for my subscription?', 4],
    ['done-6', 'email', 'App crash on lesson start', 'The app shows an error and crashes when a lesson starts.', 2],
    ['done-7', 'chat', 'Booking shows the wrong time', 'My booking shows the wrong time zone.', 5],
  ] as const;
  const ids: string[] = [];
  for (const [key, channel, subject, description, rating] of worked) {
    const id = await open(key, {
      channel,
      customer: customer('Ada Lovelace', 'ada@example.com'),
      subject,
      description,
    });
    ids.push(id);
    await call('POST', `/cases/${id}/reply`, { message: 'Looking into it now.' });
    if (key === 'done-6')
      await call('POST', `/cases/${id}/escalate`, { ...template, severity: 'P3', title: 'Video freezes' });
    await call('POST', `/cases/${id}/resolve`, resolveBody);
    if (key === 'done-2') {
      // Reopened by the customer's reply: resolved again, then rated.
      await rate(id, 1);
      await call('POST', `/cases/${id}/reopen`, { reason: 'the payment failed again' }).catch(() => undefined);
    }
  }
  for (const [k, [key, , , , rating]] of worked.entries()) {
    if (key === 'done-2') {
      // Resolved again after the reopen, and rated through its second survey.
      await call('POST', `/cases/${ids[k]}/resolve`, resolveBody).catch(() => undefined);
      await rate(ids[k], rating, 2);
      continue;
    }
    await rate(ids[k], rating);
  }
  const p0 = await open('p0', {
    channel: 'email',
    customer: customer('Katherine Johnson', 'katherine@example.com'),
    subject: 'Payments failing for everyone',
    description: 'Every payment fails at checkout, the whole platform.',
  });
  await call('POST', `/cases/${p0}/escalate`, { ...template, severity: 'P0', title: 'Checkout down' });
  const waiting = await open('verify', {
    channel: 'email',
    customer: customer('Alan Turing', 'alan@example.com'),
    subject: 'Account locked',
    description: 'My account is locked after too many attempts.',
  });
  await call('POST', `/cases/${waiting}/verification-request`, {});
  console.log(
    `opened: chat ${chat1}, chat ${chat2}, P1 ${p1}, P0 ${p0}, approval ${refund}, minor ${small}, waiting on the customer ${waiting}, and ${worked.length} cases worked to a rating (one reopened)`,
  );
  // Nobody acknowledges the P1: its ladder climbs after #support-escalations' minute (demo policy).
  for (let i = 0; i < 180; i++) {
    const v = (await call('GET', `/cases/${p1}`)) as { escalations?: { rungs: unknown[] }[] };
    if ((v.escalations?.[0]?.rungs.length ?? 0) >= 2) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function runSavedQueries() {
  const client = new Client({
    connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' }),
  });
  const deadline = Date.now() + 4 * 60_000;
  for (;;) {
    const results: string[] = [];
    let breached = 0;
    for (const { name, query } of savedQueries()) {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
      if (name.startsWith('Breached')) breached = ids.length;
      results.push(`${name}\n  ${query}\n  -> ${ids.length ? ids.join(', ') : '(none yet)'}`);
    }
    if (breached > 0 || Date.now() > deadline) {
      console.log(results.join('\n'));
      break;
    }
    await new Promise((r) => setTimeout(r, 10_000)); // the P1's 1-minute engineering clock (demo policy) has to run out
  }
  await client.connection.close();
}

if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
