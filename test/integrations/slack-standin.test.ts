import assert from 'node:assert/strict';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';

const TOKEN = 'xoxb-standin-test';

function client(
  standin: SlackStandin,
  token = TOKEN,
  extra: Partial<ConstructorParameters<typeof WebClient>[1]> = {},
): WebClient {
  return new WebClient(token, {
    slackApiUrl: standin.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  assert.fail('expected the call to throw');
}

describe('slack stand-in (via @slack/web-api WebClient)', () => {
  let standin: SlackStandin;
  let lines: string[];

  beforeEach(async () => {
    lines = [];
    standin = await startSlackStandin({ token: TOKEN, log: (l) => lines.push(l) });
  });
  afterEach(async () => {
    await standin.close();
  });

  it('listens on 127.0.0.1 with a random port and an /api/ base URL', () => {
    assert.ok(standin.port > 0);
    assert.equal(standin.apiUrl, `http://127.0.0.1:${standin.port}/api/`);
  });

  it('answers auth.test like Slack', async () => {
    const res = await client(standin).auth.test();
    assert.equal(res.ok, true);
    assert.equal(typeof res.user_id, 'string');
    assert.equal(typeof res.team_id, 'string');
  });

  it('receives chat.postMessage with channel, text, parsed blocks, thread_ts and metadata', async () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: '*Case 42* breached SLA' } },
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'ack', text: { type: 'plain_text', text: 'Ack' }, value: 'case-42' }],
      },
    ];
    const res = await client(standin).chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Case 42 breached SLA',
      blocks,
      thread_ts: '1700000000.000100',
      metadata: { event_type: 'case_breach', event_payload: { caseId: '42' } },
    });
    assert.equal(res.ok, true);
    assert.equal(res.channel, 'C0SUPPORT');
    assert.match(String(res.ts), /^\d{10}\.\d{6}$/);
    assert.equal(res.message?.text, 'Case 42 breached SLA');

    assert.equal(standin.messages.length, 1);
    const m = standin.messages[0]!;
    assert.equal(m.method, 'chat.postMessage');
    assert.equal(m.channel, 'C0SUPPORT');
    assert.equal(m.text, 'Case 42 breached SLA');
    assert.deepEqual(m.blocks, blocks);
    assert.equal(m.threadTs, '1700000000.000100');
    assert.deepEqual(m.metadata, { event_type: 'case_breach', event_payload: { caseId: '42' } });
    assert.equal(m.ts, res.ts);
    assert.ok(lines.includes('slack-standin chat.postMessage #C0SUPPORT: Case 42 breached SLA [buttons: Ack (ack)]'));
  });

  it('sees the client wire format: form-encoded, non-scalar arguments as JSON strings, no token in the body', async () => {
    await client(standin).chat.postMessage({
      channel: 'C1',
      text: 'x',
      blocks: [{ type: 'divider' }],
      unfurl_links: false,
    });
    const call = standin.calls.find((c) => c.method === 'chat.postMessage');
    assert.ok(call);
    assert.equal(call.params.blocks, '[{"type":"divider"}]');
    assert.equal(call.params.unfurl_links, 'false');
    assert.equal('token' in call.params, false);
  });

  it('truncates the log line to the first 80 characters of text on one line', async () => {
    const text = `line one\n${'y'.repeat(200)}`;
    await client(standin).chat.postMessage({ channel: '#support', text });
    const expected = `slack-standin chat.postMessage #support: ${`line one ${'y'.repeat(200)}`.slice(0, 80)}`;
    assert.ok(lines.includes(expected), lines.join('\n'));
  });

  it('issues unique, increasing, Slack-shaped ts values', async () => {
    const web = client(standin);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => web.chat.postMessage({ channel: 'C1', text: `m${i}` })),
    );
    const tss = results.map((r) => String(r.ts));
    for (const ts of tss) assert.match(ts, /^\d{10}\.\d{6}$/);
    assert.equal(new Set(tss).size, tss.length);
    const sorted = standin.messages.map((m) => m.ts);
    for (let i = 1; i < sorted.length; i++)
      assert.ok(Number(sorted[i]) > Number(sorted[i - 1]), `${sorted[i]} > ${sorted[i - 1]}`);
  });

  it('applies chat.update to a posted message and rejects unknown ts', async () => {
    const web = client(standin);
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'Case 7: waiting for approval' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'approved' } }];
    const upd = await web.chat.update({ channel: 'C1', ts: String(posted.ts), text: 'Case 7: approved', blocks });
    assert.equal(upd.ts, posted.ts);
    const m = await standin.waitFor((x) => x.method === 'chat.update');
    assert.deepEqual(
      { channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks },
      { channel: 'C1', ts: posted.ts, text: 'Case 7: approved', blocks },
    );

    const err = await rejection(web.chat.update({ channel: 'C1', ts: '1.000001', text: 'nope' }));
    assert.equal((err.data as { error: string }).error, 'message_not_found');
  });

  it('receives chat.postEphemeral for a user', async () => {
    const res = await client(standin).chat.postEphemeral({
      channel: 'C1',
      user: 'U123',
      text: 'only you can see this',
    });
    assert.match(String(res.message_ts), /^\d{10}\.\d{6}$/);
    const m = standin.messages[0]!;
    assert.deepEqual(
      { method: m.method, channel: m.channel, user: m.user, text: m.text },
      { method: 'chat.postEphemeral', channel: 'C1', user: 'U123', text: 'only you can see this' },
    );
  });

  it('looks up any email with a deterministic user id', async () => {
    const web = client(standin);
    const a = await web.users.lookupByEmail({ email: 'Ada@Example.com' });
    const b = await web.users.lookupByEmail({ email: 'ada@example.com' });
    const c = await web.users.lookupByEmail({ email: 'grace@example.com' });
    assert.match(String(a.user?.id), /^U[0-9A-F]{10}$/);
    assert.equal(a.user?.id, b.user?.id);
    assert.notEqual(a.user?.id, c.user?.id);
    assert.equal(a.user?.profile?.email, 'ada@example.com');
  });

  it('rejects a wrong token with invalid_auth and records nothing', async () => {
    const err = await rejection(client(standin, 'xoxb-wrong').chat.postMessage({ channel: 'C1', text: 'hi' }));
    assert.equal(err.code, ErrorCode.PlatformError);
    assert.equal((err.data as { error: string }).error, 'invalid_auth');
    assert.equal(standin.messages.length, 0);
  });

  it('rejects a missing token with not_authed', async () => {
    const err = await rejection(
      new WebClient(undefined, {
        slackApiUrl: standin.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      }).chat.postMessage({ channel: 'C1', text: 'hi' }),
    );
    assert.equal((err.data as { error: string }).error, 'not_authed');
  });

  it('accepts any token when none is configured', async () => {
    const open = await startSlackStandin();
    try {
      const res = await client(open, 'xoxb-anything').chat.postMessage({ channel: 'C1', text: 'hi' });
      assert.equal(res.ok, true);
    } finally {
      await open.close();
    }
  });

  it('validates like Slack: channel_not_found and no_text', async () => {
    const web = client(standin);
    const noChannel = await rejection(web.apiCall('chat.postMessage', { text: 'hi' }));
    assert.equal((noChannel.data as { error: string }).error, 'channel_not_found');
    const noText = await rejection(web.apiCall('chat.postMessage', { channel: 'C1' }));
    assert.equal((noText.data as { error: string }).error, 'no_text');
    assert.equal(standin.messages.length, 0);
  });

  it('failNext fails only the named method, the given number of times', async () => {
    const web = client(standin);
    standin.failNext('chat.postMessage', 'channel_not_found', 2);
    assert.equal((await web.auth.test()).ok, true);
    for (let i = 0; i < 2; i++) {
      const err = await rejection(web.chat.postMessage({ channel: 'C1', text: 'hi' }));
      assert.equal((err.data as { error: string }).error, 'channel_not_found');
    }
    const res = await web.chat.postMessage({ channel: 'C1', text: 'third time' });
    assert.equal(res.ok, true);
    assert.deepEqual(
      standin.messages.map((m) => m.text),
      ['third time'],
    );
  });

  it("failNext('ratelimited') answers HTTP 429 with Retry-After like Slack", async () => {
    standin.failNext('chat.postMessage', 'ratelimited');
    const err = await rejection(
      client(standin, TOKEN, { rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C1', text: 'hi' }),
    );
    assert.equal(err.code, ErrorCode.RateLimitedError);
    assert.equal(err.retryAfter, 1);
  });

  it('waitFor resolves when a matching message arrives later', async () => {
    const waiting = standin.waitFor((m) => m.channel === 'C2' && (m.text ?? '').includes('later'), 2000);
    await client(standin).chat.postMessage({ channel: 'C1', text: 'later but wrong channel' });
    setTimeout(() => void client(standin).chat.postMessage({ channel: 'C2', text: 'arrives later' }), 50);
    const m = await waiting;
    assert.equal(m.text, 'arrives later');
  });

  it('waitFor resolves immediately for a message already received', async () => {
    await client(standin).chat.postMessage({ channel: 'C1', text: 'already here' });
    const m = await standin.waitFor((x) => x.text === 'already here', 10);
    assert.equal(m.channel, 'C1');
  });

  it('waitFor rejects on timeout', async () => {
    const started = Date.now();
    await assert.rejects(
      standin.waitFor((m) => m.channel === 'never', 100),
      /no matching message within 100ms/,
    );
    assert.ok(Date.now() - started >= 90);
  });

  it('clear forgets received messages but a peer can still update an earlier post', async () => {
    const web = client(standin);
    const posted = await web.chat.postMessage({ channel: 'C1', text: 'before clear' });
    standin.clear();
    assert.equal(standin.messages.length, 0);
    await web.chat.update({ channel: 'C1', ts: String(posted.ts), text: 'after clear' });
    assert.deepEqual(
      standin.messages.map((m) => m.text),
      ['after clear'],
    );
  });

  it('also accepts a JSON body with a bearer token, as Slack does', async () => {
    const res = await fetch(`${standin.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: 'C3', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ok: boolean };
    assert.equal(body.ok, true);
    assert.deepEqual(standin.messages[0]?.blocks, [{ type: 'divider' }]);
  });

  it('answers unknown methods with unknown_method', async () => {
    const err = await rejection(client(standin).apiCall('chat.nonexistent', {}));
    assert.equal((err.data as { error: string }).error, 'unknown_method');
  });
});
