// EduStream's support process (shared/seed/support-processes.md, last updated 2026-01-29) encoded
// as data. Every table of the seed lands here; the code reads it, never restates it.
import type { SupportPolicy, TemplateDef, TemplateId } from './types';

const SIGNATURE = 'Best,\n{{agent}}\nEduStream Support';

const templates: TemplateDef[] = [
  {
    id: 'welcome',
    name: 'Welcome Response',
    source: 'seed',
    subject: 'Re: {{subject}} [{{caseRef}}]',
    body:
      "Hi {{name}},\n\nThank you for contacting EduStream Support! I'm {{agent}} and I'll be helping you today.\n\n" +
      "I've received your inquiry about {{issueSummary}}. Let me look into this for you.\n\n{{message}}\n\n" +
      SIGNATURE,
  },
  {
    id: 'account_verification',
    name: 'Account Verification',
    source: 'seed',
    subject: 'Please verify your account [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nFor security purposes, I need to verify your account before proceeding.\n\n' +
      'Could you please confirm:\n1. The email address associated with your account\n' +
      '2. The last 4 digits of the payment method on file (if applicable)\n\n' +
      "Once verified, I'll be happy to assist with your request.\n\nBest,\n{{agent}}",
  },
  {
    id: 'issue_resolved',
    name: 'Issue Resolved',
    source: 'seed',
    subject: 'Resolved: {{subject}} [{{caseRef}}]',
    body:
      "Hi {{name}},\n\nGreat news! I've {{actionTaken}} and {{expectedResult}}.\n\n" +
      'Please try {{specificAction}} and let me know if everything is working as expected.\n\n' +
      'Is there anything else I can help you with?\n\n' +
      SIGNATURE,
  },
  {
    id: 'escalation_notice',
    name: 'Escalation Notice',
    source: 'seed',
    subject: 'Your case has been escalated [{{caseRef}}]',
    body:
      "Hi {{name}},\n\nThank you for your patience. I've escalated your case to our technical team for further investigation.\n\n" +
      "Reference number: {{caseRef}}\n\nYou can expect an update within {{timeframe}}. I'll follow up personally once we have more information.\n\n" +
      SIGNATURE,
  },
  {
    id: 'compensation_offered',
    name: 'Compensation Offered',
    source: 'seed',
    subject: 'A goodwill gesture from EduStream [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nI sincerely apologize for the inconvenience you experienced with {{issue}}.\n\n' +
      "As a gesture of goodwill, I've added {{compensation}} to your account:\n{{compensationLines}}\n\n" +
      'This has been applied and is available immediately.\n\nWe value you as a customer and appreciate your understanding.\n\n' +
      SIGNATURE,
  },
  {
    id: 'agent_reply',
    name: 'Agent reply',
    source: 'orchestrator',
    subject: 'Re: {{subject}} [{{caseRef}}]',
    body: 'Hi {{name}},\n\n{{message}}\n\n' + SIGNATURE,
  },
  {
    id: 'incident_update',
    name: 'Incident update',
    source: 'orchestrator',
    subject: 'Update on the problem affecting your case [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nAn update on the problem behind your case ({{caseRef}}):\n\n{{update}}\n\n' +
      "We'll keep you posted until it is fixed.\n\nBest,\nEduStream Support",
  },
  {
    id: 'self_service_answer',
    name: 'Self-service answer (in-app)',
    source: 'orchestrator',
    subject: '{{playbookTitle}} [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nThanks for reaching out through the app. While an agent picks up your request, these steps ' +
      'solve "{{playbookTitle}}" for most people:\n\n{{steps}}\n\nIf they don\'t, just reply and we\'ll take it from there.\n\n' +
      'Best,\nEduStream Support',
  },
  {
    id: 'csat_survey',
    name: 'Satisfaction survey',
    source: 'orchestrator',
    subject: 'How did we do? [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nYour case "{{subject}}" was resolved. Would you rate the help you got from 1 (poor) to 5 (excellent)?\n\n' +
      'Rate us: {{surveyLink}}\n\nThe link works once and for {{windowText}}.\n\nBest,\nEduStream Support',
  },
  {
    // Sent to a customer whose e-mail opened a case, threaded under it; {{timeframe}} is the e-mail
    // channel's first-response promise ("24 hours").
    id: 'acknowledgement',
    name: 'Acknowledgement (e-mail intake)',
    source: 'orchestrator',
    subject: 'Re: {{subject}} [{{caseRef}}]',
    body:
      'Hi {{name}},\n\nThank you for contacting EduStream Support. We have received your message and opened a case for it.\n\n' +
      'Reference number: {{caseRef}}\n\nAn agent will answer within {{timeframe}}. To add anything, reply to this e-mail ' +
      'and keep the reference number in the subject.\n\nBest,\nEduStream Support',
  },
];

/** The seed's policy, version 2026-01-29. */
export const DEFAULT_POLICY: SupportPolicy = {
  version: '2026-01-29',
  name: 'EduStream Support Processes',
  timeZone: 'America/New_York',
  calendars: [
    {
      id: 'business-hours',
      name: 'Support business hours (Mon-Fri 09:00-18:00 New York)',
      timeZone: 'America/New_York',
      hours: [1, 2, 3, 4, 5].map((day) => ({ day: day as 1 | 2 | 3 | 4 | 5, open: '09:00', close: '18:00' })),
      holidays: ['2026-01-01', '2026-05-25', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25', '2027-01-01'],
    },
    { id: '24x7', name: 'Around the clock', timeZone: 'UTC', alwaysOpen: true, hours: [], holidays: [] },
  ],
  channels: [
    {
      id: 'email',
      name: 'Email (support@edustream.com)',
      purpose: 'General inquiries, account issues',
      firstResponseMinutes: 24 * 60,
      calendarId: '24x7',
    },
    {
      id: 'in_app',
      name: 'In-app Help',
      purpose: 'Context-aware help, FAQs',
      firstResponseMinutes: 0,
      calendarId: '24x7',
    },
    {
      id: 'chat',
      name: 'Live Chat',
      purpose: 'Urgent issues during business hours',
      firstResponseMinutes: 5,
      nextReplyMinutes: 5,
      calendarId: 'business-hours',
    },
  ],
  internalChannels: [
    { id: 'slack', name: 'Slack #support-escalations', purpose: 'Engineering escalation', responseMinutes: 30 },
    { id: 'pagerduty', name: 'PagerDuty', purpose: 'Critical incidents', responseMinutes: 15 },
    {
      id: 'engineering-email',
      name: 'Email engineering@edustream.com',
      purpose: 'Non-urgent technical issues',
      responseMinutes: 24 * 60,
    },
  ],
  categories: [
    {
      id: 'account',
      name: 'Account Issues',
      examples: ['Cannot log in', 'Password reset not working', 'Account locked', 'Profile update issues'],
      keywords: [
        'log in',
        'login',
        'sign in',
        'password',
        'locked',
        'account',
        'profile',
        'oauth',
        'google sign',
        '2fa',
      ],
      tier1: [
        {
          id: 'verify-identity',
          title: 'Verify user identity (email + last 4 of payment method)',
          automation: 'stripe.verifyIdentity',
        },
        { id: 'check-account-status', title: 'Check account status in admin panel', admin: 'users' },
        { id: 'reset-password', title: 'Reset password if needed', admin: 'users' },
        { id: 'unlock-account', title: 'Unlock account if locked', admin: 'users' },
      ],
      escalationTriggers: [
        { id: 'oauth', label: 'OAuth issues', severity: 'P2' },
        { id: 'database-inconsistency', label: 'Database inconsistencies', severity: 'P2' },
        { id: 'suspected-fraud', label: 'Suspected fraud', severity: 'P1' },
      ],
    },
    {
      id: 'payment',
      name: 'Payment Issues',
      examples: ['Payment failed', 'Refund not received', 'Wrong amount charged', 'Package not credited'],
      keywords: [
        'payment',
        'paid',
        'pay',
        'refund',
        'charge',
        'charged',
        'card',
        'declined',
        'invoice',
        'package',
        'credit',
        'money',
        'billing',
      ],
      tier1: [
        {
          id: 'verify-transaction',
          title: 'Verify transaction in Stripe dashboard',
          automation: 'stripe.lookupPayment',
          admin: 'stripe',
        },
        { id: 'check-booking-status', title: 'Check booking status in admin', admin: 'bookings' },
        { id: 'process-refund', title: 'Process refund if appropriate', admin: 'stripe' },
        { id: 'credit-wallet', title: 'Credit wallet for compensation', admin: 'stripe' },
      ],
      escalationTriggers: [
        { id: 'stripe-webhook-failure', label: 'Stripe webhook failures', severity: 'P1' },
        { id: 'disputed-transaction', label: 'Disputed transactions', severity: 'P2', raisedBy: 'stripe.dispute' },
        { id: 'system-wide-payment', label: 'System-wide payment issues', severity: 'P0' },
      ],
    },
    {
      id: 'booking',
      name: 'Booking Issues',
      examples: ['Cannot create booking', 'Booking not confirmed', 'Session not started', 'No-show dispute'],
      keywords: [
        'booking',
        'book',
        'booked',
        'session',
        'confirmed',
        'no-show',
        'no show',
        'lesson',
        'schedule',
        'zoom',
        'calendar',
        "didn't show",
      ],
      tier1: [
        { id: 'check-booking-state', title: 'Check booking state in admin', admin: 'bookings' },
        { id: 'verify-tutor-availability', title: 'Verify tutor availability', admin: 'tutors' },
        { id: 'check-conflicts', title: 'Check for conflicts', admin: 'bookings' },
        { id: 'update-booking-state', title: 'Manually update state if appropriate', admin: 'bookings' },
      ],
      escalationTriggers: [
        { id: 'state-machine-bug', label: 'State machine bugs', severity: 'P2' },
        { id: 'zoom-failure', label: 'Zoom integration failures', severity: 'P1' },
        { id: 'calendar-sync', label: 'Calendar sync issues', severity: 'P2' },
      ],
    },
    {
      id: 'tutor',
      name: 'Tutor Issues',
      examples: ['Application status inquiry', 'Profile not showing', 'Availability not updating', 'Payout issues'],
      keywords: [
        'tutor',
        'application',
        'payout',
        'availability',
        'profile not showing',
        'stripe connect',
        'ranking',
        'teach',
      ],
      tier1: [
        { id: 'check-tutor-status', title: 'Check tutor status in admin', admin: 'tutors' },
        { id: 'verify-profile', title: 'Verify profile completeness', admin: 'tutors' },
        { id: 'check-stripe-connect', title: 'Check Stripe Connect status', admin: 'tutors' },
        { id: 'review-availability', title: 'Review availability settings', admin: 'tutors' },
      ],
      escalationTriggers: [
        { id: 'stripe-connect', label: 'Stripe Connect issues', severity: 'P2' },
        { id: 'search-ranking', label: 'Search ranking problems', severity: 'P3' },
        { id: 'repeated-complaints', label: 'Repeated complaints', severity: 'P3' },
      ],
    },
    {
      id: 'technical',
      name: 'Technical Issues',
      examples: ['App not loading', 'Features not working', 'Error messages', 'Performance issues'],
      keywords: [
        'error',
        'bug',
        'crash',
        'not loading',
        'loading',
        'slow',
        'broken',
        'not working',
        'app',
        'page',
        'blank',
        'freeze',
        'performance',
      ],
      tier1: [
        { id: 'gather-device-info', title: 'Gather browser/device info' },
        { id: 'check-known-issues', title: 'Check for known issues' },
        { id: 'clear-cache', title: 'Clear cache instructions', customerFacing: true },
        { id: 'collect-logs', title: 'Collect screenshots/logs' },
      ],
      escalationTriggers: [],
      alwaysEscalate: { severity: 'P3' },
    },
  ],
  commonIssues: [
    {
      id: 'cant-log-in',
      title: "I can't log in",
      category: 'account',
      match: [['log', 'in'], ['login'], ['sign', 'in'], ['password']],
      steps: [
        { id: 'login-verify-email', title: 'Verify email is correct', customerFacing: true },
        { id: 'login-account-exists', title: 'Check if account exists', admin: 'users' },
        { id: 'login-password-reset', title: 'Try password reset', customerFacing: true },
        { id: 'login-suspended', title: 'Check if account is suspended', admin: 'users' },
        { id: 'login-clear-cache', title: 'Clear browser cache', customerFacing: true },
        { id: 'login-incognito', title: 'Try incognito mode', customerFacing: true },
        { id: 'login-escalate-oauth', title: 'Escalate if OAuth issue' },
      ],
    },
    {
      id: 'payment-failed',
      title: 'My payment failed',
      category: 'payment',
      match: [
        ['payment', 'failed'],
        ['payment', 'declined'],
        ['card', 'declined'],
        ['payment', "didn't", 'go'],
      ],
      steps: [
        {
          id: 'payfail-decline-reason',
          title: 'Check Stripe dashboard for decline reason',
          automation: 'stripe.lookupPayment',
          admin: 'stripe',
        },
        { id: 'payfail-common-reasons', title: 'Common reasons: insufficient funds, card expired, 3DS failure' },
        { id: 'payfail-other-method', title: 'Advise user to try different payment method', customerFacing: true },
        {
          id: 'payfail-actually-succeeded',
          title: 'Check if payment actually succeeded (webhook delay)',
          admin: 'stripe',
        },
      ],
    },
    {
      id: 'booking-not-confirmed',
      title: "My booking wasn't confirmed",
      category: 'booking',
      match: [
        ['booking', 'confirm'],
        ['booking', 'confirmed'],
        ['booking', 'confirmation'],
      ],
      steps: [
        { id: 'bookconf-state', title: 'Check booking state in admin', admin: 'bookings' },
        { id: 'bookconf-tutor-notified', title: 'Verify tutor received notification', admin: 'tutors' },
        { id: 'bookconf-auto-expired', title: 'Check if auto-expired', admin: 'bookings' },
        { id: 'bookconf-conflicts', title: 'Look for conflicts', admin: 'bookings' },
        { id: 'bookconf-confirm', title: 'Manually confirm if appropriate', admin: 'bookings' },
      ],
    },
    {
      id: 'refund-not-received',
      title: "I didn't receive my refund",
      category: 'payment',
      match: [
        ['refund', 'receive'],
        ['refund', 'received'],
        ['refund', 'not'],
        ['where', 'refund'],
      ],
      steps: [
        {
          id: 'refund-status',
          title: 'Check Stripe dashboard for refund status',
          automation: 'stripe.lookupPayment',
          admin: 'stripe',
        },
        { id: 'refund-processed', title: 'Verify refund was processed', admin: 'stripe' },
        { id: 'refund-explain-timing', title: 'Explain 5-10 business day processing', customerFacing: true },
        { id: 'refund-transaction-id', title: 'Provide transaction ID' },
      ],
    },
    {
      id: 'tutor-no-show',
      title: "Tutor didn't show up",
      category: 'booking',
      match: [['tutor', 'show'], ['no-show'], ['no', 'show'], ['tutor', 'never', 'joined']],
      steps: [
        { id: 'noshow-confirmed', title: 'Verify booking was confirmed', admin: 'bookings' },
        { id: 'noshow-start-time', title: 'Check session start time', admin: 'bookings' },
        { id: 'noshow-document', title: 'Document no-show' },
        { id: 'noshow-refund', title: 'Process refund per policy', admin: 'stripe' },
        { id: 'noshow-tutor-record', title: 'Update tutor record', admin: 'tutors' },
      ],
    },
  ],
  severities: [
    {
      id: 'P0',
      description: 'Service down, data loss',
      responseMinutes: 15,
      calendarId: '24x7',
      // Each rung waits its internal channel's acknowledgement time (internalChannels: Slack 30
      // minutes, PagerDuty 15, engineering@ 24 hours; src/policy/ladder.ts); a rung without one (an
      // e-mail to a person, a ticket) waits the severity's response time.
      ladder: [
        { via: 'pagerduty', target: 'PagerDuty' },
        { via: 'pagerduty', target: 'On-call', contactId: 'eng-oncall' },
        { via: 'email', target: 'CTO', contactId: 'cto' },
      ],
      whenToEscalate: [
        'Complete service outage',
        'Payment system failure',
        'Data breach suspected',
        'Security vulnerability',
      ],
    },
    {
      id: 'P1',
      description: 'Major feature broken',
      responseMinutes: 60,
      calendarId: '24x7',
      // The seed's "Slack -> Engineering Lead", with the directory's "Engineering On-call: P0/P1
      // incidents" paged between them: 30 minutes on Slack, 15 on PagerDuty, so the Lead hears
      // within the hour P1 promises.
      ladder: [
        { via: 'slack', target: '#support-escalations' },
        { via: 'pagerduty', target: 'On-call', contactId: 'eng-oncall' },
        { via: 'email', target: 'Engineering Lead', contactId: 'eng-lead' },
      ],
      whenToEscalate: [
        'Login system broken',
        'Bookings not processing',
        'Payments failing for multiple users',
        'Real-time features down',
      ],
    },
    {
      id: 'P2',
      description: 'Feature degraded',
      responseMinutes: 240,
      calendarId: 'business-hours',
      // The seed's "Slack -> Engineering", with the directory's "Engineering Lead: P2 escalations"
      // before the team's non-urgent mailbox (whose 24 hours would outlast P2's 4).
      ladder: [
        { via: 'slack', target: '#support-escalations' },
        { via: 'email', target: 'Engineering Lead', contactId: 'eng-lead' },
        { via: 'email', target: 'Engineering', contactId: 'engineering' },
      ],
      whenToEscalate: ['Single user critical issue', 'Integration failures', 'Performance degradation', 'Feature bugs'],
    },
    {
      id: 'P3',
      description: 'Minor issue',
      responseMinutes: 24 * 60,
      calendarId: 'business-hours',
      ladder: [
        { via: 'ticket', target: 'Engineering ticket' },
        { via: 'email', target: 'Engineering', contactId: 'engineering' },
      ],
      whenToEscalate: [],
    },
  ],
  resolutionTargetMinutes: 24 * 60,
  adminPanel: {
    users: '/admin/users',
    bookings: '/admin/bookings',
    tutors: '/admin/tutors',
    stripe: 'https://dashboard.stripe.com',
  },
  templates: Object.fromEntries(templates.map((t) => [t.id, t])) as Record<TemplateId, TemplateDef>,
  compensation: [
    {
      id: 'service_outage',
      issueType: 'Service outage affecting booking',
      description: 'Full refund + 10% credit',
      refund: 'full',
      creditPercent: 0.1,
    },
    {
      id: 'tutor_no_show',
      issueType: 'Tutor no-show',
      description: 'Full refund + free session credit',
      refund: 'full',
      freeSessionCredit: true,
    },
    {
      id: 'payment_error',
      issueType: 'Payment processing error',
      description: 'Refund + $5 credit',
      refund: 'full',
      creditRangeCents: [500, 500],
    },
    {
      id: 'minor_inconvenience',
      issueType: 'Minor inconvenience',
      description: '$5-10 credit',
      refund: 'none',
      creditRangeCents: [500, 1000],
    },
    {
      id: 'major_inconvenience',
      issueType: 'Major inconvenience',
      description: '$15-25 credit',
      refund: 'none',
      creditRangeCents: [1500, 2500],
    },
  ],
  // The seed's table says "Up to $10 / $11-50 / $51-100 / Over $100"; in cents the gaps close
  // (DESIGN.md decision 2): 1001-5000 is the Support Lead's.
  approvalTiers: [
    { role: 'agent', label: 'Tier 1 Support', maxCents: 1000 },
    { role: 'support_lead', label: 'Support Lead', maxCents: 5000, contactId: 'support-lead' },
    { role: 'support_manager', label: 'Support Manager', maxCents: 10000, contactId: 'support-lead' },
    { role: 'ops_director', label: 'Operations Director', maxCents: null, contactId: 'operations' },
  ],
  contacts: [
    {
      id: 'support-lead',
      role: 'Support Lead',
      contact: 'support-lead@edustream.com',
      when: 'Approvals, complex cases',
    },
    { id: 'eng-oncall', role: 'Engineering On-call', contact: 'PagerDuty', when: 'P0/P1 incidents' },
    { id: 'eng-lead', role: 'Engineering Lead', contact: 'eng-lead@edustream.com', when: 'P2 escalations' },
    { id: 'operations', role: 'Operations', contact: 'ops@edustream.com', when: 'Business escalations' },
    { id: 'legal', role: 'Legal', contact: 'legal@edustream.com', when: 'Legal/compliance issues' },
    // Not in the seed's directory, which names the CTO only in the P0 path and engineering@ as a channel.
    { id: 'cto', role: 'CTO', contact: 'cto@edustream.com', when: 'P0 escalations nobody acknowledged' },
    {
      id: 'engineering',
      role: 'Engineering',
      contact: 'engineering@edustream.com',
      when: 'Non-urgent technical issues',
    },
  ],
  metrics: [
    {
      id: 'first_response_time',
      name: 'First Response Time',
      target: '<4 hours',
      comparator: '<',
      value: 4,
      unit: 'hours',
    },
    { id: 'resolution_time', name: 'Resolution Time', target: '<24 hours', comparator: '<', value: 24, unit: 'hours' },
    { id: 'csat', name: 'Customer Satisfaction (CSAT)', target: '>90%', comparator: '>', value: 90, unit: 'percent' },
    {
      id: 'first_contact_resolution',
      name: 'First Contact Resolution',
      target: '>70%',
      comparator: '>',
      value: 70,
      unit: 'percent',
    },
    { id: 'escalation_rate', name: 'Escalation Rate', target: '<20%', comparator: '<', value: 20, unit: 'percent' },
  ],
  csat: { surveyDelayMinutes: 24 * 60, responseWindowMinutes: 7 * 24 * 60 },
  reopen: { windowMinutes: 14 * 24 * 60, maxReopensBeforeEscalation: 2 },
  permissions: {
    'case.open': ['intake', 'agent', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'case.read': ['agent', 'support_lead', 'support_manager', 'ops_director', 'engineer', 'intake', 'admin'],
    'case.work': ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'case.customerReply': ['intake', 'admin'],
    'case.reopen': ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin', 'intake'],
    'case.close': ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'compensation.propose': ['agent', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'approval.decide': ['support_lead', 'support_manager', 'ops_director', 'admin'],
    'escalation.ack': ['engineer', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'incident.read': ['agent', 'support_lead', 'support_manager', 'ops_director', 'engineer', 'admin'],
    // "Opened by an engineer, the support lead or up"; agents link and unlink their own cases.
    'incident.manage': ['engineer', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    'incident.link': ['agent', 'engineer', 'support_lead', 'support_manager', 'ops_director', 'admin'],
    // The inbound e-mail the product could not place (GET /inbound/rejected): staff, support lead and up.
    'inbound.review': ['support_lead', 'support_manager', 'ops_director', 'admin'],
    // A calendar change reaches every open case at once (a batch operation): admins only.
    'policy.admin': ['admin'],
    'deployment.record': ['deployer', 'admin'],
  },
  // The seed sets no approval deadlines; ours: a reminder after 4 hours, the next tier after a day,
  // expiry after 3 days (calendar time: money waits for nobody's business hours).
  approvals: { reminderMinutes: 4 * 60, escalateMinutes: 24 * 60, expireMinutes: 3 * 24 * 60 },
  // The seed sets no warning time; ours: 20% of the target before the deadline (1 of 5 chat minutes,
  // 3 of a P0's 15). A case reopened more often than reopen.maxReopensBeforeEscalation escalates as
  // the seed's "Repeated complaints": P3.
  sla: { warnBeforePercent: 20, reopenEscalationSeverity: 'P3', noticeContactId: 'support-lead' },
  // Not the seed's: any case can be flagged legal/compliance, whatever its category (P3: Legal is
  // e-mailed at once, Engineering gets a ticket).
  anyCategoryTriggers: [{ id: 'legal-compliance', label: 'Legal/compliance issues', severity: 'P3' }],
  // The seed's directory: Legal for "Legal/compliance issues" (a suspected data breach, suspected
  // fraud, a case flagged legal-compliance), Operations for "Business escalations" (money and the
  // business itself: disputed transactions, system-wide payment issues, a tutor's repeated complaints).
  escalationNotices: [
    {
      contactId: 'legal',
      triggers: ['suspected-fraud', 'legal-compliance'],
      signals: ['Data breach suspected', 'Suspected fraud'],
    },
    { contactId: 'operations', triggers: ['disputed-transaction', 'system-wide-payment', 'repeated-complaints'] },
  ],
  // The seed's weekly report goes to the Support Lead; business time is the support team's hours.
  // Known issues: a burst of cases about the same thing opens a suspected incident, and an open
  // incident of a rule's component links the cases that match it (the seed: fifty customers write
  // in when checkout breaks; Technical Tier 1 step 2 "Check for known issues").
  incidents: {
    detection: [
      {
        id: 'payments-failing',
        title: 'Payments failing for multiple users',
        category: 'payment',
        component: 'payments',
        match: [
          ['payment', 'failed'],
          ['payment', 'failing'],
          ['payment', 'declined'],
          ['card', 'declined'],
          ['checkout', 'failed'],
          ['checkout', 'error'],
          ['charge', 'failed'],
        ],
        threshold: 5,
        windowMinutes: 15,
        severity: 'P1',
      },
      {
        id: 'bookings-failing',
        title: 'Bookings not processing',
        category: 'booking',
        component: 'bookings',
        match: [
          ['booking', 'failed'],
          ['booking', 'error'],
          ['cannot', 'book'],
          ["can't", 'book'],
        ],
        threshold: 5,
        windowMinutes: 15,
        severity: 'P1',
      },
      {
        id: 'login-broken',
        title: 'Login system broken',
        component: 'login',
        match: [
          ['login', 'error'],
          ['login', 'broken'],
          ['cannot', 'log', 'in'],
          ["can't", 'log', 'in'],
          ['login', 'failed'],
        ],
        threshold: 5,
        windowMinutes: 15,
        severity: 'P1',
      },
      {
        id: 'video-down',
        title: 'Real-time features down',
        component: 'video',
        match: [
          ['video', 'not', 'working'],
          ['video', 'frozen'],
          ['video', 'black'],
          ['session', 'disconnected'],
        ],
        threshold: 5,
        windowMinutes: 15,
        severity: 'P1',
      },
    ],
  },
  reporting: { contactId: 'support-lead', businessCalendarId: 'business-hours', caseMarks: true },
};
