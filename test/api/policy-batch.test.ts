import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { DEFAULT_POLICY } from '../../src/policy/default-policy';
import type { CaseView } from '../../workflows/contracts';
import { bearer, startCaseRig, TEST_ENV, type CaseRig } from '../helpers/cases';
import { eventually } from '../helpers/wait';

const AGENT = bearer('agent');
const ADMIN = bearer('admin');

describe('HTTP API: a calendar change reaches every open case in one batch operation (dev server)', function () {
  this.timeout(180_000);
  let rig: CaseRig;
  let env: TestWorkflowEnvironment;
  let app: Express;

  before(async () => {
    rig = await startCaseRig({ server: 'dev', prefix: 'batch' });
    env = rig.env;
    const config = loadConfig({ ...TEST_ENV, TEMPORAL_TASK_QUEUE: rig.taskQueue });
    app = createApp({ client: env.client, config, policy: DEFAULT_POLICY, log: () => undefined });
  });
  after(() => rig?.stop());

  it('signals calendarChanged to every running case once; admins only; a bad calendar changes nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(app)
        .post('/cases')
        .set(AGENT)
        .send({
          channel: 'email',
          customer: { name: `Customer ${i}`, email: `c${i}@example.com` },
          subject: 'Cannot log in',
          description: 'The login page says my password is wrong.',
        })
        .expect(201);
      ids.push((res.body as CaseView).caseId);
    }
    const base = DEFAULT_POLICY.calendars.find((c) => c.id === 'business-hours')!;
    const calendar = {
      name: base.name,
      timeZone: base.timeZone,
      hours: base.hours,
      holidays: [...base.holidays, '2026-12-24'],
    };
    await request(app).post('/policy/calendars/business-hours').set(AGENT).send(calendar).expect(403);
    await request(app).post('/policy/calendars/no-such-calendar').set(ADMIN).send(calendar).expect(404);
    const bad = await request(app)
      .post('/policy/calendars/business-hours')
      .set(ADMIN)
      .send({ ...calendar, hours: [{ day: 1, open: '17:00', close: '09:00' }] })
      .expect(422);
    assert.equal(bad.body.error.code, 'invalid_action');

    // Visibility must list the cases before the batch's query can find them.
    await eventually(async () => {
      const res = await request(app).get('/cases?status=new').set(AGENT).expect(200);
      return ids.every((id) => (res.body.cases as { caseId: string }[]).some((c) => c.caseId === id))
        ? true
        : undefined;
    }, 'the cases in visibility');
    const started = await request(app)
      .post('/policy/calendars/business-hours')
      .set(ADMIN)
      .set('Idempotency-Key', 'xmas-eve-2026')
      .send(calendar)
      .expect(202);
    const jobId = started.body.jobId as string;
    const again = await request(app)
      .post('/policy/calendars/business-hours')
      .set(ADMIN)
      .set('Idempotency-Key', 'xmas-eve-2026')
      .send(calendar)
      .expect(202);
    assert.deepEqual([again.body.jobId, again.headers['idempotent-replayed']], [jobId, 'true']);

    for (const id of ids) {
      await eventually(
        async () => {
          const v = (await request(app).get(`/cases/${id}`).set(AGENT).expect(200)).body as CaseView;
          return v.timeline.some((t) => t.action === 'calendar_changed') ? v : undefined;
        },
        `${id} re-planned`,
        60_000,
      );
    }
    const batch = await eventually(
      async () => {
        const res = await request(app).get(`/policy/batches/${jobId}`).set(ADMIN).expect(200);
        return res.body.state === 'completed' ? res.body : undefined;
      },
      'the batch completed',
      60_000,
    );
    assert.ok(batch.completed >= 4, JSON.stringify(batch));
    for (const id of ids) {
      const v = (await request(app).get(`/cases/${id}`).set(AGENT).expect(200)).body as CaseView;
      assert.equal(v.timeline.filter((t) => t.action === 'calendar_changed').length, 1, `${id}: told once`);
    }
  });
});
