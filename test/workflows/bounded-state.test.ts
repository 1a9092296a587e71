import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import { tempArchiveDir } from '../../dev/fixtures';
import { startSmtpInbox, type SmtpInbox } from '../../dev/standins/smtp-inbox';
import { startStripeStandin, type StripeStandin } from '../../dev/standins/stripe-standin';
import {
  actionUpdateId,
  addNoteUpdate,
  caseViewQuery,
  caseWorkflowId,
  CASE_WORKFLOW_TYPE,
  TRAIL_LIMITS,
  type CaseInput,
  type NoteInput,
  type SupportCaseWorkflow,
  type TimelineEntry,
} from '../../workflows/contracts';
import { eventually } from '../helpers/wait';
import { agent, bearer, caseInput, caseWorker, TEST_ENV } from '../helpers/cases';
import { createTimeSkippingEnv, uniqueTaskQueue } from '../helpers/temporal';

const NOTES = 5000;
const CONCURRENCY = 8;
const KB = 1024;

/** Runs fn over 0..n-1, `width` at a time. */
async function pool(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

describe('bounded case state: 5,000 notes on one case (time-skipping server, archive in a temp dir)', function () {
  this.timeout(240_000);
  let env: TestWorkflowEnvironment;
  let inbox: SmtpInbox;
  let stripe: StripeStandin;
  let worker: Worker;
  let running: Promise<void>;
  let app: Express;
  const taskQueue = uniqueTaskQueue('bounded');
  const archiveDir = tempArchiveDir();

  before(async () => {
    [env, inbox, stripe] = await Promise.all([
      createTimeSkippingEnv(),
      startSmtpInbox(),
      startStripeStandin({ seedDemoData: true }),
    ]);
    worker = await caseWorker(env, taskQueue, { inbox, stripe, archiveDir });
    running = worker.run();
    const config = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: taskQueue, ARCHIVE_DIR: archiveDir });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await Promise.all([env?.teardown(), inbox?.close(), stripe?.close()]);
  });

  it('continues as new, carries under 256 KB, answers its view, and GET /timeline returns every note once, in order', async () => {
    const input = caseInput({ settings: { ...caseInput().settings, continueAsNewAfterEvents: 1000 } });
    const handle = await env.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
    });
    const firstRun = handle.firstExecutionRunId;

    // Keyed like the API's Idempotency-Key: an Update retried around a continue-as-new runs once.
    // Each answer names the seq its note got: the order the case took them in.
    const started = Date.now();
    let retries = 0;
    const seqOf = new Map<string, number>();
    await pool(NOTES, CONCURRENCY, async (i) => {
      const note = { actor: agent, text: `note ${i}: called the customer back about booking ${i}` };
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await env.client.workflow
            .getHandle(handle.workflowId)
            .executeUpdate(addNoteUpdate, { args: [note], updateId: actionUpdateId(agent.id, `note-${i}`) });
          if (r.produced?.seq !== undefined) seqOf.set(note.text, r.produced.seq);
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          retries++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
    const sendMs = Date.now() - started;

    // The view answers, bounded; its JSON and the query's latency are printed, never asserted on time.
    const current = env.client.workflow.getHandle(handle.workflowId);
    const latencies: number[] = [];
    let view = await current.query(caseViewQuery);
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      view = await current.query(caseViewQuery);
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    latencies.sort((a, b) => a - b);
    const apiLatencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      await request(app).get(`/cases/${input.caseId}`).set(bearer('agent')).expect(200);
      apiLatencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    apiLatencies.sort((a, b) => a - b);
    const viewBytes = Buffer.byteLength(JSON.stringify(view));
    assert.ok(view.timeline.length <= TRAIL_LIMITS.timelineMax, `timeline of ${view.timeline.length} entries`);
    assert.ok(view.notes.length <= TRAIL_LIMITS.notesKeep, `${view.notes.length} notes in the view`);
    const byCase = [...seqOf.entries()].sort((a, b) => a[1] - b[1]).map(([text]) => text);
    assert.equal(view.notes.at(-1)?.text, byCase.at(-1), 'the newest note is in the view');
    assert.ok((view.archivedThrough ?? 0) > 0, 'the older trail is archived');

    // Every run the case continued into started with the state the previous one carried: walk them back.
    const { workflowService } = env.client.connection;
    const firstEvent = async (runId: string) =>
      (
        await workflowService.getWorkflowExecutionHistory({
          namespace: env.namespace ?? 'default',
          execution: { workflowId: handle.workflowId, runId },
          maximumPageSize: 1,
        })
      ).history!.events![0].workflowExecutionStartedEventAttributes!;
    let runId = (await current.describe()).runId;
    let runs = 1;
    let maxCarried = 0; // the whole input of the next run: the case's input (its policy snapshot too) and its state
    let maxState = 0; // the state alone (`resume`)
    for (;;) {
      const startedAttrs = await firstEvent(runId);
      const prev = startedAttrs.continuedExecutionRunId;
      if (!prev) break;
      const carried = startedAttrs.input!.payloads![0].data!;
      maxCarried = Math.max(maxCarried, carried.length);
      const resume = (JSON.parse(Buffer.from(carried).toString('utf8')) as CaseInput).resume;
      maxState = Math.max(maxState, Buffer.byteLength(JSON.stringify(resume)));
      runs++;
      runId = prev;
    }
    assert.equal(runId, firstRun, 'the runs lead back to the first');
    assert.ok(runs > 1, 'the case continued as new');
    assert.ok(maxCarried < 256 * KB, `a run carried ${maxCarried} bytes`);
    assert.ok(maxState < maxCarried);

    // The whole trail through the API, newest first, page by page.
    const trail: TimelineEntry[] = [];
    let before: number | null | undefined;
    let pages = 0;
    const readStarted = Date.now();
    do {
      const res = await request(app)
        .get(`/cases/${input.caseId}/timeline`)
        .query({ limit: 500, ...(before ? { before } : {}) })
        .set(bearer('agent'))
        .expect(200);
      trail.push(...(res.body.entries as TimelineEntry[]));
      before = res.body.next as number | null;
      pages++;
    } while (before);
    const readMs = Date.now() - readStarted;
    const seqs = trail.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => seqs.length - i),
      'seqs run down to 1 without a gap or a repeat',
    );
    const notes = trail
      .filter((e) => e.action === 'note_added')
      .reverse()
      .map((e) => e.note);
    assert.equal(notes.length, NOTES, 'every note');
    assert.equal(new Set(notes).size, NOTES, 'no note twice');
    assert.equal(seqOf.size, NOTES, 'every Update answered with its note');
    assert.deepEqual(notes, byCase, 'in the order the case took them');
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    console.log(
      `      ${NOTES} notes in ${(sendMs / 1000).toFixed(1)} s (${retries} retries), ${runs} runs; ` +
        `largest carried input ${(maxCarried / KB).toFixed(1)} KB (state ${(maxState / KB).toFixed(1)} KB); view ${(viewBytes / KB).toFixed(1)} KB, ` +
        `query p50 ${ms(latencies[10])} max ${ms(latencies.at(-1)!)}, GET /cases/:id p50 ${ms(apiLatencies[10])} ` +
        `max ${ms(apiLatencies.at(-1)!)}; trail of ${trail.length} entries ` +
        `in ${pages} pages, ${readMs} ms`,
    );
  });

  const open = async (overrides: Partial<CaseInput> = {}) => {
    const input = caseInput(overrides);
    const handle = await env.client.workflow.start<SupportCaseWorkflow>(CASE_WORKFLOW_TYPE, {
      workflowId: caseWorkflowId(input.caseId),
      taskQueue,
      args: [input],
    });
    return { input, handle };
  };
  const low = { ...caseInput().settings, trailLimits: { timelineKeep: 3, timelineMax: 5, notesKeep: 2 } };
  const note = (text: string) => ({ args: [{ actor: agent, text }] as [NoteInput] });
  const timeline = (caseId: string, query: Record<string, unknown> = {}) =>
    request(app).get(`/cases/${caseId}/timeline`).query(query).set(bearer('agent'));

  it('pages through the trail newest first with a next cursor; refuses a bad cursor, no token, an unknown case', async () => {
    const { input, handle } = await open({ settings: low });
    for (let i = 1; i <= 8; i++) await handle.executeUpdate(addNoteUpdate, note(`note ${i}`));
    await eventually(async () => ((await handle.query(caseViewQuery)).archivedThrough ? true : undefined), 'archive');
    const v = await handle.query(caseViewQuery);
    assert.deepEqual(v.archivedActions, { opened: 1, note_added: v.archivedThrough! - 1 }, 'counts of what left');
    const first = await timeline(input.caseId, { limit: 4 }).expect(200);
    assert.deepEqual(
      first.body.entries.map((e: TimelineEntry) => e.seq),
      [9, 8, 7, 6],
    );
    assert.equal(first.body.next, 6);
    const second = await timeline(input.caseId, { limit: 4, before: 6 }).expect(200);
    assert.deepEqual(
      second.body.entries.map((e: TimelineEntry) => [e.seq, e.action, e.note]),
      [
        [5, 'note_added', 'note 4'],
        [4, 'note_added', 'note 3'],
        [3, 'note_added', 'note 2'],
        [2, 'note_added', 'note 1'],
      ],
    );
    const last = await timeline(input.caseId, { limit: 4, before: second.body.next }).expect(200);
    assert.deepEqual(
      last.body.entries.map((e: TimelineEntry) => e.action),
      ['opened'],
    );
    assert.equal(last.body.next, null);
    assert.equal((await timeline(input.caseId, { before: 'abc' }).expect(400)).body.error.code, 'bad_request');
    await timeline(input.caseId, { before: 0 }).expect(400);
    await timeline(input.caseId, { limit: 10_000 }).expect(400);
    await request(app).get(`/cases/${input.caseId}/timeline`).expect(401);
    await timeline('ES-NOSUCHCASE1').expect(404);
    await timeline('not-a-case').expect(404);
  });

  it('a state carried from before bounded state keeps every note: legacy notes get their seq and text, then archive', async () => {
    // What a run before bounded state carried: notes without seqs, note_added entries without text, no lastSeq.
    const { handle: source } = await open();
    for (let i = 1; i <= 4; i++) await source.executeUpdate(addNoteUpdate, note(`legacy ${i}`));
    const legacyView = await source.query(caseViewQuery);
    for (const n of legacyView.notes) delete n.seq;
    for (const e of legacyView.timeline) delete e.note;
    const caseId = caseInput().caseId;
    const { input, handle } = await open({
      caseId,
      settings: low,
      resume: { view: { ...legacyView, caseId, reference: caseId }, resolutionEpoch: 0, closedAtMs: 0, outbox: [] },
    });
    for (let i = 1; i <= 4; i++) await handle.executeUpdate(addNoteUpdate, note(`new ${i}`));
    await eventually(async () => ((await handle.query(caseViewQuery)).archivedThrough ? true : undefined), 'archive');
    const after = await handle.query(caseViewQuery);
    assert.ok((after.archivedThrough ?? 0) >= 3, 'legacy notes went to the archive');
    assert.ok(after.notes.length <= 2);
    const res = await timeline(input.caseId, { limit: 100 }).expect(200);
    assert.deepEqual(
      res.body.entries.map((e: TimelineEntry) => [e.seq, e.note ?? e.action]),
      [
        [9, 'new 4'],
        [8, 'new 3'],
        [7, 'new 2'],
        [6, 'new 1'],
        [5, 'legacy 4'],
        [4, 'legacy 3'],
        [3, 'legacy 2'],
        [2, 'legacy 1'],
        [1, 'opened'],
      ],
    );
  });
});
