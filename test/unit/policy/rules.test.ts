import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../../src/policy/default-policy';
import {
  ACTION_STATUSES,
  approvalTierFor,
  buildChecklist,
  CaseAction,
  ChecklistStep,
  describeMinutes,
  matchCommonIssues,
  recategorizeChecklist,
  renderTemplate,
  roleMay,
  statusAllows,
  suggestCategory,
  tokenize,
} from '../../../src/policy/rules';
import type { CaseStatus, Category, Role, TemplateId } from '../../../src/policy/types';

const policy = DEFAULT_POLICY;
const ADMIN = 'https://admin.example.test';
const issueIds = (text: string) => matchCommonIssues(policy, text).map((i) => i.id);
const placeholdersOf = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);

describe('policy rules', () => {
  describe('tokenize', () => {
    it('lower-cases and splits on punctuation and spaces', () => {
      assert.deepEqual(tokenize('Hello, World!  My PAYMENT failed.'), ['hello', 'world', 'my', 'payment', 'failed']);
    });

    it('keeps apostrophes and hyphens inside words and normalises curly apostrophes', () => {
      assert.deepEqual(tokenize('I can\u2019t see the no-show'), ['i', "can't", 'see', 'the', 'no-show']);
    });

    it('returns no tokens for empty or punctuation-only text', () => {
      assert.deepEqual(tokenize(''), []);
      assert.deepEqual(tokenize('?!. ,;'), []);
    });

    // A customer quoting the error text ("The app said 'payment failed'") must still match the playbook.
    it('strips quote marks at the edges of words and drops lone dashes', () => {
      assert.deepEqual(tokenize("It says 'payment failed' - help"), ['it', 'says', 'payment', 'failed', 'help']);
      assert.deepEqual(tokenize('It says \u2018payment failed\u2019'), ['it', 'says', 'payment', 'failed']);
      assert.deepEqual(issueIds("The app said 'payment failed' when I tried to pay"), ['payment-failed']);
    });
  });

  describe('matchCommonIssues', () => {
    const cases: Array<[string, string]> = [
      ["Hi, I can't log in to my account since this morning.", 'cant-log-in'],
      ['My payment failed when I tried to buy the 10-lesson package.', 'payment-failed'],
      ["My booking wasn't confirmed and the lesson is tomorrow at 3pm.", 'booking-not-confirmed'],
      ["I didn't receive my refund for last month's cancelled lesson.", 'refund-not-received'],
      ["Tutor didn't show up for my session today, I waited 20 minutes.", 'tutor-no-show'],
    ];
    for (const [text, id] of cases) {
      it(`matches the "${policy.commonIssues.find((i) => i.id === id)?.title}" playbook (and only it) for: ${text}`, () => {
        assert.deepEqual(issueIds(text), [id]);
      });
    }

    it('matches each of the seed titles themselves', () => {
      for (const issue of policy.commonIssues) assert.ok(issueIds(issue.title).includes(issue.id), issue.title);
    });

    it('matches none for an unrelated text', () => {
      assert.deepEqual(issueIds('What are your office opening hours over the holidays?'), []);
      assert.deepEqual(issueIds(''), []);
    });

    it('requires every word of a match set, not just one of them', () => {
      // "payment" alone is not "payment failed".
      assert.deepEqual(issueIds('I have a question about a payment'), []);
    });

    it('matches whole words only', () => {
      // "passwords" is not "password", "refunded" is not "refund".
      assert.deepEqual(issueIds('Where do I manage saved passwords? The course was refunded not long ago.'), []);
    });
  });

  describe('suggestCategory', () => {
    const cases: Array<[string, Category]> = [
      ['My account is locked after too many password attempts', 'account'],
      ['I was charged the wrong amount for my package', 'payment'],
      ["I cannot create a booking for next week's lesson", 'booking'],
      ['When will my tutor application be reviewed?', 'tutor'],
      ['The app shows a blank page and an error message', 'technical'],
    ];
    for (const [text, category] of cases) {
      it(`suggests ${category} for: ${text}`, () => {
        const s = suggestCategory(policy, text);
        assert.ok(s, 'expected a suggestion');
        assert.equal(s.category, category);
        assert.ok(s.score > 0);
        assert.ok(s.matched.length > 0);
      });
    }

    it('returns null for gibberish', () => {
      assert.equal(suggestCategory(policy, 'asdf qwerty zxcv lorem'), null);
      assert.equal(suggestCategory(policy, ''), null);
    });

    it('lets a matched playbook outweigh a stray keyword of another category', () => {
      // "tutor" is a tutor keyword, but "Tutor didn't show up" is the seed's booking playbook.
      const s = suggestCategory(policy, "Tutor didn't show up");
      assert.equal(s?.category, 'booking');
      assert.ok(s?.matched.includes("playbook: Tutor didn't show up"), JSON.stringify(s?.matched));
    });

    it('names the keywords that led to the suggestion', () => {
      const s = suggestCategory(policy, 'I was charged twice on my card');
      assert.equal(s?.category, 'payment');
      assert.deepEqual([...(s?.matched ?? [])].sort(), ['card', 'charged']);
      assert.equal(s?.score, 2);
    });
  });

  describe('buildChecklist', () => {
    it("gives the seed's four payment Tier 1 steps in order, linking to the payment in Stripe", () => {
      const steps = buildChecklist(policy, 'payment', [], { adminBaseUrl: ADMIN, paymentIntentId: 'pi_3Abc123' });
      assert.deepEqual(
        steps.map((s) => s.title),
        [
          'Verify transaction in Stripe dashboard',
          'Check booking status in admin',
          'Process refund if appropriate',
          'Credit wallet for compensation',
        ],
      );
      assert.ok(steps.every((s) => s.source === 'tier1' && s.state === 'pending'));
      assert.equal(steps[0].adminLink, 'https://dashboard.stripe.com/payments/pi_3Abc123');
      assert.equal(steps[0].automation, 'stripe.lookupPayment');
    });

    it('links Stripe steps to the dashboard root when there is no payment id', () => {
      const steps = buildChecklist(policy, 'payment', [], { adminBaseUrl: ADMIN });
      assert.equal(steps[0].adminLink, 'https://dashboard.stripe.com');
    });

    it('URL-encodes the payment id in the Stripe link', () => {
      const steps = buildChecklist(policy, 'payment', [], { adminBaseUrl: ADMIN, paymentIntentId: 'pi/../x?y' });
      assert.equal(steps[0].adminLink, 'https://dashboard.stripe.com/payments/pi%2F..%2Fx%3Fy');
    });

    it('links booking steps to ADMIN/admin/bookings?id=<bookingId>', () => {
      const steps = buildChecklist(policy, 'booking', [], { adminBaseUrl: `${ADMIN}/`, bookingId: 'BK 42&x' });
      const byId = Object.fromEntries(steps.map((s) => [s.id, s]));
      assert.equal(byId['check-booking-state'].adminLink, `${ADMIN}/admin/bookings?id=BK%2042%26x`);
      assert.equal(byId['check-conflicts'].adminLink, `${ADMIN}/admin/bookings?id=BK%2042%26x`);
      assert.equal(byId['verify-tutor-availability'].adminLink, `${ADMIN}/admin/tutors`);
    });

    it('links booking steps to the bookings list without an id when the case has none', () => {
      const steps = buildChecklist(policy, 'booking', [], { adminBaseUrl: ADMIN });
      assert.equal(steps[0].adminLink, `${ADMIN}/admin/bookings`);
    });

    it('appends the playbook steps after the Tier 1 steps, tagged with the playbook', () => {
      const playbooks = matchCommonIssues(policy, "I didn't receive my refund");
      const steps = buildChecklist(policy, 'payment', playbooks, { adminBaseUrl: ADMIN, paymentIntentId: 'pi_1' });
      assert.equal(steps.length, 4 + 4);
      assert.deepEqual(
        steps.slice(4).map((s) => s.source),
        Array(4).fill('playbook:refund-not-received'),
      );
      assert.equal(steps[4].title, 'Check Stripe dashboard for refund status');
      assert.equal(steps[6].customerFacing, true);
      assert.equal(steps[7].adminLink, undefined);
    });

    it('gives only playbook steps when the category is unknown', () => {
      const playbooks = matchCommonIssues(policy, "I can't log in");
      const steps = buildChecklist(policy, null, playbooks, { adminBaseUrl: ADMIN });
      assert.equal(steps.length, 7);
      assert.ok(steps.every((s) => s.source === 'playbook:cant-log-in'));
      assert.deepEqual(buildChecklist(policy, null, [], { adminBaseUrl: ADMIN }), []);
    });

    it('leaves technical steps without admin links', () => {
      const steps = buildChecklist(policy, 'technical', [], { adminBaseUrl: ADMIN });
      assert.ok(steps.every((s) => s.adminLink === undefined));
      assert.equal(steps.find((s) => s.id === 'clear-cache')?.customerFacing, true);
    });
  });

  describe('recategorizeChecklist', () => {
    const ctx = { adminBaseUrl: ADMIN, bookingId: 'BK1' };
    const worked = (steps: ChecklistStep[], id: string, state: 'completed' | 'skipped'): ChecklistStep[] =>
      steps.map((s) => (s.id === id ? { ...s, state, by: 'Alex Agent', at: '2026-02-02T10:00:00.000Z' } : s));

    it('keeps worked steps and drops pending steps of the old category', () => {
      let current = buildChecklist(policy, 'payment', matchCommonIssues(policy, 'My payment failed'), ctx);
      current = worked(current, 'verify-transaction', 'completed');
      current = worked(current, 'process-refund', 'skipped');
      const next = recategorizeChecklist(policy, current, 'booking', ctx);
      const ids = next.map((s) => s.id);
      assert.deepEqual(ids.slice(0, 4), [
        'check-booking-state',
        'verify-tutor-availability',
        'check-conflicts',
        'update-booking-state',
      ]);
      assert.ok(ids.includes('verify-transaction'));
      assert.ok(ids.includes('process-refund'));
      assert.ok(!ids.includes('check-booking-status'), 'pending payment step dropped');
      assert.ok(!ids.includes('credit-wallet'), 'pending payment step dropped');
      assert.equal(next.find((s) => s.id === 'verify-transaction')?.state, 'completed');
      assert.equal(next.find((s) => s.id === 'verify-transaction')?.by, 'Alex Agent');
    });

    it('keeps playbook steps, pending or not', () => {
      const current = buildChecklist(policy, 'payment', matchCommonIssues(policy, 'My payment failed'), ctx);
      const next = recategorizeChecklist(policy, current, 'technical', ctx);
      assert.equal(next.filter((s) => s.source === 'playbook:payment-failed').length, 4);
      assert.equal(next.filter((s) => s.source === 'tier1').length, 4);
      assert.ok(next.filter((s) => s.source === 'tier1').every((s) => s.id !== 'verify-transaction'));
    });

    it('does not duplicate a worked step when the new category has the same step', () => {
      let current = buildChecklist(policy, 'booking', [], ctx);
      current = worked(current, 'check-booking-state', 'completed');
      const next = recategorizeChecklist(policy, current, 'booking', ctx);
      assert.equal(next.filter((s) => s.id === 'check-booking-state').length, 1);
      assert.equal(next.find((s) => s.id === 'check-booking-state')?.state, 'completed');
      assert.equal(next.length, 4);
    });
  });

  describe('statusAllows / ACTION_STATUSES', () => {
    const ALL: CaseStatus[] = ['new', 'open', 'awaiting_customer', 'resolved', 'closed'];

    it('allows closing only a resolved case', () => {
      assert.deepEqual(
        ALL.filter((s) => statusAllows('close', s)),
        ['resolved'],
      );
    });

    it('allows reopening only resolved or closed cases', () => {
      assert.deepEqual(
        ALL.filter((s) => statusAllows('reopen', s)),
        ['resolved', 'closed'],
      );
    });

    // A rating reaches a closed case too, so a second click hears 'already rated' from the workflow.
    it('lets a rating reach only resolved and closed cases, and waiting for the customer only open ones', () => {
      assert.deepEqual(
        ALL.filter((s) => statusAllows('rate', s)),
        ['resolved', 'closed'],
      );
      assert.deepEqual(
        ALL.filter((s) => statusAllows('waitForCustomer', s)),
        ['open'],
      );
    });

    it('refuses work on a closed case except notes, reopen and (already-rated) ratings', () => {
      const allowed = (Object.keys(ACTION_STATUSES) as CaseAction[]).filter((a) => statusAllows(a, 'closed')).sort();
      assert.deepEqual(allowed, ['addNote', 'rate', 'reopen']);
    });

    it('refuses replies, steps and resolving once resolved', () => {
      for (const a of [
        'reply',
        'completeStep',
        'skipStep',
        'setCategory',
        'resolve',
        'requestVerification',
      ] as CaseAction[]) {
        assert.equal(statusAllows(a, 'resolved'), false, a);
        assert.equal(statusAllows(a, 'awaiting_customer'), true, a);
      }
    });

    it('names only real statuses, each at most once', () => {
      for (const [action, statuses] of Object.entries(ACTION_STATUSES)) {
        assert.ok(statuses.length > 0, action);
        assert.ok(
          statuses.every((s) => ALL.includes(s)),
          action,
        );
        assert.equal(new Set(statuses).size, statuses.length, action);
      }
    });
  });

  describe('approvalTierFor', () => {
    const cases: Array<[number, Role, string]> = [
      [0, 'agent', 'Tier 1 Support'],
      [1000, 'agent', 'Tier 1 Support'],
      [1001, 'support_lead', 'Support Lead'],
      [5000, 'support_lead', 'Support Lead'],
      [5001, 'support_manager', 'Support Manager'],
      [10000, 'support_manager', 'Support Manager'],
      [10001, 'ops_director', 'Operations Director'],
      [10_000_000, 'ops_director', 'Operations Director'],
    ];
    for (const [cents, role, label] of cases) {
      it(`puts ${cents} cents with ${role}`, () => {
        const tier = approvalTierFor(policy, cents);
        assert.equal(tier.role, role);
        assert.equal(tier.label, label);
      });
    }

    it('throws when no tier covers the amount', () => {
      const capped = {
        ...policy,
        approvalTiers: [{ role: 'agent' as const, label: 'Tier 1 Support', maxCents: 1000 }],
      };
      assert.throws(() => approvalTierFor(capped, 1001), /no approval tier covers 1001 cents/);
    });
  });

  describe('roleMay', () => {
    it('lets an engineer read cases but not work, open, close or relay replies', () => {
      assert.equal(roleMay(policy, 'engineer', 'case.read'), true);
      assert.equal(roleMay(policy, 'engineer', 'case.work'), false);
      assert.equal(roleMay(policy, 'engineer', 'case.open'), false);
      assert.equal(roleMay(policy, 'engineer', 'case.close'), false);
      assert.equal(roleMay(policy, 'engineer', 'case.customerReply'), false);
    });

    it('lets intake open cases and relay customer replies, but not work them', () => {
      assert.equal(roleMay(policy, 'intake', 'case.open'), true);
      assert.equal(roleMay(policy, 'intake', 'case.customerReply'), true);
      assert.equal(roleMay(policy, 'intake', 'case.work'), false);
      assert.equal(roleMay(policy, 'intake', 'case.close'), false);
    });

    it('lets every support role work cases, and only intake and admin relay customer replies', () => {
      for (const r of ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin'] as Role[]) {
        assert.equal(roleMay(policy, r, 'case.work'), true, r);
        assert.equal(roleMay(policy, r, 'case.read'), true, r);
      }
      assert.deepEqual([...policy.permissions['case.customerReply']].sort(), ['admin', 'intake']);
    });
  });

  describe('renderTemplate', () => {
    const ids = Object.keys(policy.templates) as TemplateId[];

    it('fills every placeholder of every template', () => {
      assert.equal(ids.length, 10);
      for (const id of ids) {
        const t = policy.templates[id];
        const names = [...new Set(placeholdersOf(t.subject + '\n' + t.body))];
        assert.ok(names.length > 0, id);
        const vars = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
        const out = renderTemplate(policy, id, vars);
        assert.equal(out.templateId, id);
        for (const part of [out.subject, out.text, out.html]) assert.doesNotMatch(part, /\{\{|\}\}/, `${id}: ${part}`);
        for (const n of names) {
          assert.ok(out.subject.includes(`value-of-${n}`) || out.text.includes(`value-of-${n}`), `${id}: ${n}`);
          if (placeholdersOf(t.body).includes(n)) assert.ok(out.html.includes(`value-of-${n}`), `${id} html: ${n}`);
        }
      }
    });

    it('HTML-escapes values in the html part but not in the text part', () => {
      const vars = {
        name: '<b>Tom & "Jerry"</b>',
        agent: "O'Brien",
        subject: 'x',
        caseRef: 'ES-ABC123',
        message: '<script>alert(1)</script>',
      };
      const out = renderTemplate(policy, 'agent_reply', vars);
      assert.ok(out.html.includes('&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;'), out.html);
      assert.ok(out.html.includes('O&#39;Brien'), out.html);
      assert.ok(out.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), out.html);
      assert.ok(!out.html.includes('<script>'));
      assert.ok(!out.html.includes('<b>Tom'));
      assert.ok(out.text.includes('Hi <b>Tom & "Jerry"</b>,'));
      assert.ok(out.text.includes('<script>alert(1)</script>'));
      assert.ok(out.text.includes("O'Brien"));
    });

    it('turns blank-line separated paragraphs into <p> and single newlines into <br>', () => {
      const out = renderTemplate(policy, 'agent_reply', {
        name: 'Ana',
        agent: 'Alex',
        subject: 's',
        caseRef: 'ES-ABC123',
        message: 'line one\nline two',
      });
      assert.ok(out.html.includes('<p>Hi Ana,</p>'), out.html);
      assert.ok(out.html.includes('<p>line one<br>\nline two</p>'), out.html);
      assert.match(out.html, /^<!doctype html>/);
    });

    it('inserts values literally, even ones that look like replacement patterns', () => {
      const out = renderTemplate(policy, 'agent_reply', {
        name: '$& $1 $$',
        agent: 'A',
        subject: 's',
        caseRef: 'ES-ABC123',
        message: 'm',
      });
      assert.ok(out.text.startsWith('Hi $& $1 $$,'), out.text);
    });

    it('throws naming a missing placeholder', () => {
      assert.throws(
        () => renderTemplate(policy, 'escalation_notice', { name: 'Ana', agent: 'Alex', caseRef: 'ES-ABC123' }),
        /\{\{timeframe\}\}/,
      );
    });

    it('strips newlines from subjects', () => {
      const out = renderTemplate(policy, 'agent_reply', {
        name: 'Ana',
        agent: 'Alex',
        subject: 'Help\r\nBcc: evil@example.com\nmore',
        caseRef: 'ES-ABC123',
        message: 'm',
      });
      assert.doesNotMatch(out.subject, /[\r\n]/);
      assert.equal(out.subject, 'Re: Help Bcc: evil@example.com more [ES-ABC123]');
    });

    it('keeps the seed wording in the seed-sourced templates', () => {
      const wording: Record<string, string[]> = {
        welcome: [
          'Thank you for contacting EduStream Support!',
          "and I'll be helping you today.",
          'Let me look into this for you.',
        ],
        account_verification: [
          'For security purposes, I need to verify your account before proceeding.',
          '1. The email address associated with your account',
          '2. The last 4 digits of the payment method on file (if applicable)',
          "Once verified, I'll be happy to assist with your request.",
        ],
        issue_resolved: [
          'Great news!',
          'and let me know if everything is working as expected.',
          'Is there anything else I can help you with?',
        ],
        escalation_notice: [
          "Thank you for your patience. I've escalated your case to our technical team for further investigation.",
          'Reference number: {{caseRef}}',
          "I'll follow up personally once we have more information.",
        ],
        compensation_offered: [
          'I sincerely apologize for the inconvenience you experienced with {{issue}}.',
          "As a gesture of goodwill, I've added {{compensation}} to your account:",
          'This has been applied and is available immediately.',
          'We value you as a customer and appreciate your understanding.',
        ],
      };
      const seedIds = ids.filter((id) => policy.templates[id].source === 'seed').sort();
      assert.deepEqual(seedIds, Object.keys(wording).sort());
      for (const [id, phrases] of Object.entries(wording)) {
        const body = policy.templates[id as TemplateId].body;
        assert.match(body, /^Hi \{\{name\}\},\n\n/, id);
        assert.match(body, /\n\nBest,\n\{\{agent\}\}/, id);
        for (const p of phrases) assert.ok(body.includes(p), `${id}: ${p}`);
      }
    });

    it('signs seed templates as EduStream Support where the seed does', () => {
      for (const id of ['welcome', 'issue_resolved', 'escalation_notice', 'compensation_offered'] as TemplateId[]) {
        assert.ok(policy.templates[id].body.endsWith('Best,\n{{agent}}\nEduStream Support'), id);
      }
      assert.ok(policy.templates.account_verification.body.endsWith('Best,\n{{agent}}'));
    });
  });

  describe('describeMinutes', () => {
    const cases: Array<[number, string]> = [
      [1, '1 minute'],
      [5, '5 minutes'],
      [15, '15 minutes'],
      [90, '90 minutes'],
      [60, '1 hour'],
      [240, '4 hours'],
      [1440, '24 hours'],
      [2880, '2 days'],
      [10080, '7 days'],
      [20160, '14 days'],
      [1500, '25 hours'],
    ];
    for (const [minutes, text] of cases) {
      it(`words ${minutes} minutes as "${text}"`, () => assert.equal(describeMinutes(minutes), text));
    }
  });
});

describe('DEFAULT_POLICY encodes the seed', () => {
  it('is the 2026-01-29 version of the seed', () => {
    assert.equal(policy.version, '2026-01-29');
  });

  it('has the channel first-response targets: email 24h, chat 5 min, in-app immediate', () => {
    const byId = Object.fromEntries(policy.channels.map((c) => [c.id, c]));
    assert.deepEqual(Object.keys(byId).sort(), ['chat', 'email', 'in_app']);
    assert.equal(byId.email.firstResponseMinutes, 1440);
    assert.equal(byId.chat.firstResponseMinutes, 5);
    assert.equal(byId.in_app.firstResponseMinutes, 0);
    assert.equal(byId.chat.calendarId, 'business-hours');
  });

  it('has the internal escalation channels: Slack 30 min, PagerDuty 15 min, engineering e-mail 24h', () => {
    assert.deepEqual(
      policy.internalChannels.map((c) => [c.id, c.responseMinutes]),
      [
        ['slack', 30],
        ['pagerduty', 15],
        ['engineering-email', 1440],
      ],
    );
  });

  it('has the severities P0 15 / P1 60 / P2 240 / P3 1440 minutes', () => {
    assert.deepEqual(
      policy.severities.map((s) => [s.id, s.responseMinutes]),
      [
        ['P0', 15],
        ['P1', 60],
        ['P2', 240],
        ['P3', 1440],
      ],
    );
  });

  it('has the escalation ladders of the matrix', () => {
    const ladder = (id: string) =>
      policy.severities.find((s) => s.id === id)?.ladder.map((r) => `${r.via}:${r.target}`);
    assert.deepEqual(ladder('P0'), ['pagerduty:PagerDuty', 'pagerduty:On-call', 'email:CTO']);
    // The matrix's paths with the contact directory's "Engineering On-call: P0/P1 incidents" and
    // The contact directory: "Engineering Lead: P2 escalations".
    assert.deepEqual(ladder('P1'), ['slack:#support-escalations', 'pagerduty:On-call', 'email:Engineering Lead']);
    assert.deepEqual(ladder('P2'), ['slack:#support-escalations', 'email:Engineering Lead', 'email:Engineering']);
    assert.deepEqual(ladder('P3'), ['ticket:Engineering ticket', 'email:Engineering']);
  });

  it('has the "When to Escalate" signals of P0, P1 and P2', () => {
    const when = (id: string) => policy.severities.find((s) => s.id === id)?.whenToEscalate;
    assert.deepEqual(when('P0'), [
      'Complete service outage',
      'Payment system failure',
      'Data breach suspected',
      'Security vulnerability',
    ]);
    assert.deepEqual(when('P1'), [
      'Login system broken',
      'Bookings not processing',
      'Payments failing for multiple users',
      'Real-time features down',
    ]);
    assert.deepEqual(when('P2'), [
      'Single user critical issue',
      'Integration failures',
      'Performance degradation',
      'Feature bugs',
    ]);
  });

  it('has the five compensation guidelines', () => {
    assert.deepEqual(
      policy.compensation.map((c) => [c.issueType, c.description]),
      [
        ['Service outage affecting booking', 'Full refund + 10% credit'],
        ['Tutor no-show', 'Full refund + free session credit'],
        ['Payment processing error', 'Refund + $5 credit'],
        ['Minor inconvenience', '$5-10 credit'],
        ['Major inconvenience', '$15-25 credit'],
      ],
    );
    const byId = Object.fromEntries(policy.compensation.map((c) => [c.id, c]));
    assert.equal(byId.service_outage.refund, 'full');
    assert.equal(byId.service_outage.creditPercent, 0.1);
    assert.equal(byId.tutor_no_show.freeSessionCredit, true);
    assert.deepEqual(byId.payment_error.creditRangeCents, [500, 500]);
    assert.deepEqual(byId.minor_inconvenience.creditRangeCents, [500, 1000]);
    assert.deepEqual(byId.major_inconvenience.creditRangeCents, [1500, 2500]);
  });

  it('has the five metric targets', () => {
    assert.deepEqual(
      policy.metrics.map((m) => [m.name, m.target, m.comparator, m.value, m.unit]),
      [
        ['First Response Time', '<4 hours', '<', 4, 'hours'],
        ['Resolution Time', '<24 hours', '<', 24, 'hours'],
        ['Customer Satisfaction (CSAT)', '>90%', '>', 90, 'percent'],
        ['First Contact Resolution', '>70%', '>', 70, 'percent'],
        ['Escalation Rate', '<20%', '<', 20, 'percent'],
      ],
    );
    assert.equal(policy.resolutionTargetMinutes, 24 * 60);
  });

  it('has the five categories, each with four Tier 1 steps in seed order', () => {
    assert.deepEqual(
      policy.categories.map((c) => c.id),
      ['account', 'payment', 'booking', 'tutor', 'technical'],
    );
    for (const c of policy.categories) assert.equal(c.tier1.length, 4, c.id);
    const titles = (id: Category) => policy.categories.find((c) => c.id === id)?.tier1.map((s) => s.title);
    assert.deepEqual(titles('account'), [
      'Verify user identity (email + last 4 of payment method)',
      'Check account status in admin panel',
      'Reset password if needed',
      'Unlock account if locked',
    ]);
    assert.deepEqual(titles('booking'), [
      'Check booking state in admin',
      'Verify tutor availability',
      'Check for conflicts',
      'Manually update state if appropriate',
    ]);
    assert.deepEqual(titles('tutor'), [
      'Check tutor status in admin',
      'Verify profile completeness',
      'Check Stripe Connect status',
      'Review availability settings',
    ]);
    assert.deepEqual(titles('technical'), [
      'Gather browser/device info',
      'Check for known issues',
      'Clear cache instructions',
      'Collect screenshots/logs',
    ]);
  });

  it('sends every technical issue to Engineering', () => {
    assert.ok(policy.categories.find((c) => c.id === 'technical')?.alwaysEscalate);
    for (const c of policy.categories.filter((x) => x.id !== 'technical'))
      assert.equal(c.escalationTriggers.length, 3, c.id);
  });

  it("has the seed's five common issues with their step counts", () => {
    assert.deepEqual(
      policy.commonIssues.map((i) => [i.title, i.category, i.steps.length]),
      [
        ["I can't log in", 'account', 7],
        ['My payment failed', 'payment', 4],
        ["My booking wasn't confirmed", 'booking', 5],
        ["I didn't receive my refund", 'payment', 4],
        ["Tutor didn't show up", 'booking', 5],
      ],
    );
  });

  it('gives every step a unique id across categories and playbooks', () => {
    const stepIds = [...policy.categories.flatMap((c) => c.tier1), ...policy.commonIssues.flatMap((i) => i.steps)].map(
      (s) => s.id,
    );
    const dupes = stepIds.filter((id, i) => stepIds.indexOf(id) !== i);
    assert.deepEqual(dupes, []);
    assert.equal(stepIds.length, 20 + 25);
  });

  it('writes playbook match words in lower case, as matchCommonIssues compares tokens', () => {
    for (const issue of policy.commonIssues) {
      for (const words of issue.match) for (const w of words) assert.deepEqual(tokenize(w), [w], `${issue.id}: ${w}`);
    }
  });

  it('has the approval levels of the seed in cents with no gaps', () => {
    assert.deepEqual(
      policy.approvalTiers.map((t) => [t.role, t.maxCents]),
      [
        ['agent', 1000],
        ['support_lead', 5000],
        ['support_manager', 10000],
        ['ops_director', null],
      ],
    );
  });

  it('refers only to calendars, contacts and admin areas it defines', () => {
    const calendars = new Set(policy.calendars.map((c) => c.id));
    const contacts = new Set(policy.contacts.map((c) => c.id));
    for (const ch of policy.channels) assert.ok(calendars.has(ch.calendarId), ch.id);
    for (const s of policy.severities) {
      assert.ok(calendars.has(s.calendarId), s.id);
      for (const r of s.ladder) if (r.contactId) assert.ok(contacts.has(r.contactId), `${s.id}: ${r.contactId}`);
    }
    for (const t of policy.approvalTiers) if (t.contactId) assert.ok(contacts.has(t.contactId), t.role);
    for (const step of [...policy.categories.flatMap((c) => c.tier1), ...policy.commonIssues.flatMap((i) => i.steps)]) {
      if (step.admin) assert.ok(step.admin in policy.adminPanel, step.id);
    }
  });

  it("has the seed's admin panel locations and contact directory", () => {
    assert.deepEqual(policy.adminPanel, {
      users: '/admin/users',
      bookings: '/admin/bookings',
      tutors: '/admin/tutors',
      stripe: 'https://dashboard.stripe.com',
    });
    const contact = (id: string) => policy.contacts.find((c) => c.id === id)?.contact;
    assert.equal(contact('support-lead'), 'support-lead@edustream.com');
    assert.equal(contact('eng-oncall'), 'PagerDuty');
    assert.equal(contact('eng-lead'), 'eng-lead@edustream.com');
    assert.equal(contact('operations'), 'ops@edustream.com');
    assert.equal(contact('legal'), 'legal@edustream.com');
  });

  it('keys every template by its own id', () => {
    for (const [key, t] of Object.entries(policy.templates)) assert.equal(t.id, key);
  });
});
