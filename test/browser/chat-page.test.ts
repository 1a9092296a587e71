// The chat page in a real browser: Debian's Chromium, driven by playwright-core, against the API on
// a real HTTP listener, a dev server and a case worker. The customer writes, the agent reads it and
// answers through the API, the page shows the answer without a reload; the worker is replaced by a
// new one on the same task queue (a message sent meanwhile waits in the case), and a reload shows
// the whole thread. Without /usr/bin/chromium (`.ci/run` installs it as root) the tests are skipped
// and named.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import type { CaseView, MessagesPage } from '../../workflows/contracts';
import { bearer, caseWorker, TEST_ENV } from '../helpers/cases';
import { createDevServerEnv, uniqueTaskQueue } from '../helpers/temporal';
import { eventually } from '../helpers/wait';

/** Debian's Chromium; CHROMIUM_PATH names another build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** As this machine's notes say: no sandbox as root, and no background connections to a closed network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AGENT = bearer('agent');

describe('the chat page in headless Chromium (dev server, worker restart, real HTTP listener)', function () {
  this.timeout(120_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let worker: { worker: Worker; running: Promise<void> } | undefined;
  let server: Server;
  let app: Express;
  let profile: string;
  let browser: BrowserContext | undefined;
  const taskQueue = uniqueTaskQueue('chat-browser');
  /** What the page did that it must not: CSP violations, script errors, requests to another origin. */
  const problems: string[] = [];

  const startWorker = async () => {
    const w = await caseWorker(env, taskQueue, { inbox, stripe });
    worker = { worker: w, running: w.run() };
  };
  const stopWorker = async () => {
    worker?.worker.shutdown();
    await worker?.running;
    worker = undefined;
  };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `    skipping the ${this.test?.parent?.tests.length ?? 0} tests of "${this.test?.parent?.title}": ` +
          `no ${CHROMIUM} (Debian's chromium; .ci/run installs it as root: apt-get install -y chromium)`,
      );
      this.skip();
    }
    [env, inbox, stripe] = await Promise.all([
      createDevServerEnv(),
      startSmtpInbox(),
      startStripeStandin({ seedDemoData: true }),
    ]);
    await startWorker();
    // The listener first, so the links the API hands out point at it.
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: taskQueue, PUBLIC_BASE_URL: base });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
    server.on('request', app);
    profile = mkdtempSync(path.join(tmpdir(), 'chat-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  beforeEach(async () => {
    if (!worker) await startWorker(); // a failed test may have left it stopped
  });
  after(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await stopWorker();
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close()]);
  });

  const open = async (over: Record<string, unknown> = {}): Promise<CaseView> =>
    (
      await request(app)
        .post('/cases')
        .set(AGENT)
        .send({
          channel: 'chat',
          customer: { name: 'Grace Hopper', email: 'grace@example.com', stripeCustomerId: 'cus_demo_grace' },
          subject: 'Cannot log in',
          description: "I can't log in to my account since this morning.",
          ...over,
        })
        .expect(201)
    ).body as CaseView;
  const linkOf = async (caseId: string) =>
    ((await request(app).post(`/cases/${caseId}/chat-link`).set(AGENT).send({}).expect(200)).body as { url: string })
      .url;
  const thread = async (caseId: string) =>
    (await request(app).get(`/cases/${caseId}/messages`).set(AGENT).expect(200)).body as MessagesPage;
  const newPage = async (url: string): Promise<Page> => {
    const page = await browser!.newPage();
    const origin = new URL(url).origin;
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(`${origin}/`)) problems.push(`request to ${r.url()}`);
    });
    await page.goto(url);
    return page;
  };
  /** The thread as the page shows it: each message's css class (who) and text. */
  const shown = (page: Page) =>
    page.$$eval('#thread li', (lis) =>
      lis.map((li) => [li.className, li.querySelector('.text')?.textContent ?? ''] as [string, string]),
    );

  it('carries messages both ways live, and a reload after a worker restart shows the whole thread', async () => {
    const c = await open();
    const url = await linkOf(c.caseId);
    const page = await newPage(url);
    const thread0 = page.locator('#thread li');
    await thread0.first().waitFor();
    assert.deepEqual(await shown(page), [['customer', "I can't log in to my account since this morning."]]);
    assert.match(await page.locator('header').innerText(), new RegExp(c.caseId));

    // The customer writes; a double click is still one message.
    await page.locator('#text').fill('The reset e-mail never arrives.');
    await page.locator('#send').dblclick();
    await page.locator('#thread li.customer', { hasText: 'The reset e-mail never arrives.' }).waitFor();
    assert.equal(await page.locator('#text').inputValue(), '');

    // The agent sees it, and answers through the API; the page shows it without a reload.
    const seen = await eventually(async () => {
      const p = await thread(c.caseId);
      return p.messages.some((m) => m.text === 'The reset e-mail never arrives.') ? p : undefined;
    }, 'the customer message on the thread');
    assert.equal(seen.messages.at(-1)?.channel, 'chat');
    await request(app)
      .post(`/cases/${c.caseId}/reply`)
      .set(AGENT)
      .send({ message: 'I have sent a new one, please check your spam folder.' })
      .expect(200);
    await page.locator('#thread li.agent', { hasText: 'please check your spam folder' }).waitFor({ timeout: 10_000 });
    const agentId = (await thread(c.caseId)).messages.at(-1)?.author.id;
    assert.ok(agentId, 'the thread names the agent for staff');
    assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(agentId));

    // The worker goes away; the customer writes meanwhile (the case keeps the signal), a new worker
    // on the same task queue takes over, and the open page gets the message without a reload.
    await stopWorker();
    await page.locator('#text').fill('Found it, thanks!');
    await page.locator('#text').press('Enter');
    // Accepted by the server while no worker runs: the box empties once the API has answered 202.
    await eventually(async () => ((await page.locator('#text').inputValue()) === '' ? true : undefined), 'sent');
    await startWorker();
    await page.locator('#thread li.customer', { hasText: 'Found it, thanks!' }).waitFor({ timeout: 30_000 });
    await request(app).post(`/cases/${c.caseId}/reply`).set(AGENT).send({ message: 'Glad to hear it.' }).expect(200);
    await page.locator('#thread li.agent', { hasText: 'Glad to hear it.' }).waitFor({ timeout: 10_000 });

    await page.reload();
    await page.locator('#thread li', { hasText: 'Glad to hear it.' }).waitFor();
    const expected: [string, string][] = [
      ['customer', "I can't log in to my account since this morning."],
      ['customer', 'The reset e-mail never arrives.'],
      ['agent', 'I have sent a new one, please check your spam folder.'],
      ['customer', 'Found it, thanks!'],
      ['agent', 'Glad to hear it.'],
    ];
    assert.deepEqual(await shown(page), expected);
    assert.deepEqual(
      (await thread(c.caseId)).messages.map((m) => [m.author.kind, m.text]),
      expected,
      'the page shows exactly the thread',
    );
    await page.screenshot({ path: path.join(tmpdir(), 'chat-page.png') });
    await page.close();
    assert.deepEqual(problems, []);
  });

  it("shows an in-app case's self-service answer on the page", async () => {
    const c = await open({ channel: 'in_app', subject: "I can't log in", description: 'Login keeps failing.' });
    const page = await newPage(await linkOf(c.caseId));
    const answer = page.locator('#thread li.system');
    await answer.waitFor();
    assert.match(await answer.innerText(), /EduStream Support/);
    assert.match(await answer.innerText(), /1\. Verify email is correct\n2\. Try password reset/);
    await page.close();
    assert.deepEqual(problems, []);
  });
});
