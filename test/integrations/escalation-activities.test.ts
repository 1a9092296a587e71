import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { pagerDutyActivities } from '../../activities/pagerduty';
import { slackActivities, type PostEscalationInput } from '../../activities/slack';
import { createPagerDutyGateway } from '../../src/integrations/pagerduty-client';
import { createSlackClient, createSlackGateway } from '../../src/integrations/slack-client';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';
import { startSlackStandin, type SlackStandin } from '../../dev/standins/slack-standin';

const TOKEN = 'xoxb-escalation-test';
const ROUTING_KEY = 'R0ESCALATIONTEST0000000000000000';
const CASE_LINKS = 'http://127.0.0.1:3000/cases/';

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error, 'expected an Error');
    return e;
  }
  assert.fail('expected the call to fail');
}

function assertNonRetryable(err: Error, type: string): void {
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${err.name}: ${err.message}`);
  assert.equal(err.type, type);
  assert.equal(err.nonRetryable, true);
}

// A plain Error becomes a retryable ApplicationFailure in the worker; a non-retryable one is the mistake to catch.
function assertRetryable(err: Error): void {
  assert.ok(!(err instanceof ApplicationFailure && err.nonRetryable), `expected a retryable error, got ${err.message}`);
}

const escalation: PostEscalationInput = {
  caseId: 'ES-7Q2K9D4M',
  escalationId: 'esc-1',
  title: 'Bookings not processing after checkout',
  severity: 'P1',
  affectedUsers: 'About 40 students since 09:10',
  issue: 'Checkout succeeds in Stripe but the booking stays pending.',
  stepsToReproduce: ['Pick any tutor slot', 'Pay with a test card', 'Open My Bookings'],
  userImpact: 'Students cannot join paid sessions.',
  whatTried: 'Cleared cache, checked Stripe: payment succeeded.',
};

describe('escalation activities', () => {
  describe('slack (via @slack/web-api against the Slack stand-in)', () => {
    let standin: SlackStandin;
    let acts: ReturnType<typeof slackActivities>;

    beforeEach(async () => {
      standin = await startSlackStandin({ token: TOKEN });
      const gateway = createSlackGateway(createSlackClient({ token: TOKEN, slackApiUrl: standin.apiUrl }));
      acts = slackActivities(gateway, { escalationsChannel: '#support-escalations', caseLinkBase: CASE_LINKS });
    });
    afterEach(async () => {
      await standin.close();
    });

    it('posts the seed escalation template with a case link to the escalations channel', async () => {
      const posted = await acts.postEscalation(escalation);
      assert.equal(posted.channel, '#support-escalations');
      assert.equal(posted.caseLink, 'http://127.0.0.1:3000/cases/ES-7Q2K9D4M');

      const m = await standin.waitFor((msg) => msg.channel === '#support-escalations');
      assert.equal(m.ts, posted.ts);
      assert.equal(
        m.text,
        [
          '🚨 ESCALATION: Bookings not processing after checkout',
          '',
          '*Severity*: P1',
          '*Affected Users*: About 40 students since 09:10',
          '*Ticket*: ES-7Q2K9D4M',
          '',
          '*Issue*: Checkout succeeds in Stripe but the booking stays pending.',
          '',
          '*Steps to Reproduce*:',
          '1. Pick any tutor slot',
          '2. Pay with a test card',
          '3. Open My Bookings',
          '',
          '*User Impact*: Students cannot join paid sessions.',
          '',
          "*What I've Tried*: Cleared cache, checked Stripe: payment succeeded.",
          '',
          '<http://127.0.0.1:3000/cases/ES-7Q2K9D4M|Open case ES-7Q2K9D4M>',
        ].join('\n'),
      );

      const blocks = m.blocks as Array<Record<string, any>>;
      assert.equal(blocks[0]?.type, 'header');
      assert.equal(blocks[0]?.text.text, '🚨 ESCALATION: Bookings not processing after checkout');
      const all = JSON.stringify(blocks);
      for (const label of [
        '*Severity*',
        '*Affected Users*',
        '*Ticket*',
        '*Issue*',
        '*Steps to Reproduce*',
        '*User Impact*',
        "*What I've Tried*",
      ]) {
        assert.ok(all.includes(label), `blocks lack ${label}`);
      }
      const button = blocks.find((b) => b.type === 'actions')?.elements[0];
      assert.deepEqual(
        { type: button.type, url: button.url, action_id: button.action_id, value: button.value },
        {
          type: 'button',
          url: 'http://127.0.0.1:3000/cases/ES-7Q2K9D4M',
          action_id: 'open_case',
          value: 'ES-7Q2K9D4M',
        },
      );
      const ack = blocks.find((b) => b.type === 'actions')?.elements[1];
      assert.deepEqual(
        { type: ack.type, action_id: ack.action_id, value: JSON.parse(ack.value), text: ack.text.text, url: ack.url },
        {
          type: 'button',
          action_id: 'escalation_ack',
          value: { caseId: 'ES-7Q2K9D4M', escalationId: escalation.escalationId },
          text: 'Acknowledge',
          url: undefined,
        },
      );
    });

    it('numbers steps given as one text and escapes Slack control sequences', async () => {
      await acts.postEscalation({
        ...escalation,
        channel: 'C0P0ROOM',
        issue: 'Customer wrote "<!channel> help" & <@U0BOSS>',
        stepsToReproduce: '1. Open the app\n\n2) Tap Book\n- See the spinner',
      });
      const m = await standin.waitFor((msg) => msg.channel === 'C0P0ROOM');
      assert.ok(m.text?.includes('*Issue*: Customer wrote "&lt;!channel&gt; help" &amp; &lt;@U0BOSS&gt;'), m.text);
      assert.ok(m.text?.includes('*Steps to Reproduce*:\n1. Open the app\n2. Tap Book\n3. See the spinner\n'), m.text);
      assert.ok(!JSON.stringify(m.blocks).includes('<!channel>'));
    });

    it('notifies a ladder rung mentioning the directory contact found by e-mail', async () => {
      await acts.notifySlack({
        channel: '#support-escalations',
        text: 'P1 ES-7Q2K9D4M unacknowledged for 1 hour',
        mention: 'eng-lead@edustream.com',
      });
      const m = await standin.waitFor((msg) => msg.text?.includes('unacknowledged') === true);
      assert.match(m.text ?? '', /^<@U[0-9A-F]{10}> P1 ES-7Q2K9D4M unacknowledged for 1 hour$/);
      assert.ok(
        standin.calls.some((c) => c.method === 'users.lookupByEmail' && c.params.email === 'eng-lead@edustream.com'),
      );
    });

    it('mentions ids and @here as Slack tokens', async () => {
      await acts.notifySlack({ channel: 'C1', text: 'one', mention: 'U0ONCALL' });
      await acts.notifySlack({ channel: 'C1', text: 'two', mention: '@here' });
      await acts.notifySlack({ channel: 'C1', text: 'three' });
      assert.deepEqual(
        standin.messages.map((m) => m.text),
        ['<@U0ONCALL> one', '<!here> two', 'three'],
      );
    });

    it('fails non-retryably with SlackRejected when Slack refuses the channel', async () => {
      standin.failNext('chat.postMessage', 'channel_not_found');
      assertNonRetryable(await failure(acts.postEscalation(escalation)), 'SlackRejected');
      assert.equal(standin.messages.length, 0);
    });

    it('fails non-retryably with SlackRejected on a bad token', async () => {
      const gateway = createSlackGateway(createSlackClient({ token: 'xoxb-wrong', slackApiUrl: standin.apiUrl }));
      const err = await failure(
        slackActivities(gateway, { escalationsChannel: 'C1', caseLinkBase: CASE_LINKS }).notifySlack({
          channel: 'C1',
          text: 'x',
        }),
      );
      assertNonRetryable(err, 'SlackRejected');
      assert.match(err.message, /invalid_auth/);
    });

    it('leaves Slack internal errors and rate limits retryable', async () => {
      standin.failNext('chat.postMessage', 'internal_error');
      assertRetryable(await failure(acts.postEscalation(escalation)));
      standin.failNext('chat.postMessage', 'ratelimited');
      assertRetryable(await failure(acts.postEscalation(escalation)));
      await acts.postEscalation(escalation);
      assert.equal(standin.messages.length, 1);
    });
  });

  describe('pagerduty (Events API v2 over fetch against the PagerDuty stand-in)', () => {
    let standin: PagerDutyStandin;
    let acts: ReturnType<typeof pagerDutyActivities>;
    const page = {
      dedupKey: 'case-ES-7Q2K9D4M:esc-1:rung-1',
      summary: 'P0 ES-7Q2K9D4M: Complete service outage',
      severity: 'critical' as const,
      source: 'support-case-orchestrator',
      customDetails: { caseId: 'ES-7Q2K9D4M', escalationId: 'esc-1', rung: 1 },
      links: [{ href: 'http://127.0.0.1:3000/cases/ES-7Q2K9D4M', text: 'Case ES-7Q2K9D4M' }],
    };

    beforeEach(async () => {
      standin = await startPagerDutyStandin({ routingKey: ROUTING_KEY });
      acts = pagerDutyActivities(createPagerDutyGateway({ routingKey: ROUTING_KEY, eventsUrl: standin.eventsUrl }));
    });
    afterEach(async () => {
      await standin.close();
    });

    it('pages on-call: the trigger arrives with dedup key, payload and case link', async () => {
      assert.deepEqual(await acts.pageOnCall(page), { dedupKey: page.dedupKey });
      const ev = await standin.waitFor((e) => e.dedupKey === page.dedupKey);
      assert.equal(ev.action, 'trigger');
      assert.equal(ev.routingKey, ROUTING_KEY);
      assert.deepEqual(
        {
          summary: ev.payload?.summary,
          severity: ev.payload?.severity,
          source: ev.payload?.source,
          details: ev.payload?.custom_details,
        },
        { summary: page.summary, severity: 'critical', source: page.source, details: page.customDetails },
      );
      assert.deepEqual(ev.links, page.links);
      assert.equal(ev.clientUrl, page.links[0]!.href);
      assert.deepEqual(
        standin.incidents().map((i) => [i.dedupKey, i.status]),
        [[page.dedupKey, 'triggered']],
      );
    });

    it('pages once for a retried rung: one incident, triggerCount 2', async () => {
      await acts.pageOnCall(page);
      await acts.pageOnCall(page);
      const incidents = standin.incidents();
      assert.equal(incidents.length, 1);
      assert.equal(incidents[0]?.triggerCount, 2);
    });

    it('opens a separate incident for the next rung', async () => {
      await acts.pageOnCall(page);
      await acts.pageOnCall({ ...page, dedupKey: 'case-ES-7Q2K9D4M:esc-1:rung-2' });
      assert.equal(standin.incidents().length, 2);
    });

    it('acknowledges and resolves a rung incident', async () => {
      await acts.pageOnCall(page);
      await acts.acknowledgePage({ dedupKey: page.dedupKey });
      assert.equal(standin.incidents()[0]?.status, 'acknowledged');
      await acts.resolvePage({ dedupKey: page.dedupKey });
      assert.equal(standin.incidents()[0]?.status, 'resolved');
    });

    it('turns a 400 into a non-retryable PagerDutyRejected failure', async () => {
      standin.failNext(400);
      const err = await failure(acts.pageOnCall(page));
      assertNonRetryable(err, 'PagerDutyRejected');
      assert.match(err.message, /HTTP 400/);
      assert.equal(standin.incidents().length, 0);
    });

    it('rejects a wrong routing key as PagerDutyRejected without revealing the key', async () => {
      const wrong = pagerDutyActivities(
        createPagerDutyGateway({ routingKey: 'R0WRONGKEY', eventsUrl: standin.eventsUrl }),
      );
      const err = await failure(wrong.pageOnCall(page));
      assertNonRetryable(err, 'PagerDutyRejected');
      assert.match(err.message, /Invalid routing key/);
      assert.ok(!err.message.includes('R0WRONGKEY'));
    });

    it('leaves a 500 and a 429 retryable, and the retry pages', async () => {
      standin.failNext(500);
      assertRetryable(await failure(acts.pageOnCall(page)));
      standin.failNext(429);
      assertRetryable(await failure(acts.pageOnCall(page)));
      await acts.pageOnCall(page);
      assert.deepEqual(
        standin.incidents().map((i) => i.triggerCount),
        [1],
      );
    });

    it('leaves an unreachable PagerDuty retryable', async () => {
      const gone = await startPagerDutyStandin();
      const eventsUrl = gone.eventsUrl;
      await gone.close();
      const err = await failure(
        pagerDutyActivities(createPagerDutyGateway({ routingKey: ROUTING_KEY, eventsUrl })).pageOnCall(page),
      );
      assertRetryable(err);
      assert.match(err.message, /PagerDuty unreachable/);
    });
  });
});
