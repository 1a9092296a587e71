import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { readInboxDir, startSmtpInbox } from '../../dev/standins/smtp-inbox';
import type { SmtpInbox } from '../../dev/standins/smtp-inbox';
import { main as inboxCli } from '../../scripts/inbox';

function send(inbox: SmtpInbox, mail: SendMailOptions): Promise<unknown> {
  return createTransport(inbox.url).sendMail(mail);
}

describe('smtp-inbox stand-in', function () {
  this.timeout(20000);

  const open: SmtpInbox[] = [];
  const tmpDirs: string[] = [];

  async function start(opts?: Parameters<typeof startSmtpInbox>[0]): Promise<SmtpInbox> {
    const inbox = await startSmtpInbox(opts);
    open.push(inbox);
    return inbox;
  }

  function tmpDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smtp-inbox-test-'));
    tmpDirs.push(dir);
    return dir;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((i) => i.close()));
    for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback and exposes a nodemailer-usable URL', async () => {
    const inbox = await start();
    assert.ok(inbox.port > 0);
    assert.equal(inbox.url, `smtp://127.0.0.1:${inbox.port}`);
    assert.equal(inbox.dir, undefined);
    assert.deepEqual(inbox.messages(), []);
  });

  it('receives a text+html mail with envelope, subject, bodies and a custom header', async () => {
    const inbox = await start();
    await send(inbox, {
      from: '"EduStream Support" <Support@EduStream.example>',
      to: 'Alice@Example.com',
      bcc: 'audit@example.com',
      subject: 'Case 42 — we are on it',
      text: 'Hello Alice,\nwe received your case.',
      html: '<p>Hello Alice,<br>we received your case.</p>',
      headers: { 'X-Case-Id': 'case-42' },
    });

    const [mail] = inbox.messages();
    assert.ok(mail, 'mail arrived');
    assert.equal(mail.id, '000001');
    assert.equal(mail.from, 'support@edustream.example');
    assert.deepEqual(mail.to, ['alice@example.com', 'audit@example.com']);
    assert.equal(mail.subject, 'Case 42 — we are on it');
    assert.equal(mail.text.trim(), 'Hello Alice,\nwe received your case.');
    assert.equal(mail.html, '<p>Hello Alice,<br>we received your case.</p>');
    assert.equal(mail.headers['x-case-id'], 'case-42');
    assert.equal(mail.headers.subject, 'Case 42 — we are on it');
    assert.match(mail.headers.from ?? '', /^"EduStream Support" <support@edustream\.example>$/i);
    assert.equal(mail.headers.bcc, undefined, 'Bcc is only visible in the envelope');
    assert.ok(mail.messageId, 'message id parsed');
    assert.ok(!Number.isNaN(Date.parse(mail.receivedAt)));
  });

  it('keeps a text-only mail without html and numbers mails sequentially', async () => {
    const inbox = await start();
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'one', text: 'first' });
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'two', text: 'second' });
    const mails = inbox.messages();
    assert.deepEqual(
      mails.map((m) => [m.id, m.subject]),
      [
        ['000001', 'one'],
        ['000002', 'two'],
      ],
    );
    assert.equal(mails[0]?.html, undefined);
  });

  it('waitFor resolves for a mail sent after the call', async () => {
    const inbox = await start();
    const waiting = inbox.waitFor((m) => m.subject === 'later', 5000);
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'other', text: 'x' });
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'later', text: 'y' });
    const mail = await waiting;
    assert.equal(mail.subject, 'later');
    assert.equal(mail.text.trim(), 'y');
  });

  it('waitFor returns an already received mail immediately', async () => {
    const inbox = await start();
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'early', text: 'x' });
    const mail = await inbox.waitFor((m) => m.subject === 'early', 1);
    assert.equal(mail.id, '000001');
  });

  it('waitFor rejects on timeout naming the timeout and how many mails were seen', async () => {
    const inbox = await start();
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'not it', text: 'x' });
    await assert.rejects(
      inbox.waitFor((m) => m.subject === 'never', 150),
      (err: Error) => {
        assert.match(err.message, /150 ms/);
        assert.match(err.message, /1 message/);
        return true;
      },
    );
  });

  it('close rejects pending waitFor calls', async () => {
    const inbox = await start();
    const waiting = inbox.waitFor(() => false, 10000);
    await inbox.close();
    await assert.rejects(waiting, /closed/);
  });

  it('clear forgets received mail but keeps counting ids', async () => {
    const inbox = await start();
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'one', text: 'x' });
    inbox.clear();
    assert.deepEqual(inbox.messages(), []);
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'two', text: 'x' });
    assert.deepEqual(
      inbox.messages().map((m) => m.id),
      ['000002'],
    );
  });

  it('rejects a mail over the size limit and does not store it', async () => {
    const inbox = await start();
    await assert.rejects(
      send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'huge', text: 'x'.repeat(6 * 1024 * 1024) }),
      /552|size/i,
    );
    assert.deepEqual(inbox.messages(), []);
  });

  it('with dir: writes <id>.eml and <id>.json, and a restarted inbox loads them and continues ids', async () => {
    const dir = path.join(tmpDir(), 'nested', 'inbox');
    const first = await start({ dir });
    assert.equal(first.dir, dir);
    await send(first, {
      from: 'a@example.com',
      to: 'carol@example.com',
      subject: 'stored one',
      text: 'body one',
      headers: { 'X-Case-Id': 'c1' },
    });
    await send(first, { from: 'a@example.com', to: 'dave@example.com', subject: 'stored two', text: 'body two' });
    await first.close();

    assert.deepEqual(fs.readdirSync(dir).sort(), ['000001.eml', '000001.json', '000002.eml', '000002.json']);
    const raw = fs.readFileSync(path.join(dir, '000001.eml'), 'utf8');
    assert.match(raw, /^Subject: stored one\r?$/m);
    assert.match(raw, /^X-Case-Id: c1\r?$/im);
    const json = JSON.parse(fs.readFileSync(path.join(dir, '000001.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(json.subject, 'stored one');
    assert.deepEqual(json.to, ['carol@example.com']);

    const second = await start({ dir });
    assert.deepEqual(
      second.messages().map((m) => [m.id, m.subject]),
      [
        ['000001', 'stored one'],
        ['000002', 'stored two'],
      ],
    );
    assert.equal((await second.waitFor((m) => m.subject === 'stored one', 1)).headers['x-case-id'], 'c1');
    await send(second, { from: 'a@example.com', to: 'erin@example.com', subject: 'stored three', text: 'body three' });
    assert.deepEqual(
      second.messages().map((m) => m.id),
      ['000001', '000002', '000003'],
    );
    assert.ok(fs.existsSync(path.join(dir, '000003.eml')));
    assert.ok(fs.existsSync(path.join(dir, '000003.json')));
  });

  it('readInboxDir lists stored mail sorted by id and treats a missing folder as empty', async () => {
    const dir = tmpDir();
    const inbox = await start({ dir });
    for (let i = 1; i <= 3; i++) {
      await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: `mail ${i}`, text: `body ${i}` });
    }
    const listed = readInboxDir(dir);
    assert.deepEqual(
      listed.map((m) => [m.id, m.subject]),
      [
        ['000001', 'mail 1'],
        ['000002', 'mail 2'],
        ['000003', 'mail 3'],
      ],
    );
    assert.deepEqual(listed, inbox.messages());
    assert.deepEqual(readInboxDir(path.join(dir, 'does-not-exist')), []);
  });

  it('skips a corrupt .json on start, logs it, and does not reuse its id', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, '000007.json'), '{not json');
    const lines: string[] = [];
    const inbox = await start({ dir, log: (l) => lines.push(l) });
    assert.deepEqual(inbox.messages(), []);
    assert.ok(
      lines.some((l) => l.includes('skipped unreadable') && l.includes('000007.json')),
      lines.join('\n'),
    );
    await send(inbox, { from: 'a@example.com', to: 'b@example.com', subject: 'after', text: 'x' });
    assert.deepEqual(
      inbox.messages().map((m) => m.id),
      ['000008'],
    );
  });

  it('logs one line per mail with the recipient local part masked', async () => {
    const dir = tmpDir();
    const lines: string[] = [];
    const inbox = await start({ dir, log: (l) => lines.push(l) });
    await send(inbox, {
      from: 'support@edustream.example',
      to: 'alice.smith@example.com',
      subject: 'Your case',
      text: 'x',
    });
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      `smtp-inbox: mail 000001 to a***@example.com "Your case" -> ${path.join(dir, '000001.eml')}`,
    );
    assert.ok(!lines.some((l) => l.includes('alice.smith')), 'full address must not reach the log');
  });

  it('inbox CLI lists stored mail and shows one by id', async () => {
    const dir = tmpDir();
    const inbox = await start({ dir });
    await send(inbox, {
      from: 'a@example.com',
      to: 'frank@example.com',
      subject: 'CLI check',
      text: 'CLI body',
      headers: { 'X-Case-Id': 'c9' },
    });

    const out: string[] = [];
    assert.equal(
      inboxCli([dir], (l) => out.push(l)),
      0,
    );
    assert.equal(out.length, 1);
    assert.match(out[0] ?? '', /^000001 {2}\S+ {2}frank@example\.com {2}"CLI check"$/);

    const shown: string[] = [];
    assert.equal(
      inboxCli([dir, '--show', '1'], (l) => shown.push(l)),
      0,
    );
    assert.ok(shown.includes('x-case-id: c9'), shown.join('\n'));
    assert.ok(shown.includes('subject: CLI check'));
    assert.equal(shown.at(-1)?.trim(), 'CLI body');

    const errs: string[] = [];
    assert.equal(
      inboxCli(
        [dir, '--show', '99'],
        () => undefined,
        (l) => errs.push(l),
      ),
      1,
    );
    assert.match(errs[0] ?? '', /no mail 99/);
  });
});
