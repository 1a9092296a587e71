// Usage: npm run -s approval-decision -- <approvalId> approve|reject <amountCents> [--note text] [--send]
// An approval decision for approvers who decide with a raw signal (Temporal CLI or Web UI) rather
// than the API or Slack. The workflow acts only on decisions the product signed (DESIGN.md,
// decision 12), so this signs one for the holder of APPROVER_TOKEN (one of the configured API
// tokens) with APPROVAL_SIGNING_SECRET, and prints the `temporal workflow signal` command that
// sends it, or with --send sends it through the SDK client. The signature covers the approval id,
// the decision, the amount, the approver and the expiry; it is valid for 15 minutes.
import { lookupToken } from '../src/security/bearer-tokens';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { deploymentPolicy } from '../src/config/policy-file';
import { roleMay } from '../src/policy/rules';
import { signApprovalDecision } from '../src/security/approval-signature';
import { actorOf } from '../src/security/staff-directory';
import { connectClient } from '../src/temporal';
import {
  APPROVAL_ID_PATTERN,
  approvalDecisionSignal,
  caseWorkflowId,
  type ApprovalDecisionInput,
} from '../workflows/contracts';

/** How to call the script. */
export const USAGE =
  'usage: npm run -s approval-decision -- <approvalId> approve|reject <amountCents> [--note text] [--send]';
/** How long a printed decision stays valid: long enough to paste it into a terminal or the Web UI. */
export const DECISION_VALID_MINUTES = 15;

/** A mistake in the command line, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What the command line asks for. */
export interface DecisionArgs {
  approvalId: string;
  decision: 'approve' | 'reject';
  amountCents: number;
  note?: string;
  send: boolean;
}

/** Reads `<approvalId> approve|reject <amountCents> [--note text] [--send]`; a UsageError names what is wrong. */
export function parseArgs(argv: string[]): DecisionArgs {
  const positional: string[] = [];
  let note: string | undefined;
  let send = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--send') send = true;
    else if (a === '--note') {
      note = argv[++i];
      if (note === undefined || note.trim() === '') throw new UsageError('--note needs a text');
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  const [approvalId, decision, amount, ...extra] = positional;
  if (!approvalId) throw new UsageError('missing <approvalId> (e.g. ES-7K2M9Q4X-C1)');
  if (!APPROVAL_ID_PATTERN.test(approvalId))
    throw new UsageError(`'${approvalId}' is not an approval id (<caseId>-C<n>, e.g. ES-7K2M9Q4X-C1)`);
  if (decision !== 'approve' && decision !== 'reject') throw new UsageError('missing approve|reject');
  if (amount === undefined) throw new UsageError('missing <amountCents> (the amount the request shows, in cents)');
  if (!/^\d{1,12}$/.test(amount)) throw new UsageError(`<amountCents> must be whole cents, not '${amount}'`);
  if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
  return { approvalId, decision, amountCents: Number(amount), ...(note ? { note: note.trim() } : {}), send };
}

/** The signed signal payload for the holder of APPROVER_TOKEN, and the case it goes to. */
export function signedDecision(
  env: NodeJS.ProcessEnv,
  args: DecisionArgs,
  nowMs = Date.now(),
): { config: Config; workflowId: string; payload: ApprovalDecisionInput } {
  const config = loadConfig(env);
  const token = env.APPROVER_TOKEN;
  if (!token)
    throw new ConfigError('APPROVER_TOKEN: not set (the API token of the approver the decision is signed for)');
  const who = lookupToken(config.tokens, token);
  if (!who) throw new ConfigError('APPROVER_TOKEN: not one of the configured API tokens (API_TOKENS)');
  if (!roleMay(deploymentPolicy(config), who.role, 'approval.decide'))
    throw new ConfigError(`APPROVER_TOKEN: ${who.name} (${who.role}) may not decide approvals`);
  const actor = actorOf(who);
  const expiresAt = new Date(nowMs + DECISION_VALID_MINUTES * 60_000).toISOString();
  const signature = signApprovalDecision(config.approvalSigningSecret, {
    approvalId: args.approvalId,
    decision: args.decision,
    amountCents: args.amountCents,
    approver: { id: actor.id, name: actor.name, role: actor.role },
    expiresAt,
  });
  const payload: ApprovalDecisionInput = {
    actor,
    approvalId: args.approvalId,
    decision: args.decision,
    amountCents: args.amountCents,
    ...(args.note ? { note: args.note } : {}),
    via: 'signal',
    expiresAt,
    signature,
  };
  const caseId = APPROVAL_ID_PATTERN.exec(args.approvalId)![1];
  return { config, workflowId: caseWorkflowId(caseId), payload };
}

/** A word as the shell reads it literally. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The `temporal workflow signal` command that sends the payload (the project's pinned CLI when installed). */
export function cliCommand(
  workflowId: string,
  payload: ApprovalDecisionInput,
  opts: { temporalBin: string; address?: string; namespace: string },
): string {
  return [
    opts.temporalBin,
    'workflow signal',
    ...(opts.address ? [`--address ${shellQuote(opts.address)}`] : []),
    ...(opts.namespace !== 'default' ? [`--namespace ${shellQuote(opts.namespace)}`] : []),
    `--workflow-id ${shellQuote(workflowId)}`,
    `--name ${approvalDecisionSignal.name}`,
    `--input ${shellQuote(JSON.stringify(payload))}`,
  ].join(' ');
}

async function main(argv: string[]): Promise<number> {
  let args: DecisionArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  let built: ReturnType<typeof signedDecision>;
  try {
    built = signedDecision(process.env, args);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 2;
  }
  const { config, workflowId, payload } = built;
  const who = `${payload.actor.name} (${payload.actor.role})`;
  if (!args.send) {
    const root = path.resolve(__dirname, '..', '..');
    const temporalBin = existsSync(path.join(root, '.venv', 'bin', 'temporal')) ? '.venv/bin/temporal' : 'temporal';
    console.log(
      cliCommand(workflowId, payload, {
        temporalBin,
        address: config.temporal.address,
        namespace: config.temporal.namespace,
      }),
    );
    console.error(`signed for ${who}; valid until ${payload.expiresAt}`);
    return 0;
  }
  const client = await connectClient(config.temporal, config.encryption);
  try {
    await client.workflow.getHandle(workflowId).signal(approvalDecisionSignal, payload);
  } finally {
    await client.connection.close();
  }
  console.log(
    `sent: ${args.decision} ${args.approvalId} (${args.amountCents} cents) as ${who} to ${workflowId}; ` +
      'the case timeline shows whether it was taken',
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
