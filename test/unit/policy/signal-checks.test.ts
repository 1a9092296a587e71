import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import {
  checkApprovalDecision,
  checkCalendarChanged,
  checkCustomerReply,
  checkPolicyChanged,
  checkStripeEvent,
} from '../../../src/policy/signal-checks';

type Check = (i: unknown) => string | null;
type Json = Record<string, unknown>;

/** A payload as a signal delivers it: decoded from JSON. */
const decoded = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const DELETE = Symbol('delete');

/** A copy of `base` with the value at `path` replaced (or removed with DELETE). */
function mutate(base: Json, path: string, value: unknown): Json {
  const copy = decoded(base);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === DELETE) delete at[last];
  else at[last] = value;
  return copy;
}

/** The refusal, asserted to be a non-empty message. */
function refusal(check: Check, input: unknown, label = JSON.stringify(input)?.slice(0, 80)): string {
  const r = check(input);
  assert.equal(typeof r, 'string', `expected a refusal for ${label}, got ${String(r)}`);
  assert.ok((r as string).length > 0, `empty refusal for ${label}`);
  return r as string;
}

/** Inputs that are not a payload object at all; `valid` is the checker's well-formed payload. */
const notAnObject = (valid: Json): [string, unknown][] => [
  ['null', null],
  ['undefined', undefined],
  ['an empty array', []],
  ['an array holding a valid payload', [valid]],
  ['zero', 0],
  ['a number', 42],
  ['NaN', NaN],
  ['a string', JSON.stringify(valid)],
  ['true', true],
  ['a function', () => valid],
  ['an empty object', {}],
  ['a valid payload hidden under a __proto__ key', JSON.parse(`{"__proto__": ${JSON.stringify(valid)}}`)],
];

const long = (n: number) => 'x'.repeat(n);

describe('signal checks', () => {
  describe('checkCustomerReply', () => {
    const valid = { message: 'The video call keeps dropping.', at: '2026-03-15T12:00:00.000Z' };
    const NEEDS_MESSAGE = 'a customer reply needs a message text';
    const BAD_AT = 'at must be a timestamp';

    it('accepts a message with or without at', () => {
      assert.equal(checkCustomerReply(valid), null);
      assert.equal(checkCustomerReply(decoded(valid)), null);
      assert.equal(checkCustomerReply({ message: 'hi' }), null);
      assert.equal(checkCustomerReply({ message: long(100_000) }), null);
      assert.equal(checkCustomerReply({ message: 'hi', at: long(40) }), null);
    });

    it('refuses anything that is not a payload object', () => {
      for (const [label, input] of notAnObject(valid))
        assert.equal(refusal(checkCustomerReply, input, label), NEEDS_MESSAGE, label);
      assert.equal(refusal(checkCustomerReply, JSON.parse('{"__proto__": {"message": "x"}}')), NEEDS_MESSAGE);
    });

    it('refuses a missing, mistyped or oversized message', () => {
      for (const message of [DELETE, null, 5, ['hi'], { text: 'hi' }, true, long(100_001)]) {
        assert.equal(refusal(checkCustomerReply, mutate(valid, 'message', message)), NEEDS_MESSAGE, String(message));
      }
    });

    it('refuses a mistyped or oversized at', () => {
      for (const at of [null, 1773576000000, ['2026-03-15'], {}, false, long(41)]) {
        assert.equal(refusal(checkCustomerReply, mutate(valid, 'at', at)), BAD_AT, String(at));
      }
    });
  });

  describe('checkPolicyChanged', () => {
    const planning = {
      version: DEFAULT_POLICY.version,
      calendars: DEFAULT_POLICY.calendars,
      channels: DEFAULT_POLICY.channels,
      severities: DEFAULT_POLICY.severities,
      resolutionTargetMinutes: DEFAULT_POLICY.resolutionTargetMinutes,
    };
    const valid = decoded({ policy: planning, by: 'ops' });
    const NEEDS_POLICY = 'policyChanged needs a policy object';
    const BAD_VERSION = 'policy.version must be a string';
    const BAD_CALENDARS = 'policy.calendars must be calendars with id, timeZone and hours';
    const BAD_CHANNELS = 'policy.channels must be channels with id, firstResponseMinutes and calendarId';
    const BAD_SEVERITIES = 'policy.severities must be severities with id, responseMinutes, calendarId and a ladder';
    const BAD_RESOLUTION = 'policy.resolutionTargetMinutes must be a number';
    const BAD_BY = 'by must be a string';

    it("accepts the default policy's calendars, channels and severities", () => {
      assert.equal(checkPolicyChanged(valid), null);
      assert.equal(checkPolicyChanged({ policy: planning }), null);
      assert.equal(checkPolicyChanged(decoded({ policy: DEFAULT_POLICY, by: long(200) })), null);
      assert.equal(checkPolicyChanged(mutate(valid, 'policy.version', long(200))), null);
    });

    it("accepts a rung's optional contactId and ackChannelId, and refuses ones that are not strings", () => {
      const ladder = [{ via: 'slack', target: '#support-escalations', ackChannelId: 'slack' }];
      const sev = { ...DEFAULT_POLICY.severities[1], ladder };
      assert.equal(checkPolicyChanged({ policy: { ...planning, severities: [sev] } }), null);
      const bad = { ...sev, ladder: [{ ...ladder[0], ackChannelId: 15 }] };
      assert.equal(checkPolicyChanged({ policy: { ...planning, severities: [bad] } }), BAD_SEVERITIES);
      const badContact = { ...sev, ladder: [{ ...ladder[0], contactId: ['legal'] }] };
      assert.equal(checkPolicyChanged({ policy: { ...planning, severities: [badContact] } }), BAD_SEVERITIES);
    });

    it('accepts a channel without nextReplyMinutes and one with it', () => {
      assert.equal(
        DEFAULT_POLICY.channels.some((c) => c.nextReplyMinutes === undefined),
        true,
      );
      assert.equal(
        DEFAULT_POLICY.channels.some((c) => typeof c.nextReplyMinutes === 'number'),
        true,
      );
      assert.equal(checkPolicyChanged(mutate(valid, 'policy.channels.0.nextReplyMinutes', 10)), null);
    });

    it('refuses anything that is not a payload object, or a missing or non-object policy', () => {
      for (const [label, input] of notAnObject(valid))
        assert.equal(refusal(checkPolicyChanged, input, label), NEEDS_POLICY, label);
      for (const policy of [DELETE, null, [planning], 'policy', 1]) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, 'policy', policy)), NEEDS_POLICY, String(policy));
      }
      assert.equal(
        refusal(checkPolicyChanged, { policy: JSON.parse(`{"__proto__": ${JSON.stringify(planning)}}`) }),
        BAD_VERSION,
      );
    });

    it('refuses a missing, mistyped or oversized version', () => {
      for (const version of [DELETE, null, 1, ['v1'], long(201)]) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, 'policy.version', version)), BAD_VERSION);
      }
    });

    it('refuses malformed calendars', () => {
      const bad: [string, unknown][] = [
        ['policy.calendars', DELETE],
        ['policy.calendars', null],
        ['policy.calendars', {}],
        ['policy.calendars', 'business-hours'],
        ['policy.calendars', Array.from({ length: 201 }, () => planning.calendars[0])],
        ['policy.calendars.0', null],
        ['policy.calendars.0', []],
        ['policy.calendars.0.id', DELETE],
        ['policy.calendars.0.id', 7],
        ['policy.calendars.0.id', long(10_001)],
        ['policy.calendars.0.timeZone', DELETE],
        ['policy.calendars.0.timeZone', null],
        ['policy.calendars.1.hours', DELETE],
        ['policy.calendars.1.hours', {}],
        ['policy.calendars.1.hours', 'Mon-Fri'],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, path, value)), BAD_CALENDARS, path);
      }
      assert.equal(
        checkPolicyChanged(
          mutate(
            valid,
            'policy.calendars',
            Array.from({ length: 200 }, () => planning.calendars[0]),
          ),
        ),
        null,
      );
    });

    it('refuses malformed channels', () => {
      const bad: [string, unknown][] = [
        ['policy.channels', DELETE],
        ['policy.channels', { email: planning.channels[0] }],
        ['policy.channels', Array.from({ length: 201 }, () => planning.channels[0])],
        ['policy.channels.0', 'email'],
        ['policy.channels.0.id', DELETE],
        ['policy.channels.0.id', 1],
        ['policy.channels.0.firstResponseMinutes', DELETE],
        ['policy.channels.0.firstResponseMinutes', '1440'],
        ['policy.channels.0.firstResponseMinutes', null],
        ['policy.channels.0.calendarId', DELETE],
        ['policy.channels.0.calendarId', ['24x7']],
        ['policy.channels.2.nextReplyMinutes', null],
        ['policy.channels.2.nextReplyMinutes', '5'],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, path, value)), BAD_CHANNELS, path);
      }
      // JSON cannot carry them, but a non-finite number is refused too.
      const infinite = mutate(valid, 'policy.channels.0.firstResponseMinutes', Infinity);
      assert.equal(refusal(checkPolicyChanged, infinite), BAD_CHANNELS);
      assert.equal(
        refusal(checkPolicyChanged, mutate(valid, 'policy.channels.0.firstResponseMinutes', NaN)),
        BAD_CHANNELS,
      );
    });

    it('refuses malformed severities and ladders', () => {
      const bad: [string, unknown][] = [
        ['policy.severities', DELETE],
        ['policy.severities', 'P0'],
        ['policy.severities.0', null],
        ['policy.severities.0.id', DELETE],
        ['policy.severities.0.id', 0],
        ['policy.severities.0.responseMinutes', DELETE],
        ['policy.severities.0.responseMinutes', '15'],
        ['policy.severities.0.calendarId', DELETE],
        ['policy.severities.0.ladder', DELETE],
        ['policy.severities.0.ladder', { via: 'slack', target: '#x' }],
        ['policy.severities.0.ladder', Array.from({ length: 201 }, () => ({ via: 'slack', target: '#x' }))],
        ['policy.severities.0.ladder.0', 'PagerDuty'],
        ['policy.severities.0.ladder.0.via', DELETE],
        ['policy.severities.0.ladder.0.target', 5],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, path, value)), BAD_SEVERITIES, path);
      }
    });

    it('refuses a missing or mistyped resolution target', () => {
      for (const minutes of [DELETE, null, '1440', [1440]]) {
        assert.equal(
          refusal(checkPolicyChanged, mutate(valid, 'policy.resolutionTargetMinutes', minutes)),
          BAD_RESOLUTION,
        );
      }
      assert.equal(
        refusal(checkPolicyChanged, mutate(valid, 'policy.resolutionTargetMinutes', Infinity)),
        BAD_RESOLUTION,
      );
    });

    it('refuses a mistyped or oversized by', () => {
      for (const by of [null, 1, ['ops'], { id: 'ops' }, long(201)]) {
        assert.equal(refusal(checkPolicyChanged, mutate(valid, 'by', by)), BAD_BY, String(by));
      }
    });
  });

  describe('checkCalendarChanged', () => {
    const valid = decoded({ calendar: DEFAULT_POLICY.calendars[0], by: 'ops' });
    const NEEDS_CALENDAR = 'calendarChanged needs a calendar with id, timeZone and hours';

    it("accepts each of the default policy's calendars, with or without by", () => {
      for (const calendar of DEFAULT_POLICY.calendars) {
        assert.equal(checkCalendarChanged(decoded({ calendar, by: 'ops' })), null, calendar.id);
        assert.equal(checkCalendarChanged(decoded({ calendar })), null, calendar.id);
      }
      assert.equal(checkCalendarChanged(mutate(valid, 'by', long(200))), null);
    });

    it('refuses anything that is not a payload object', () => {
      for (const [label, input] of notAnObject(valid))
        assert.equal(refusal(checkCalendarChanged, input, label), NEEDS_CALENDAR, label);
    });

    it('refuses a missing or malformed calendar', () => {
      const bad: [string, unknown][] = [
        ['calendar', DELETE],
        ['calendar', null],
        ['calendar', [DEFAULT_POLICY.calendars[0]]],
        ['calendar', 'business-hours'],
        ['calendar', JSON.parse(`{"__proto__": ${JSON.stringify(DEFAULT_POLICY.calendars[0])}}`)],
        ['calendar.id', DELETE],
        ['calendar.id', 1],
        ['calendar.id', long(10_001)],
        ['calendar.timeZone', DELETE],
        ['calendar.timeZone', { zone: 'UTC' }],
        ['calendar.hours', DELETE],
        ['calendar.hours', null],
        ['calendar.hours', { 1: [] }],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkCalendarChanged, mutate(valid, path, value)), NEEDS_CALENDAR, path);
      }
    });

    it('refuses a mistyped or oversized by', () => {
      for (const by of [null, 1, ['ops'], long(201)]) {
        assert.equal(refusal(checkCalendarChanged, mutate(valid, 'by', by)), 'by must be a string', String(by));
      }
    });
  });

  describe('checkStripeEvent', () => {
    const valid = {
      id: 'evt_1QdisputeXYZ',
      type: 'charge.dispute.created',
      objectId: 'dp_1QdisputeXYZ',
      paymentIntentId: 'pi_3Qabc',
      chargeId: 'ch_3Qabc',
      currency: 'usd',
      status: 'needs_response',
      reason: 'fraudulent',
      failureReason: 'expired_card',
      declineCode: 'insufficient_funds',
      declineMessage: 'Your card has insufficient funds.',
      amountCents: 4500,
    };
    const NEEDS_IDS = 'a Stripe event needs id, type and objectId';
    const OPTIONAL = [
      'paymentIntentId',
      'chargeId',
      'currency',
      'status',
      'reason',
      'failureReason',
      'declineCode',
      'declineMessage',
    ];

    it('accepts a full event and a bare one', () => {
      assert.equal(checkStripeEvent(valid), null);
      assert.equal(checkStripeEvent({ id: 'evt_1', type: 'refund.updated', objectId: 're_1' }), null);
      assert.equal(checkStripeEvent({ ...valid, id: long(255), type: long(100), objectId: long(255) }), null);
      for (const k of OPTIONAL) assert.equal(checkStripeEvent({ ...valid, [k]: long(1000) }), null, k);
      assert.equal(checkStripeEvent({ ...valid, amountCents: 0 }), null);
    });

    it('refuses anything that is not a payload object', () => {
      for (const [label, input] of notAnObject(valid))
        assert.equal(refusal(checkStripeEvent, input, label), NEEDS_IDS, label);
    });

    it('refuses a missing, mistyped or oversized id, type or objectId', () => {
      const bad: [string, unknown][] = [
        ['id', DELETE],
        ['id', 1],
        ['id', null],
        ['id', long(256)],
        ['type', DELETE],
        ['type', ['charge.dispute.created']],
        ['type', long(101)],
        ['objectId', DELETE],
        ['objectId', { id: 'dp_1' }],
        ['objectId', long(256)],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkStripeEvent, mutate(valid, path, value)), NEEDS_IDS, path);
      }
    });

    it('refuses a mistyped or oversized optional field, naming it', () => {
      for (const k of OPTIONAL) {
        for (const value of [null, 1, ['x'], {}, long(1001)]) {
          assert.equal(refusal(checkStripeEvent, mutate(valid, k, value)), `${k} must be a string`, k);
        }
      }
    });

    it('refuses a non-numeric amount', () => {
      for (const amount of [null, '4500', [4500], { value: 4500 }, Infinity, NaN]) {
        assert.equal(
          refusal(checkStripeEvent, { ...valid, amountCents: amount }),
          'amountCents must be a number',
          String(amount),
        );
      }
    });
  });

  describe('checkApprovalDecision', () => {
    const valid = {
      actor: { id: 'u-manager', name: 'Morgan Manager', role: 'support_manager' },
      approvalId: 'case-123/comp-1',
      decision: 'approve',
      amountCents: 7500,
      note: 'Matches the outage guideline.',
    };
    const NEEDS_FIELDS = 'the signal needs approvalId, decision, amountCents and actor';
    const BAD_DECISION = 'decision must be approve or reject';
    const NEEDS_ACTOR = 'the signal needs an actor';
    const BAD_NOTE = 'note must be a string';

    it('accepts an approval or a rejection, with or without a note', () => {
      assert.equal(checkApprovalDecision(valid), null);
      assert.equal(checkApprovalDecision(decoded(mutate(valid, 'decision', 'reject'))), null);
      assert.equal(checkApprovalDecision(mutate(valid, 'note', DELETE)), null);
      assert.equal(checkApprovalDecision(mutate(valid, 'note', long(2000))), null);
      assert.equal(checkApprovalDecision(mutate(valid, 'approvalId', long(100))), null);
      assert.equal(
        checkApprovalDecision({ ...valid, actor: { id: long(200), name: long(200), role: long(50) } }),
        null,
      );
    });

    it('refuses anything that is not a payload object', () => {
      for (const [label, input] of notAnObject(valid))
        assert.equal(refusal(checkApprovalDecision, input, label), NEEDS_FIELDS, label);
    });

    it('refuses a missing, mistyped or oversized approvalId or amount', () => {
      const bad: [string, unknown][] = [
        ['approvalId', DELETE],
        ['approvalId', 1],
        ['approvalId', null],
        ['approvalId', long(101)],
        ['amountCents', DELETE],
        ['amountCents', '7500'],
        ['amountCents', null],
        ['amountCents', [7500]],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkApprovalDecision, mutate(valid, path, value)), NEEDS_FIELDS, path);
      }
      assert.equal(refusal(checkApprovalDecision, { ...valid, amountCents: Infinity }), NEEDS_FIELDS);
      assert.equal(refusal(checkApprovalDecision, { ...valid, amountCents: NaN }), NEEDS_FIELDS);
    });

    it('refuses a decision other than approve or reject', () => {
      for (const decision of [DELETE, null, 'APPROVE', 'approved', 'rejected', '', true, 1, ['approve']]) {
        assert.equal(
          refusal(checkApprovalDecision, mutate(valid, 'decision', decision)),
          BAD_DECISION,
          String(decision),
        );
      }
    });

    it('refuses a missing or malformed actor', () => {
      const bad: [string, unknown][] = [
        ['actor', DELETE],
        ['actor', null],
        ['actor', 'u-manager'],
        ['actor', [valid.actor]],
        ['actor', JSON.parse(`{"__proto__": ${JSON.stringify(valid.actor)}}`)],
        ['actor.id', DELETE],
        ['actor.id', 1],
        ['actor.id', long(201)],
        ['actor.name', DELETE],
        ['actor.name', null],
        ['actor.name', long(201)],
        ['actor.role', DELETE],
        ['actor.role', ['support_manager']],
        ['actor.role', long(51)],
      ];
      for (const [path, value] of bad) {
        assert.equal(refusal(checkApprovalDecision, mutate(valid, path, value)), NEEDS_ACTOR, path);
      }
    });

    it('refuses a mistyped or oversized note', () => {
      for (const note of [null, 1, ['ok'], { text: 'ok' }, long(2001)]) {
        assert.equal(refusal(checkApprovalDecision, mutate(valid, 'note', note)), BAD_NOTE, String(note));
      }
    });
  });
});
