import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brevoMessage } from '../../../src/inbound/brevo';
import {
  automaticKind,
  caseOfMessageId,
  customerReplyOf,
  decide,
  afterFinishedCase,
  messageKey,
  newCaseInputOf,
  replyIdempotencyKey,
  senderOf,
  textOf,
  threadedCaseId,
} from '../../../src/inbound/intake';
import type { InboundMessage } from '../../../src/inbound/message';
import { attachmentStore, NOT_STORED, rejectedStore } from '../../../src/inbound/stores';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';

const SUPPORT = 'support@edustream.com';
const msg = (over: Partial<InboundMessage> = {}): InboundMessage => ({
  via: 'smtp',
  from: { address: 'grace@example.com', name: 'Grace Hopper' },
  envelopeFrom: 'grace@example.com',
  to: [SUPPORT],
  subject: 'Cannot log in',
  text: 'Since this morning the login page says my password is wrong.',
  messageId: '<abc123@mail.example.com>',
  references: [],
  headers: {},
  attachments: [],
  ...over,
});

describe('inbound e-mail intake (pure decisions)', () => {
  describe('threading', () => {
    it('finds the case of our Message-IDs, and only ours', () => {
      assert.equal(caseOfMessageId('<case-ES-ABCDEFGH23.mail-3@support.edustream.local>'), 'ES-ABCDEFGH23');
      assert.equal(caseOfMessageId('case-ES-ABCDEFGH23.mail-1@support.edustream.local'), 'ES-ABCDEFGH23');
      assert.equal(caseOfMessageId('<case-ES-ABCDEFGH23.mail-3@elsewhere.example>'), undefined);
      assert.equal(caseOfMessageId('<case-ES-AB.mail-3@support.edustream.local>'), undefined);
      assert.equal(caseOfMessageId(undefined), undefined);
    });

    it('reads In-Reply-To first, then References newest first, then the [ES-...] in the subject', () => {
      const ours = (id: string, n = 1) => `<case-${id}.mail-${n}@support.edustream.local>`;
      assert.deepEqual(
        threadedCaseId({
          inReplyTo: ours('ES-AAAAAAAAAA'),
          references: [ours('ES-BBBBBBBBBB')],
          subject: '[ES-CCCCCCCCCC]',
        }),
        { caseId: 'ES-AAAAAAAAAA', how: 'in-reply-to' },
      );
      assert.deepEqual(
        threadedCaseId({
          inReplyTo: '<someone-else@example.com>',
          references: [ours('ES-BBBBBBBBBB'), ours('ES-DDDDDDDDDD'), '<x@y>'],
          subject: 'Re: hello',
        }),
        { caseId: 'ES-DDDDDDDDDD', how: 'references' },
      );
      assert.deepEqual(threadedCaseId({ references: [], subject: 'Re: Your case [ES-CCCCCCCCCC] update' }), {
        caseId: 'ES-CCCCCCCCCC',
        how: 'subject',
      });
      assert.deepEqual(threadedCaseId({ references: [], subject: 're: [es-cccccccccc]' }), {
        caseId: 'ES-CCCCCCCCCC',
        how: 'subject',
      });
      assert.equal(threadedCaseId({ references: ['<a@b>'], subject: 'ES-CCCCCCCCCC without brackets' }), null);
    });
  });

  describe('auto-replies and bounces', () => {
    const kind = (over: Partial<InboundMessage>) => automaticKind(msg(over), SUPPORT)?.kind ?? null;
    it('a person writing is no automatic mail', () => {
      assert.equal(kind({}), null);
      assert.equal(kind({ headers: { 'auto-submitted': 'no' } }), null);
      assert.equal(kind({ headers: { precedence: 'first-class' } }), null);
      assert.equal(kind({ subject: 'Re: my office chair arrived broken' }), null);
    });
    it('Auto-Submitted other than no, Precedence bulk/junk/list, X-Autoreply, X-Autorespond', () => {
      assert.equal(kind({ headers: { 'auto-submitted': 'auto-replied' } }), 'auto_reply');
      assert.equal(kind({ headers: { 'auto-submitted': 'auto-generated; owner-email="x@y"' } }), 'auto_reply');
      for (const p of ['bulk', 'junk', 'list', 'Bulk'])
        assert.equal(kind({ headers: { precedence: p } }), 'auto_reply');
      assert.equal(kind({ headers: { 'x-autoreply': 'yes' } }), 'auto_reply');
      assert.equal(kind({ headers: { 'x-autorespond': '' } }), 'auto_reply');
    });
    it('out-of-office subjects', () => {
      for (const s of [
        'Out of Office: Cannot log in',
        'Automatic reply: Re: Cannot log in [ES-AAAAAAAAAA]',
        'Auto-Reply: hello',
        'Autoreply',
        'Abwesenheitsnotiz: Re: Hallo',
        'Réponse automatique : absent',
        'On vacation until Monday',
      ])
        assert.equal(kind({ subject: s }), 'auto_reply', s);
    });
    it('bounces: the null sender, MAILER-DAEMON, delivery status reports', () => {
      assert.equal(kind({ envelopeFrom: '' }), 'bounce');
      assert.equal(kind({ from: { address: 'MAILER-DAEMON@mx.example.com' } }), 'bounce');
      assert.equal(kind({ from: { address: 'postmaster@example.com' } }), 'bounce');
      assert.equal(
        kind({ headers: { 'content-type': 'multipart/report; report-type=delivery-status; boundary="x"' } }),
        'bounce',
      );
    });
    it('our own address is a loop, never a customer', () => {
      assert.equal(kind({ from: { address: 'Support@EduStream.com' } }), 'auto_reply');
    });
  });

  describe('decisions', () => {
    const ours = '<case-ES-AAAAAAAAAA.mail-1@support.edustream.local>';
    it('a new message opens a case; a reply signals its case', () => {
      assert.deepEqual(decide(msg(), SUPPORT), { action: 'open' });
      assert.deepEqual(decide(msg({ inReplyTo: ours }), SUPPORT), {
        action: 'reply',
        caseId: 'ES-AAAAAAAAAA',
        how: 'in-reply-to',
      });
    });
    it('an auto-reply to a case is recorded on it; one that answers no case is kept as rejected, never opens one', () => {
      const ooo = { subject: 'Out of office', headers: { 'auto-submitted': 'auto-replied' } };
      const onCase = decide(msg({ ...ooo, inReplyTo: ours }), SUPPORT);
      assert.equal(onCase.action, 'reply');
      assert.equal(onCase.action === 'reply' && onCase.automatic?.kind, 'auto_reply');
      const loose = decide(msg(ooo), SUPPORT);
      assert.equal(loose.action, 'reject');
    });
    it('a message without a sender we could answer is kept as rejected', () => {
      assert.equal(decide(msg({ from: {} }), SUPPORT).action, 'reject');
      assert.equal(decide(msg({ from: { address: 'not an address' } }), SUPPORT).action, 'reject');
    });
    it('a reply to a finished case opens a new one; an automatic one is kept', () => {
      const reply = decide(msg({ inReplyTo: ours }), SUPPORT);
      assert.ok(reply.action === 'reply');
      assert.deepEqual(afterFinishedCase(reply, msg()), { action: 'open' });
      const auto = decide(msg({ inReplyTo: ours, envelopeFrom: '' }), SUPPORT);
      assert.ok(auto.action === 'reply');
      assert.equal(afterFinishedCase(auto, msg()).action, 'reject');
    });
  });

  describe('what a message becomes', () => {
    it('a signal keyed by the Message-ID, so a redelivery is ignored by the case', () => {
      const m = msg({
        html: '<p>Since this morning</p>',
        inReplyTo: '<case-ES-AAAAAAAAAA.mail-1@support.edustream.local>',
        references: ['<first@x>', '<case-ES-AAAAAAAAAA.mail-1@support.edustream.local>'],
      });
      const files = [{ name: 'a.png', size: 3, type: 'image/png', ref: 'sha256:00' }];
      const r = customerReplyOf(m, files);
      assert.equal(r.idempotencyKey, 'inbound:<abc123@mail.example.com>');
      assert.equal(r.message, m.text);
      assert.equal(r.html, m.html);
      assert.equal(r.via, 'email');
      assert.equal(r.messageId, '<abc123@mail.example.com>');
      assert.equal(r.inReplyTo, m.inReplyTo);
      assert.deepEqual(r.references, m.references);
      assert.deepEqual(r.attachments, files);
      assert.equal(r.automatic, undefined);
      assert.equal(customerReplyOf(m, [], { kind: 'bounce', reason: 'x' }).automatic, 'bounce');
    });
    it('without a Message-ID the key is a digest of the message: the same message, the same key', () => {
      const a = msg({ messageId: undefined, date: '2026-12-01T10:00:00.000Z' });
      assert.match(messageKey(a), /^sha256:[0-9a-f]{64}$/);
      assert.equal(replyIdempotencyKey(a), replyIdempotencyKey({ ...a }));
      assert.notEqual(messageKey(a), messageKey({ ...a, text: 'other' }));
    });
    it('a new case: the sender, the subject, the text, and the e-mail to thread the acknowledgement under', () => {
      const input = newCaseInputOf(msg({ html: '<p>hi</p>', references: ['<older@x>'], inReplyTo: '<older@x>' }), {
        caseId: 'ES-AAAAAAAAAA',
        attachments: [],
        openedAt: '2026-12-01T10:00:00.000Z',
      });
      assert.equal(input.channel, 'email');
      assert.deepEqual(input.customer, { name: 'Grace Hopper', email: 'grace@example.com' });
      assert.equal(input.subject, 'Cannot log in');
      assert.equal(input.description, msg().text);
      assert.deepEqual(input.inbound, {
        messageId: '<abc123@mail.example.com>',
        references: ['<older@x>'],
        html: '<p>hi</p>',
      });
    });
    it('texts: the plain part, else the HTML as text, never empty; senders: a mailbox, a name', () => {
      assert.equal(
        textOf({ text: '', html: '<p>Hello <b>there</b></p><p>Bye</p>', attachments: [] }),
        'Hello there\nBye',
      );
      assert.equal(textOf({ text: '  ', attachments: [] }), '(no text)');
      assert.match(textOf({ text: 'x'.repeat(200_000), attachments: [] }), /truncated\]$/);
      assert.deepEqual(senderOf(msg({ from: { address: 'ada@example.com' } })), {
        name: 'ada',
        email: 'ada@example.com',
      });
      assert.equal(senderOf(msg({ from: { address: 'ada@localhost' } })), null);
    });
  });

  describe("Brevo's webhook items", () => {
    it('map to the same message intake takes', () => {
      const m = brevoMessage({
        Uuid: ['8c2d3c1e-0000-4000-8000-000000000001'],
        MessageId: '<CAF=brevo-1@mail.gmail.com>',
        InReplyTo: '<case-ES-AAAAAAAAAA.mail-1@support.edustream.local>',
        From: { Name: 'Grace Hopper', Address: 'Grace@Example.com' },
        To: [{ Name: null, Address: 'support@reply.edustream.com' }],
        Subject: 'Re: Cannot log in [ES-AAAAAAAAAA]',
        RawHtmlBody: '<p>Still broken</p><blockquote>old</blockquote>',
        RawTextBody: 'Still broken\n\n> old',
        ExtractedMarkdownMessage: 'Still broken',
        SentAtDate: 'Tue, 01 Dec 2026 10:00:00 +0000',
        Attachments: [
          {
            Name: 'screen.png',
            ContentType: 'image/png',
            ContentLength: 1234,
            ContentID: null,
            DownloadToken: 'tok123',
          },
        ],
        Headers: { 'Auto-Submitted': 'no', References: '<x@y> <case-ES-AAAAAAAAAA.mail-1@support.edustream.local>' },
      });
      assert.equal(m.via, 'brevo');
      assert.deepEqual(m.from, { address: 'grace@example.com', name: 'Grace Hopper' });
      assert.equal(m.text, 'Still broken');
      assert.equal(m.messageId, '<CAF=brevo-1@mail.gmail.com>');
      assert.deepEqual(m.references, ['<x@y>', '<case-ES-AAAAAAAAAA.mail-1@support.edustream.local>']);
      assert.equal(m.headers['auto-submitted'], 'no');
      assert.deepEqual(m.attachments, [
        { name: 'screen.png', type: 'image/png', size: 1234, brevoDownloadToken: 'tok123' },
      ]);
      assert.equal(m.date, '2026-12-01T10:00:00.000Z');
      assert.deepEqual(decide(m, SUPPORT), { action: 'reply', caseId: 'ES-AAAAAAAAAA', how: 'in-reply-to' });
      assert.equal(brevoMessage({ MessageId: 'bare@id', Headers: { 'Return-Path': '<>' } }).envelopeFrom, '');
      assert.equal(brevoMessage({ MessageId: 'bare@id' }).messageId, '<bare@id>');
    });
  });

  describe('stores', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inbound-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('attachments: stored by content, over the limit listed but not stored, Brevo tokens kept as refs', async () => {
      const store = attachmentStore(dir, 10);
      const refs = await store.keep([
        { name: 'a.txt', type: 'text/plain', size: 5, content: Buffer.from('hello') },
        { name: 'big.bin', type: 'application/octet-stream', size: 11, content: Buffer.alloc(11) },
        { name: 'b.png', type: 'image/png', size: 99, brevoDownloadToken: 'tok' },
      ]);
      assert.match(refs[0].ref, /^sha256:[0-9a-f]{64}$/);
      assert.equal((await store.read(refs[0].ref))?.toString(), 'hello');
      assert.deepEqual(refs[1], {
        name: 'big.bin',
        size: 11,
        type: 'application/octet-stream',
        ref: NOT_STORED.tooLarge,
      });
      assert.equal(refs[2].ref, 'brevo:tok');
      assert.equal(await store.read('../../etc/passwd'), undefined);
    });
    it('rejected: kept raw with the reason, once per message, listed newest first', async () => {
      const store = rejectedStore(dir);
      const a = await store.keep({ via: 'smtp', key: '<a@x>', raw: Buffer.from('raw a'), reason: 'why a' });
      const again = await store.keep({ via: 'smtp', key: '<a@x>', raw: Buffer.from('raw a'), reason: 'why a' });
      assert.equal(again.id, a.id);
      await new Promise((r) => setTimeout(r, 5));
      await store.keep({ via: 'brevo', key: '<b@x>', raw: '{"b":1}', reason: 'why b', subject: 'B' });
      const listed = await store.list(10);
      assert.equal(listed.count, 2);
      assert.deepEqual(
        listed.messages.map((m) => m.reason),
        ['why b', 'why a'],
      );
      assert.equal(fs.readFileSync(path.join(dir, a.rawFile), 'utf8'), 'raw a');
      assert.deepEqual(await rejectedStore(path.join(dir, 'missing')).list(5), { count: 0, messages: [] });
    });
  });
});
