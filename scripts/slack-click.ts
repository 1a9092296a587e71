// Usage: node dist/scripts/slack-click.js <approvalId> <amountCents> approve|reject [slackUserId]
//        node dist/scripts/slack-click.js ack <caseId> <escalationId> [slackUserId]
// Clicks a button the way Slack does: a form-encoded block_actions payload, signed with the Slack
// signing secret, POSTed to /slack/interactions. The first form clicks an approval request's
// Approve/Reject, the second an escalation post's Acknowledge (which stops the ladder).
// With the local Slack stand-in (npm start without SLACK_BOT_TOKEN) this is how a person "clicks";
// the demo Slack users are U0DEMOLEAD, U0DEMOMANAGER, U0DEMODIRECTOR (see SLACK_APPROVERS); any
// other id acknowledges as an engineer named after it.
import { loadConfig } from '../src/config';
import { signSlackRequest } from '../src/security/slack-signature';

const USAGE =
  'usage: node dist/scripts/slack-click.js <approvalId> <amountCents> approve|reject [slackUserId]\n' +
  '       node dist/scripts/slack-click.js ack <caseId> <escalationId> [slackUserId]';

/** The block_actions payload of the click the arguments name, or null when they name none. */
function clickPayload(argv: string[]): Record<string, unknown> | null {
  const actionTs = (Date.now() / 1000).toFixed(6);
  if (argv[0] === 'ack') {
    const [, caseId, escalationId, user = 'U0DEMOENGINEER'] = argv;
    if (!caseId || !escalationId) return null;
    return {
      type: 'block_actions',
      user: { id: user, username: user, name: user },
      trigger_id: `trigger-${actionTs}`,
      actions: [{ action_id: 'escalation_ack', value: JSON.stringify({ caseId, escalationId }), action_ts: actionTs }],
    };
  }
  const [approvalId, amount, decision, user = 'U0DEMOLEAD'] = argv;
  if (!approvalId || !/^\d+$/.test(amount ?? '') || (decision !== 'approve' && decision !== 'reject')) return null;
  return {
    type: 'block_actions',
    user: { id: user, username: user },
    actions: [
      {
        action_id: `approval_${decision}`,
        value: JSON.stringify({ approvalId, amountCents: Number(amount) }),
        action_ts: actionTs,
      },
    ],
  };
}

async function main(argv: string[]): Promise<number> {
  const payload = clickPayload(argv);
  if (!payload) {
    console.error(USAGE);
    return 2;
  }
  // A tool for `npm start`'s Slack stand-in: it signs with the secret development mode uses (yours if set).
  const config = loadConfig(process.env, { devMode: true });
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${process.env.API_URL ?? `http://127.0.0.1:${config.port}`}/slack/interactions`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(ts),
      'X-Slack-Signature': signSlackRequest(config.compensation.slackSigningSecret, body, ts),
    },
    body,
  });
  console.log(`${res.status} ${await res.text()}`);
  return res.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
