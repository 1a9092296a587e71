import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { verifyApprovalDecision } from '../../../src/security/approval-signature';
import { TEST_ENV } from '../../../dev/fixtures';
import { cliCommand, parseArgs, signedDecision, UsageError } from '../../../scripts/approval-decision';

const SECRET = 'test-approval-secret-for-the-script-0123456789';
const TOKENS = JSON.stringify({
  'token-of-dana-director-0001': { name: 'Dana Director', role: 'ops_director' },
  'token-of-alex-agent-000001': { name: 'Alex Agent', role: 'agent' },
});
// A deployment's environment: outside development mode every secret must be set.
const ENV = {
  ...TEST_ENV,
  SLACK_APPROVERS: '{}',
  APPROVAL_SIGNING_SECRET: SECRET,
  API_TOKENS: TOKENS,
  APPROVER_TOKEN: 'token-of-dana-director-0001',
};
const NOW = Date.parse('2025-03-03T12:00:00Z');

describe('scripts/approval-decision', () => {
  it('reads the approval, the decision, the amount, a note and --send', () => {
    assert.deepEqual(parseArgs(['ES-ABC123-C2', 'reject', '12000', '--note', ' not this time ', '--send']), {
      approvalId: 'ES-ABC123-C2',
      decision: 'reject',
      amountCents: 12000,
      note: 'not this time',
      send: true,
    });
  });

  it('names what is missing or wrong on the command line', () => {
    const cases: [string[], RegExp][] = [
      [[], /missing <approvalId>/],
      [['nope', 'approve', '1'], /'nope' is not an approval id/],
      [['ES-ABC123-C2', 'maybe', '1'], /missing approve\|reject/],
      [['ES-ABC123-C2', 'approve'], /missing <amountCents>/],
      [['ES-ABC123-C2', 'approve', '12.50'], /whole cents/],
      [['ES-ABC123-C2', 'approve', '1', '--note'], /--note needs a text/],
      [['ES-ABC123-C2', 'approve', '1', '--force'], /unknown option --force/],
    ];
    for (const [argv, message] of cases)
      assert.throws(
        () => parseArgs(argv),
        (e) => e instanceof UsageError && message.test(e.message),
      );
  });

  it('signs for the holder of APPROVER_TOKEN, never for a name given on the command line', () => {
    const args = parseArgs(['ES-ABC123-C2', 'approve', '12000', '--note', 'ok']);
    const { workflowId, payload } = signedDecision(ENV, args, NOW);
    assert.equal(workflowId, 'case-ES-ABC123');
    assert.deepEqual(payload.actor, { id: 'dana-director', name: 'Dana Director', role: 'ops_director' });
    assert.equal(payload.expiresAt, '2025-03-03T12:15:00.000Z');
    const claim = {
      approvalId: 'ES-ABC123-C2',
      decision: 'approve' as const,
      amountCents: 12000,
      approver: payload.actor,
      expiresAt: payload.expiresAt!,
    };
    assert.deepEqual(verifyApprovalDecision(SECRET, claim, payload.signature, NOW), { ok: true });
    assert.deepEqual(verifyApprovalDecision(SECRET, { ...claim, amountCents: 12001 }, payload.signature, NOW), {
      ok: false,
      reason: 'bad signature',
    });
  });

  it('names APPROVER_TOKEN when it is missing, unknown or not an approver', () => {
    const args = parseArgs(['ES-ABC123-C2', 'approve', '1']);
    assert.throws(
      () => signedDecision({ ...ENV, APPROVER_TOKEN: undefined }, args),
      /^ConfigError: APPROVER_TOKEN: not set/,
    );
    assert.throws(
      () => signedDecision({ ...ENV, APPROVER_TOKEN: 'somebody-elses-token' }, args),
      /APPROVER_TOKEN: not one of the configured/,
    );
    assert.throws(
      () => signedDecision({ ...ENV, APPROVER_TOKEN: 'token-of-alex-agent-000001' }, args),
      /APPROVER_TOKEN: Alex Agent \(agent\) may not decide approvals/,
    );
  });

  it('prints a temporal command whose --input the shell passes through unchanged', () => {
    const { workflowId, payload } = signedDecision(
      ENV,
      parseArgs(['ES-ABC123-C2', 'approve', '1', '--note', "it's $HOME `x`"]),
      NOW,
    );
    const command = cliCommand(workflowId, payload, {
      temporalBin: 'temporal',
      namespace: 'support',
      address: '10.0.0.1:7233',
    });
    assert.match(
      command,
      /^temporal workflow signal --address '10\.0\.0\.1:7233' --namespace 'support' --workflow-id 'case-ES-ABC123' --name approvalDecision --input '/,
    );
    const input = command.slice(command.indexOf('--input ') + '--input '.length);
    const echoed = execFileSync('sh', ['-c', `printf %s ${input}`], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(echoed), payload);
    assert.doesNotMatch(
      cliCommand(workflowId, payload, { temporalBin: 't', namespace: 'default' }),
      /--namespace|--address/,
    );
  });
});
