// Inbound e-mail on real peers: nodemailer talks SMTP to the inbound server, the case's e-mails
// arrive at the outbound SMTP peer, Brevo's webhook is posted over HTTP, all on the dev server
// with a worker.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import nodemailer, { type Transporter } from 'nodemailer';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { newCaseId } from '../../src/api/case-ids';
import { loadConfig, type Config } from '../../src/config';
import { createIntake } from '../../src/inbound/deliver';
import { startInboundSmtp, type InboundSmtpServer } from '../../src/inbound/smtp-server';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { CaseView, MessagesPage } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const LEAD = bearer('lead');
const SUPPORT = 'support@edustream.com';
const BREVO = { user: 'brevo-test', password: 'brevo-test-password-0123456789' };
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const run = `${process.pid}-${Date.now()}`;
/** The case a message opens: its id derives from the Message-ID (src/inbound/intake.ts caseKeyOf). */
const caseOfNew = (messageId: string) => newCaseId({ caller: 'inbound-email', key: messageId });

describe('inbound e-mail (SMTP server, Brevo webhook; dev server, worker, SMTP peers)', function () {
  this.timeout(120_000);
  let rig: CaseRig;
  let app: Express;
  let config: Config;
  let smtp: InboundSmtpServer;
  let dataDir: string;
  const smtpLog: string[] = [];
  let transport: Transporter;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'inbound' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbound-api-'));
    config = loadConfig({
      ...TEST_ENV,
      TEMPORAL_TASK_QUEUE: rig.taskQueue,
      PUBLIC_BASE_URL: 'http://127.0.0.1:3999',
      DATA_DIR: dataDir,
      BREVO_INBOUND_USER: BREVO.user,
      BREVO_INBOUND_PASSWORD: BREVO.password,
    });
    app = createApp({ client: rig.env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
    smtp = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      supportAddress: config.inbound.supportAddress,
      intake: createIntake({ client: rig.env.client, config, policy: DEFAULT_POLICY }),
      log: (line) => smtpLog.push(line),
    });
    transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
  });
  after(async () => {
    transport?.close();
    await smtp?.close();
    await rig?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const view = async (caseId: string) =>
    (await request(app).get(`/cases/${caseId}`).set(AGENT).expect(200)).body as CaseView;
  const thread = async (caseId: string) =>
    (await request(app).get(`/cases/${caseId}/messages`).set(AGENT).expect(200)).body as MessagesPage;
  /** The case once every e-mail it queued has gone out (asked through the view query). */
  const settled = (caseId: string) =>
    eventually(async () => {
      const v = await view(caseId).catch(() => undefined);
      return v && v.timeline.length > 0 && v.emails.every((e) => e.status !== 'queued') ? v : undefined;
    }, `case ${caseId} idle`);
  const mailsOf = (caseId: string) => rig.inbox.messages().filter((m) => m.headers['x-case-id'] === caseId);

  it('a customer e-mail opens a case, which acknowledges it; a reply threads in; a resend opens nothing', async () => {
    const messageId = `<first-${run}@mail.example.com>`;
    const first = {
      from: '"Grace Hopper" <grace@example.com>',
      to: SUPPORT,
      subject: 'Cannot log in',
      text: "I can't log in to my account since this morning.",
      html: "<p>I can't log in to my account since this morning.</p>",
      messageId,
      attachments: [
        { filename: 'screenshot.txt', content: 'login page says: wrong password', contentType: 'text/plain' },
      ],
    };
    const sent = await transport.sendMail(first);
    assert.match(String(sent.response), /^250 /);
    const caseId = caseOfNew(messageId);

    const opened = await settled(caseId);
    assert.equal(opened.channel, 'email');
    assert.equal(opened.customer.email, 'grace@example.com');
    assert.equal(opened.subject, 'Cannot log in');
    assert.equal(opened.emails[0]?.templateId, 'acknowledgement');
    // The acknowledgement is a new command, so the case asked patched('inbound-acknowledgement').
    const history = await rig.env.client.workflow.getHandle(`case-${caseId}`).fetchHistory();
    const patches = (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      .map((e) =>
        Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString(),
      );
    assert.ok(
      patches.some((p) => p.includes('inbound-acknowledgement')),
      patches.join(', '),
    );

    // The acknowledgement, threaded under the customer's e-mail, with the reference and the promise.
    const ack = await rig.inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] === 'acknowledgement',
    );
    assert.deepEqual(ack.to, ['grace@example.com']);
    assert.ok(ack.subject.includes(`[${caseId}]`), ack.subject);
    assert.match(ack.text, new RegExp(`Reference number: ${caseId}`));
    assert.match(ack.text, /within 24 hours/);
    assert.equal(ack.headers['in-reply-to'], messageId);
    assert.ok(ack.headers['references']?.includes(messageId));

    const firstPage = await thread(caseId);
    assert.equal(firstPage.count, 1);
    assert.equal(firstPage.messages[0].messageId, messageId);
    assert.equal(firstPage.messages[0].html, first.html);
    assert.equal(firstPage.messages[0].attachments?.[0].name, 'screenshot.txt');
    assert.match(firstPage.messages[0].attachments?.[0].ref ?? '', /^sha256:[0-9a-f]{64}$/);
    const stored = path.join(config.inbound.attachmentsDir, firstPage.messages[0].attachments![0].ref.slice(7));
    assert.equal(fs.readFileSync(stored, 'utf8'), 'login page says: wrong password');

    // The customer answers the acknowledgement: the reply threads into the same case.
    const reply = {
      from: '"Grace Hopper" <grace@example.com>',
      to: SUPPORT,
      subject: `Re: ${ack.subject}`,
      text: 'It says my password is wrong, but I reset it yesterday.',
      messageId: `<reply-${run}@mail.example.com>`,
      inReplyTo: ack.messageId,
      references: [messageId, ack.messageId!],
    };
    await transport.sendMail(reply);
    const replied = await eventually(async () => {
      const p = await thread(caseId);
      return p.count === 2 ? p : undefined;
    }, 'the reply on the thread');
    assert.equal(replied.messages[1].text, reply.text);
    assert.equal(replied.messages[1].author.kind, 'customer');
    assert.equal(replied.messages[1].inReplyTo, ack.messageId);
    assert.equal((await view(caseId)).status, 'open');

    // Both sent again (an SMTP client that never saw our 250): nothing new anywhere.
    await transport.sendMail(first);
    await transport.sendMail(reply);
    assert.ok(smtpLog.includes(`inbound-smtp: duplicate ${caseId}`), smtpLog.join('\n'));
    const after = await settled(caseId);
    assert.equal((await thread(caseId)).count, 2);
    assert.equal(after.emails.length, 1);
    assert.equal(mailsOf(caseId).length, 1);
  });

  it('a reply naming a case that does not run (finished, or never was) opens a new case', async () => {
    const messageId = `<orphan-${run}@mail.example.com>`;
    await transport.sendMail({
      from: 'Grace <grace@example.com>',
      to: SUPPORT,
      subject: 'Re: Your case [ES-ZZZZZZZZZZ]',
      text: 'Any news on my case?',
      messageId,
    });
    const caseId = caseOfNew(messageId);
    const opened = await settled(caseId);
    assert.equal(opened.description, 'Any news on my case?');
    assert.ok(smtpLog.includes(`inbound-smtp: opened ${caseId}`));
  });

  it('refuses mail for any other address (550) and keeps nothing of it', async () => {
    await assert.rejects(
      transport.sendMail({ from: 'grace@example.com', to: 'sales@edustream.com', subject: 'x', text: 'x' }),
      (err: { responseCode?: number }) => err.responseCode === 550,
    );
  });

  it("Brevo's webhook: wrong credentials 401 and nothing opens; the same payload twice is one case, one message", async () => {
    const messageId = `<brevo-${run}@mail.gmail.com>`;
    const payload = {
      items: [
        {
          Uuid: ['6c3dbd1e-6f8c-4a1b-9d5e-0e3f6b1a2c01'],
          MessageId: messageId,
          InReplyTo: null,
          From: { Name: 'Ada Lovelace', Address: 'ada@example.com' },
          To: [{ Name: null, Address: 'support@reply.edustream.com' }],
          Cc: null,
          ReplyTo: null,
          SentAtDate: 'Tue, 1 Dec 2026 09:30:00 +0000',
          Subject: 'Refund for a cancelled lesson',
          Attachments: [
            {
              Name: 'receipt.pdf',
              ContentType: 'application/pdf',
              ContentLength: 48213,
              ContentID: null,
              DownloadToken: 'eyJhbGciOi.brevo-token',
            },
          ],
          Headers: {
            'Message-ID': messageId,
            'Auto-Submitted': 'no',
            'Content-Type': 'multipart/mixed; boundary="b1"',
          },
          SpamScore: 0.1,
          ExtractedMarkdownMessage: 'My lesson on Monday was cancelled by the tutor. Can I get a refund?',
          ExtractedMarkdownSignature: 'Ada',
          RawHtmlBody: '<div>My lesson on Monday was cancelled by the tutor. Can I get a refund?</div><div>Ada</div>',
          RawTextBody: 'My lesson on Monday was cancelled by the tutor. Can I get a refund?\n\nAda',
        },
      ],
    };
    const caseId = caseOfNew(messageId);
    const post = (headers: Record<string, string>) =>
      request(app).post('/inbound/email/brevo').set(headers).send(payload);

    for (const headers of [
      {},
      basic(BREVO.user, 'wrong-password-0123456789'),
      basic('someone', BREVO.password),
      basic(BREVO.user, ''),
      AGENT,
    ])
      assert.equal((await post(headers)).status, 401);
    await request(app).get(`/cases/${caseId}`).set(AGENT).expect(404);

    const once = await post(basic(BREVO.user, BREVO.password)).expect(200);
    assert.deepEqual(once.body.results, [{ outcome: 'opened', caseId }]);
    const twice = await post(basic(BREVO.user, BREVO.password)).expect(200);
    assert.deepEqual(twice.body.results, [{ outcome: 'duplicate', caseId }]);

    const opened = await settled(caseId);
    assert.equal(opened.customer.email, 'ada@example.com');
    const page = await thread(caseId);
    assert.equal(page.count, 1);
    assert.equal(page.messages[0].text, payload.items[0].ExtractedMarkdownMessage);
    assert.deepEqual(page.messages[0].attachments, [
      { name: 'receipt.pdf', size: 48213, type: 'application/pdf', ref: 'brevo:eyJhbGciOi.brevo-token' },
    ]);
    assert.equal(mailsOf(caseId).length, 1); // the acknowledgement

    // A reply through Brevo, delivered twice: one message.
    const ack = mailsOf(caseId)[0];
    const replyPayload = {
      items: [
        {
          ...payload.items[0],
          MessageId: `<brevo-reply-${run}@mail.gmail.com>`,
          InReplyTo: ack.messageId,
          Subject: `Re: ${ack.subject}`,
          Attachments: [],
          Headers: {},
          ExtractedMarkdownMessage: 'The booking is BK-1234.',
          // Real replies quote the thread in HTML: well over the API's default 100 KB body limit.
          RawHtmlBody: `<div>The booking is BK-1234.</div><blockquote>${'<p>quoted thread</p>'.repeat(20_000)}</blockquote>`,
        },
      ],
    };
    assert.ok(JSON.stringify(replyPayload).length > 300 * 1024);
    for (let i = 0; i < 2; i++)
      await request(app)
        .post('/inbound/email/brevo')
        .set(basic(BREVO.user, BREVO.password))
        .send(replyPayload)
        .expect(200);
    await eventually(async () => ((await thread(caseId)).count === 2 ? true : undefined), 'the Brevo reply');
    await settled(caseId);
    assert.equal((await thread(caseId)).count, 2);
  });

  it("an out-of-office answer to an agent's e-mail is recorded, never answered: no loop", async () => {
    const messageId = `<ooo-case-${run}@mail.example.com>`;
    await transport.sendMail({
      from: 'Alan <alan@example.com>',
      to: SUPPORT,
      subject: 'Video lesson stutters',
      text: 'The video stutters.',
      messageId,
    });
    const caseId = caseOfNew(messageId);
    await settled(caseId);
    await request(app).post(`/cases/${caseId}/assign`).set(AGENT).send({}).expect(200);
    await request(app)
      .post(`/cases/${caseId}/reply`)
      .set(AGENT)
      .send({ message: 'Which browser do you use?' })
      .expect(200);
    const agentMail = await rig.inbox.waitFor(
      (m) => m.headers['x-case-id'] === caseId && m.headers['x-template-id'] !== 'acknowledgement',
    );
    const before = await settled(caseId);
    const mailsBefore = mailsOf(caseId).length;

    await transport.sendMail({
      from: 'Alan <alan@example.com>',
      to: SUPPORT,
      subject: `Automatic reply: ${agentMail.subject}`,
      text: 'I am out of the office until Monday.',
      messageId: `<ooo-${run}@mail.example.com>`,
      inReplyTo: agentMail.messageId,
      references: [agentMail.messageId!],
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
    });
    const page = await eventually(async () => {
      const p = await thread(caseId);
      return p.messages.some((m) => m.automatic) ? p : undefined;
    }, 'the auto-reply on the thread');
    const ooo = page.messages.find((m) => m.automatic)!;
    assert.equal(ooo.automatic, 'auto_reply');
    assert.equal(ooo.text, 'I am out of the office until Monday.');
    const after = await settled(caseId);
    assert.ok(after.timeline.some((t) => t.action === 'automatic_reply_received'));
    assert.equal(after.status, before.status);
    assert.equal(after.emails.length, before.emails.length);
    assert.equal(mailsOf(caseId).length, mailsBefore);
  });

  it('mail that cannot be placed is kept and listed at GET /inbound/rejected (support lead and up)', async () => {
    // A bounce (null sender) that names no case of ours, and an out-of-office to nobody.
    await transport.sendMail({
      envelope: { from: '', to: SUPPORT },
      from: 'Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      to: SUPPORT,
      subject: 'Undelivered Mail Returned to Sender',
      text: 'This is the mail system. Your message could not be delivered.',
      messageId: `<bounce-${run}@mx.example.net>`,
    });
    await transport.sendMail({
      from: 'bob@example.com',
      to: SUPPORT,
      subject: 'Out of Office',
      text: 'Away.',
      messageId: `<ooo-loose-${run}@example.com>`,
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await request(app).get('/inbound/rejected').set(AGENT).expect(403);
    await request(app).get('/inbound/rejected').expect(401);
    const listed = (await request(app).get('/inbound/rejected').set(LEAD).expect(200)).body as {
      count: number;
      messages: { reason: string; subject?: string; messageId?: string; rawFile: string; via: string }[];
    };
    const bounce = listed.messages.find((m) => m.messageId === `<bounce-${run}@mx.example.net>`);
    assert.ok(bounce, JSON.stringify(listed));
    assert.match(bounce.reason, /bounce/);
    assert.equal(bounce.via, 'smtp');
    assert.match(
      fs.readFileSync(path.join(config.inbound.rejectedDir, bounce.rawFile), 'utf8'),
      /Your message could not be delivered/,
    );
    assert.ok(
      listed.messages.some((m) => m.messageId === `<ooo-loose-${run}@example.com>` && /auto-reply/.test(m.reason)),
    );
    // Neither opened a case.
    await request(app)
      .get(`/cases/${caseOfNew(`<bounce-${run}@mx.example.net>`)}`)
      .set(AGENT)
      .expect(404);
    await request(app)
      .get(`/cases/${caseOfNew(`<ooo-loose-${run}@example.com>`)}`)
      .set(AGENT)
      .expect(404);
  });

  it('answers 451 while the message cannot be placed, so the sender tries again', async () => {
    const down = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      supportAddress: SUPPORT,
      intake: {
        deliver: () => Promise.reject(new Error('14 UNAVAILABLE: connection refused')),
        reject: () => Promise.reject(new Error('disk full')),
      },
    });
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: down.port, secure: false, ignoreTLS: true });
    try {
      await assert.rejects(
        t.sendMail({ from: 'grace@example.com', to: SUPPORT, subject: 'x', text: 'x' }),
        (err: { responseCode?: number }) => err.responseCode === 451,
      );
    } finally {
      t.close();
      await down.close();
    }
    // A Temporal that hangs rather than refuses: 451 after the deadline, never an open connection.
    const hung = await startInboundSmtp({
      host: '127.0.0.1',
      port: 0,
      supportAddress: SUPPORT,
      placeTimeoutMs: 300,
      intake: { deliver: () => new Promise(() => undefined), reject: () => new Promise(() => undefined) },
    });
    const t2 = nodemailer.createTransport({ host: '127.0.0.1', port: hung.port, secure: false, ignoreTLS: true });
    try {
      await assert.rejects(
        t2.sendMail({ from: 'grace@example.com', to: SUPPORT, subject: 'x', text: 'x' }),
        (err: { responseCode?: number }) => err.responseCode === 451,
      );
    } finally {
      t2.close();
      await hung.close();
    }
  });

  it('the Brevo webhook is off (503) without configured credentials', async () => {
    const off = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: rig.taskQueue, DATA_DIR: dataDir });
    assert.equal(off.inbound.brevo, undefined);
    const offApp = createApp({ client: rig.env.client, config: off, policy: DEFAULT_POLICY, log: () => undefined });
    const res = await request(offApp)
      .post('/inbound/email/brevo')
      .set(basic('brevo-inbound', 'development-only-brevo-inbound-password'))
      .send({ items: [{ MessageId: '<x@y>' }] });
    assert.equal(res.status, 503);
  });
});
