import assert from 'node:assert/strict';
import { startPagerDutyStandin, type PagerDutyStandin } from '../../dev/standins/pagerduty-standin';

const ROUTING_KEY = 'R0UTINGKEY0000000000000000000000';

interface EnqueueResponse {
  status: number;
  body: { status: string; message: string; dedup_key?: string; errors?: string[] };
}

async function enqueue(standin: PagerDutyStandin, event: unknown): Promise<EnqueueResponse> {
  const res = await fetch(standin.eventsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof event === 'string' ? event : JSON.stringify(event),
  });
  return { status: res.status, body: (await res.json()) as EnqueueResponse['body'] };
}

function trigger(dedupKey?: string, summary = 'Case 42 breached first-response SLA') {
  return {
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    ...(dedupKey ? { dedup_key: dedupKey } : {}),
    payload: { summary, source: 'support-case-orchestrator', severity: 'critical', custom_details: { caseId: '42' } },
    links: [{ href: 'http://localhost/cases/42', text: 'Case 42' }],
    client: 'support-case-orchestrator',
  };
}

describe('pagerduty stand-in (Events API v2 via fetch)', () => {
  let standin: PagerDutyStandin;
  let lines: string[];

  beforeEach(async () => {
    lines = [];
    standin = await startPagerDutyStandin({ routingKey: ROUTING_KEY, log: (l) => lines.push(l) });
  });
  afterEach(async () => {
    await standin.close();
  });

  it('listens on 127.0.0.1 with a random port', () => {
    assert.ok(standin.port > 0);
    assert.equal(standin.url, `http://127.0.0.1:${standin.port}`);
    assert.equal(standin.eventsUrl, `${standin.url}/v2/enqueue`);
  });

  it('a trigger is accepted with 202 and creates a triggered incident', async () => {
    const res = await enqueue(standin, trigger('case-42-sla'));
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { status: 'success', message: 'Event processed', dedup_key: 'case-42-sla' });
    const incidents = standin.incidents();
    assert.equal(incidents.length, 1);
    assert.deepEqual(
      { ...incidents[0], createdAt: 0 },
      {
        dedupKey: 'case-42-sla',
        status: 'triggered',
        summary: 'Case 42 breached first-response SLA',
        severity: 'critical',
        triggerCount: 1,
        createdAt: 0,
      },
    );
    const ev = standin.events[0]!;
    assert.equal(ev.action, 'trigger');
    assert.equal(ev.routingKey, ROUTING_KEY);
    assert.deepEqual(ev.payload?.custom_details, { caseId: '42' });
    assert.equal(ev.client, 'support-case-orchestrator');
    assert.ok(lines.some((l) => l.startsWith('pagerduty-standin trigger case-42-sla')));
  });

  it('generates a dedup_key for a trigger without one', async () => {
    const res = await enqueue(standin, trigger());
    assert.equal(res.status, 202);
    assert.ok(res.body.dedup_key && res.body.dedup_key.length > 0);
    assert.equal(standin.incidents()[0]?.dedupKey, res.body.dedup_key);
  });

  it('the same dedup_key twice makes one incident with triggerCount 2', async () => {
    assert.equal((await enqueue(standin, trigger('case-42-sla'))).status, 202);
    assert.equal((await enqueue(standin, trigger('case-42-sla', 'Case 42 still breached'))).status, 202);
    const incidents = standin.incidents();
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]?.triggerCount, 2);
    assert.equal(incidents[0]?.summary, 'Case 42 breached first-response SLA');
    assert.equal(standin.events.length, 2);
  });

  it('acknowledge changes the status, and a trigger while acknowledged is still deduplicated', async () => {
    await enqueue(standin, trigger('case-7'));
    const ack = await enqueue(standin, { routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'case-7' });
    assert.equal(ack.status, 202);
    assert.equal(ack.body.dedup_key, 'case-7');
    assert.equal(standin.incidents()[0]?.status, 'acknowledged');
    await enqueue(standin, trigger('case-7'));
    assert.equal(standin.incidents().length, 1);
    assert.equal(standin.incidents()[0]?.triggerCount, 2);
  });

  it('resolve closes the incident; a later trigger with that key opens a new one', async () => {
    await enqueue(standin, trigger('case-9'));
    assert.equal(
      (await enqueue(standin, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'case-9' })).status,
      202,
    );
    assert.deepEqual(
      standin.incidents().map((i) => i.status),
      ['resolved'],
    );
    await enqueue(standin, trigger('case-9'));
    assert.deepEqual(
      standin.incidents().map((i) => i.status),
      ['resolved', 'triggered'],
    );
  });

  it('incidents() returns copies the caller cannot use to mutate state', async () => {
    await enqueue(standin, trigger('case-1'));
    const [snapshot] = standin.incidents();
    snapshot!.status = 'resolved';
    assert.equal(standin.incidents()[0]?.status, 'triggered');
  });

  const invalidCases: Array<[string, unknown, RegExp]> = [
    ['missing routing_key', { ...trigger('x'), routing_key: undefined }, /routing_key/],
    ['missing payload.summary', { ...trigger('x'), payload: { source: 's', severity: 'error' } }, /payload\.summary/],
    ['missing payload.source', { ...trigger('x'), payload: { summary: 's', severity: 'error' } }, /payload\.source/],
    [
      'bad severity',
      { ...trigger('x'), payload: { summary: 's', source: 's', severity: 'urgent' } },
      /payload\.severity/,
    ],
    ['missing payload on trigger', { routing_key: ROUTING_KEY, event_action: 'trigger' }, /payload/],
    ['acknowledge without dedup_key', { routing_key: ROUTING_KEY, event_action: 'acknowledge' }, /dedup_key/],
    ['resolve without dedup_key', { routing_key: ROUTING_KEY, event_action: 'resolve' }, /dedup_key/],
    ['unknown event_action', { routing_key: ROUTING_KEY, event_action: 'escalate', dedup_key: 'x' }, /event_action/],
    ['wrong routing key', { ...trigger('x'), routing_key: 'someone-elses-key' }, /routing key/i],
    ['malformed JSON', '{"routing_key": ', /JSON/],
  ];
  for (const [name, event, errorPattern] of invalidCases) {
    it(`rejects ${name} with 400 and records nothing`, async () => {
      const res = await enqueue(standin, event);
      assert.equal(res.status, 400);
      assert.equal(res.body.status, 'invalid event');
      assert.equal(res.body.message, 'Event object is invalid');
      assert.ok(
        res.body.errors?.some((e) => errorPattern.test(e)),
        JSON.stringify(res.body.errors),
      );
      assert.deepEqual(standin.incidents(), []);
      assert.deepEqual(standin.events, []);
    });
  }

  it('failNext returns the status once, then processes normally', async () => {
    standin.failNext(500);
    const failed = await enqueue(standin, trigger('case-5'));
    assert.equal(failed.status, 500);
    assert.deepEqual(standin.incidents(), []);
    const ok = await enqueue(standin, trigger('case-5'));
    assert.equal(ok.status, 202);
    assert.equal(standin.incidents().length, 1);
    assert.equal(standin.incidents()[0]?.triggerCount, 1);
  });

  it('failNext(429, 2) throttles twice like PagerDuty', async () => {
    standin.failNext(429, 2);
    const first = await enqueue(standin, trigger('t'));
    const second = await enqueue(standin, trigger('t'));
    assert.deepEqual([first.status, second.status], [429, 429]);
    assert.equal(first.body.status, 'throttle event');
    assert.equal((await enqueue(standin, trigger('t'))).status, 202);
  });

  it('waitFor resolves when an event arrives later and rejects on timeout', async () => {
    const waiting = standin.waitFor((e) => e.action === 'resolve' && e.dedupKey === 'case-3', 2000);
    await enqueue(standin, trigger('case-3'));
    setTimeout(
      () => void enqueue(standin, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'case-3' }),
      50,
    );
    const ev = await waiting;
    assert.equal(ev.action, 'resolve');
    await assert.rejects(
      standin.waitFor((e) => e.dedupKey === 'never', 100),
      /no matching event within 100ms/,
    );
  });

  it('accepts any routing key when none is configured', async () => {
    const open = await startPagerDutyStandin();
    try {
      const res = await enqueue(open, { ...trigger('k'), routing_key: 'any-key' });
      assert.equal(res.status, 202);
    } finally {
      await open.close();
    }
  });

  it('clear forgets events and incidents', async () => {
    await enqueue(standin, trigger('c'));
    standin.clear();
    assert.deepEqual(standin.events, []);
    assert.deepEqual(standin.incidents(), []);
  });

  it('answers 404 for other paths', async () => {
    const res = await fetch(`${standin.url}/v1/create_event`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});
