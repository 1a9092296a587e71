// Demo data for the README's saved Web UI queries, the metrics summary and the weekly report.
// Start the product with the demo policy (short targets, so clocks breach within minutes):
//   POLICY_FILE=scripts/demo-policy.json npm start
// then, in another terminal:
//   node dist/scripts/demo-data.js            (API_URL, TEMPORAL_ADDRESS override the defaults)
// It opens cases through the API as agents would, waits for the P1's engineering clock to breach,
// and runs the saved queries against Temporal visibility.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';

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
/** The customer clicks the survey link of the local inbox (npm start's e-mail stand-in, .data/inbox). */
async function rate(caseId: string, rating: number): Promise<void> {
  const dir = path.resolve(process.env.DATA_DIR ?? '.data', 'inbox');
  for (let i = 0; i < 50; i++) {
    for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : []) {
      const mail = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { subject: string; text: string };
      const link = mail.subject.includes(caseId) ? /(http\S+\/csat\/[A-Za-z0-9_.-]+)/.exec(mail.text)?.[1] : undefined;
      if (link) {
        await fetch(link, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ rating }),
        });
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.warn(
    `no survey e-mail for ${caseId} in ${dir}: is npm start running with CSAT_SURVEY_DELAY_MINUTES=0 or the demo policy?`,
  );
}
const customer = (name: string, email: string, stripeCustomerId?: string) => ({
  name,
  email,
  ...(stripeCustomerId ? { stripeCustomerId } : {}),
});
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
  for (const [key, subject, description, rating] of [
    ['done-1', 'Cannot log in', "I can't log in.", 5],
    ['done-2', 'My payment failed', 'My payment failed at checkout.', 3],
  ] as const) {
    const id = await open(key, {
      channel: 'email',
      customer: customer('Ada Lovelace', 'ada@example.com'),
      subject,
      description,
    });
    await call('POST', `/cases/${id}/reply`, { message: 'Looking into it now.' });
    await call('POST', `/cases/${id}/resolve`, resolveBody);
    await rate(id, rating);
  }
  console.log(
    `opened: chat ${chat1}, chat ${chat2}, P1 ${p1}, approval ${refund}, minor ${small}, and two resolved and rated cases`,
  );
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
